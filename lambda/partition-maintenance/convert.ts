import type { ClientBase } from 'pg';
import { quoteIdent } from './archive';
import { installSql } from './install';
import { monthDate, monthOf, monthStart } from './months';
import { DEFAULT_RETRY_POLICY, withLockRetry, type RetryPolicy } from './retry';

export interface ConvertOptions {
  readonly schema: string;
  readonly table: string;
  readonly column: string;
  /** Monthly partitions created after the legacy one, through this many months ahead. @default 3 */
  readonly futureMonths?: number;
  /** @default new Date() */
  readonly now?: Date;
  readonly retry?: Partial<RetryPolicy>;
}

export interface ConvertReport {
  readonly table: string;
  readonly column: string;
  /** The original table, renamed and attached as the partition of everything before `legacyUntil`. */
  readonly legacyPartition: string;
  /** Exclusive upper bound of the legacy partition (UTC). */
  readonly legacyUntil: string;
  readonly rowsInLegacy: number;
  readonly partitionsCreated: string[];
  /** How long the table was locked ACCESS EXCLUSIVE: the metadata swap only. */
  readonly exclusiveLockMs: number;
  readonly lockRetries: number;
  readonly steps: { step: string; ms: number }[];
}

/**
 * Turns a plain table, as the app's migrations create it, into a table range-partitioned by month
 * on `column`, without copying a row: the table itself becomes the partition of everything before
 * the month after next (its "legacy" partition), and new months get partitions of their own. The
 * long work (validating that every row fits, building the composite unique indexes a partitioned
 * table needs) runs without blocking reads or writes; the ACCESS EXCLUSIVE lock covers only the
 * rename and attach, a few milliseconds, bounded by lock_timeout and retried.
 *
 * Refused with a clear error: a table already partitioned, other tables' foreign keys pointing at
 * it, NULLs in the column, identity columns, exclusion constraints.
 */
export async function convertToPartitioned(client: ClientBase, options: ConvertOptions): Promise<ConvertReport> {
  const policy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  const qualified = `${quoteIdent(options.schema)}.${quoteIdent(options.table)}`;
  const steps: { step: string; ms: number }[] = [];
  let lockRetries = 0;
  const timed = async <T>(step: string, work: () => Promise<T>): Promise<T> => {
    const started = Date.now();
    const result = await work();
    steps.push({ step, ms: Date.now() - started });
    return result;
  };
  const retry = <T>(step: string, work: () => Promise<T>) => withLockRetry(step, policy, () => lockRetries++, work);

  await client.query(`SET TIME ZONE 'UTC'`);
  await client.query(`SET lock_timeout = ${policy.lockTimeoutMs}`);
  await installSql(client);

  const table = await inspect(client, options, qualified);
  const current = monthOf(options.now ?? new Date());
  // Everything up to the month after next stays in the legacy partition: rows the application
  // writes while the conversion runs (now-ish) must fit its CHECK constraint.
  const newest = table.newestMonth ?? current;
  const legacyUntil = Math.max(current, newest) + 2;
  const legacyUntilLiteral = await boundLiteral(client, monthStart(legacyUntil), table.columnType);
  const legacyName = await truncatedName(client, `${options.table}_legacy`);
  const legacy = `${quoteIdent(options.schema)}.${quoteIdent(legacyName)}`;
  const column = quoteIdent(options.column);
  const checkName = quoteIdent(await truncatedName(client, `${options.table}_legacy_range`));

  await timed('add NOT VALID range check', () =>
    retry('add check', () =>
      client.query(
        `ALTER TABLE ${qualified} ADD CONSTRAINT ${checkName} CHECK (${column} IS NOT NULL AND ${column} < ${legacyUntilLiteral}) NOT VALID`,
      ),
    ),
  );
  await timed('validate range check (no lock on reads or writes)', () =>
    retry('validate check', () => client.query(`ALTER TABLE ${qualified} VALIDATE CONSTRAINT ${checkName}`)),
  );

  // A partitioned table's unique indexes must include the partition column: build them now,
  // concurrently, so that the swap only attaches them.
  const uniqueIndexes = new Map<string, string>();
  for (const index of table.indexes.filter((candidate) => candidate.unique && !candidate.columns.includes(options.column))) {
    const name = await truncatedName(client, `${index.name}_${options.column}`);
    const columns = [...index.columns, options.column].map(quoteIdent).join(', ');
    await timed(`build unique index ${name} concurrently`, () =>
      client.query(`CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS ${quoteIdent(name)} ON ${qualified} (${columns})`),
    );
    uniqueIndexes.set(index.name, name);
  }

  let exclusiveLockMs = 0;
  await timed('swap: rename, create the partitioned table, attach (ACCESS EXCLUSIVE)', () =>
    retry('swap', async () => {
      await client.query('BEGIN');
      try {
        const locked = Date.now();
        await client.query(`LOCK TABLE ${qualified} IN ACCESS EXCLUSIVE MODE`);
        await client.query(`ALTER TABLE ${qualified} RENAME TO ${quoteIdent(legacyName)}`);
        await client.query(
          `CREATE TABLE ${qualified} (LIKE ${legacy} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING GENERATED
             INCLUDING STORAGE INCLUDING COMMENTS INCLUDING COMPRESSION INCLUDING STATISTICS) PARTITION BY RANGE (${column})`,
        );
        // The partitioned table belongs to whoever owned the plain one (the app's owner role), so that
        // the app's migrations can still alter it; the sequences it takes over must share that owner.
        await client.query(
          `DO $owner$ BEGIN
             IF (SELECT relowner FROM pg_class WHERE oid = ${client.escapeLiteral(legacy)}::regclass) <> (SELECT oid FROM pg_roles WHERE rolname = current_user) THEN
               EXECUTE format('ALTER TABLE %s OWNER TO %I', ${client.escapeLiteral(qualified)},
                 (SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = ${client.escapeLiteral(legacy)}::regclass));
             END IF;
           END $owner$`,
        );
        await client.query(`ALTER TABLE ${qualified} DROP CONSTRAINT ${checkName}`);
        for (const sequence of table.ownedSequences) {
          await client.query(`ALTER SEQUENCE ${sequence.sequence} OWNED BY ${qualified}.${quoteIdent(sequence.column)}`);
        }
        for (const foreignKey of table.foreignKeys) {
          // On the empty parent this validates nothing; at ATTACH the legacy table's own matching
          // constraint is adopted instead of checked again.
          await client.query(`ALTER TABLE ${qualified} ADD CONSTRAINT ${quoteIdent(foreignKey.name)} ${foreignKey.definition}`);
        }
        // The parent's indexes keep the original names; the legacy table's are renamed out of the
        // way. At ATTACH, PostgreSQL adopts each legacy index that matches a parent index instead
        // of building one: a unique parent key needs a matching unique *constraint* on the legacy
        // table, which the concurrently built index becomes here.
        for (const index of table.indexes) {
          const legacyIndexName = await truncatedName(client, `${index.name}_legacy`);
          await client.query(
            `ALTER INDEX ${quoteIdent(options.schema)}.${quoteIdent(index.name)} RENAME TO ${quoteIdent(legacyIndexName)}`,
          );
          const converted = uniqueIndexes.get(index.name);
          if (converted && index.primary) {
            // A table has one primary key: the legacy one on (id) gives way to (id, column), whose
            // index is already built. Only the pair stays unique from here on, as in any
            // partitioned table.
            const { rows: primary } = await client.query<{ name: string }>(
              `SELECT conname AS name FROM pg_constraint WHERE conrelid = $1::regclass AND contype = 'p'`,
              [legacy],
            );
            await client.query(`ALTER TABLE ${legacy} DROP CONSTRAINT ${quoteIdent(primary[0].name)}`);
            await client.query(
              `ALTER TABLE ${legacy} ADD CONSTRAINT ${quoteIdent(converted)} PRIMARY KEY USING INDEX ${quoteIdent(converted)}`,
            );
          } else if (converted) {
            await client.query(`ALTER TABLE ${legacy} ADD CONSTRAINT ${quoteIdent(converted)} UNIQUE USING INDEX ${quoteIdent(converted)}`);
          }
          const columns = (converted ? [...index.columns, options.column] : index.columns).map(quoteIdent).join(', ');
          if (index.primary) {
            await client.query(`ALTER TABLE ${qualified} ADD CONSTRAINT ${quoteIdent(index.name)} PRIMARY KEY (${columns})`);
          } else if (converted) {
            await client.query(`ALTER TABLE ${qualified} ADD CONSTRAINT ${quoteIdent(index.name)} UNIQUE (${columns})`);
          } else {
            // The captured definition still carries the original name, now free for the parent.
            await client.query(index.definition.replace(/ ON (.+?) USING /, ` ON ${qualified} USING `));
          }
        }
        await client.query(`ALTER TABLE ${qualified} ATTACH PARTITION ${legacy} FOR VALUES FROM (MINVALUE) TO (${legacyUntilLiteral})`);
        for (let month = legacyUntil; month <= current + (options.futureMonths ?? 3); month++) {
          await client.query('SELECT partition_maintenance.create_month($1::regclass, $2::date)', [qualified, monthDate(month)]);
        }
        await client.query('COMMIT');
        exclusiveLockMs = Date.now() - locked;
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      }
    }),
  );

  const { rows: created } = await client.query<{ name: string }>(
    `SELECT partition_name AS name FROM partition_maintenance.partitions($1::regclass) WHERE range_start IS NOT NULL ORDER BY range_start`,
    [qualified],
  );
  return {
    table: qualified,
    column: options.column,
    legacyPartition: legacy,
    legacyUntil: monthDate(legacyUntil),
    rowsInLegacy: table.rows,
    partitionsCreated: created.map((row) => row.name),
    exclusiveLockMs,
    lockRetries,
    steps,
  };
}

interface TableShape {
  columnType: string;
  rows: number;
  newestMonth: number | null;
  indexes: { name: string; unique: boolean; primary: boolean; columns: string[]; definition: string }[];
  foreignKeys: { name: string; definition: string }[];
  ownedSequences: { sequence: string; column: string }[];
}

async function inspect(client: ClientBase, options: ConvertOptions, qualified: string): Promise<TableShape> {
  const { rows: found } = await client.query<{ oid: string | null; kind: string | null }>(
    `SELECT c.oid::text, c.relkind::text AS kind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = $1 AND c.relname = $2`,
    [options.schema, options.table],
  );
  if (found.length === 0) throw new Error(`table ${qualified} does not exist`);
  if (found[0].kind === 'p') throw new Error(`table ${qualified} is already partitioned`);
  if (found[0].kind !== 'r') throw new Error(`${qualified} is not a plain table`);
  const oid = found[0].oid;

  const { rows: columns } = await client.query<{ type: string; identity: string }>(
    `SELECT format_type(atttypid, NULL) AS type, attidentity AS identity FROM pg_attribute
     WHERE attrelid = $1 AND attname = $2 AND NOT attisdropped`,
    [oid, options.column],
  );
  if (columns.length === 0) throw new Error(`table ${qualified} has no column ${quoteIdent(options.column)}`);
  const columnType = columns[0].type;
  if (!['timestamp without time zone', 'timestamp with time zone', 'date'].includes(columnType)) {
    throw new Error(
      `column ${quoteIdent(options.column)} of ${qualified} is ${columnType}: monthly partitions need a timestamp, timestamptz or date`,
    );
  }
  const { rows: identity } = await client.query(
    `SELECT attname FROM pg_attribute WHERE attrelid = $1 AND attidentity <> '' AND NOT attisdropped`,
    [oid],
  );
  if (identity.length) {
    throw new Error(
      `table ${qualified} has identity column(s) ${identity.map((row) => quoteIdent(row.attname)).join(', ')}: not supported (Prisma uses serial)`,
    );
  }
  const { rows: inbound } = await client.query<{ name: string; from: string }>(
    `SELECT conname AS name, conrelid::regclass::text AS from FROM pg_constraint WHERE confrelid = $1 AND contype = 'f'`,
    [oid],
  );
  if (inbound.length) {
    throw new Error(
      `table ${qualified} is referenced by foreign keys (${inbound.map((row) => `${row.name} from ${row.from}`).join(', ')}): ` +
        'a partitioned table can only be referenced through a key that includes the partition column',
    );
  }
  const { rows: exclusion } = await client.query(`SELECT 1 FROM pg_constraint WHERE conrelid = $1 AND contype = 'x'`, [oid]);
  if (exclusion.length) throw new Error(`table ${qualified} has exclusion constraints: not supported`);

  const { rows: stats } = await client.query<{ rows: string; nulls: string; newest: string | null }>(
    `SELECT count(*) AS rows, count(*) FILTER (WHERE ${quoteIdent(options.column)} IS NULL) AS nulls,
            extract(epoch FROM max(${quoteIdent(options.column)})::timestamp) * 1000 AS newest
     FROM ${qualified}`,
  );
  if (Number(stats[0].nulls) > 0) {
    throw new Error(
      `table ${qualified} has ${stats[0].nulls} row(s) with a NULL ${quoteIdent(options.column)}: a range partition cannot hold them`,
    );
  }

  const { rows: indexes } = await client.query<{
    name: string;
    unique: boolean;
    primary: boolean;
    columns: string[] | null;
    definition: string;
  }>(
    `SELECT ic.relname AS name, i.indisunique AS unique, i.indisprimary AS primary,
            (SELECT array_agg(a.attname::text ORDER BY k.ord) FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(attnum, ord)
               JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum) AS columns,
            pg_get_indexdef(i.indexrelid) AS definition
     FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
     WHERE i.indrelid = $1 ORDER BY ic.relname`,
    [oid],
  );
  const { rows: foreignKeys } = await client.query<{ name: string; definition: string }>(
    `SELECT conname AS name, pg_get_constraintdef(oid) AS definition FROM pg_constraint WHERE conrelid = $1 AND contype = 'f'`,
    [oid],
  );
  const { rows: ownedSequences } = await client.query<{ sequence: string; column: string }>(
    `SELECT d.objid::regclass::text AS sequence, a.attname AS column FROM pg_depend d
     JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
     WHERE d.refobjid = $1 AND d.classid = 'pg_class'::regclass AND d.deptype = 'a'
       AND (SELECT relkind FROM pg_class WHERE oid = d.objid) = 'S'`,
    [oid],
  );
  return {
    columnType,
    rows: Number(stats[0].rows),
    newestMonth: stats[0].newest === null ? null : monthOf(new Date(Number(stats[0].newest))),
    indexes: indexes.map((index) => ({ ...index, columns: index.columns ?? [] })),
    foreignKeys,
    ownedSequences,
  };
}

async function boundLiteral(client: ClientBase, at: Date, type: string): Promise<string> {
  const { rows } = await client.query<{ literal: string }>('SELECT partition_maintenance.bound_literal($1::timestamp, $2) AS literal', [
    at
      .toISOString()
      .replace('T', ' ')
      .replace(/\.\d+Z$/, ''),
    type,
  ]);
  return rows[0].literal;
}

/** A name within PostgreSQL's 63 bytes, shortened with a hash when needed. */
async function truncatedName(client: ClientBase, name: string): Promise<string> {
  if (Buffer.byteLength(name) <= 63) return name;
  const { rows } = await client.query<{ hash: string }>('SELECT left(md5($1), 8) AS hash', [name]);
  let prefix = name;
  while (Buffer.byteLength(`${prefix}_${rows[0].hash}`) > 63) prefix = prefix.slice(0, -1);
  return `${prefix}_${rows[0].hash}`;
}
