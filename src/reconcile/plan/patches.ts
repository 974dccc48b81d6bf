import { PLATFORMS } from '../../ids/index.ts';
import type { Links, Platform } from '../../ids/index.ts';
import { claimedIds } from '../../platforms/person-record.ts';
import type { PersonRecord } from '../../platforms/person-record.ts';
import type { DecisionRule, LinkPatch } from '../plan-model.ts';
import type { Member } from './members.ts';
import { compareRecords } from './order.ts';

/**
 * A link is only as well-founded as the weaker of the two records it joins: an email match beats an
 * id claim, and a record chosen by 'newest' was chosen over another, which provenance must show.
 */
const LINK_RULE_PRECEDENCE: readonly DecisionRule[] = ['newest-wins', 'email-match', 'id-claim', 'origin'];

type Members = ReadonlyMap<Platform, Member>;

/**
 * Plan: each member references every other member, and each loser of a 'newest' conflict
 * stops referencing the members. Only real differences are returned, in PLATFORMS-then-id order.
 */
export function planPatches(members: Members, losers: readonly PersonRecord[]): LinkPatch[] {
  const patches = [
    ...[...members.values()].map((member) => memberPatch(member, members)),
    ...losers.map((loser) => loserPatch(loser, members)),
  ];
  return patches
    .filter((patch): patch is LinkPatch => patch !== null)
    .sort((left, right) => compareRecords(left.record, right.record));
}

function memberPatch(member: Member, members: Members): LinkPatch | null {
  const set: Links = {};
  const rules: Partial<Record<Platform, DecisionRule>> = {};
  for (const platform of PLATFORMS) {
    const target = members.get(platform);
    if (target === undefined || platform === member.record.platform) continue;
    if (!needsSet(member.record, platform, target.record.id)) continue;
    set[platform] = target.record.id;
    rules[platform] = linkRule(member.rule, target.rule);
  }
  return Object.keys(set).length === 0 ? null : { record: member.record, set, unset: [], rules };
}

/**
 * `set` replaces everything stored for the platform, so it is due not only when the link differs
 * but also when a second id or an unreadable entry for that platform sits beside a correct link.
 */
function needsSet(record: PersonRecord, platform: Platform, id: string): boolean {
  return (
    record.links[platform] !== id ||
    (record.extraLinks[platform]?.length ?? 0) > 0 ||
    record.unreadable.some((entry) => entry.platform === platform)
  );
}

/**
 * Only the loser's claims on the person's members are removed: its other links may be right for the
 * person it really belongs to, and cleaning anything else is another job's work.
 */
function loserPatch(loser: PersonRecord, members: Members): LinkPatch | null {
  const unset = PLATFORMS.filter((platform) => {
    const target = members.get(platform);
    return target !== undefined && platform !== loser.platform && claimedIds(loser, platform).includes(target.record.id);
  });
  if (unset.length === 0) return null;
  const rules: Partial<Record<Platform, DecisionRule>> = {};
  for (const platform of unset) rules[platform] = 'newest-wins';
  return { record: loser, set: {}, unset, rules };
}

function linkRule(left: DecisionRule, right: DecisionRule): DecisionRule {
  return LINK_RULE_PRECEDENCE.find((rule) => rule === left || rule === right) ?? left;
}
