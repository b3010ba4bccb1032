/**
 * The timeline rehearsal's rotations: two full cycles of each rotation schedule, in each order and
 * interleaved, through the real rotation and refresh modules (test/database/rotation-cycles.ts):
 * every rotation may start, and every running task keeps a credential that works throughout.
 */
import { Client } from 'pg';
import { RotationWorld, type WorldOptions } from './rotation-cycles';
import { createTestDatabase, dropRoles, type TestDatabase } from '../support/postgres';
import { RedisStandIn } from '../support/redis-standin';

const suffix = `${process.pid}_${Math.random().toString(36).slice(2, 6)}`;
const LOGINS = [`cs2app_${suffix}`, `cs2app_${suffix}_clone`] as const;
const redis = new RedisStandIn();
let db: TestDatabase;
let admin: Client;
let world: RotationWorld | undefined;

beforeAll(async () => {
  await redis.start();
  db = await createTestDatabase();
  admin = await db.connect();
  for (const login of LOGINS) await admin.query(`CREATE ROLE "${login}" LOGIN PASSWORD 'initial-${login}'`);
});

afterAll(async () => {
  redis.stop();
  await admin.end();
  await db.drop();
  await dropRoles(LOGINS);
});

afterEach(() => world?.dispose());

async function deployed(options: Partial<WorldOptions> = {}): Promise<RotationWorld> {
  for (const login of LOGINS) await admin.query(`ALTER ROLE "${login}" PASSWORD 'initial-${login}'`);
  world = new RotationWorld({ databaseUrl: db.connectionString, logins: LOGINS, redis, ...options });
  await world.deploy();
  return world;
}

/** Each scenario runs two cycles of both schedules; a rotation that may not start throws, as does a task left without a working credential. */
const SCENARIOS: [string, (world: RotationWorld) => Promise<void>][] = [
  [
    'the database first, then Redis, the same day',
    async (w) => {
      for (let cycle = 0; cycle < 2; cycle++) {
        await w.rotate('database');
        await w.refresh('database');
        await w.settle();
        await w.rotate('redis');
        await w.refresh('redis');
        await w.settle();
      }
    },
  ],
  [
    'Redis first, then the database',
    async (w) => {
      for (let cycle = 0; cycle < 2; cycle++) {
        await w.rotate('redis');
        await w.refresh('redis');
        await w.settle();
        await w.rotate('database');
        await w.refresh('database');
        await w.settle();
      }
    },
  ],
  [
    "interleaved: each rotation while the other's refresh and rollout are still going",
    async (w) => {
      for (let cycle = 0; cycle < 2; cycle++) {
        await w.rotate('database');
        await w.refresh('database');
        // The API is still rolling out: Redis rotates meanwhile, and its refresh rewrites the values again.
        await w.rotate('redis');
        await w.refresh('redis');
      }
      await w.settle();
    },
  ],
  [
    'a Redis rotation and its refresh done while the database refresh writes (it read the credentials before)',
    async (w) => {
      for (let cycle = 0; cycle < 2; cycle++) {
        await w.rotate('database');
        w.secrets.beforeOnce.set(`PutSecretValue:${w.refreshDependencies().env.valuesSecretArns.database}`, async () => {
          await w.rotate('redis');
          await w.refresh('redis');
        });
        await w.refresh('database');
        await w.settle();
      }
    },
  ],
  [
    'both rotations, then both refreshes at once',
    async (w) => {
      for (let cycle = 0; cycle < 2; cycle++) {
        await w.rotate('redis');
        await w.rotate('database');
        await Promise.all([w.refresh('database'), w.refresh('redis')]);
        await w.settle();
      }
    },
  ],
];

describe.each(SCENARIOS)('two cycles of every rotation: %s', (_name, scenario) => {
  test('every rotation starts, and every running task keeps a credential that works', async () => {
    const w = await deployed();
    await scenario(w);
    await w.assertTasksLogIn('last step');
    // Not vacuous: four rotations each, and the parser runs on the latest token alone.
    expect(w.secrets.current<{ token: string }>(w.refreshDependencies().env.redisSecretArn).token).not.toBe('first-token-0123456789abcdef');
    expect(redis.tokens).toHaveLength(1);
  });
});

describe('each rotation check fails on a variant with its fault', () => {
  test("a guard that reads the connection secret's newest write, whatever changed (before the fix): the Redis rotation after a database refresh is refused", async () => {
    const w = await deployed({ guard: 'newest-write' });
    await expect(SCENARIOS[0][1](w)).rejects.toThrow(
      /service parser may still run tasks started before its current redis connection values/,
    );
  });

  test('no guard, and a refresh that never ran: the next rotation changes the password a running task uses', async () => {
    const w = await deployed({ guard: 'none' });
    await w.rotate('database');
    // The refresh failed (dead-lettered): the API still runs on the first login.
    await expect(w.rotate('database')).rejects.toThrow(/a running api task's database login cs2app_\w+ is refused/);
  });
});
