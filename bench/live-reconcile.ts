import type { Queue } from 'bullmq';
import type { BenchPerson } from './namespace.ts';
import { runCommand } from './namespace.ts';
import { openNamespaceQueues } from './queues.ts';
import { distribution } from './stats.ts';
import type { Distribution } from './stats.ts';

/*
 * `idsync reconcile omnistack:<id> --wait`, as an operator runs it, split into where its time went:
 * the job waiting in the queue (BullMQ's timestamp -> processedOn), the job running
 * (processedOn -> finishedOn), and the rest, the command's own (starting Node, checking the record
 * exists, hearing the job finish, closing). One wall time alone could not say whether a live job
 * waited behind a backfill's or the command itself was slowed by busy cores.
 */

export interface LiveReconcile {
  readonly wallMs: number;
  readonly queuedMs: number;
  readonly runMs: number;
  readonly commandMs: number;
}

export interface LiveReconciles {
  readonly samples: readonly LiveReconcile[];
  readonly wallMs: Distribution;
  readonly queuedMs: Distribution;
  readonly runMs: Distribution;
  readonly commandMs: Distribution;
}

async function timeOne(person: BenchPerson, env: Record<string, string>, queue: Queue): Promise<LiveReconcile> {
  const started = performance.now();
  const output = await runCommand(['reconcile', `omnistack:${person.omnistack}`, '--wait', '--json'], env);
  const wallMs = performance.now() - started;
  // The command's result, not a log line that names the job too.
  const line = output.split('\n').findLast((text) => text.includes('"outcome"'));
  const jobId = line === undefined ? undefined : (JSON.parse(line) as { jobId?: string }).jobId;
  const job = jobId === undefined ? undefined : await queue.getJob(jobId);
  if (!job?.processedOn || !job.finishedOn) throw new Error(`live reconcile of ${person.omnistack}: no finished job (${line ?? 'no result line'})`);
  const queuedMs = job.processedOn - job.timestamp;
  const runMs = job.finishedOn - job.processedOn;
  return { wallMs, queuedMs, runMs, commandMs: wallMs - queuedMs - runMs };
}

/**
 * One live reconcile per person, one after another; with `whileBulkQueued`, only while the bulk
 * lane (a backfill's prioritized jobs) still has work waiting, so that every sample is taken beside it.
 */
export async function timeLiveReconciles(people: readonly BenchPerson[], env: Record<string, string>, whileBulkQueued: boolean): Promise<LiveReconciles> {
  const opened = openNamespaceQueues(env, ['reconcile']);
  const [queue] = opened.queues as [Queue];
  const samples: LiveReconcile[] = [];
  try {
    for (const person of people) {
      if (whileBulkQueued && samples.length > 0 && (await queue.getPrioritizedCount()) === 0) break;
      samples.push(await timeOne(person, env, queue));
    }
  } finally {
    await opened.close();
  }
  const of = (pick: (sample: LiveReconcile) => number) => distribution(samples.map(pick));
  return { samples, wallMs: of((s) => s.wallMs), queuedMs: of((s) => s.queuedMs), runMs: of((s) => s.runMs), commandMs: of((s) => s.commandMs) };
}
