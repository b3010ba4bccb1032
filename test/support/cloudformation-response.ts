import * as http from 'http';
import type { AddressInfo } from 'net';

/**
 * A real HTTP endpoint standing in for CloudFormation's pre-signed response URL. With `failures`,
 * the first answers get that HTTP status (e.g. S3's 503), as a flaky network would.
 */
export async function responseEndpoint(
  failures: readonly number[] = [],
): Promise<{ url: string; received: Promise<Record<string, any>>; attempts: () => number; close: () => void }> {
  let resolve: (body: Record<string, any>) => void;
  const received = new Promise<Record<string, any>>((done) => (resolve = done));
  let attempts = 0;
  const server = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      const failure = failures[attempts++];
      if (failure !== undefined) {
        response.statusCode = failure;
        response.end();
        return;
      }
      response.end();
      resolve({ method: request.method, ...JSON.parse(body) });
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/response`,
    received,
    attempts: () => attempts,
    close: () => server.close(),
  };
}
