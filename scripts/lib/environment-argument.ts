import { ConfigError, loadConfig } from '../../lib/config/load';
import type { EnvironmentConfig } from '../../lib/config/schema';

/**
 * The arguments of a command that takes only an environment: `--env <env>` or `--env=<env>`, and
 * `--help`. Returns the environment's configuration, or the exit code to stop with (0 after help, 2
 * for bad arguments or configuration), having said why.
 */
export function environmentFromArguments(argv: readonly string[], usage: string): EnvironmentConfig | number {
  let envName: string | undefined;
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index];
    if (argument === '--env') envName = argv[++index];
    else if (argument.startsWith('--env=')) envName = argument.slice('--env='.length);
    else if (argument === '--help' || argument === '-h') {
      console.log(usage);
      return 0;
    } else {
      console.error(`unknown option ${argument}\n${usage}`);
      return 2;
    }
  }
  if (!envName) {
    console.error(`--env is required\n${usage}`);
    return 2;
  }
  try {
    return loadConfig({ envName });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    return 2;
  }
}
