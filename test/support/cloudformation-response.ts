import * as http from 'http';
import type { AddressInfo } from 'net';

/** A real HTTP endpoint standing in for CloudFormation's pre-signed response URL. */
export async function responseEndpoint(): Promise<{ url: string; received: Promise<Record<string, any>>; close: () => void }> {
  let resolve: (body: Record<string, any>) => void;
  const received = new Promise<Record<string, any>>((done) => (resolve = done));
  const server = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      response.end();
      resolve({ method: request.method, ...JSON.parse(body) });
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/response`, received, close: () => server.close() };
}
