import type { ChangeStream, Collection, Document } from 'mongodb';

/**
 * The propagation floor: a bare change-stream loop on the CRM's `User` collection that only notes
 * when each insert event arrives. It reads the same events as idsync's watcher, from the same
 * server, through the same driver, and does nothing with them.
 *
 * The MongoDB test server answers an empty getMore at once (it does not wait for `maxAwaitTimeMS`),
 * so a loop without any pause would spin a core away from the pipeline it runs beside; it pauses
 * `FLOOR_IDLE_MS` after an empty poll (idsync's watcher pauses 100 ms).
 */
export const FLOOR_IDLE_MS = 5;
const MAX_AWAIT_MS = 1_000;

export interface FloorStream {
  /** When each inserted `_id` (hex) arrived, as Date.now(). */
  readonly arrivals: ReadonlyMap<string, number>;
  close(): Promise<void>;
}

export async function openFloorStream(collection: Collection): Promise<FloorStream> {
  const stream: ChangeStream = collection.watch([], { maxAwaitTimeMS: MAX_AWAIT_MS });
  const arrivals = new Map<string, number>();
  const note = (event: Document | null) => {
    if (event?.operationType === 'insert') arrivals.set(String(event.documentKey?._id), Date.now());
  };
  // The first poll opens the cursor: every write from here on is seen.
  note(await stream.tryNext());
  let open = true;
  const loop = (async () => {
    while (open) {
      const event = await stream.tryNext().catch(() => null);
      if (event === null) await new Promise((resolve) => setTimeout(resolve, FLOOR_IDLE_MS));
      else note(event);
    }
  })();
  return {
    arrivals,
    close: async () => {
      open = false;
      await loop;
      await stream.close();
    },
  };
}
