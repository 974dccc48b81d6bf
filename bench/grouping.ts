/*
 * `node bench/grouping.ts [people]`: the audit's work in memory alone, no store and no database:
 * N consistent people of three records each (CRM, OmniStack, Bookmaster) put into the scan store a
 * batch at a time, then grouped and planned as an audit does. CPU only, so two commits compare
 * within a few per cent from one run to the next (alternate them: run, switch, run). Default: 200,000.
 */
import { evaluatePerson } from '../src/audit/evaluate.ts';
import { groupPeople } from '../src/audit/group-people.ts';
import { ScanStoreBuilder } from '../src/audit/scan-store-builder.ts';
import type { Platform } from '../src/ids/index.ts';
import type { PersonRecord } from '../src/platforms/person-record.ts';

const DEFAULT_PEOPLE = 200_000;
const BATCH = 1_000;
const SCANNED: Platform[] = ['crm', 'omnistack', 'bookmaster'];
const CREATED_MS = 1_700_000_000_000;

/** A person's three records, each claiming the other two, ids shaped as the systems make them. */
function person(index: number): PersonRecord[] {
  const objectId = (prefix: string) => prefix + index.toString(16).padStart(8, '0');
  const ids = { crm: objectId('6650f1a2abcdef12'), omnistack: objectId('6650f1a39876fedc'), bookmaster: `bm_${index.toString(36)}` };
  return SCANNED.map((platform) => ({
    platform,
    id: ids[platform as keyof typeof ids],
    email: `${platform}-${index}@example.com`,
    createdAt: new Date(CREATED_MS + index),
    links: Object.fromEntries(SCANNED.filter((other) => other !== platform).map((other) => [other, ids[other as keyof typeof ids]])),
    extraLinks: {},
    unreadable: [],
    snapshot: null,
  }));
}

const people = Number(process.argv[2] ?? DEFAULT_PEOPLE);
if (!Number.isInteger(people) || people < 1) {
  console.error('usage: node bench/grouping.ts [people, a whole number of at least 1]');
  process.exit(2);
}
const batches: PersonRecord[][] = [];
for (let start = 0; start < people; start += BATCH) {
  const records = Array.from({ length: Math.min(BATCH, people - start) }, (_, at) => person(start + at));
  for (const platform of SCANNED) batches.push(records.map((own) => own.find((record) => record.platform === platform) as PersonRecord));
}

let started = performance.now();
const builder = new ScanStoreBuilder(SCANNED, { keepSnapshots: false });
for (const batch of batches) builder.add(batch);
const store = builder.finish();
const storeMs = performance.now() - started;

started = performance.now();
let [grouped, inconsistent] = [0, 0];
for (const group of groupPeople(store)) {
  grouped += 1;
  if (evaluatePerson(group, { platforms: SCANNED, scanned: SCANNED }).issues.length > 0) inconsistent += 1;
}
const groupMs = performance.now() - started;
console.log(JSON.stringify({ people, grouped, inconsistent, storeMs: Math.round(storeMs), groupAndPlanMs: Math.round(groupMs) }));
