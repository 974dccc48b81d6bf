import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { codes, ERROR_CODE_LIST, errorSpec, isErrorCode } from '../../src/error-codes.ts';
import type { ErrorCode } from '../../src/error-codes.ts';
import { IdsyncError, InvalidInputError } from '../../src/errors.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const REGISTRY = 'src/error-codes.ts';
/**
 * Files being rewritten elsewhere that still name their codes as literals; each is to be converted
 * (and removed from here) when that rewrite lands.
 */

interface ReadmeRow {
  readonly code: string;
  readonly kind: string;
  readonly meaning: string;
  readonly retryable: string;
  readonly httpStatus: string;
}

/** The rows of the table under the README's "## Error codes" heading. */
function readmeRows(): ReadmeRow[] {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const section = readme.split(/^## /m).find((part) => part.startsWith('Error codes\n')) ?? '';
  return section
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) => {
      const [code = '', kind = '', meaning = '', retryable = '', httpStatus = ''] = line.split(' | ').map((cell) => cell.replace(/^\| |`| \|$/g, ''));
      return { code, kind, meaning, retryable, httpStatus };
    });
}

function sourceFiles(folder: string): string[] {
  return readdirSync(path.join(ROOT, folder), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => path.relative(ROOT, path.join(entry.parentPath, entry.name)));
}

describe('the error code registry', () => {
  it('is the table the README lists: the same codes both ways, in the same order', () => {
    expect(readmeRows().map((row) => row.code)).toEqual(ERROR_CODE_LIST);
  });

  it.each(readmeRows().map((row) => [row.code, row] as const))('the README row of %s says what the registry says, and what the code means', (code, row) => {
    expect(isErrorCode(code)).toBe(true);
    const spec = errorSpec(code as ErrorCode);
    expect({ kind: row.kind, retryable: row.retryable, httpStatus: row.httpStatus }).toEqual({
      kind: spec.kind,
      retryable: spec.retryable ? 'yes' : 'no',
      httpStatus: String(spec.httpStatus),
    });
    expect(row.meaning.length).toBeGreaterThan(10);
  });

  it('names each code by its name without the prefix', () => {
    expect(codes.NOT_FOUND).toBe('IDSYNC_ERR_NOT_FOUND');
    expect(Object.values(codes)).toEqual(ERROR_CODE_LIST);
  });

  it('gives an error its retryability from the registry', () => {
    expect(new IdsyncError(codes.STORE_UNAVAILABLE, 'x')).toMatchObject({ code: 'IDSYNC_ERR_STORE_UNAVAILABLE', retryable: true });
    expect(new IdsyncError(codes.GATHER_LIMIT, 'x').retryable).toBe(false);
    expect(new InvalidInputError(codes.INVALID_ID, 'x').retryable).toBe(false);
  });

  it('knows no code that is not in it', () => {
    for (const value of ['IDSYNC_ERR_', 'IDSYNC_ERR_NOPE', 'idsync_err_not_found', 'toString', '__proto__', 42, null]) expect(isErrorCode(value)).toBe(false);
  });

  it('holds the only IDSYNC_ERR_ literal in src/, src/jobs/ and src/watchers/ (bin/idsync.js runs before TypeScript can load)', () => {
    const files = ['src'].flatMap(sourceFiles);
    expect(files).toEqual(expect.arrayContaining(['src/errors.ts', 'src/jobs/job-errors.ts', 'src/watchers/watcher-errors.ts', 'src/http/handlers/status.ts']));
    const naming = files
      .filter((file) => file !== REGISTRY && readFileSync(path.join(ROOT, file), 'utf8').includes('IDSYNC_ERR_'));
    expect(naming).toEqual([]);
  });
});
