import { describe, expect, it } from 'vitest';
import { describeError } from '../../src/logging/describe-error.ts';

/* What a watcher logs of an error: its code and a message with no address in it. */

describe('describeError', () => {
  it('keeps a string or numeric code, as a string', () => {
    expect(describeError(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))).toEqual({ code: 'ECONNREFUSED', message: 'refused' });
    expect(describeError(Object.assign(new Error('duplicate'), { code: 11000 }))).toEqual({ code: '11000', message: 'duplicate' });
  });

  it('leaves out a code that is neither', () => {
    expect(describeError(Object.assign(new Error('odd'), { code: { nested: true } }))).toEqual({ message: 'odd' });
  });

  it('scrubs an address out of the message', () => {
    const described = describeError(new Error('E11000 duplicate key: { email: "ada@example.com" }'));
    expect(described.message).not.toContain('ada@example.com');
    expect(described.message).toContain('[email]');
  });

  it('describes what is not an Error by its text, null and undefined included', () => {
    expect(describeError('plain text')).toEqual({ message: 'plain text' });
    expect(describeError(null)).toEqual({ message: 'null' });
    expect(describeError(undefined)).toEqual({ message: 'undefined' });
  });
});
