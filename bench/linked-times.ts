import { waitFor } from '../test/support/wait-for.ts';
import type { IdsyncProcess } from '../test/support/idsync-process.ts';
import type { Person } from '../test/support/e2e-stores.ts';

/*
 * When each person was linked: the time of the last reconcile that wrote for them (the 'reconciled'
 * log line, logged after its compare-and-set writes landed; pino's `time`), by CRM id, across every
 * worker. Or, with `since`, the last reconcile of them at or after that time, whether it wrote or
 * not (people already linked, reconciled again). The workers' logs are read on from where the last
 * look stopped, so that waiting for 100,000 people costs the bench (which shares the cores) almost
 * nothing.
 */

const POLL_MS = 250;

export class LinkedTimes {
  readonly #workers: readonly IdsyncProcess[];
  readonly #readUpTo = new Map<IdsyncProcess, number>();
  readonly #times = new Map<string, number>();
  readonly #onLinked: (crmId: string) => void;
  readonly #since: number | undefined;

  /**
   * `onLinked` hears each CRM id the first time its person is seen linked. Default: nothing.
   * `since` (ms since the epoch): count every reconcile from then on, not only those that wrote. Default: none.
   */
  constructor(workers: readonly IdsyncProcess[], onLinked: (crmId: string) => void = () => undefined, since?: number) {
    this.#workers = workers;
    this.#onLinked = onLinked;
    this.#since = since;
  }

  /** Every person linked so far, with the workers' log lines up to now read. */
  read(): ReadonlyMap<string, number> {
    for (const worker of this.#workers) {
      const { logs } = worker;
      for (let at = this.#readUpTo.get(worker) ?? 0; at < logs.length; at += 1) {
        const entry = logs[at] as Record<string, unknown>;
        if (entry.msg !== 'reconciled' || typeof entry.personKey !== 'string' || !this.#counts(entry)) continue;
        const id = entry.personKey.replace(/^crm:/, '');
        const before = this.#times.get(id);
        this.#times.set(id, Math.max(before ?? 0, Number(entry.time)));
        if (before === undefined) this.#onLinked(id);
      }
      this.#readUpTo.set(worker, logs.length);
    }
    return this.#times;
  }

  #counts(entry: Record<string, unknown>): boolean {
    return this.#since === undefined ? Number(entry.writes) > 0 : Number(entry.time) >= this.#since;
  }
}

/**
 * Waits until every one of `people` is linked (with `since`: reconciled since then); answers when
 * each was (everyone seen so far, in fact).
 */
export async function waitLinked(workers: readonly IdsyncProcess[], people: readonly Person[], timeoutMs: number, since?: number): Promise<ReadonlyMap<string, number>> {
  const waiting = new Set(people.map((person) => person.crm));
  const linked = new LinkedTimes(workers, (crmId) => waiting.delete(crmId), since);
  return waitFor(
    since === undefined ? 'every person to be linked' : 'every person to be reconciled again',
    () => {
      const times = linked.read();
      return waiting.size === 0 ? times : undefined;
    },
    { timeoutMs, intervalMs: POLL_MS },
  );
}
