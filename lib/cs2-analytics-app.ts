import type { App } from 'aws-cdk-lib';
import { Cs2AnalyticsStage } from './app-stage';
import { addComplianceGates, type ComplianceGateOptions } from './compliance/gates';
import type { EnvironmentConfig } from './config/schema';

/** Adds the compliance gates and the environment's stage to an app. Shared by bin/ and the tests. */
export function buildCs2AnalyticsApp(app: App, config: EnvironmentConfig, compliance: ComplianceGateOptions = {}): Cs2AnalyticsStage {
  addComplianceGates(app, compliance);
  return new Cs2AnalyticsStage(app, config.envName, { config });
}
