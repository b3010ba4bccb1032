import { App } from 'aws-cdk-lib';
import * as cxapi from 'aws-cdk-lib/cx-api';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Cs2AnalyticsEnvironment } from '../../lib/environment';
import type { EnvironmentConfig } from '../../lib/config/schema';
import { cdkJsonContext } from './cdk-json';

/**
 * The templates of one environment, built in this process without the compliance gates and without
 * bundling the Lambda (its asset hash then follows the source): for comparing two configurations,
 * not for deploying. Keyed by stack name.
 */
export function synthesizeTemplates(config: EnvironmentConfig): Map<string, any> {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cs2-templates-'));
  try {
    // Templates only: no stack traces in the metadata, neither the constructs' creation stacks nor
    // the metadata entries' (under Jest, whose source maps rewrite every captured trace, they were
    // about a fifth of a synthesis).
    const app = new App({
      outdir,
      // Templates to compare, not to deploy: the validators run on the deploy's own synth.
      builtinCloudFormationValidation: false,
      stackTraces: false,
      context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [], [cxapi.DISABLE_CREATION_STACK_TRACES]: true },
    });
    new Cs2AnalyticsEnvironment(app, { config });
    const assembly = app.synth();
    return new Map(assembly.stacks.map((stack) => [stack.stackName, stack.template]));
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}
