/** Runs a command's main function when its file is executed, and exits with the code it returns. */
export function runMain(module: NodeModule, main: (argv: readonly string[]) => Promise<number>): void {
  if (require.main !== module) return;
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
