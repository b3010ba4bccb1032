#!/usr/bin/env node
/**
 * The only reader of CDK context and environment variables. Chooses the environment
 * (`-c env=<name>`, default dev), applies `-c <dotted.path>=<value>` overrides and builds its stage.
 *
 * `-c delivery=true` builds the account's delivery stack instead (`Cs2Analytics-<account>-delivery`:
 * GitHub's OIDC provider and the deploy roles, lib/stacks/delivery-stack.ts), from `-c githubRepository=
 * <owner>/<name>` (required) and the other values of DELIVERY_CONTEXT.
 *
 * `CS2ANALYTICS_VALIDATION_CACHE=<dir>` keeps the validators' findings there instead of
 * node_modules/.cache/cs2-analytics-validation; `off` validates every template on every synth.
 */
import { App } from 'aws-cdk-lib';
import { addComplianceGates, FAIL_ON_FINDINGS_CONTEXT } from '../lib/compliance/gates';
import { ConfigError, loadConfig, topLevelConfigFields } from '../lib/config/load';
import { buildCs2AnalyticsApp } from '../lib/cs2-analytics-app';
import { DeliveryStack, deliveryRequested, deliveryStackProps } from '../lib/stacks/delivery-stack';

// Every synth, diff and deploy stops on an unacknowledged finding, whatever stacks were selected.
const app = new App({ postCliContext: FAIL_ON_FINDINGS_CONTEXT });
const context = app.node.getAllContext();
const topLevel = new Set(topLevelConfigFields());
const overrides = Object.fromEntries(Object.entries(context).filter(([key]) => /^[A-Za-z]\w*(\.\w+)+$/.test(key) || topLevel.has(key)));

try {
  const validationCache = process.env.CS2ANALYTICS_VALIDATION_CACHE;
  const compliance = {
    validationCache: validationCache === 'off' ? (false as const) : validationCache || undefined,
    // This process synthesizes one app: the validation engine starts while the app is built.
    prewarm: true,
    cloudFormationValidation: process.env.CDK_VALIDATION !== 'false',
  };
  if (deliveryRequested(context)) {
    // The account's delivery stack alone, with the same compliance gates.
    const props = deliveryStackProps(context, {
      defaultAccount: process.env.CDK_DEFAULT_ACCOUNT,
      defaultRegion: process.env.CDK_DEFAULT_REGION,
    });
    addComplianceGates(app, compliance);
    new DeliveryStack(app, 'Delivery', props);
  } else {
    const config = loadConfig({
      envName: String(context.env ?? 'dev'),
      overrides,
      defaultAccount: process.env.CDK_DEFAULT_ACCOUNT,
      defaultRegion: process.env.CDK_DEFAULT_REGION,
    });
    buildCs2AnalyticsApp(app, config, compliance);
  }
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}
