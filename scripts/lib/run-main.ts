import { EXIT } from './command-line';

/**
 * The AWS SDK for JavaScript v3 warns, eight lines on stderr, on every command that makes a client
 * (and through them on every CDK CLI run they start) when Node is older than the SDK's next minimum
 * (22: SDK releases after the first week of January 2027). The README says which Node versions this
 * project supports and until when; the SDK's own switch turns off that one warning (a user's own
 * setting wins), every other warning still prints.
 */
export function silenceSdkNodeVersionWarning(env: NodeJS.ProcessEnv = process.env): void {
  env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
}

/** Runs a command's main function when its file is executed, and exits with the code it returns. */
export function runMain(module: NodeModule, main: (argv: readonly string[]) => Promise<number>): void {
  if (require.main !== module) return;
  silenceSdkNodeVersionWarning();
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(EXIT.failed);
    },
  );
}
