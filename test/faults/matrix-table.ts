import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FaultFigures } from '../support/fault-matrix.ts';

/*
 * The fault matrix's global setup: before the run it removes the figures of an earlier one, after
 * it writes test-artifacts/faults/matrix.md, one table row per test that wrote its figures, so that
 * one `npm run test:faults` gives the table of docs/reliability.md.
 */

const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/faults', import.meta.url));
const RESULTS = 'vitest-results.json';

export async function setup(): Promise<() => Promise<void>> {
  await rm(ARTIFACTS, { recursive: true, force: true });
  await mkdir(ARTIFACTS, { recursive: true });
  return writeTable;
}

async function writeTable(): Promise<void> {
  const files = (await readdir(ARTIFACTS)).filter((name) => name.endsWith('.json') && name !== RESULTS).sort();
  const rows = await Promise.all(files.map(async (name) => JSON.parse(await readFile(path.join(ARTIFACTS, name), 'utf8')) as FaultFigures));
  const lines = [
    '| fault | people written | fully linked at the end | writes beyond one per store per person: in all (per person) | records written more than once | most writes of one record | links replaced | unlinked when the fault ended | recovery after the fault ended (s) |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (row) =>
        `| ${row.fault} | ${row.peopleWritten} | ${row.peopleLinked} | ${row.extraWrites} (${row.extraWritesPerPerson}) | ${row.recordsWrittenMoreThanOnce} | ${row.maxWritesPerRecord} | ${row.linksReplaced} | ${row.unlinkedAtFaultEnd} of ${row.backlog} | ${row.recoverySeconds.toFixed(1)} |`,
    ),
  ];
  const machines = [...new Set(rows.map((row) => row.machine))];
  const footer = rows.length === 0 ? [] : ['', `Finished ${rows.map((row) => row.finishedAt).sort()[0]} to ${rows.map((row) => row.finishedAt).sort().at(-1)}; ${machines.join('; ')}.`];
  await writeFile(path.join(ARTIFACTS, 'matrix.md'), `${[...lines, ...footer].join('\n')}\n`);
}
