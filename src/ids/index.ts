export { describeValue, isPlatform, mapPresent, otherPlatforms, parsePlatform, PLATFORMS } from './platforms.ts';
export type { Links, Platform } from './platforms.ts';
export {
  BOOKMASTER_ID_MAX_LENGTH,
  formatRecordKey,
  parseRawId,
  parseRecordKey,
  parseTolerantId,
  RAW_ID_MAX_LENGTH,
  requireRawId,
  TOLERATED_PREFIXES,
} from './raw-id.ts';
export type { EntryMalformedReason, IdParse, MalformedReason, RecordKey } from './raw-id.ts';
export { readIdMap, writeIdMap } from './id-map.ts';
export type { IdMapRead, IdMapShape, MalformedLink } from './id-map.ts';
export { OMNI_LINKED_PLATFORMS, readOmniExternalIds, writeOmniExternalIds } from './omnistack-external-ids.ts';
export type { MalformedEntry, OmniExternalIdsRead, OmniExternalIdsShape } from './omnistack-external-ids.ts';
