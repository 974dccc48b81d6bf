import { randomBytes } from 'node:crypto';

const SUFFIX_BYTES = 4;

/** A name no other test uses: for databases, collections, queues, slots and publications. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(SUFFIX_BYTES).toString('hex')}`;
}
