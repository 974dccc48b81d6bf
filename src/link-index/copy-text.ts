/*
 * Rows in COPY's text format (a line per row, fields split by tabs), so that an audit's scan goes
 * into Postgres as one stream rather than a statement per batch. Ids come from other teams'
 * systems, so every character is escaped as COPY and the array literal read it back, none assumed.
 */

/** COPY text's null. */
const COPY_NULL = '\\N';

const COPY_ESCAPES: Readonly<Record<string, string>> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** A field read back as exactly `value`. */
export function copyField(value: string): string {
  return value.replace(/[\\\t\n\r]/g, (character) => COPY_ESCAPES[character] as string);
}

/** A `text[]` literal of `items`, each quoted so that commas, braces, quotes and spaces stay in it. */
export function textArrayLiteral(items: readonly string[]): string {
  return `{${items.map((item) => `"${item.replace(/["\\]/g, '\\$&')}"`).join(',')}}`;
}

/** A `bytea` given as hex, in COPY text (whose own backslash is escaped). */
export function hexByteaField(hex: string): string {
  return `\\\\x${hex}`;
}

/** One row: its fields, null as COPY_NULL, tab-separated and ended by a newline. */
export function copyLine(fields: readonly (string | null)[]): string {
  return `${fields.map((field) => (field === null ? COPY_NULL : field)).join('\t')}\n`;
}
