import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';

/*
 * What the machine is doing, read from /proc: CPU time per process group over a window (which
 * service saturates) and a process's resident set, now (VmRSS) and at its peak (VmHWM).
 */

/** Kernel clock ticks per second (USER_HZ), 100 on every Linux this runs on. */
const TICKS_PER_SECOND = 100;
const KIB = 1024;
/**
 * /proc/<pid>/stat fields after the command: utime and stime are the 14th and 15th of the line,
 * cutime and cstime (the CPU of its children that ended and were waited for) the two after, and
 * the parent's pid the 4th.
 */
const UTIME_AFTER_COMM = 11;
const CUTIME_AFTER_COMM = 13;
const PPID_AFTER_COMM = 1;

interface ProcessCpu {
  readonly comm: string;
  /** Its own CPU seconds. */
  readonly seconds: number;
  /** The CPU seconds of its children that have ended. */
  readonly childSeconds: number;
  /** Its parent's pid, whose children's CPU it joins when it ends. */
  readonly parent: number;
}

export interface CpuSnapshot {
  readonly at: number;
  /** CPU seconds per pid, with the command name. */
  readonly byPid: ReadonlyMap<number, ProcessCpu>;
}

export function snapshotCpu(): CpuSnapshot {
  const byPid = new Map<number, ProcessCpu>();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const fields = stat.slice(close + 2).split(' ');
      const ticks = (at: number) => Number(fields[at]) + Number(fields[at + 1]);
      const seconds = ticks(UTIME_AFTER_COMM) / TICKS_PER_SECOND;
      byPid.set(pid, { comm, seconds, childSeconds: ticks(CUTIME_AFTER_COMM) / TICKS_PER_SECOND, parent: Number(fields[PPID_AFTER_COMM]) });
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return { at: performance.now(), byPid };
}

/**
 * Average cores used per group between two snapshots (1.0 = one core busy all the time). `names`
 * labels known pids (the idsync children, the bench itself); other processes are grouped by command,
 * with the children they saw end: a Postgres backend ends with its connection, and its CPU would
 * otherwise be lost from the window (the audit's connections close before the window does). A child
 * that ran before the window and ended in it brings all its CPU to its parent's, so what it had
 * spent before the window is taken off again: a pool closing its idle connections would otherwise
 * credit the window with their whole lives.
 */
export function cpuUsage(before: CpuSnapshot, after: CpuSnapshot, names: ReadonlyMap<number, string>): Record<string, number> {
  const seconds = (after.at - before.at) / 1_000;
  const spentBy = new Map<number, number>();
  for (const [pid, now] of after.byPid) {
    const was = before.byPid.get(pid);
    const own = now.seconds - (was?.seconds ?? 0);
    // The bench's own ended children are the idsync processes, reported apart.
    spentBy.set(pid, names.has(pid) ? own : own + now.childSeconds - (was?.childSeconds ?? 0));
  }
  for (const [pid, was] of before.byPid) {
    const parentSpent = spentBy.get(was.parent);
    if (!after.byPid.has(pid) && parentSpent !== undefined && !names.has(was.parent)) spentBy.set(was.parent, parentSpent - was.seconds);
  }
  const usage: Record<string, number> = {};
  for (const [pid, spent] of spentBy) {
    if (spent <= 0) continue;
    const group = names.get(pid) ?? groupOf(after.byPid.get(pid)?.comm ?? '');
    usage[group] = (usage[group] ?? 0) + spent / seconds;
  }
  return Object.fromEntries(Object.entries(usage).sort(([, left], [, right]) => right - left).map(([group, cores]) => [group, Number(cores.toFixed(2))]));
}

function groupOf(comm: string): string {
  if (comm === 'java') return 'mongo-java-server';
  if (comm.startsWith('postgres')) return 'postgres';
  if (comm.startsWith('redis')) return 'redis';
  // The Supabase Auth server's binary (scripts/services).
  if (comm === 'auth') return 'supabase-auth';
  return 'other';
}

/** Peak resident set of a live process in MiB (VmHWM), or NaN when it is gone. */
export function peakRssMiB(pid: number): number {
  return statusMiB(pid, 'VmHWM');
}

/** Resident set of a live process now, in MiB (VmRSS), or NaN when it is gone. */
export function rssMiB(pid: number): number {
  return statusMiB(pid, 'VmRSS');
}

function statusMiB(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    return match ? Number(match[1]) / KIB : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

export interface MachineInfo {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memoryGiB: number;
  readonly node: string;
  readonly platform: string;
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpus: os.availableParallelism(),
    cpuModel: cpus[0]?.model ?? 'unknown',
    memoryGiB: Number((os.totalmem() / KIB ** 3).toFixed(1)),
    node: process.version,
    platform: `${os.type()} ${os.release()}`,
  };
}
