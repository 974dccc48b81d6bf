/*
 * A statement Postgres keeps prepared on each connection that has run it once (node-postgres sends
 * it by name after that): no parse, and after five runs a cached plan, if Postgres finds the cached
 * plan no costlier than the ones it made for the values (see `opaque`). idsync's hot statements on
 * its own database go this way; planning the link index's look-ups cost more than running them
 * (0.23-0.3 ms against 0.09-0.13 ms). The systems' databases are not sent named statements: an
 * operator's may sit behind a pooler in transaction mode, where a statement prepared on one
 * server connection is not there on the next.
 */

/** A node-postgres query config with a fixed name; the name must belong to this text alone. */
export interface NamedStatement {
  readonly name: string;
  readonly text: string;
}

export function named(name: string, text: string): NamedStatement {
  return { name: `idsync-${name}`, text };
}

/**
 * A parameter the planner cannot look into, as `type`: `(select $n)` is evaluated once before the
 * statement runs, so a plan made for the values costs what the cached plan does. Given an array it
 * can read, the planner counts its elements and finds the cached plan (which guesses 10 or 100)
 * dearer every time: each run was planned again (pg_stat_statements: as many plans as calls for the
 * link index's look-ups), and planning cost more than running them. The outer cast keeps
 * `any(...)` an array comparison rather than a subquery's.
 */
export function opaque(parameter: string, type: string): string {
  return `(select ${parameter}::${type})::${type}`;
}
