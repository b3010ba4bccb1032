/**
 * The partition-maintenance Lambda: runs daily (EventBridge) and once per deployment (a CloudFormation
 * custom resource whose service token is this function, so no extra provider function exists).
 * Thin on purpose: the work is in job.ts and pass.ts.
 */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { RDSClient } from '@aws-sdk/client-rds';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { isCustomResourceEvent, respondToCloudFormation, stackIsRollingBack, type CustomResourceEvent } from '../shared/cloudformation';
import { readJobEnvironment, runConversionJob, runJob, syncAppRoles, type ConversionResult, type JobResult } from './job';
import { logEvent } from './maintain';
import { TABLE_CONVERSION_RESOURCE_TYPE } from '../../lib/contract';

const rds = new RDSClient({});
const secrets = new SecretsManagerClient({});
const cloudFormation = new CloudFormationClient({});

/** A direct invocation asking for the one-time conversion (`npm run convert`). */
export interface ConvertRequest {
  readonly action: 'convert';
  /** `schema.table`; every maintained table when absent. */
  readonly table?: string;
}

function isConvertRequest(event: unknown): event is ConvertRequest {
  return (event as Partial<ConvertRequest> | null)?.action === 'convert';
}

export async function handler(event: unknown): Promise<JobResult | ConversionResult | void> {
  if (isCustomResourceEvent(event))
    return event.ResourceType === TABLE_CONVERSION_RESOURCE_TYPE ? conversionAfterMigrations(event) : deploymentRun(event);
  if (isConvertRequest(event)) {
    const result = await runConversionJob({ env: readJobEnvironment(process.env), rds, secrets }, event.table);
    // A failed conversion fails the invocation, so that the caller's command fails too.
    if (result.status === 'failed') throw new Error(`conversion failed: ${JSON.stringify(result.tables)}`);
    return result;
  }
  const result = await runJob({ env: readJobEnvironment(process.env), rds, secrets });
  // A failed pass fails the invocation: Lambda retries it, then sends it to the dead-letter queue.
  if (result.status === 'failed') throw new Error(`partition maintenance failed: ${JSON.stringify(summaryErrors(result))}`);
  return result;
}

/**
 * At deploy time: install or upgrade sql/ and run one pass. A pass whose tables report errors does
 * not fail the deployment (its alarms will); one that cannot install sql/ or reach the database does.
 */
async function deploymentRun(event: CustomResourceEvent): Promise<void> {
  if (event.RequestType === 'Delete') {
    await respondToCloudFormation(event, 'SUCCESS', 'nothing to remove: the SQL stays with the data');
    return;
  }
  // What the newer deployment installed stays (sql/ only moves forward, and the roles are the
  // same): a rollback has nothing to put back here, and must not fail on a database that is busy.
  if (event.RequestType === 'Update' && (await stackIsRollingBack(cloudFormation, event))) {
    await respondToCloudFormation(event, 'SUCCESS', 'the stack is rolling back: the database keeps what it has');
    return;
  }
  // The answer is sent once, after the work: a SUCCESS that fails to arrive is not turned into FAILED.
  let answer: Parameters<typeof respondToCloudFormation>;
  try {
    const deps = { env: readJobEnvironment(process.env), rds, secrets };
    const result = await runJob(deps);
    // The services log in as the app's roles: a deployment that cannot set them up fails.
    const roles = await syncAppRoles(deps);
    const reason = result.status === 'skipped' ? (result.reason ?? 'skipped') : `pass ${result.status}; app roles ${roles}`;
    answer = [event, 'SUCCESS', reason, { Status: result.status, AppRoles: roles }];
  } catch (error) {
    logEvent({ event: 'deployment-run-failed', error: (error as Error).message });
    answer = [event, 'FAILED', (error as Error).message];
  }
  await respondToCloudFormation(...answer);
}

/**
 * Right after the deployment's migrations: converts the tables they created plain (the first
 * deploy's empty `"GameEvent"` at once; one that holds rows only where convertPlainTables says so).
 * A conversion that fails fails the deployment; nothing runs while the stack rolls back.
 */
async function conversionAfterMigrations(event: CustomResourceEvent): Promise<void> {
  if (event.RequestType === 'Delete') return respondToCloudFormation(event, 'SUCCESS', 'nothing to remove: the tables stay partitioned');
  if (event.RequestType === 'Update' && (await stackIsRollingBack(cloudFormation, event))) {
    return respondToCloudFormation(event, 'SUCCESS', 'the stack is rolling back: the tables stay as they are');
  }
  let answer: Parameters<typeof respondToCloudFormation>;
  try {
    const deps = { env: readJobEnvironment(process.env), rds, secrets };
    const result = await runConversionJob(deps, undefined, { atDeployment: true });
    const summary = result.tables.map((table) => `${table.table}: ${table.status}`).join('; ');
    if (result.status === 'failed') {
      answer = [event, 'FAILED', `conversion failed: ${JSON.stringify(result.tables.filter((table) => table.status === 'failed'))}`];
    } else if (result.status === 'skipped') {
      answer = [event, 'FAILED', `conversion could not run: ${result.reason}; deploy again once the writer is available`];
    } else {
      // A pass over the tables as they now are: their months ahead are published before the
      // monitoring stack's alarms first look (the deploy's first pass ran before the tables existed).
      // As at deployment, a pass whose tables report errors does not fail the deploy: its alarms will.
      const pass = await runJob(deps);
      answer = [event, 'SUCCESS', `${summary || 'no table to convert'}; pass ${pass.status}`];
    }
  } catch (error) {
    logEvent({ event: 'conversion-run-failed', error: (error as Error).message });
    answer = [event, 'FAILED', (error as Error).message];
  }
  await respondToCloudFormation(...answer);
}

function summaryErrors(result: JobResult): string[] {
  return 'tables' in result ? result.tables.flatMap((table) => table.errors) : [];
}
