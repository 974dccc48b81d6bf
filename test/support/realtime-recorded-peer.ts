import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { isDeepStrictEqual } from 'node:util';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';

/** A Phoenix protocol vsn 2.0.0 frame: [join_ref, ref, topic, event, payload]. */
export type Frame = [string | null, string | null, string, string, unknown];

export type ExchangeStep = { readonly client: Frame } | { readonly server: Frame };

export interface RecordedExchange {
  readonly url: { readonly path: string; readonly query: Record<string, string> };
  readonly placeholders: Record<string, string>;
  readonly exchange: readonly ExchangeStep[];
}

/**
 * The far end of a recorded Realtime exchange, for contract tests: it answers exactly as the
 * recording says and notes every way the live client departs from it. It is no Realtime server:
 * it knows nothing but the recording (and Phoenix heartbeats, which come on a timer, not in order).
 */
export interface RecordedPeer {
  /** What to give supabase-js as SUPABASE_URL. */
  readonly url: string;
  /** Every connection's request URL, in order. */
  readonly requests: URL[];
  /** Every departure from the recording, described; empty when the client kept to it. */
  readonly mismatches: string[];
  /** How many recorded client frames each connection has sent so far. */
  readonly progress: number[];
  /** Sends a frame outside the recording (a variant) on every open connection. */
  push(frame: Frame): void;
  /** Ends every connection as a server that went away would. */
  dropConnections(): void;
  close(): Promise<void>;
}

export function loadExchange(path: URL): RecordedExchange {
  return JSON.parse(readFileSync(path, 'utf8')) as RecordedExchange;
}

export async function startRecordedPeer(recording: RecordedExchange, placeholders: Record<string, string>): Promise<RecordedPeer> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, path: recording.url.path });
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const exchange = substitute(recording.exchange, placeholders);
  const requests: URL[] = [];
  const mismatches: string[] = [];
  const progress: number[] = [];
  server.on('connection', (socket, request) => {
    const url = new URL(request.url ?? '/', 'http://peer');
    requests.push(url);
    const expected = substitute(recording.url.query, placeholders);
    if (!isDeepStrictEqual(Object.fromEntries(url.searchParams), expected)) mismatches.push(`connection query ${url.search} differs from the recording`);
    const connection = progress.push(0) - 1;
    replay(socket, exchange, mismatches, () => (progress[connection] = (progress[connection] ?? 0) + 1));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    mismatches,
    progress,
    push: (frame) => server.clients.forEach((socket) => socket.send(JSON.stringify(frame))),
    dropConnections: () => server.clients.forEach((socket) => socket.terminate()),
    close: async () => {
      server.clients.forEach((socket) => socket.terminate());
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}

/** Plays one connection: each client frame is checked against the next recorded one, then the server frames after it are sent. */
function replay(socket: WebSocket, exchange: readonly ExchangeStep[], mismatches: string[], onClientStep: () => void): void {
  const refs = new Map<string, string>();
  let next = 0;
  socket.on('message', (data) => {
    const frame = JSON.parse(String(data)) as Frame;
    if (frame[2] === 'phoenix' && frame[3] === 'heartbeat') {
      socket.send(JSON.stringify([null, frame[1], 'phoenix', 'phx_reply', { status: 'ok', response: {} }]));
      return;
    }
    const step = exchange[next];
    if (!step || !('client' in step)) {
      mismatches.push(`unexpected client frame ${describe(frame)} at step ${next}`);
      return;
    }
    if (!matches(step.client, frame, refs)) mismatches.push(`client frame ${describe(frame)} differs from the recorded ${describe(step.client)}`);
    onClientStep();
    for (next += 1; exchange[next] && 'server' in (exchange[next] as ExchangeStep); next += 1) {
      socket.send(JSON.stringify(mapRefs((exchange[next] as { server: Frame }).server, refs)));
    }
  });
}

/** A live frame matches a recorded one when it is equal once each recorded ref stands for the live ref first seen in its place. */
function matches(recorded: Frame, live: Frame, refs: Map<string, string>): boolean {
  for (const index of [0, 1] as const) {
    const want = recorded[index];
    const got = live[index];
    if (want === null || got === null) {
      if (want !== got) return false;
      continue;
    }
    if (!refs.has(want)) refs.set(want, got);
    if (refs.get(want) !== got) return false;
  }
  return isDeepStrictEqual(recorded.slice(2), live.slice(2));
}

function mapRefs(frame: Frame, refs: Map<string, string>): Frame {
  const map = (ref: string | null) => (ref === null ? null : (refs.get(ref) ?? ref));
  return [map(frame[0]), map(frame[1]), frame[2], frame[3], frame[4]];
}

function substitute<T>(value: T, placeholders: Record<string, string>): T {
  let text = JSON.stringify(value);
  for (const [placeholder, actual] of Object.entries(placeholders)) text = text.split(JSON.stringify(placeholder)).join(JSON.stringify(actual));
  return JSON.parse(text) as T;
}

function describe(frame: Frame): string {
  return `[${frame[0]}, ${frame[1]}, ${frame[2]}, ${frame[3]}]`;
}
