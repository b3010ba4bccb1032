import type { ClientBase } from 'pg';
import { quoteIdent } from './archive';
import { installSql } from './install';
import { monthDate, monthLabel, monthOf, monthStart } from './months';
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
 * Refused with a clear error before anything changes: a table already partitioned, other tables'
 * foreign keys pointing at it, NULLs or 'infinity' in the column, rows dated after the last month
 * it partitions, identity columns, exclusion constraints, and whatever a partitioned table made
 * this way would not carry over (see `unsupported`). Table privileges are carried over. A failure
 * after the first change takes back what was done: the table is left as it was.
 */
export async function convertToPartitioned(client: ClientBase, options: ConvertOptions): Promise<ConvertReport> {
  const steps = new StepLog({ ...DEFAULT_RETRY_POLICY, ...options.retry });
  const qualified = `${quoteIdent(options.schema)}.${quoteIdent(options.table)}`;
  await prepareSession(client, steps.policy);
  const conversion = await planConversion(client, options, qualified);

  // From here on a failure undoes what was done before the swap (which is one transaction), so that
  // the table is left as it was: no range CHECK that would refuse the application's rows once the
  // legacy bound has passed, no unique index of the conversion's.
  const built: string[] = [];
  let exclusiveLockMs: number;
  try {
    exclusiveLockMs = await changeTable(conversion, steps, built);
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    const undone = await undo(client, options.schema, qualified, conversion.checkConstraint, built, steps.retry);
    throw new Error(`${(error as Error).message} (conversion of ${qualified} stopped; ${undone})`, { cause: error });
  }
  return report(conversion, exclusiveLockMs, steps);
}

/** The report's step timings and lock retries, and the retry policy every DDL statement runs under. */
class StepLog {
  readonly entries: { step: string; ms: number }[] = [];
  lockRetries = 0;

  constructor(readonly policy: RetryPolicy) {}

  async timed<T>(step: string, work: () => Promise<T>): Promise<T> {
    const started = Date.now();
    const result = await work();
    this.entries.push({ step, ms: Date.now() - started });
    return result;
  }

  // An arrow property: undo() receives it detached from the instance.
  readonly retry = <T>(step: string, work: () => Promise<T>): Promise<T> =>
    withLockRetry(step, this.policy, () => this.lockRetries++, work);
}

/** What the conversion works with once the table passed inspection, names and bounds resolved. */
interface Conversion {
  readonly client: ClientBase;
  readonly options: ConvertOptions;
  readonly table: TableShape;
  /** The table, schema-qualified and quoted; after the swap, the partitioned table's name. */
  readonly qualified: string;
  /** The partition column, quoted. */
  readonly column: string;
  /** Month numbers (months.ts): the legacy partition holds everything before `legacyUntil`. */
  readonly legacyUntil: number;
  readonly lastMonth: number;
  readonly legacyUntilLiteral: string;
  readonly legacyName: string;
  /** The legacy partition, schema-qualified and quoted. */
  readonly legacy: string;
  /** The range CHECK's name, unquoted (undo() looks it up in the catalog). */
  readonly checkConstraint: string;
}

async function prepareSession(client: ClientBase, policy: RetryPolicy): Promise<void> {
  await client.query(`SET TIME ZONE 'UTC'`);
  await client.query(`SET lock_timeout = ${policy.lockTimeoutMs}`);
  // The row count and the newest month are the table's, never what row-level security lets one see.
  await client.query('SET row_security = off');
  await installSql(client);
}

async function planConversion(client: ClientBase, options: ConvertOptions, qualified: string): Promise<Conversion> {
  const current = monthOf(options.now ?? new Date());
  const lastMonth = current + (options.futureMonths ?? 3);
  const table = await inspect(client, options, qualified, lastMonth);
  // Everything up to the month after next stays in the legacy partition: rows the application
  // writes while the conversion runs (now-ish) must fit its CHECK constraint.
  const newest = table.newestMonth ?? current;
  const legacyUntil = Math.max(current, newest) + 2;
  const legacyUntilLiteral = await boundLiteral(client, monthStart(legacyUntil), table.columnType);
  const legacyName = await truncatedName(client, `${options.table}_legacy`);
  const checkConstraint = await truncatedName(client, `${options.table}_legacy_range`);
  return {
    client,
    options,
    table,
    qualified,
    column: quoteIdent(options.column),
    legacyUntil,
    lastMonth,
    legacyUntilLiteral,
    legacyName,
    legacy: `${quoteIdent(options.schema)}.${quoteIdent(legacyName)}`,
    checkConstraint,
  };
}

/** `built` gets each index before its build starts: the undo must also find one stopped half-way. */
async function changeTable(conversion: Conversion, steps: StepLog, built: string[]): Promise<number> {
  await addRangeCheck(conversion, steps);
  const uniqueIndexes = await buildUniqueIndexes(conversion, steps, built);
  return swap(conversion, steps, uniqueIndexes);
}

async function addRangeCheck(
  { client, qualified, column, checkConstraint, legacyUntilLiteral }: Conversion,
  steps: StepLog,
): Promise<void> {
  const checkName = quoteIdent(checkConstraint);
  await steps.timed('add NOT VALID range check', () =>
    steps.retry('add check', () =>
      client.query(
        `ALTER TABLE ${qualified} ADD CONSTRAINT ${checkName} CHECK (${column} IS NOT NULL AND ${column} < ${legacyUntilLiteral}) NOT VALID`,
      ),
    ),
  );
  await steps.timed('validate range check (no lock on reads or writes)', () =>
    steps.retry('validate check', () => client.query(`ALTER TABLE ${qualified} VALIDATE CONSTRAINT ${checkName}`)),
  );
}

/**
 * A partitioned table's unique indexes must include the partition column: built now, concurrently,
 * so that the swap only attaches them. Returns the name of each one's counterpart by the original's.
 */
async function buildUniqueIndexes(
  { client, options, table, qualified }: Conversion,
  steps: StepLog,
  built: string[],
): Promise<Map<string, string>> {
  const uniqueIndexes = new Map<string, string>();
  for (const index of table.indexes.filter((candidate) => candidate.unique && !candidate.columns.includes(options.column))) {
    const name = await truncatedName(client, `${index.name}_${options.column}`);
    const columns = [...index.columns, options.column].map(quoteIdent).join(', ');
    const indexName = `${quoteIdent(options.schema)}.${quoteIdent(name)}`;
    built.push(name);
    // A build stopped half-way (waiting on an old transaction past lock_timeout) leaves an
    // INVALID index: dropped before each attempt, and by the undo if none succeeds.
    await steps.timed(`build unique index ${name} concurrently`, () =>
      steps.retry(`build ${name}`, async () => {
        await client.query(`DROP INDEX CONCURRENTLY IF EXISTS ${indexName}`);
        await client.query(`CREATE UNIQUE INDEX CONCURRENTLY ${quoteIdent(name)} ON ${qualified} (${columns})`);
      }),
    );
    uniqueIndexes.set(index.name, name);
  }
  return uniqueIndexes;
}

/**
 * The only part under ACCESS EXCLUSIVE, in one transaction (retried whole on a lock timeout): the
 * plain table becomes the legacy partition of a new partitioned table under its name. Returns how
 * long the lock was held.
 */
async function swap(conversion: Conversion, steps: StepLog, uniqueIndexes: ReadonlyMap<string, string>): Promise<number> {
  const { client, qualified } = conversion;
  return steps.timed('swap: rename, create the partitioned table, attach (ACCESS EXCLUSIVE)', () =>
    steps.retry('swap', async () => {
      await client.query('BEGIN');
      try {
        const locked = Date.now();
        await client.query(`LOCK TABLE ${qualified} IN ACCESS EXCLUSIVE MODE`);
        await createPartitionedParent(conversion);
        await carryOverToParent(conversion);
        for (const index of conversion.table.indexes) await moveIndex(conversion, index, uniqueIndexes.get(index.name));
        await attachLegacyAndMonths(conversion);
        await client.query('COMMIT');
        return Date.now() - locked;
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      }
    }),
  );
}

async function createPartitionedParent({ client, qualified, legacy, legacyName, column }: Conversion): Promise<void> {
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
}

/** LIKE ... INCLUDING CONSTRAINTS copied the range CHECK: the parent must not keep it, or it would refuse every later month. */
async function carryOverToParent({ client, table, qualified, checkConstraint }: Conversion): Promise<void> {
  for (const grant of table.grants) {
    await client.query(`GRANT ${grant.privilege} ON ${qualified} TO ${grant.grantee}${grant.grantable ? ' WITH GRANT OPTION' : ''}`);
  }
  await client.query(`ALTER TABLE ${qualified} DROP CONSTRAINT ${quoteIdent(checkConstraint)}`);
  for (const sequence of table.ownedSequences) {
    await client.query(`ALTER SEQUENCE ${sequence.sequence} OWNED BY ${qualified}.${quoteIdent(sequence.column)}`);
  }
  for (const foreignKey of table.foreignKeys) {
    // On the empty parent this validates nothing; at ATTACH the legacy table's own matching
    // constraint is adopted instead of checked again.
    await client.query(`ALTER TABLE ${qualified} ADD CONSTRAINT ${quoteIdent(foreignKey.name)} ${foreignKey.definition}`);
  }
}

/**
 * The parent's indexes keep the original names; the legacy table's are renamed out of the way. At
 * ATTACH, PostgreSQL adopts each legacy index that matches a parent index instead of building one: a
 * unique parent key needs a matching unique *constraint* on the legacy table, which the concurrently
 * built index (`converted`) becomes here.
 */
async function moveIndex(conversion: Conversion, index: TableIndex, converted: string | undefined): Promise<void> {
  const { client, options } = conversion;
  const legacyIndexName = await truncatedName(client, `${index.name}_legacy`);
  await client.query(`ALTER INDEX ${quoteIdent(options.schema)}.${quoteIdent(index.name)} RENAME TO ${quoteIdent(legacyIndexName)}`);
  if (converted) await constrainLegacyWith(conversion, index, converted);
  await addParentIndex(conversion, index, converted);
}

async function constrainLegacyWith({ client, legacy }: Conversion, index: TableIndex, converted: string): Promise<void> {
  if (index.primary) {
    // A table has one primary key: the legacy one on (id) gives way to (id, column), whose index is
    // already built. Only the pair stays unique from here on, as in any partitioned table.
    const { rows: primary } = await client.query<{ name: string }>(
      `SELECT conname AS name FROM pg_constraint WHERE conrelid = $1::regclass AND contype = 'p'`,
      [legacy],
    );
    await client.query(`ALTER TABLE ${legacy} DROP CONSTRAINT ${quoteIdent(primary[0].name)}`);
    await client.query(`ALTER TABLE ${legacy} ADD CONSTRAINT ${quoteIdent(converted)} PRIMARY KEY USING INDEX ${quoteIdent(converted)}`);
  } else {
    await client.query(`ALTER TABLE ${legacy} ADD CONSTRAINT ${quoteIdent(converted)} UNIQUE USING INDEX ${quoteIdent(converted)}`);
  }
}

async function addParentIndex({ client, options, qualified }: Conversion, index: TableIndex, converted: string | undefined): Promise<void> {
  const columns = (converted ? [...index.columns, options.column] : index.columns).map(quoteIdent).join(', ');
  if (index.primary) {
    await client.query(`ALTER TABLE ${qualified} ADD CONSTRAINT ${quoteIdent(index.name)} PRIMARY KEY (${columns})`);
  } else if (converted) {
    await client.query(`ALTER TABLE ${qualified} ADD CONSTRAINT ${quoteIdent(index.name)} UNIQUE (${columns})`);
  } else {
    // The captured definition, on the new table: its original name is free for the parent now.
    await client.query(`CREATE ${index.unique ? 'UNIQUE ' : ''}INDEX ${quoteIdent(index.name)} ON ${qualified} ${index.method}`);
  }
}

async function attachLegacyAndMonths({ client, qualified, legacy, legacyUntil, legacyUntilLiteral, lastMonth }: Conversion): Promise<void> {
  await client.query(`ALTER TABLE ${qualified} ATTACH PARTITION ${legacy} FOR VALUES FROM (MINVALUE) TO (${legacyUntilLiteral})`);
  for (let month = legacyUntil; month <= lastMonth; month++) {
    await client.query('SELECT partition_maintenance.create_month($1::regclass, $2::date)', [qualified, monthDate(month)]);
  }
}

async function report(conversion: Conversion, exclusiveLockMs: number, steps: StepLog): Promise<ConvertReport> {
  const { rows: created } = await conversion.client.query<{ name: string }>(
    `SELECT partition_name AS name FROM partition_maintenance.partitions($1::regclass) WHERE range_start IS NOT NULL ORDER BY range_start`,
    [conversion.qualified],
  );
  return {
    table: conversion.qualified,
    column: conversion.options.column,
    legacyPartition: conversion.legacy,
    legacyUntil: monthDate(conversion.legacyUntil),
    rowsInLegacy: conversion.table.rows,
    partitionsCreated: created.map((row) => row.name),
    exclusiveLockMs,
    lockRetries: steps.lockRetries,
    steps: steps.entries,
  };
}

interface TableShape {
  columnType: string;
  rows: number;
  newestMonth: number | null;
  indexes: TableIndex[];
  foreignKeys: { name: string; definition: string }[];
  ownedSequences: { sequence: string; column: string }[];
  /** Privileges others than the owner hold on the table (a partitioned table starts with none). */
  grants: { grantee: string; privilege: string; grantable: boolean }[];
}

interface TableIndex {
  name: string;
  unique: boolean;
  primary: boolean;
  columns: string[];
  /** The index's definition from `USING` on, for the same index on another table. */
  method: string;
}

/**
 * The table's shape, and a clear error, before anything changes, for what the conversion cannot
 * carry over to a partitioned table as it is.
 */
async function inspect(client: ClientBase, options: ConvertOptions, qualified: string, lastMonth: number): Promise<TableShape> {
  const oid = await plainTableOid(client, options, qualified);
  const columnType = await partitionColumnType(client, options, qualified, oid);
  await refuseUnsupported(client, qualified, oid);
  const { rows, newestMonth } = await rowsInRange(client, options, qualified, lastMonth);
  const indexes = await readIndexes(client, qualified, oid);
  return { columnType, rows, newestMonth, indexes, ...(await readCarriedOver(client, oid)) };
}

async function plainTableOid(client: ClientBase, options: ConvertOptions, qualified: string): Promise<string> {
  const { rows: found } = await client.query<{ oid: string | null; kind: string | null }>(
    `SELECT c.oid::text, c.relkind::text AS kind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = $1 AND c.relname = $2`,
    [options.schema, options.table],
  );
  if (found.length === 0) throw new Error(`table ${qualified} does not exist`);
  if (found[0].kind === 'p') throw new Error(`table ${qualified} is already partitioned`);
  if (found[0].kind !== 'r') throw new Error(`${qualified} is not a plain table`);
  return found[0].oid!;
}

async function partitionColumnType(client: ClientBase, options: ConvertOptions, qualified: string, oid: string): Promise<string> {
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
  return columnType;
}

async function refuseUnsupported(client: ClientBase, qualified: string, oid: string): Promise<void> {
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

  const problems = await unsupported(client, oid);
  if (problems.length) throw new Error(`table ${qualified} cannot be converted as it is: ${problems.join('; ')}`);
}

/** The row count and the newest month; refused when a row has no month or one past `lastMonth`. */
async function rowsInRange(
  client: ClientBase,
  options: ConvertOptions,
  qualified: string,
  lastMonth: number,
): Promise<{ rows: number; newestMonth: number | null }> {
  const column = quoteIdent(options.column);
  const { rows: stats } = await client.query<{ rows: string; nulls: string; infinite: string; newest: string | null }>(
    `SELECT count(*) AS rows, count(*) FILTER (WHERE ${column} IS NULL) AS nulls,
            count(*) FILTER (WHERE ${column} = 'infinity') AS infinite,
            extract(epoch FROM (max(${column}) FILTER (WHERE isfinite(${column})))::timestamp) * 1000 AS newest
     FROM ${qualified}`,
  );
  if (Number(stats[0].nulls) > 0) {
    throw new Error(`table ${qualified} has ${stats[0].nulls} row(s) with a NULL ${column}: a range partition cannot hold them`);
  }
  if (Number(stats[0].infinite) > 0) {
    throw new Error(`table ${qualified} has ${stats[0].infinite} row(s) with ${column} = 'infinity': no month holds them`);
  }
  const newestMonth = stats[0].newest === null ? null : monthOf(new Date(Number(stats[0].newest)));
  if (newestMonth !== null && newestMonth > lastMonth) {
    throw new Error(
      `table ${qualified} has rows dated up to ${monthLabel(newestMonth)} in ${column}, after the last month this conversion ` +
        `partitions (${monthLabel(lastMonth)}): the partition of the existing rows would reach that far; correct those dates first`,
    );
  }
  return { rows: Number(stats[0].rows), newestMonth };
}

async function readIndexes(client: ClientBase, qualified: string, oid: string): Promise<TableIndex[]> {
  const { rows: indexes } = await client.query<{
    name: string;
    unique: boolean;
    primary: boolean;
    columns: string[] | null;
    definition: string;
    prefix: string;
  }>(
    `SELECT ic.relname AS name, i.indisunique AS unique, i.indisprimary AS primary,
            (SELECT array_agg(a.attname::text ORDER BY k.ord) FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(attnum, ord)
               JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum) AS columns,
            pg_get_indexdef(i.indexrelid) AS definition,
            -- What pg_get_indexdef writes before USING: the index's name, then the table's, schema-qualified.
            format('CREATE %sINDEX %I ON %I.%I ', CASE WHEN i.indisunique THEN 'UNIQUE ' ELSE '' END, ic.relname, n.nspname, c.relname)
              AS prefix
     FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_class c ON c.oid = i.indrelid
     JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE i.indrelid = $1 ORDER BY ic.relname`,
    [oid],
  );
  for (const index of indexes) {
    if (!index.definition.startsWith(index.prefix)) {
      throw new Error(`table ${qualified}: cannot read the definition of index ${quoteIdent(index.name)} (${index.definition})`);
    }
  }
  return indexes.map(({ name, unique, primary, columns, definition, prefix }) => ({
    name,
    unique,
    primary,
    columns: columns ?? [],
    method: definition.slice(prefix.length),
  }));
}

/** What the swap moves from the plain table to the partitioned one besides its indexes. */
async function readCarriedOver(client: ClientBase, oid: string): Promise<Pick<TableShape, 'foreignKeys' | 'ownedSequences' | 'grants'>> {
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
  const { rows: grants } = await client.query<{ grantee: string; privilege: string; grantable: boolean }>(
    `SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END AS grantee,
            a.privilege_type AS privilege, a.is_grantable AS grantable
     FROM pg_class c, aclexplode(c.relacl) a
     WHERE c.oid = $1 AND a.grantee <> c.relowner ORDER BY 1, 2`,
    [oid],
  );
  return { foreignKeys, ownedSequences, grants };
}

/**
 * What a partitioned table made by the conversion would not carry over or could not hold: each a
 * reason to refuse before changing anything. (Table privileges are carried over.)
 */
async function unsupported(client: ClientBase, oid: string): Promise<string[]> {
  const { rows } = await client.query<UnsupportedShape>(
    `SELECT c.relrowsecurity OR c.relforcerowsecurity OR EXISTS (SELECT 1 FROM pg_policy WHERE polrelid = c.oid) AS rls,
            (SELECT string_agg(quote_ident(tgname), ', ') FROM pg_trigger WHERE tgrelid = c.oid AND NOT tgisinternal) AS triggers,
            (SELECT string_agg(quote_ident(p.pubname), ', ') FROM pg_publication_rel r JOIN pg_publication p ON p.oid = r.prpubid
             WHERE r.prrelid = c.oid) AS publications,
            EXISTS (SELECT 1 FROM pg_inherits WHERE inhrelid = c.oid OR inhparent = c.oid) AS inheritance,
            EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = c.oid AND attnum > 0 AND NOT attisdropped AND attacl IS NOT NULL)
              AS "columnGrants",
            (SELECT string_agg(quote_ident(conname), ', ') FROM pg_constraint WHERE conrelid = c.oid AND NOT convalidated) AS "notValid",
            (SELECT string_agg(quote_ident(conname), ', ') FROM pg_constraint WHERE conrelid = c.oid AND contype = 'c' AND connoinherit)
              AS "noInherit",
            (SELECT json_agg(json_build_object(
                      'name', ic.relname, 'expression', 0 = ANY (i.indkey::int2[]), 'partial', i.indpred IS NOT NULL,
                      'include', i.indnkeyatts <> i.indnatts, 'method', am.amname,
                      -- Plain: key columns and nothing else (no collation, operator class, order,
                      -- NULLS NOT DISTINCT or storage option), as the partitioned form rebuilds it.
                      'plain', pg_get_indexdef(i.indexrelid) = format('CREATE UNIQUE INDEX %I ON %I.%I USING btree (%s)',
                        ic.relname, n.nspname, c.relname,
                        (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY k.ord)
                         FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(attnum, ord)
                         JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum)),
                      'deferrable', coalesce((SELECT bool_or(condeferrable) FROM pg_constraint WHERE conindid = i.indexrelid AND conrelid = c.oid AND contype IN ('p', 'u')), false)))
             FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_am am ON am.oid = ic.relam
             WHERE i.indrelid = c.oid AND i.indisunique) AS "uniqueIndexes",
            (SELECT string_agg(quote_ident(ic.relname), ', ') FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
             WHERE i.indrelid = c.oid AND NOT i.indisvalid) AS "invalidIndexes"
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = $1`,
    [oid],
  );
  return problemsOf(rows[0]);
}

interface UnsupportedShape {
  rls: boolean;
  triggers: string | null;
  publications: string | null;
  inheritance: boolean;
  columnGrants: boolean;
  notValid: string | null;
  noInherit: string | null;
  invalidIndexes: string | null;
  uniqueIndexes: UniqueIndexShape[] | null;
}

interface UniqueIndexShape {
  name: string;
  expression: boolean;
  partial: boolean;
  include: boolean;
  deferrable: boolean;
  method: string;
  plain: boolean;
}

function problemsOf(shape: UnsupportedShape): string[] {
  const problems: string[] = [];
  if (shape.rls) problems.push('row-level security is on or it has policies (the partitioned table would have neither)');
  if (shape.triggers) problems.push(`it has triggers (${shape.triggers}), which the partitioned table would not have`);
  if (shape.publications) problems.push(`it is in publications (${shape.publications}), which the partitioned table would not be`);
  if (shape.inheritance) problems.push('it has inheritance parents or children');
  if (shape.columnGrants) problems.push('it has column privileges, which the partitioned table would not have');
  if (shape.notValid) problems.push(`its constraints ${shape.notValid} are NOT VALID: validate them first`);
  if (shape.noInherit) problems.push(`its CHECK constraints ${shape.noInherit} are NO INHERIT, which a partitioned table cannot have`);
  if (shape.invalidIndexes) {
    problems.push(`its indexes ${shape.invalidIndexes} are INVALID (a concurrent build that did not finish): drop or rebuild them first`);
  }
  for (const index of shape.uniqueIndexes ?? []) {
    const problem = uniqueIndexProblem(index);
    if (problem) problems.push(problem);
  }
  return problems;
}

function uniqueIndexProblem(index: UniqueIndexShape): string | undefined {
  const why = [
    index.expression && 'an expression',
    index.partial && 'a WHERE clause',
    index.include && 'INCLUDE columns',
    index.deferrable && 'a deferrable constraint',
    index.method !== 'btree' && `the ${index.method} method`,
  ].filter(Boolean);
  if (why.length === 0 && !index.plain) why.push('a collation, an operator class, a sort order, NULLS NOT DISTINCT or storage options');
  if (why.length === 0) return undefined;
  return (
    `its unique index ${quoteIdent(index.name)} has ${why.join(', ')}: a partitioned table's unique index is made of ` +
    'plain key columns and the partition column, and would not mean the same'
  );
}

/**
 * Takes back what the conversion did before its swap (the swap is one transaction), each step with
 * the same bounded lock waits as the conversion; says what is left, if anything.
 */
async function undo(
  client: ClientBase,
  schema: string,
  qualified: string,
  checkConstraint: string,
  built: readonly string[],
  retry: <T>(step: string, work: () => Promise<T>) => Promise<T>,
): Promise<string> {
  const left: string[] = [];
  const attempt = async (what: string, exists: string, drop: string) => {
    try {
      const { rows } = await client.query(exists);
      if (rows.length) await retry(`undo: drop ${what}`, () => client.query(drop));
    } catch (error) {
      left.push(`${what} (${(error as Error).message})`);
    }
  };
  await attempt(
    `the constraint ${quoteIdent(checkConstraint)}`,
    `SELECT 1 FROM pg_constraint WHERE conrelid = to_regclass(${client.escapeLiteral(qualified)}) AND conname = ${client.escapeLiteral(checkConstraint)}`,
    `ALTER TABLE ${qualified} DROP CONSTRAINT IF EXISTS ${quoteIdent(checkConstraint)}`,
  );
  for (const name of built) {
    const index = `${quoteIdent(schema)}.${quoteIdent(name)}`;
    await attempt(
      `the index ${index}`,
      `SELECT 1 WHERE to_regclass(${client.escapeLiteral(index)}) IS NOT NULL`,
      `DROP INDEX CONCURRENTLY IF EXISTS ${index}`,
    );
  }
  return left.length ? `taking its changes back failed for ${left.join(', ')}: drop them yourself` : 'the table is as it was';
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
