import { PLATFORMS } from '../../ids/index.ts';
import type { Platform } from '../../ids/index.ts';
import type { PersonRecord } from '../../platforms/person-record.ts';

/*
 * One ordering for everything the planner lists, so that the same person always yields the same
 * plan byte for byte, whatever order gather found the records in.
 */

export function platformRank(platform: Platform): number {
  return PLATFORMS.indexOf(platform);
}

/**
 * Code-unit order, not localeCompare: a plan must not depend on the locale of the machine that
 * computed it.
 */
export function compareIds(left: string, right: string): number {
  if (left === right) return 0;
  return left < right ? -1 : 1;
}

/** PLATFORMS order, then id. */
export function compareRecords(left: PersonRecord, right: PersonRecord): number {
  return platformRank(left.platform) - platformRank(right.platform) || compareIds(left.id, right.id);
}

/** A Map key for one record; internal only, so it needs no validation of its own. */
export function recordKeyOf(platform: Platform, id: string): string {
  return `${platform}\u0000${id}`;
}
