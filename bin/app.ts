#!/usr/bin/env node
/**
 * The only reader of CDK context and environment variables. Chooses the environment
 * (`-c env=<name>`, default dev), applies `-c <dotted.path>=<value>` overrides and builds its stage.
 */
import { App } from 'aws-cdk-lib';
import { ConfigError, loadConfig, topLevelConfigFields } from '../lib/config/load';
import { buildCs2AnalyticsApp } from '../lib/cs2-analytics-app';

const app = new App({
  // The CLI asks the app to leave validation reporting to it, but then reports only on the stacks
  // it selected: a plain `cdk synth` selects none inside a Stage. Failing in the app itself makes
  // every synth, diff and deploy stop on an unacknowledged finding, whatever was selected.
  postCliContext: { '@aws-cdk/core:failSynthOnValidationErrors': true },
});
const context = app.node.getAllContext();
const topLevel = new Set(topLevelConfigFields());
const overrides = Object.fromEntries(
  Object.entries(context).filter(([key]) => /^[A-Za-z]\w*(\.\w+)+$/.test(key) || topLevel.has(key)),
);

try {
  const config = loadConfig({
    envName: String(context.env ?? 'dev'),
    overrides,
    defaultAccount: process.env.CDK_DEFAULT_ACCOUNT,
    defaultRegion: process.env.CDK_DEFAULT_REGION,
  });
  buildCs2AnalyticsApp(app, config);
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}
