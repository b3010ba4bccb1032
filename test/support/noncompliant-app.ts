/**
 * A CDK app with one unacknowledged finding inside a Stage, built like bin/app.ts: for the test that
 * the CLI's plain `cdk synth` fails on it (test/compliance.test.ts). NONCOMPLIANT_APP_FAIL_IN_APP=false
 * leaves out FAIL_ON_FINDINGS_CONTEXT, to show what it prevents.
 */
import { App, Stack, Stage } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { addComplianceGates, FAIL_ON_FINDINGS_CONTEXT } from '../../lib/compliance/gates';

const failInApp = process.env.NONCOMPLIANT_APP_FAIL_IN_APP !== 'false';
const app = new App(failInApp ? { postCliContext: FAIL_ON_FINDINGS_CONTEXT } : {});
addComplianceGates(app);
const stage = new Stage(app, 'probe', { env: { account: '111111111111', region: 'eu-west-1' } });
new sqs.Queue(new Stack(stage, 'Queues'), 'Unencrypted', { encryption: sqs.QueueEncryption.UNENCRYPTED });
