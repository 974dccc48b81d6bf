import { PLATFORMS } from '../ids/index.ts';
import type { Links, Platform } from '../ids/index.ts';
import type { Plan, PlanInput } from './plan-model.ts';
import { absentKeys, malformedFindings, missingFindings, orphanFindings } from './plan/findings.ts';
import { decideMembers, uniqueRecords } from './plan/members.ts';
import type { Member } from './plan/members.ts';
import { planPatches } from './plan/patches.ts';

/**
 * Reconcile's decision as a pure function: the gathered records in, the person's members, the link
 * patches that make them reference one another, and the findings out. No I/O, clock or randomness,
 * and the output does not depend on the order of the input, so it can be tested exhaustively.
 *
 * Records of platforms outside `input.platforms` are neither decided, written nor reported on.
 * Findings come in the order conflicts, orphans, malformed ids, missing platforms; within each kind
 * by PLATFORMS order, then record id. Patches come in PLATFORMS-then-id order of their record.
 */
export function planReconcile(input: PlanInput): Plan {
  const gathered = uniqueRecords(input.records).filter((entry) => input.platforms.includes(entry.record.platform));
  const records = gathered.map((entry) => entry.record);
  const decision = decideMembers(gathered, input.platforms, input.conflictPolicy);
  const findings = [
    ...decision.conflicts,
    ...orphanFindings(records, absentKeys(input.absent, input.origin, records)),
    ...malformedFindings(records),
    ...missingFindings((input.required ?? input.platforms).filter((platform) => input.platforms.includes(platform)), decision.contested),
  ];
  // Under 'manual' an operator decides the conflict; writing the rest now would act on a person
  // whose shape is still in question, so nothing at all is written for them.
  const awaitingOperator = input.conflictPolicy === 'manual' && decision.conflicts.length > 0;
  const patches = awaitingOperator ? [] : planPatches(decision.members, decision.losers);
  return { members: memberLinks(decision.members), patches, findings };
}

function memberLinks(members: ReadonlyMap<Platform, Member>): Links {
  const links: Links = {};
  for (const platform of PLATFORMS) {
    const member = members.get(platform);
    if (member !== undefined) links[platform] = member.record.id;
  }
  return links;
}
