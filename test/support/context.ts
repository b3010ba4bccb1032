import * as fs from 'fs';
import * as path from 'path';

/** A stand-in account id, so templates are identical on every machine whatever its credentials. */
export const TEST_ACCOUNT = '111111111111';

/** The context cdk.json gives the CLI (feature flags), so tests synthesize what `cdk synth` does. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(fs.readFileSync(path.join(__dirname, '../../cdk.json'), 'utf8'));
  return cdkJson.context ?? {};
}
