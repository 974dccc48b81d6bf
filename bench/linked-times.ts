import { waitFor } from '../test/support/wait-for.ts';
import type { IdsyncProcess } from '../test/support/idsync-process.ts';
import type { Person } from '../test/support/e2e-stores.ts';

/*
 * When each person was linked: the time of the last reconcile that wrote for them (the 'reconciled'
 * log line, logged after its compare-and-set writes landed; pino's `time`), by CRM id, across every
 * worker. The workers' logs are read on from where the last look stopped, so that waiting for
 * 100,000 people costs the bench (which shares the cores) almost nothing.
 */

const POLL_MS = 250;

export class LinkedTimes {
  readonly #workers: readonly IdsyncProcess[];
  readonly #readUpTo = new Map<IdsyncProcess, number>();
  readonly #times = new Map<string, number>();
  readonly #onLinked: (crmId: string) => void;

  /** `onLinked` hears each CRM id the first time its person is seen linked. Default: nothing. */
  constructor(workers: readonly IdsyncProcess[], onLinked: (crmId: string) => void = () => undefined) {
    this.#workers = workers;
    this.#onLinked = onLinked;
  }

  /** Every person linked so far, with the workers' log lines up to now read. */
  read(): ReadonlyMap<string, number> {
    for (const worker of this.#workers) {
      const { logs } = worker;
      for (let at = this.#readUpTo.get(worker) ?? 0; at < logs.length; at += 1) {
        const entry = logs[at] as Record<string, unknown>;
        if (entry.msg !== 'reconciled' || Number(entry.writes) === 0 || typeof entry.personKey !== 'string') continue;
        const id = entry.personKey.replace(/^crm:/, '');
        const before = this.#times.get(id);
        this.#times.set(id, Math.max(before ?? 0, Number(entry.time)));
        if (before === undefined) this.#onLinked(id);
      }
      this.#readUpTo.set(worker, logs.length);
    }
    return this.#times;
  }
}

/** Waits until every one of `people` is linked; answers when each was (everyone linked so far, in fact). */
export async function waitLinked(workers: readonly IdsyncProcess[], people: readonly Person[], timeoutMs: number): Promise<ReadonlyMap<string, number>> {
  const waiting = new Set(people.map((person) => person.crm));
  const linked = new LinkedTimes(workers, (crmId) => waiting.delete(crmId));
  return waitFor(
    'every person to be linked',
    () => {
      const times = linked.read();
      return waiting.size === 0 ? times : undefined;
    },
    { timeoutMs, intervalMs: POLL_MS },
  );
}
