import { describe, expect, it } from 'vitest';
import { scrubMessage } from '../../src/logging/scrub.ts';

describe('scrubMessage', () => {
  it.each([
    ['E11000 duplicate key error collection: trackmaster.User index: email_1 dup key: { email: "Ana.Lopez@example.com" }', 'E11000 duplicate key error collection: trackmaster.User index: email_1 dup key: { email: "[email]" }'],
    ['Key (email)=(ops+staff@corp.example.org) already exists.', 'Key (email)=([email]) already exists.'],
    ['connect ECONNREFUSED 127.0.0.1:5432', 'connect ECONNREFUSED 127.0.0.1:5432'],
    ['user crm:65f0c0ffee0000000000beef failed', 'user crm:65f0c0ffee0000000000beef failed'],
  ])('hides addresses and keeps ids: %s', (input, expected) => {
    expect(scrubMessage(input)).toBe(expected);
  });
});
