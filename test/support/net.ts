/**
 * Talking to what the tests publish, on 127.0.0.1 only: a free port to publish on, and plain HTTP GETs.
 */
import { request } from 'node:http';
import { createServer } from 'node:net';

/** A port nothing listens on right now (the kernel's pick). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolvePort(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export interface HttpAnswer {
  status: number;
  body: string;
}

/**
 * GET `path` from `target` — a port on 127.0.0.1, or `host:port` — with its status and body; rejects
 * on an error or after `timeoutMs` without an answer.
 */
export function httpGet(target: number | string, path = '/', timeoutMs = 10_000): Promise<HttpAnswer> {
  const [host, port] = typeof target === 'number' ? ['127.0.0.1', target] : splitHostPort(target);
  return new Promise((resolveBody, reject) => {
    const req = request({ host, port, path, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolveBody({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path}: timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/** Just the body of `httpGet(target, '/')`, 5 s at most. */
export async function httpBody(target: number | string): Promise<string> {
  return (await httpGet(target, '/', 5_000)).body;
}

function splitHostPort(hostPort: string): [string, number] {
  const colon = hostPort.lastIndexOf(':');
  return [hostPort.slice(0, colon), Number(hostPort.slice(colon + 1))];
}
