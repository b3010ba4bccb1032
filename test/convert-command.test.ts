import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { convertRemotely } from '../scripts/convert';

const cloudformation = mockClient(CloudFormationClient);
const lambda = mockClient(LambdaClient);
const clients = () => ({ cloudformation: new CloudFormationClient({}), lambda: new LambdaClient({}) });
const payload = (body: unknown) => new Uint8Array(Buffer.from(JSON.stringify(body))) as never;

beforeEach(() => {
  cloudformation.reset();
  lambda.reset();
  cloudformation.on(DescribeStacksCommand, { StackName: 'Cs2Analytics-prod-maintenance' }).resolves({
    Stacks: [
      {
        StackName: 'Cs2Analytics-prod-maintenance',
        CreationTime: new Date(),
        StackStatus: 'CREATE_COMPLETE',
        Outputs: [{ OutputKey: 'PartitionMaintenanceFunctionName', OutputValue: 'maintenance-fn' }],
      },
    ],
  });
});

test("finds the function in the maintenance stack's outputs and invokes it with a convert request", async () => {
  lambda.on(InvokeCommand).resolves({
    StatusCode: 200,
    Payload: payload({ status: 'succeeded', tables: [{ table: '"public"."GameEvent"', status: 'converted' }] }),
  });
  const result = await convertRemotely({ envName: 'prod', table: 'public.GameEvent' }, clients());
  expect(result.exitCode).toBe(0);
  expect(result.output).toContain('"status": "converted"');
  const input = lambda.commandCalls(InvokeCommand)[0].args[0].input;
  expect(input).toMatchObject({ FunctionName: 'maintenance-fn', InvocationType: 'RequestResponse' });
  expect(JSON.parse(Buffer.from(input.Payload as Uint8Array).toString())).toEqual({ action: 'convert', table: 'public.GameEvent' });
});

test("a failed conversion fails the command with the function's message", async () => {
  lambda.on(InvokeCommand).resolves({
    StatusCode: 200,
    FunctionError: 'Unhandled',
    Payload: payload({ errorMessage: 'conversion failed: table "public"."GameEvent" does not exist' }),
  });
  expect(await convertRemotely({ envName: 'prod' }, clients())).toEqual({
    exitCode: 1,
    output: 'conversion failed in maintenance-fn: conversion failed: table "public"."GameEvent" does not exist',
  });
});

test('a skipped run (database not available) fails the command; an environment not deployed says so', async () => {
  lambda.on(InvokeCommand).resolves({
    StatusCode: 200,
    Payload: payload({ status: 'skipped', reason: 'database cs2analytics-prod is rebooting, not serving', tables: [] }),
  });
  expect((await convertRemotely({ envName: 'prod' }, clients())).exitCode).toBe(1);
  cloudformation
    .on(DescribeStacksCommand)
    .resolves({ Stacks: [{ StackName: 'x', CreationTime: new Date(), StackStatus: 'CREATE_COMPLETE', Outputs: [] }] });
  expect(await convertRemotely({ envName: 'prod' }, clients())).toEqual({
    exitCode: 1,
    output: 'Cs2Analytics-prod-maintenance has no output PartitionMaintenanceFunctionName: deploy the environment first',
  });
});
