/**
 * The one-time conversion of the tables the app's migrations create, run where the database is:
 * it invokes the environment's partition-maintenance function (which sits in the VPC, next to the
 * writer) with a convert request and prints its report.
 *
 *   npm run convert -- --env <env> [--table <schema>.<table>]
 *
 * Exit 0: converted (or already partitioned); 1: failed or skipped; 2: bad arguments.
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { PARTITION_MAINTENANCE_FUNCTION_OUTPUT, stackName } from '../lib/config/names';
import { ConfigError, loadConfig } from '../lib/config/load';
import { runMain } from './lib/run-main';

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
      exitCode: 1,
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
  if (response.FunctionError) return { exitCode: 1, output: `conversion failed in ${functionName}: ${body.errorMessage ?? payload}` };
  const succeeded = body.status === 'succeeded';
  return { exitCode: succeeded ? 0 : 1, output: JSON.stringify(body, null, 2) };
}

function parse(argv: readonly string[]): { envName: string; table?: string } {
  let envName: string | undefined;
  let table: string | undefined;
  for (let index = 0; index < argv.length; index++) {
    if (argv[index] === '--env') envName = argv[++index];
    else if (argv[index] === '--table') table = argv[++index];
    else throw new Error(`unknown option ${argv[index]}`);
  }
  if (!envName) throw new Error('--env is required');
  if (table !== undefined && !/^[^.]+\.[^.]+$/.test(table)) throw new Error(`--table takes <schema>.<table> (got ${table})`);
  return { envName, table };
}

async function main(argv: readonly string[]): Promise<number> {
  let request: { envName: string; table?: string };
  let region: string;
  try {
    request = parse(argv);
    region = loadConfig({ envName: request.envName }).region;
  } catch (error) {
    console.error(
      error instanceof ConfigError
        ? error.message
        : `${(error as Error).message}\nusage: npm run convert -- --env <env> [--table <schema>.<table>]`,
    );
    return 2;
  }
  const { exitCode, output } = await convertRemotely(request, {
    cloudformation: new CloudFormationClient({ region }),
    // A conversion may take minutes (it builds an index concurrently): wait as long as the function may run.
    lambda: new LambdaClient({ region, requestHandler: { requestTimeout: 16 * 60 * 1000 } }),
  });
  (exitCode === 0 ? console.log : console.error)(output);
  return exitCode;
}

runMain(module, main);
