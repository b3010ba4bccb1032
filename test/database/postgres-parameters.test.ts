/**
 * Which of the database parameters a change applies only at a restart: what the impact report and
 * `npm run reboot` go by, checked against PostgreSQL itself (a `postmaster` setting takes a restart).
 */
import { postgresParameters, STATIC_PARAMETER_NAMES } from '../../lib/constructs/postgres-parameters';
import { createTestDatabase, type TestDatabase } from '../support/postgres';

/**
 * Parameters that plain PostgreSQL does not know (RDS's own, or those of a library it has not
 * loaded), with how a change applies and where that is written.
 */
const NOT_IN_POSTGRES: Record<string, { static: boolean; source: string }> = {
  'rds.force_ssl': {
    static: false,
    source: 'RDS user guide, "Requiring an SSL connection to a PostgreSQL DB instance": a dynamic parameter',
  },
  'pg_stat_statements.max': { static: true, source: 'PostgreSQL documentation, pg_stat_statements: "can only be set at server start"' },
  'pg_stat_statements.track': {
    static: false,
    source: 'PostgreSQL documentation, pg_stat_statements: "only superusers can change this setting"',
  },
};

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.drop());

test("a parameter is static exactly when PostgreSQL applies it only at server start (context 'postmaster')", async () => {
  const client = await db.connect();
  try {
    const names = [...new Set(postgresParameters(250).map((parameter) => parameter.name))];
    const { rows } = await client.query<{ name: string; context: string }>('SELECT name, context FROM pg_settings WHERE name = ANY($1)', [
      names,
    ]);
    const context = new Map(rows.map((row) => [row.name, row.context]));
    const verdicts = names.map((name) => {
      const known = context.get(name);
      const restart = known === undefined ? NOT_IN_POSTGRES[name]?.static : known === 'postmaster';
      return [name, restart === undefined ? 'unknown to PostgreSQL: list it in NOT_IN_POSTGRES with its source' : restart] as const;
    });
    expect(verdicts.filter(([, restart]) => typeof restart === 'string')).toEqual([]);
    expect(verdicts.filter(([name, restart]) => restart !== STATIC_PARAMETER_NAMES.has(name))).toEqual([]);
    // Not vacuous: the connection limit and the preloaded libraries are among them.
    expect([...STATIC_PARAMETER_NAMES].sort()).toEqual(['max_connections', 'pg_stat_statements.max', 'shared_preload_libraries']);
  } finally {
    await client.end();
  }
});
