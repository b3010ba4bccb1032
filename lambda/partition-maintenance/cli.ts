/**
 * Runs the maintenance job's code path once against any PostgreSQL and prints its JSON summary.
 *
 *   npm run maintenance -- --database-url URL --schema S --table T --column C \
 *       --future-months N --retention-months N [--archive-bucket B --archive-region R] [--dry-run]
 *   npm run maintenance -- convert --database-url URL --schema S --table T --column C [--future-months N]
 *
 * Names are exact and case-sensitive (`--table GameEvent --column createdAt`); --schema defaults to
 * public. Exit code 0: succeeded or skipped; 1: the pass reported errors; 2: bad arguments (README,
 * Commands).
 */
import { Client } from 'pg';
import { convertToPartitioned } from './convert';
import { logEvent, runMaintenance } from './maintain';
import { ARCHIVE_PREFIX } from '../../lib/contract';
import { argumentsOrExit, EXIT, parseCommandLine, UsageError } from '../../scripts/lib/command-line';
import { runMain } from '../../scripts/lib/run-main';

const USAGE = `usage:
  npm run maintenance -- --database-url URL [--schema S] --table T --column C --future-months N --retention-months N
                         [--archive-bucket B --archive-region R] [--dry-run]
  npm run maintenance -- convert --database-url URL [--schema S] --table T --column C [--future-months N]`;

const OPTIONS = {
  'database-url': { type: 'string' },
  schema: { type: 'string' },
  table: { type: 'string' },
  column: { type: 'string' },
  'future-months': { type: 'string' },
  'retention-months': { type: 'string' },
  'archive-bucket': { type: 'string' },
  'archive-region': { type: 'string' },
  'archive-prefix': { type: 'string' },
  'dry-run': { type: 'boolean' },
} as const;

/** Throws UsageError or HelpRequested (scripts/lib/command-line.ts). */
export function parseArguments(argv: readonly string[]) {
  const { values, positionals } = parseCommandLine(argv, { options: OPTIONS, positionals: 1 });
  if (positionals.length > 0 && (positionals[0] !== 'convert' || argv[0] !== 'convert')) {
    throw new UsageError(`unexpected argument ${positionals[0]}`);
  }
  const command = positionals.length > 0 ? 'convert' : 'pass';
  const text = (name: keyof typeof OPTIONS, fallback?: string): string => {
    const value = values[name] ?? fallback;
    if (typeof value !== 'string' || value === '') throw new UsageError(`--${name} is required`);
    return value;
  };
  const count = (name: keyof typeof OPTIONS, fallback?: number): number => {
    if (values[name] === undefined && fallback !== undefined) return fallback;
    const raw = text(name);
    if (!/^\d+$/.test(raw)) throw new UsageError(`--${name} must be a whole number (got ${raw})`);
    return Number(raw);
  };
  const common = { databaseUrl: text('database-url'), schema: text('schema', 'public'), table: text('table'), column: text('column') };
  if (command === 'convert') return { command, ...common, futureMonths: count('future-months', 3) } as const;
  const bucket = values['archive-bucket'];
  if (bucket !== undefined && values['archive-region'] === undefined) throw new UsageError('--archive-bucket needs --archive-region');
  const retentionMonths = count('retention-months');
  if (retentionMonths < 1) throw new UsageError('--retention-months must be at least 1');
  return {
    command,
    ...common,
    futureMonths: count('future-months'),
    retentionMonths,
    archive: bucket ? { bucket, region: text('archive-region'), prefix: values['archive-prefix'] ?? ARCHIVE_PREFIX } : undefined,
    dryRun: values['dry-run'] === true,
  } as const;
}

/** The command: `argv` without node and the script; returns the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const parsed = argumentsOrExit(USAGE, () => parseArguments([...argv]));
  if ('exit' in parsed) return parsed.exit;
  const options = parsed.value;
  const log = (event: Record<string, unknown>) => logEvent(event, (line) => console.error(line));
  if (options.command === 'convert') {
    const client = new Client({ connectionString: options.databaseUrl });
    await client.connect();
    try {
      console.log(JSON.stringify(await convertToPartitioned(client, options), null, 2));
      return EXIT.ok;
    } finally {
      await client.end();
    }
  }
  const summary = await runMaintenance(
    { connectionString: options.databaseUrl },
    {
      tables: [
        {
          schema: options.schema,
          table: options.table,
          column: options.column,
          futureMonths: options.futureMonths,
          retentionMonths: options.retentionMonths,
          archive: options.archive !== undefined,
        },
      ],
      archiveTarget: options.archive,
      dryRun: options.dryRun,
      log,
    },
  );
  console.log(JSON.stringify(summary, null, 2));
  return summary.status === 'failed' ? EXIT.failed : EXIT.ok;
}

runMain(module, main);
