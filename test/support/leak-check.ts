import type { Pool } from 'pg';
import type { IdsyncProcess } from './idsync-process.ts';

/*
 * Looks for secrets and addresses where idsync keeps text: the captured output of its processes
 * and every text column of every ledger table. A finding names the place and the kind of secret,
 * never the secret itself, so a failing test does not print it either.
 */

/** Three base64url parts joined by dots, each long enough not to be a host name or a file name. */
const JWT_SHAPED = /[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/;

export interface Secrets {
  /** Values that must not appear exactly: keys, passwords, tokens. */
  readonly exact: readonly string[];
  /** Values that must not appear in any letter case: email addresses, an email domain with its `@`. */
  readonly anyCase: readonly string[];
}

export interface PlacedText {
  /** Where the text was read: `<process n> stdout`, `<table>.<column>`. */
  readonly where: string;
  readonly text: string;
}

export interface Leak {
  readonly where: string;
  readonly kind: 'exact' | 'any-case' | 'jwt-shaped';
  /** Which of the listed secrets (its index), for the first two kinds. */
  readonly index?: number;
}

export function findLeaks(texts: readonly PlacedText[], secrets: Secrets): Leak[] {
  return texts.flatMap(({ where, text }): Leak[] => {
    const lower = text.toLowerCase();
    return [
      ...secrets.exact.flatMap((secret, index): Leak[] => (text.includes(secret) ? [{ where, kind: 'exact', index }] : [])),
      ...secrets.anyCase.flatMap((secret, index): Leak[] => (lower.includes(secret.toLowerCase()) ? [{ where, kind: 'any-case', index }] : [])),
      ...(JWT_SHAPED.test(text) ? [{ where, kind: 'jwt-shaped' as const }] : []),
    ];
  });
}

/** Everything each process wrote to stdout (its JSON log lines) and stderr. */
export function processTexts(processes: readonly IdsyncProcess[]): PlacedText[] {
  return processes.flatMap((process, index) => [
    { where: `process ${index} (${process.child.spawnargs.slice(2, 4).join(' ')}) stdout`, text: process.stdout() },
    { where: `process ${index} stderr`, text: process.stderr() },
  ]);
}

const TEXT_TYPES = ['text', 'character varying', 'character', 'json', 'jsonb', 'ARRAY'];

/** Every value of every text, JSON or array column of every table in the ledger's public schema, as text. */
export async function ledgerTexts(pool: Pool): Promise<PlacedText[]> {
  const { rows: columns } = await pool.query<{ table_name: string; column_name: string }>(
    `select table_name, column_name from information_schema.columns
      where table_schema = 'public' and data_type = any($1::text[]) order by table_name, ordinal_position`,
    [TEXT_TYPES],
  );
  const texts: PlacedText[] = [];
  for (const { table_name: table, column_name: column } of columns) {
    const { rows } = await pool.query<{ value: string | null }>(`select ${quote(column)}::text as value from ${quote(table)}`);
    texts.push(...rows.flatMap((row) => (row.value === null ? [] : [{ where: `${table}.${column}`, text: row.value }])));
  }
  return texts;
}

function quote(identifier: string): string {
  return `"${identifier.replaceAll('"', '""')}"`;
}
