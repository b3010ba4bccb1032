/**
 * The command line of every command in scripts/ (and npm run maintenance), on node:util parseArgs
 * in strict mode: `--name value` and `--name=value`, `-h`/`--help` everywhere, and one line naming
 * an unknown option, with the option the user probably meant.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError } from '../../lib/config/load';
import { didYouMean } from '../../lib/config/suggest';

/** The exit codes of every command (README, Commands). */
export const EXIT = {
  /** Done: everything checked passed. */
  ok: 0,
  /** The command ran and failed, or refused to go on: a preflight problem, a failed check, migration, restart or conversion. */
  failed: 1,
  /** Bad arguments or configuration: nothing was run. */
  usage: 2,
  /** npm run impact: the comparison succeeded, and the change replaces or removes data or CloudFormation would refuse it. */
  danger: 3,
} as const;

/** Bad arguments: the message names the argument; the command prints it with its usage and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** `--help` or `-h`: the command prints its usage on stdout and exits 0. */
export class HelpRequested extends Error {
  constructor() {
    super('help');
    this.name = 'HelpRequested';
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

export interface CommandLineSpec<O extends Options> {
  readonly options: O;
  /** How many arguments may stand alone (not an option's value). @default 0 */
  readonly positionals?: number;
  /** Whether what follows `--` is passed on (to the CDK CLI, say) instead of refused. @default false */
  readonly passThrough?: boolean;
}

type Values<O extends Options> = ReturnType<typeof parseArgs<{ options: O; strict: true; allowPositionals: true }>>['values'];

export interface CommandLine<O extends Options> {
  readonly values: Values<O>;
  readonly positionals: readonly string[];
  /** What followed `--`, when the spec passes it on. */
  readonly passThrough: readonly string[];
}

const HELP = { help: { type: 'boolean', short: 'h' } } as const;

/**
 * Parses a command's arguments (without node and the script). Throws HelpRequested when `--help` or
 * `-h` comes before any `--`, whatever else is wrong, and UsageError naming the first bad argument.
 */
export function parseCommandLine<const O extends Options>(argv: readonly string[], spec: CommandLineSpec<O>): CommandLine<O> {
  const options = { ...spec.options, ...HELP };
  const longNames = Object.keys(options).map((name) => `--${name}`);
  const { tokens } = parseArgs({ args: [...argv], options, strict: false, allowPositionals: true, tokens: true });
  const terminator = tokens.find((token) => token.kind === 'option-terminator');
  const before = terminator ? tokens.filter((token) => token.index < terminator.index) : tokens;
  // `--env -h`: the option lacks its value (see below), and the user asked for help.
  const asksForHelp = (token: (typeof tokens)[number]) =>
    token.kind === 'option' && (token.name === 'help' || (!token.inlineValue && (token.value === '-h' || token.value === '--help')));
  if (before.some(asksForHelp)) throw new HelpRequested();
  // The checks strict mode makes, with messages that name the argument as typed.
  for (const token of before) {
    if (token.kind !== 'option') continue;
    const option = Object.hasOwn(options, token.name) ? options[token.name as keyof typeof options] : undefined;
    if (option === undefined) throw new UsageError(`unknown option ${token.rawName}${didYouMean(token.rawName, longNames)}`);
    if (option.type === 'boolean' && token.value !== undefined)
      throw new UsageError(`${token.rawName} takes no value (got ${token.value})`);
    if (option.type === 'string' && (token.value === undefined || (!token.inlineValue && token.value.startsWith('-')))) {
      throw new UsageError(`${token.rawName} needs a value`);
    }
  }
  const positionals = before.flatMap((token) => (token.kind === 'positional' ? [token.value] : []));
  if (positionals.length > (spec.positionals ?? 0)) {
    throw new UsageError(`unexpected argument ${positionals[spec.positionals ?? 0]}`);
  }
  const passThrough = terminator ? argv.slice(terminator.index + 1) : [];
  if (passThrough.length > 0 && !spec.passThrough) throw new UsageError(`unexpected argument ${passThrough[0]}`);
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...(terminator ? argv.slice(0, terminator.index) : argv)], options, strict: true, allowPositionals: true });
  } catch (error) {
    // What the checks above do not foresee, in Node's words.
    throw new UsageError((error as Error).message);
  }
  const { help: _help, ...values } = parsed.values;
  return { values: values as Values<O>, positionals, passThrough };
}

/**
 * Prints what a usage problem calls for and returns the exit code: the usage on stdout and 0 for
 * --help; the problem and the usage on stderr and 2 for bad arguments; the problems and 2 for a
 * configuration that does not validate (nothing ran either). Undefined for any other error.
 */
export function usageExit(error: unknown, usage: string): number | undefined {
  if (error instanceof HelpRequested) {
    console.log(usage);
    return EXIT.ok;
  }
  if (error instanceof UsageError) {
    console.error(`${error.message}\n${usage}`);
    return EXIT.usage;
  }
  if (error instanceof ConfigError) {
    console.error(error.message);
    return EXIT.usage;
  }
  return undefined;
}

/**
 * Runs a command's reading of its arguments (and configuration): what `read` returns, or the exit code
 * to stop with after --help or a usage problem, printed as usageExit does. Any other error is thrown.
 */
export function argumentsOrExit<T>(usage: string, read: () => T): { readonly value: T } | { readonly exit: number } {
  try {
    return { value: read() };
  } catch (error) {
    const exit = usageExit(error, usage);
    if (exit === undefined) throw error;
    return { exit };
  }
}

/**
 * For a script that runs at its top level rather than through runMain: the parsed command line, or
 * the process ends as usageExit says (help, or a usage error). `check` may refuse values, with UsageError.
 */
export function commandLineOrExit<const O extends Options, T>(
  argv: readonly string[],
  spec: CommandLineSpec<O>,
  usage: string,
  check: (commandLine: CommandLine<O>) => T,
): T {
  const parsed = argumentsOrExit(usage, () => check(parseCommandLine(argv, spec)));
  if ('exit' in parsed) process.exit(parsed.exit);
  return parsed.value;
}

/** A whole number option's value, at least `minimum`; a usage error otherwise. */
export function wholeNumber(name: string, value: string, minimum = 0): number {
  if (!/^\d+$/.test(value) || Number(value) < minimum)
    throw new UsageError(`--${name} must be a whole number of at least ${minimum} (got ${value})`);
  return Number(value);
}
