/**
 * The one-time conversion of the tables the app's migrations create, run where the database is:
 * it invokes the environment's partition-maintenance function (which sits in the VPC, next to the
 * writer) with a convert request and prints its report.
 *
 *   npm run convert -- --env <env> [--table <schema>.<table>]
 *
 * Exit 0: converted (or already partitioned); 1: failed or skipped; 2: bad arguments or configuration
 * (README, Commands).
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { PARTITION_MAINTENANCE_FUNCTION_OUTPUT, stackName } from '../lib/config/names';
import { loadConfig } from '../lib/config/load';
import { argumentsOrExit, EXIT, parseCommandLine, UsageError } from './lib/command-line';
import { ENV_OPTION, environmentName } from './lib/environment-argument';
import { runMain } from './lib/run-main';

const USAGE = 'usage: npm run convert -- --env <env> [--table <schema>.<table>]';

export interface ConvertClients {
  readonly cloudformation: Pick<CloudFormationClient, 'send'>;
  readonly lambda: Pick<LambdaClient, 'send'>;
}

export async function convertRemotely(
  request: { envName: string; table?: string },
  clients: ConvertClients,
): Promise<{ exitCode: number; output: string }> {
  const maintenanceStack = stackName(request.envName, 'Maintenance');
  const { Stacks } = await clients.cloudformation.send(new DescribeStacksCommand({ StackName: maintenanceStack }));
  const functionName = Stacks?.[0]?.Outputs?.find((output) => output.OutputKey === PARTITION_MAINTENANCE_FUNCTION_OUTPUT)?.OutputValue;
  if (!functionName) {
    return {
      exitCode: EXIT.failed,
      output: `${maintenanceStack} has no output ${PARTITION_MAINTENANCE_FUNCTION_OUTPUT}: deploy the environment first`,
    };
  }
  const response = await clients.lambda.send(
    new InvokeCommand({
      FunctionName: functionName,
      InvocationType: 'RequestResponse',
      Payload: Buffer.from(JSON.stringify({ action: 'convert', ...(request.table ? { table: request.table } : {}) })),
    }),
  );
  const payload = response.Payload ? Buffer.from(response.Payload).toString('utf8') : '';
  const body = payload ? JSON.parse(payload) : {};
  if (response.FunctionError)
    return { exitCode: EXIT.failed, output: `conversion failed in ${functionName}: ${body.errorMessage ?? payload}` };
  const succeeded = body.status === 'succeeded';
  return { exitCode: succeeded ? EXIT.ok : EXIT.failed, output: JSON.stringify(body, null, 2) };
}

/** Throws UsageError or HelpRequested. */
export function parseConvertArguments(argv: readonly string[]): { envName: string; table?: string } {
  const { values } = parseCommandLine(argv, { options: { ...ENV_OPTION, table: { type: 'string' } } });
  const envName = environmentName(values.env);
  const table = values.table;
  if (table !== undefined && !/^[^.]+\.[^.]+$/.test(table)) throw new UsageError(`--table takes <schema>.<table> (got ${table})`);
  return { envName, table };
}

export async function main(argv: readonly string[], clients?: ConvertClients): Promise<number> {
  const parsed = argumentsOrExit(USAGE, () => {
    const request = parseConvertArguments(argv);
    return { request, region: loadConfig({ envName: request.envName }).region };
  });
  if ('exit' in parsed) return parsed.exit;
  const { request, region } = parsed.value;
  const { exitCode, output } = await convertRemotely(
    request,
    clients ?? {
      cloudformation: new CloudFormationClient({ region }),
      // A conversion may take minutes (it builds an index concurrently): wait as long as the function may run.
      lambda: new LambdaClient({ region, requestHandler: { requestTimeout: 16 * 60 * 1000 } }),
    },
  );
  (exitCode === EXIT.ok ? console.log : console.error)(output);
  return exitCode;
}

runMain(module, main);
