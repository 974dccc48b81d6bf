import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';

/*
 * A leader lease in Redis: one key per watched source whose value names the holder. Acquiring is
 * SET NX PX; renewing and releasing are compare-and-act Lua scripts, so a holder whose lease has
 * expired and been taken by another can neither extend nor delete the new holder's lease.
 */

/** Extends the lease only while it still names this holder. */
const RENEW = `
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0`;

/** Deletes the lease only while it still names this holder. */
const RELEASE = `
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('del', KEYS[1])
end
return 0`;

const OWNER_SUFFIX_BYTES = 4;

export interface LeaseOptions {
  /** How long the lease lasts without a renewal, in ms. Default: 15000. */
  leaseMs?: number;
  /** The holder's name as stored in Redis (operators see it there). Default: `<host>:<pid>:<random>`. */
  owner?: string;
}

export interface Lease {
  readonly key: string;
  readonly owner: string;
  readonly leaseMs: number;
  /** Takes the lease when nobody holds it, or extends it when this holder already does. */
  tryAcquire(): Promise<boolean>;
  /** Extends the lease; false when it has expired or another holder has it. */
  renew(): Promise<boolean>;
  /** Gives the lease up at once (a standby need not wait for it to expire); false when not held. */
  release(): Promise<boolean>;
  /** How long the current holder's lease still runs, in ms; 0 when nobody holds it. */
  remainingMs(): Promise<number>;
}

export const DEFAULT_LEASE_MS = 15_000;

/** The lease key of a source. The hash tag keeps a source's lease and checkpoint in one Redis Cluster slot. */
export function leaseKey(prefix: string, source: string): string {
  return `${prefix}:watchers:{${source}}:lease`;
}

export function defaultOwner(): string {
  return `${hostname()}:${process.pid}:${randomBytes(OWNER_SUFFIX_BYTES).toString('hex')}`;
}

export function createLease(redis: Redis, key: string, options: LeaseOptions = {}): Lease {
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  const owner = options.owner ?? defaultOwner();
  const renew = async () => (await redis.eval(RENEW, 1, key, owner, String(leaseMs))) === 1;
  return {
    key,
    owner,
    leaseMs,
    tryAcquire: async () => (await redis.set(key, owner, 'PX', leaseMs, 'NX')) === 'OK' || renew(),
    renew,
    release: async () => (await redis.eval(RELEASE, 1, key, owner)) === 1,
    remainingMs: async () => {
      const ttl = await redis.pttl(key);
      // -1: a key without expiry (not written by a lease); wait a whole lease rather than poll it hot.
      return ttl === -1 ? leaseMs : Math.max(0, ttl);
    },
  };
}
