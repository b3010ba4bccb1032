import * as fs from 'fs';
import * as path from 'path';

function cdkJson(): { app: string; context?: Record<string, unknown> } {
  return JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'cdk.json'), 'utf8'));
}

/** The context cdk.json gives the CLI (feature flags), so that scripts and tests build what `cdk synth` does. */
export function cdkJsonContext(): Record<string, unknown> {
  return cdkJson().context ?? {};
}

/** The command the CLI runs the app with (its Node options included), so that scripts and tests run it the same way. */
export function cdkJsonApp(): string {
  return cdkJson().app;
}
