/**
 * Benchmark: what the application feels while partitions rotate.
 *
 * Embedded PostgreSQL, a monthly "GameEvent" table with 15 months of rows, a steady insert+select
 * load from several clients, and a 6-second analytics transaction open over the whole table. Then
 * one rotation that creates 3 months and retires 2, done two ways in the same run, on two copies of
 * the same database:
 *   - the maintenance pass (CREATE TABLE ... LIKE + ATTACH, DETACH CONCURRENTLY, lock_timeout + retry);
 *   - the original approach (CREATE TABLE ... PARTITION OF + DROP TABLE), which needs ACCESS
 *     EXCLUSIVE on the parent and queues every client behind the analytics transaction.
 * Prints the load's p50/p99/max latency and failed transactions during each rotation.
 * Target for the pass: max latency at most 100 ms, zero failed transactions. It prints; it never fails.
 *
 * Usage: npm run bench:maintenance [-- --clients 4 --rows-per-month 20000 --analytics-seconds 6]
 */
import { Client } from 'pg';
import { monthDate, monthLabel, monthOf } from '../lambda/partition-maintenance/months';
import { runPass } from '../lambda/partition-maintenance/pass';
import { commandLineOrExit, wholeNumber } from './lib/command-line';
import { startPostgresServer } from './lib/embedded-postgres';
import { createSampleGameEvents } from './lib/sample-game-events';

const { CLIENTS, ROWS_PER_MONTH, ANALYTICS_SECONDS } = commandLineOrExit(
  process.argv.slice(2),
  {
    options: {
      clients: { type: 'string', default: '4' },
      'rows-per-month': { type: 'string', default: '20000' },
      'analytics-seconds': { type: 'string', default: '6' },
    },
  },
  'usage: npm run bench:maintenance -- [--clients 4] [--rows-per-month 20000] [--analytics-seconds 6]',
  ({ values }) => ({
    CLIENTS: wholeNumber('clients', values.clients, 1),
    ROWS_PER_MONTH: wholeNumber('rows-per-month', values['rows-per-month'], 1),
    ANALYTICS_SECONDS: wholeNumber('analytics-seconds', values['analytics-seconds'], 1),
  }),
);
const NOW = new Date();
const CURRENT = monthOf(NOW);

interface Result {
  approach: string;
  rotationMs: number;
  transactions: number;
  failed: number;
  latencies: number[];
  errors: string[];
}

async function prepare(connectionString: string): Promise<void> {
  const client = new Client({ connectionString });
  await client.connect();
  await createSampleGameEvents(client, 15, ROWS_PER_MONTH);
  await client.end();
}

/** The original 02-partitioning.sql way: PARTITION OF for new months, DROP TABLE for old ones. */
async function originalRotation(client: Client): Promise<void> {
  for (let month = CURRENT + 1; month <= CURRENT + 3; month++) {
    const name = `GameEvent_p${monthLabel(month).replace('-', '_')}`;
    await client.query(
      `CREATE TABLE IF NOT EXISTS "${name}" PARTITION OF "GameEvent" FOR VALUES FROM ('${monthDate(month)}') TO ('${monthDate(month + 1)}')`,
    );
  }
  for (let month = CURRENT - 14; month <= CURRENT - 13; month++) {
    await client.query(`DROP TABLE IF EXISTS "GameEvent_p${monthLabel(month).replace('-', '_')}"`);
  }
}

async function measure(approach: string, connectionString: string, rotate: (client: Client) => Promise<unknown>): Promise<Result> {
  const connect = async () => {
    const client = new Client({ connectionString });
    client.on('error', () => undefined);
    await client.connect();
    return client;
  };
  const workers = await Promise.all(Array.from({ length: CLIENTS }, connect));
  const analytics = await connect();
  const rotator = await connect();
  const latencies: number[] = [];
  const errors: string[] = [];
  let measuring = false;
  let transactions = 0;
  let failed = 0;
  let running = true;

  const load = workers.map(async (worker, index) => {
    while (running) {
      const started = performance.now();
      try {
        await worker.query('BEGIN');
        await worker.query(`INSERT INTO "GameEvent" ("matchId", "type") VALUES ($1, 'live')`, [`load-${index}`]);
        await worker.query(`SELECT count(*) FROM "GameEvent" WHERE "createdAt" >= now() - interval '1 minute'`);
        await worker.query('COMMIT');
        if (measuring) {
          transactions++;
          latencies.push(performance.now() - started);
        }
      } catch (error) {
        await worker.query('ROLLBACK').catch(() => undefined);
        if (measuring) {
          failed++;
          errors.push((error as Error).message);
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  });

  await new Promise((resolve) => setTimeout(resolve, 500)); // warm up
  // The analytics transaction reads the whole table, then stays open.
  await analytics.query('BEGIN');
  await analytics.query('SELECT count(*), max("createdAt") FROM "GameEvent"');
  const analyticsDone = analytics.query(`SELECT pg_sleep(${ANALYTICS_SECONDS})`).then(() => analytics.query('COMMIT'));

  measuring = true;
  const started = performance.now();
  await rotate(rotator);
  const rotationMs = performance.now() - started;
  measuring = false;
  await analyticsDone;
  running = false;
  await Promise.all(load);
  for (const client of [...workers, analytics, rotator]) await client.end();
  return { approach, rotationMs, transactions, failed, latencies, errors };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function main(): Promise<void> {
  console.error(
    `starting embedded PostgreSQL; ${CLIENTS} clients, 15 months x ${ROWS_PER_MONTH} rows, ${ANALYTICS_SECONDS} s analytics transaction`,
  );
  const server = await startPostgresServer();
  try {
    const admin = new Client({ connectionString: server.connectionString });
    await admin.connect();
    await admin.query('CREATE DATABASE bench_pass');
    await admin.query('CREATE DATABASE bench_original');
    await admin.end();
    const url = (name: string) => server.connectionString.replace(/\/postgres$/, `/${name}`);
    await prepare(url('bench_pass'));
    await prepare(url('bench_original'));

    const results: Result[] = [];
    results.push(
      await measure('maintenance pass', url('bench_pass'), async (client) => {
        const summary = await runPass(client, {
          now: NOW,
          tables: [{ schema: 'public', table: 'GameEvent', column: 'createdAt', futureMonths: 3, retentionMonths: 12, archive: false }],
        });
        const table = summary.tables[0];
        console.error(
          `pass: status ${summary.status}, created ${table.created.join(' ')}, retired ${table.retired.map((r) => r.range).join(' ')}, ` +
            `lock retries ${table.lockRetries}${table.errors.length ? `, errors ${table.errors.join('; ')}` : ''}`,
        );
      }),
    );
    results.push(await measure('original (PARTITION OF + DROP)', url('bench_original'), originalRotation));

    console.log(
      `\nload during one rotation (create 3 months, retire 2), ${CLIENTS} clients, ${ANALYTICS_SECONDS} s analytics transaction open`,
    );
    console.log('approach                          rotation ms   txns  failed   p50 ms   p99 ms   max ms');
    for (const result of results) {
      const sorted = [...result.latencies].sort((a, b) => a - b);
      console.log(
        `${result.approach.padEnd(32)} ${result.rotationMs.toFixed(0).padStart(11)} ${String(result.transactions).padStart(6)} ${String(result.failed).padStart(7)}` +
          ` ${percentile(sorted, 50).toFixed(1).padStart(8)} ${percentile(sorted, 99).toFixed(1).padStart(8)} ${(sorted[sorted.length - 1] ?? NaN).toFixed(1).padStart(8)}`,
      );
      if (result.errors.length) console.log(`  first error: ${result.errors[0]}`);
    }
    const [pass, original] = results.map((result) => Math.max(...result.latencies));
    console.log(
      `\nmax latency: pass ${pass.toFixed(1)} ms vs original ${original.toFixed(1)} ms (${(original / pass).toFixed(0)}x); target: pass <= 100 ms with 0 failed`,
    );
  } finally {
    await server.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
