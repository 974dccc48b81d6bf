import { parseRawId } from '../../ids/index.ts';
import { isMapSnapshot, mapRecord } from '../sql-user-table.ts';
import type { MapSnapshot, UserRow, UserTable } from '../sql-user-table.ts';
import type { PersonRecord } from '../person-record.ts';

/** The ERP's `users` table (the dev schema in dev-schema.ts), in the default schema. */
export const BOOKMASTER_USERS: UserTable = { platform: 'bookmaster', table: 'users', map: 'external_ids', idType: 'text' };

/** A `users` row; `external_ids` is null for SQL NULL (the dev schema forbids it, the real ERP may not). */
export type BookmasterRow = UserRow;
export type BookmasterSnapshot = MapSnapshot;

const SNAPSHOT_KIND = 'bookmaster-user';

export const isBookmasterSnapshot = (value: unknown): value is BookmasterSnapshot => isMapSnapshot(value, SNAPSHOT_KIND);

/** A `users` row as a PersonRecord; null for an id that is not a Bookmaster id (a foreign ERP row). */
export function toBookmasterRecord(row: BookmasterRow): PersonRecord | null {
  const parsedId = parseRawId('bookmaster', row.id);
  return parsedId.ok ? mapRecord('bookmaster', row, parsedId.id, SNAPSHOT_KIND) : null;
}
