import { once } from 'node:events';
import { createServer, request as httpRequest } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/*
 * A reverse proxy for API fuzzing that tells which request wrote to a store: it passes requests on
 * one at a time and takes a fingerprint of every store before and after each, so a change is
 * pinned on the one request that made it. The fuzzer talks to the proxy; the proxy to the server.
 */

export interface ProxiedExchange {
  readonly method: string;
  /** The path and query, as sent. */
  readonly url: string;
  readonly hadAuthorization: boolean;
  /** The server's status; 502 when the server dropped the connection instead of answering. */
  readonly status: number;
  /** Whether a store's fingerprint changed while this request was served. */
  readonly wrote: boolean;
}

export interface GuardedProxy {
  readonly url: string;
  /** Every exchange so far, in order. */
  readonly exchanges: readonly ProxiedExchange[];
  /** The proxy's own failures (a fingerprint that could not be taken); each request concerned was answered 502. */
  readonly failures: readonly unknown[];
  close(): Promise<void>;
}

const HTTP_BAD_GATEWAY = 502;
/** Headers about one connection, which the proxy's own connections set for themselves. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length']);

/** Starts the proxy in front of `target` (e.g. http://127.0.0.1:3000); `fingerprint` describes every store's state. */
export async function startGuardedProxy(target: string, fingerprint: () => Promise<string>): Promise<GuardedProxy> {
  const exchanges: ProxiedExchange[] = [];
  const failures: unknown[] = [];
  let turn: Promise<void> = Promise.resolve();
  const server = createServer((incoming, outgoing) => {
    const body = readAll(incoming);
    turn = turn.then(async () => {
      try {
        const before = await fingerprint();
        const answer = await forward(target, incoming, await body);
        const wrote = (await fingerprint()) !== before;
        exchanges.push({ method: incoming.method ?? '', url: incoming.url ?? '', hadAuthorization: incoming.headers.authorization !== undefined, status: answer.status, wrote });
        reply(outgoing, answer);
      } catch (error) {
        failures.push(error);
        if (!outgoing.headersSent) outgoing.writeHead(HTTP_BAD_GATEWAY).end();
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    exchanges,
    failures,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await turn;
    },
  };
}

interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

async function readAll(stream: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Sends the request on as it came (method, path, headers in their order, body); a dropped connection answers 502. */
function forward(target: string, incoming: IncomingMessage, body: Buffer): Promise<Answer> {
  const headers: string[] = [];
  for (let index = 0; index < incoming.rawHeaders.length; index += 2) {
    const [name, value] = [incoming.rawHeaders[index] ?? '', incoming.rawHeaders[index + 1] ?? ''];
    if (!HOP_BY_HOP.has(name.toLowerCase())) headers.push(name, value);
  }
  if (body.length > 0 || incoming.headers['content-length'] !== undefined) headers.push('content-length', String(body.length));
  const { hostname, port } = new URL(target);
  return new Promise((resolve) => {
    const dropped = () => resolve({ status: HTTP_BAD_GATEWAY, headers: { 'content-type': 'text/plain' }, body: Buffer.from('the server dropped the connection') });
    const sent = httpRequest({ hostname, port, method: incoming.method, path: incoming.url, headers, agent: false }, (response) => {
      readAll(response).then((answer) => resolve({ status: response.statusCode ?? HTTP_BAD_GATEWAY, headers: response.headers, body: answer }), dropped);
    });
    sent.on('error', dropped);
    sent.end(body);
  });
}

function reply(outgoing: ServerResponse, answer: Answer): void {
  for (const [name, value] of Object.entries(answer.headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) outgoing.setHeader(name, value);
  }
  outgoing.setHeader('content-length', answer.body.length);
  outgoing.writeHead(answer.status);
  outgoing.end(answer.body);
}
