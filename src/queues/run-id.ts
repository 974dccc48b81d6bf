import { randomBytes } from 'node:crypto';

const SUFFIX_BYTES = 4;

/**
 * A run id for a maintenance job started by hand: the kind, a UTC time stamp and a random suffix,
 * e.g. `audit-20250101T000000Z-1a2b3c4d`. It is also the BullMQ job id, so it holds no `:`.
 * Scheduled runs use the id BullMQ gives the job (`repeat:<scheduler>:<millis>`).
 */
export function newRunId(kind: string, now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${kind}-${stamp}-${randomBytes(SUFFIX_BYTES).toString('hex')}`;
}
