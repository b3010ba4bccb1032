import { format } from 'util';

export interface CommandResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs a command's main function (scripts/*.ts, the function its npm script runs through runMain)
 * in this process, collecting what it prints: the same code as the npm script, without paying a
 * Node process and a fresh aws-cdk-lib per call. Each command keeps one test through npm itself.
 */
export async function runInProcess(main: (argv: readonly string[]) => Promise<number>, argv: readonly string[]): Promise<CommandResult> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const log = jest.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void stdout.push(`${format(...args)}\n`));
  const error = jest.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void stderr.push(`${format(...args)}\n`));
  try {
    const status = await main(argv);
    return { status, stdout: stdout.join(''), stderr: stderr.join('') };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}
