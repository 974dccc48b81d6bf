import type { Redis } from 'ioredis';
import type { Lease } from './lease.ts';

/*
 * Where a MongoDB change stream's position (resume token or operation time) is kept between runs.
 * Postgres sources need no store: their replication slot is the checkpoint.
 *
 * Redis, beside the queue, rather than the ledger: a checkpoint says "every event before this was
 * enqueued", and the jobs it vouches for live in this Redis. Were the queue's data lost (a Redis
 * restored from an older snapshot), the checkpoint rolls back with it and the stream replays what
 * the lost jobs covered; a checkpoint kept elsewhere would outlive the jobs and skip those events.
 * It is also one round trip per batch, on a connection the watcher already holds.
 */

/** Writes the checkpoint only while the lease still names this holder. */
const SAVE_IF_LEADER = `
if redis.call('get', KEYS[1]) == ARGV[1] then
  redis.call('set', KEYS[2], ARGV[2])
  return 1
end
return 0`;

export interface CheckpointStore {
  /** The saved position of `source`, as saved; null when there is none. */
  load(source: string): Promise<string | null>;
  /**
   * Saves `position` if `lease` is still held by its owner, in one atomic step: a watcher that has
   * lost its lease (and may be behind the new leader) cannot move the checkpoint. False when refused.
   */
  save(source: string, position: string, lease: Lease): Promise<boolean>;
}

export function checkpointKey(prefix: string, source: string): string {
  return `${prefix}:watchers:{${source}}:checkpoint`;
}

export function createCheckpointStore(redis: Redis, prefix: string): CheckpointStore {
  return {
    load: (source) => redis.get(checkpointKey(prefix, source)),
    save: async (source, position, lease) =>
      (await redis.eval(SAVE_IF_LEADER, 2, lease.key, checkpointKey(prefix, source), lease.owner, position)) === 1,
  };
}
