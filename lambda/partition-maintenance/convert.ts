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
  // The row count and the newest month are the table's, never what row-level security lets one see.
  await client.query('SET row_security = off');
  await installSql(client);

  const current = monthOf(options.now ?? new Date());
  const table = await inspect(client, options, qualified, current + (options.futureMonths ?? 3));
  // Everything up to the month after next stays in the legacy partition: rows the application
  // writes while the conversion runs (now-ish) must fit its CHECK constraint.
  const newest = table.newestMonth ?? current;
  const legacyUntil = Math.max(current, newest) + 2;
  const legacyUntilLiteral = await boundLiteral(client, monthStart(legacyUntil), table.columnType);
  const legacyName = await truncatedName(client, `${options.table}_legacy`);
  const legacy = `${quoteIdent(options.schema)}.${quoteIdent(legacyName)}`;
  const column = quoteIdent(options.column);
  const checkConstraint = await truncatedName(client, `${options.table}_legacy_range`);
  const checkName = quoteIdent(checkConstraint);

  // From here on a failure undoes what was done before the swap (which is one transaction), so that
  // the table is left as it was: no range CHECK that would refuse the application's rows once the
  // legacy bound has passed, no unique index of the conversion's.
  const built: string[] = [];
  let exclusiveLockMs = 0;
  try {
    await changeTable();
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    const undone = await undo(client, options.schema, qualified, checkConstraint, built, retry);
    throw new Error(`${(error as Error).message} (conversion of ${qualified} stopped; ${undone})`, { cause: error });
  }

  async function changeTable(): Promise<void> {
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
      const indexName = `${quoteIdent(options.schema)}.${quoteIdent(name)}`;
      built.push(name);
      // A build stopped half-way (waiting on an old transaction past lock_timeout) leaves an
      // INVALID index: dropped before each attempt, and by the undo if none succeeds.
      await timed(`build unique index ${name} concurrently`, () =>
        retry(`build ${name}`, async () => {
          await client.query(`DROP INDEX CONCURRENTLY IF EXISTS ${indexName}`);
          await client.query(`CREATE UNIQUE INDEX CONCURRENTLY ${quoteIdent(name)} ON ${qualified} (${columns})`);
        }),
      );
      uniqueIndexes.set(index.name, name);
    }

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
          for (const grant of table.grants) {
            await client.query(
              `GRANT ${grant.privilege} ON ${qualified} TO ${grant.grantee}${grant.grantable ? ' WITH GRANT OPTION' : ''}`,
            );
          }
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
              await client.query(
                `ALTER TABLE ${legacy} ADD CONSTRAINT ${quoteIdent(converted)} UNIQUE USING INDEX ${quoteIdent(converted)}`,
              );
            }
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
  }

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
  /** `method` is the index's definition from `USING` on, for the same index on another table. */
  indexes: { name: string; unique: boolean; primary: boolean; columns: string[]; method: string }[];
  foreignKeys: { name: string; definition: string }[];
  ownedSequences: { sequence: string; column: string }[];
  /** Privileges others than the owner hold on the table (a partitioned table starts with none). */
  grants: { grantee: string; privilege: string; grantable: boolean }[];
}

/**
 * The table's shape, and a clear error, before anything changes, for what the conversion cannot
 * carry over to a partitioned table as it is.
 */
async function inspect(client: ClientBase, options: ConvertOptions, qualified: string, lastMonth: number): Promise<TableShape> {
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

  const problems = await unsupported(client, oid!);
  if (problems.length) throw new Error(`table ${qualified} cannot be converted as it is: ${problems.join('; ')}`);

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
  return {
    columnType,
    rows: Number(stats[0].rows),
    newestMonth,
    indexes: indexes.map(({ name, unique, primary, columns, definition, prefix }) => ({
      name,
      unique,
      primary,
      columns: columns ?? [],
      method: definition.slice(prefix.length),
    })),
    foreignKeys,
    ownedSequences,
    grants,
  };
}

/**
 * What a partitioned table made by the conversion would not carry over or could not hold: each a
 * reason to refuse before changing anything. (Table privileges are carried over.)
 */
async function unsupported(client: ClientBase, oid: string): Promise<string[]> {
  const { rows } = await client.query<{
    rls: boolean;
    triggers: string | null;
    publications: string | null;
    inheritance: boolean;
    columnGrants: boolean;
    notValid: string | null;
    noInherit: string | null;
    invalidIndexes: string | null;
    uniqueIndexes:
      | { name: string; expression: boolean; partial: boolean; include: boolean; deferrable: boolean; method: string; plain: boolean }[]
      | null;
  }>(
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
  const shape = rows[0];
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
    const why = [
      index.expression && 'an expression',
      index.partial && 'a WHERE clause',
      index.include && 'INCLUDE columns',
      index.deferrable && 'a deferrable constraint',
      index.method !== 'btree' && `the ${index.method} method`,
    ].filter(Boolean);
    if (why.length === 0 && !index.plain) why.push('a collation, an operator class, a sort order, NULLS NOT DISTINCT or storage options');
    if (why.length) {
      problems.push(
        `its unique index ${quoteIdent(index.name)} has ${why.join(', ')}: a partitioned table's unique index is made of ` +
          'plain key columns and the partition column, and would not mean the same',
      );
    }
  }
  return problems;
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
