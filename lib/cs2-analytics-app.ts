import type { App } from 'aws-cdk-lib';
import { Cs2AnalyticsEnvironment } from './environment';
import { addComplianceGates, type ComplianceGateOptions } from './compliance/gates';
import type { EnvironmentConfig } from './config/schema';

/** Adds the compliance gates and the environment's stacks to an app. Shared by bin/ and the tests. */
export function buildCs2AnalyticsApp(app: App, config: EnvironmentConfig, compliance: ComplianceGateOptions = {}): Cs2AnalyticsEnvironment {
  addComplianceGates(app, compliance);
  return new Cs2AnalyticsEnvironment(app, { config });
}
