import type { Pgoutput } from 'pg-logical-replication';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/logging/logger.ts';
import type { ChangeSink, RecordChange } from '../../../src/watchers/change-sink.ts';
import { ReplicationFeed } from '../../../src/watchers/pg-feed.ts';
import { formatLsn, parseLsn } from '../../../src/watchers/pg-lsn.ts';

const TABLE = { schema: 'public', name: 'users' };
const RELATION = { tag: 'relation', schema: 'public', name: 'users' } as Pgoutput.MessageRelation;

/** A sink whose enqueues complete only when the test says so, recording what it was given. */
function controlledSink() {
  const reconciled: RecordChange[][] = [];
  const claimed: string[] = [];
  const gates: Array<() => void> = [];
  let failNext = false;
  const sink: ChangeSink = {
    reconcile: async (changes) => {
      reconciled.push([...changes]);
      await new Promise<void>((resolve) => gates.push(resolve));
      if (failNext) throw new Error('redis is down');
      return changes.length;
    },
    reconcileClaimers: async (deleted) => {
      claimed.push(deleted.id);
      return 0;
    },
    backfill: async () => 0,
  };
  const settle = async () => {
    for (let turn = 0; turn < 10; turn += 1) await Promise.resolve();
  };
  return {
    sink,
    reconciled,
    claimed,
    release: async () => {
      gates.shift()?.();
      await settle();
    },
    failNextRelease: () => {
      failNext = true;
    },
    settle,
  };
}

function feedWith(control: ReturnType<typeof controlledSink>) {
  const acknowledged: Array<{ lsn: string; ping: boolean }> = [];
  const failures: unknown[] = [];
  const feed = new ReplicationFeed({
    source: 'bookmaster.users',
    platform: 'bookmaster',
    table: TABLE,
    sink: control.sink,
    logger: createLogger({ level: 'silent' }),
    confirmed: parseLsn('0/100'),
    acknowledge: (lsn, ping) => acknowledged.push({ lsn: formatLsn(lsn), ping }),
    onFailure: (error) => failures.push(error),
  });
  return { feed, acknowledged, failures };
}

const begin = (): Pgoutput.Message => ({ tag: 'begin', commitLsn: null, commitTime: 0n, xid: 1 });
const commit = (end: string): Pgoutput.Message => ({ tag: 'commit', flags: 0, commitLsn: null, commitEndLsn: end, commitTime: 0n });
const insert = (id: unknown): Pgoutput.Message => ({ tag: 'insert', relation: RELATION, new: { id, email: 'someone@example.com' } });
const remove = (id: string): Pgoutput.Message => ({ tag: 'delete', relation: RELATION, key: { id }, old: null });

describe('ReplicationFeed', () => {
  it('acknowledges a transaction at its commit end LSN, and only after its jobs are enqueued', async () => {
    const control = controlledSink();
    const { feed, acknowledged } = feedWith(control);
    for (const message of [begin(), insert('bm_1'), insert('bm_1'), insert('bm_2'), commit('00000000/0000A0F0')]) void feed.onData(message);
    await control.settle();
    expect(control.reconciled[0]?.map((change) => change.key.id)).toEqual(['bm_1', 'bm_2']);
    expect(control.reconciled[0]?.[0]?.trigger).toEqual({ type: 'change-event', source: 'bookmaster.users', position: '0/A0F0' });
    expect(acknowledged).toEqual([]);
    await control.release();
    expect(acknowledged).toEqual([{ lsn: '0/A0F0', ping: false }]);
  });

  it('settles a commit only once its jobs are enqueued, which is what holds the library back from reading on', async () => {
    const control = controlledSink();
    const { feed } = feedWith(control);
    await feed.onData(begin());
    await feed.onData(insert('bm_1'));
    let settled = false;
    const handled = feed.onData(commit('0/A0F0')).then(() => {
      settled = true;
    });
    await control.settle();
    expect(settled).toBe(false);
    await control.release();
    await handled;
    expect(settled).toBe(true);
  });

  it('acknowledges a keepalive’s position at the next tick, and only when nothing is open or being enqueued', async () => {
    const control = controlledSink();
    const { feed, acknowledged } = feedWith(control);
    feed.onHeartbeat('0/200', false);
    expect(acknowledged).toEqual([]);
    feed.tick();
    // Idle: the position is acknowledged, and the server asked for a newer one.
    expect(acknowledged).toEqual([{ lsn: '0/200', ping: true }]);
    void feed.onData(begin());
    void feed.onData(insert('bm_3'));
    feed.onHeartbeat('0/300', false);
    feed.tick();
    void feed.onData(commit('0/400'));
    feed.onHeartbeat('0/500', true);
    feed.tick();
    // Busy: the old position, from the tick (so that the server keeps the connection) and as the
    // answer the keepalive asked for.
    expect(acknowledged.slice(1)).toEqual([
      { lsn: '0/200', ping: false },
      { lsn: '0/200', ping: false },
      { lsn: '0/200', ping: false },
    ]);
    await control.release();
    feed.tick();
    expect(acknowledged.slice(4)).toEqual([
      { lsn: '0/400', ping: false },
      { lsn: '0/500', ping: true },
    ]);
  });

  it('never moves the acknowledged position back', () => {
    const { feed, acknowledged } = feedWith(controlledSink());
    feed.onHeartbeat('0/80', false);
    feed.tick();
    expect(acknowledged).toEqual([{ lsn: '0/100', ping: true }]);
  });

  it('stops acknowledging after an enqueue fails, so that the slot replays the transaction', async () => {
    const control = controlledSink();
    const { feed, acknowledged, failures } = feedWith(control);
    for (const message of [begin(), insert('bm_4'), commit('0/600')]) void feed.onData(message);
    control.failNextRelease();
    await control.release();
    expect(failures).toHaveLength(1);
    feed.onHeartbeat('0/700', true);
    feed.tick();
    expect(acknowledged).toEqual([]);
  });

  it('reconciles the claimers of a deleted row, and skips a malformed id without enqueueing it', async () => {
    const control = controlledSink();
    const { feed } = feedWith(control);
    for (const message of [begin(), remove('bm_5'), insert('not an id'), insert({ $ne: null }), commit('0/800')]) void feed.onData(message);
    await control.release();
    expect(control.reconciled[0]).toEqual([]);
    expect(control.claimed).toEqual(['bm_5']);
  });

  it('ignores rows of other tables', async () => {
    const control = controlledSink();
    const { feed } = feedWith(control);
    const other = { ...RELATION, name: 'orders' } as Pgoutput.MessageRelation;
    for (const message of [begin(), { tag: 'insert', relation: other, new: { id: 'bm_6' } } as Pgoutput.Message, commit('0/900')]) void feed.onData(message);
    await control.release();
    expect(control.reconciled[0]).toEqual([]);
  });
});

describe('ReplicationFeed events', () => {
  it('counts each row change of the watched table as one change event', () => {
    const counted: string[] = [];
    const feed = new ReplicationFeed({
      source: 'bookmaster.users',
      platform: 'bookmaster',
      table: TABLE,
      sink: controlledSink().sink,
      logger: createLogger({ level: 'silent' }),
      confirmed: 0n,
      acknowledge: () => undefined,
      onFailure: () => undefined,
      onChangeEvent: (source) => counted.push(source),
    });
    for (const message of [begin(), insert('bm_7'), remove('bm_8'), commit('0/A00')]) void feed.onData(message);
    expect(counted).toEqual(['bookmaster.users', 'bookmaster.users']);
  });
});

describe('LSNs', () => {
  it('reads padded and unpadded forms alike and orders them numerically', () => {
    expect(parseLsn('00000000/8BA7CD88')).toBe(parseLsn('0/8BA7CD88'));
    expect(parseLsn('1/0')).toBeGreaterThan(parseLsn('0/FFFFFFFF'));
    expect(formatLsn(parseLsn('16/B374D848'))).toBe('16/B374D848');
    expect(formatLsn(parseLsn('1/0') - 1n)).toBe('0/FFFFFFFF');
    expect(() => parseLsn('16-B3')).toThrow();
  });
});
