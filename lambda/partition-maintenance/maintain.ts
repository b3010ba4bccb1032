import { Client, type ClientConfig } from 'pg';
import { runPass, type PassOptions, type PassSummary } from './pass';

/** One structured JSON log line (CloudWatch Logs Insights reads the fields). */
export function logEvent(event: Record<string, unknown>, write: (line: string) => void = (line) => console.log(line)): void {
  write(JSON.stringify({ time: new Date().toISOString(), source: 'partition-maintenance', ...event }));
}

/**
 * Connects, runs one pass, disconnects: the code path the Lambda handler and the command line
 * share. The connection is a plain session on the writer (never through RDS Proxy): the pass needs
 * a session advisory lock, SET lock_timeout and DETACH ... CONCURRENTLY.
 */
export async function runMaintenance(connection: ClientConfig, options: PassOptions): Promise<PassSummary> {
  const client = new Client({ ...connection, application_name: 'cs2-partition-maintenance' });
  await client.connect();
  try {
    return await runPass(client, options);
  } finally {
    await client.end().catch(() => undefined);
  }
}
