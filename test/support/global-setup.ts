import * as fs from 'fs';
import * as path from 'path';
import { loadConfig } from '../../lib/config/load';
import { synthesizeEnvironment } from '../../lib/synthesize';
import { cdkJsonContext, TEST_ACCOUNT } from './context';
import { SYNTH_ROOT, VARIANTS } from './variants';

/** Synthesizes every variant once per test run; test files read the result from disk. */
export default function globalSetup(): void {
  fs.rmSync(SYNTH_ROOT, { recursive: true, force: true });
  for (const variant of VARIANTS) {
    const outdir = path.join(SYNTH_ROOT, variant.name);
    const config = loadConfig({ envName: variant.envName, overrides: variant.overrides, defaultAccount: TEST_ACCOUNT });
    const result = synthesizeEnvironment(config, outdir, cdkJsonContext());
    fs.writeFileSync(path.join(outdir, 'result.json'), JSON.stringify({ config, ...result }, null, 2));
  }
}
