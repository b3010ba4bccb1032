import * as fs from 'fs';
import * as path from 'path';

/** The context cdk.json gives the CLI (feature flags), so that scripts and tests build what `cdk synth` does. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'cdk.json'), 'utf8'));
  return cdkJson.context ?? {};
}
