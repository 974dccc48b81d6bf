// The V8 flags `idsync start` runs with (README design notes: the young generation), read by the
// launcher (bin/idsync.js) and by the bench's audit process, which stands in for a worker.

/**
 * A young generation of 2 x 16 MiB: on a machine with this much memory V8 takes 2 x 64 MiB, which
 * the audit's peak resident set pays for in full while little of it is live.
 */
export const START_FLAGS = ['--max-semi-space-size=16'];
