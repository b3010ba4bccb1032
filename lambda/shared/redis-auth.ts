import * as net from 'net';
import * as tls from 'tls';

/**
 * Whether a Redis server (ElastiCache, TLS) accepts an AUTH token: one AUTH command in RESP, the
 * reply read. No client library: this is all rotation needs to know.
 */
export async function redisAcceptsToken(options: {
  host: string;
  port: number;
  token: string;
  tls: boolean;
  timeoutMs?: number;
}): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const socket = options.tls
      ? tls.connect({ host: options.host, port: options.port, servername: options.host })
      : net.connect({ host: options.host, port: options.port });
    let reply = '';
    const finish = (outcome: boolean | Error) => {
      socket.destroy();
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    socket.setTimeout(options.timeoutMs ?? 5000, () =>
      finish(new Error(`Redis at ${options.host}:${options.port} did not answer AUTH in time`)),
    );
    socket.once('error', (error) => finish(error));
    socket.once(options.tls ? 'secureConnect' : 'connect', () => {
      const token = Buffer.from(options.token, 'utf8');
      socket.write(Buffer.concat([Buffer.from(`*2\r\n$4\r\nAUTH\r\n$${token.length}\r\n`), token, Buffer.from('\r\n')]));
    });
    socket.on('data', (chunk) => {
      reply += chunk.toString('utf8');
      if (!reply.includes('\r\n')) return;
      if (reply.startsWith('+OK')) finish(true);
      else if (/^-(WRONGPASS|ERR invalid password|ERR invalid username-password pair|NOAUTH)/.test(reply)) finish(false);
      else finish(new Error(`unexpected reply to AUTH: ${reply.trim()}`));
    });
  });
}
