/**
 * The master login of the maintenance job and the app rotation (lambda/shared/master-login.ts) on
 * real PostgreSQL, Secrets Manager faked at the SDK client boundary: the labelled versions during a
 * rotation, and after a restore to a point in time, an older unlabelled one, set back to the current.
 */
import { ListSecretVersionIdsCommand, PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import type { Client } from 'pg';
import { connectAsMaster } from '../../lambda/shared/master-login';
import { FakeSecretsManager } from '../support/fake-secrets-manager';
import { createTestDatabase, dropRoles, loginWorks, type TestDatabase } from '../support/postgres';

const MASTER = 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:master-AbCdEf';
const user = `master_${process.pid}_${Math.random().toString(36).slice(2, 6)}`;
let db: TestDatabase;
let admin: Client;
let secrets: FakeSecretsManager;

/** The secret's history, oldest first: each value becomes AWSCURRENT, the one before AWSPREVIOUS, the rest unlabelled. */
async function secretWith(passwords: readonly string[]): Promise<void> {
  secrets.create(MASTER, { username: user, password: passwords[0] });
  for (const password of passwords.slice(1)) {
    await secrets.client.send(new PutSecretValueCommand({ SecretId: MASTER, SecretString: JSON.stringify({ username: user, password }) }));
  }
}
const configFor = (name: string, password: string) => {
  const url = new URL(db.connectionString);
  return { host: url.hostname, port: Number(url.port), database: url.pathname.slice(1), user: name, password };
};
const works = (password: string) => loginWorks(db.connectionString, user, password);

beforeAll(async () => {
  db = await createTestDatabase();
  admin = await db.connect();
  await admin.query(`CREATE ROLE "${user}" LOGIN PASSWORD 'unset'`);
});
afterAll(async () => {
  await admin.end();
  await dropRoles([user]);
  await db.drop();
});
beforeEach(() => {
  secrets = new FakeSecretsManager();
});
afterEach(() => secrets.reset());

test('the current value works: used as it is, no older version read', async () => {
  await admin.query(`ALTER ROLE "${user}" PASSWORD 'third'`);
  await secretWith(['first', 'second', 'third']);
  const { client, config, realignedFrom } = await connectAsMaster(secrets.client, MASTER, configFor);
  await client.end();
  expect([config.password, realignedFrom]).toEqual(['third', undefined]);
  expect(secrets.mock.commandCalls(ListSecretVersionIdsCommand)).toHaveLength(0);
});

test('one rotation back (the previous value): used, the password left alone', async () => {
  await admin.query(`ALTER ROLE "${user}" PASSWORD 'second'`);
  await secretWith(['first', 'second', 'third']);
  const { client, config, realignedFrom } = await connectAsMaster(secrets.client, MASTER, configFor);
  await client.end();
  expect([config.password, realignedFrom]).toEqual(['second', undefined]);
  expect(await works('second')).toBe(true);
});

test('restored to a point in time two rotations back: the unlabelled version logs in, and sets the password back to the current', async () => {
  await admin.query(`ALTER ROLE "${user}" PASSWORD 'first'`);
  await secretWith(['first', 'second', 'third']);
  const { client, config, realignedFrom } = await connectAsMaster(secrets.client, MASTER, configFor);
  await client.end();
  expect(config.password).toBe('third');
  expect(realignedFrom).toEqual(expect.any(String));
  expect(await works('third')).toBe(true);
  expect(await works('first')).toBe(false);
});

test('no version works: the refusal, and the password untouched', async () => {
  await admin.query(`ALTER ROLE "${user}" PASSWORD 'elsewhere'`);
  await secretWith(['first', 'second', 'third']);
  await expect(connectAsMaster(secrets.client, MASTER, configFor)).rejects.toThrow(/password authentication failed/);
  expect(await works('elsewhere')).toBe(true);
});
