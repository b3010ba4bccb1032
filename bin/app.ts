#!/usr/bin/env node
/**
 * The only reader of CDK context and environment variables. Chooses the environment
 * (`-c env=<name>`, default dev), applies `-c <dotted.path>=<value>` overrides and builds its stage.
 *
 * `CS2ANALYTICS_VALIDATION_CACHE=<dir>` keeps the validators' findings there instead of
 * node_modules/.cache/cs2-analytics-validation; `off` validates every template on every synth.
 */
import { App } from 'aws-cdk-lib';
import { FAIL_ON_FINDINGS_CONTEXT } from '../lib/compliance/gates';
import { ConfigError, loadConfig, topLevelConfigFields } from '../lib/config/load';
import { buildCs2AnalyticsApp } from '../lib/cs2-analytics-app';

// Every synth, diff and deploy stops on an unacknowledged finding, whatever stacks were selected.
const app = new App({ postCliContext: FAIL_ON_FINDINGS_CONTEXT });
const context = app.node.getAllContext();
const topLevel = new Set(topLevelConfigFields());
const overrides = Object.fromEntries(Object.entries(context).filter(([key]) => /^[A-Za-z]\w*(\.\w+)+$/.test(key) || topLevel.has(key)));

try {
  const config = loadConfig({
    envName: String(context.env ?? 'dev'),
    overrides,
    defaultAccount: process.env.CDK_DEFAULT_ACCOUNT,
    defaultRegion: process.env.CDK_DEFAULT_REGION,
  });
  const validationCache = process.env.CS2ANALYTICS_VALIDATION_CACHE;
  buildCs2AnalyticsApp(app, config, {
    validationCache: validationCache === 'off' ? false : validationCache || undefined,
    // This process synthesizes one app: the validation engine starts while the app is built.
    prewarm: true,
    cloudFormationValidation: process.env.CDK_VALIDATION !== 'false',
  });
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}
