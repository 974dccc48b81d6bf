import { once } from 'node:events';
import { createServer } from 'node:http';
import type { ServerResponse } from 'node:http';

/*
 * A real HTTP peer on loopback standing in for an upstream that fails: a gateway answering 5xx or
 * an HTML page, or a server that never answers. The client under test speaks real HTTP to it.
 */

export interface StandInAnswer {
  readonly status: number;
  readonly body: string;
  /** Default: application/json. */
  readonly contentType?: string;
}

export interface HttpStandIn {
  readonly url: string;
  /** Requests received so far. */
  requests(): number;
  close(): Promise<void>;
}

/** Answers every request with `answer`; with null, holds every request open until closed. */
export async function startHttpStandIn(answer: StandInAnswer | null): Promise<HttpStandIn> {
  let requests = 0;
  const held: ServerResponse[] = [];
  const server = createServer((request, response) => {
    requests += 1;
    request.resume();
    if (answer === null) {
      held.push(response);
      return;
    }
    response.writeHead(answer.status, { 'content-type': answer.contentType ?? 'application/json' }).end(answer.body);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  let closed: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${address.port}`,
    requests: () => requests,
    close: () =>
      (closed ??= (async () => {
        for (const response of held) response.destroy();
        server.closeAllConnections();
        server.close();
        await once(server, 'close');
      })()),
  };
}
