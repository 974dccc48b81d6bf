import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cleanUp } from '../../support/clean-up.ts';

describe('cleanUp', () => {
  it('runs every step in order whatever fails, then throws what failed, in order', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.boolean(), { maxLength: 8 }), async (fails) => {
        const ran: number[] = [];
        const errors = fails.map((fail, index) => (fail ? new Error(`step ${index}`) : null));
        const steps = errors.map((error, index) => async () => {
          ran.push(index);
          await Promise.resolve();
          if (error) throw error;
        });
        const outcome = await cleanUp(...steps).then(() => null, (error: unknown) => error);
        expect(ran).toEqual(fails.map((_, index) => index));
        const thrown = errors.filter((error) => error !== null);
        if (thrown.length === 0) expect(outcome).toBeNull();
        else if (thrown.length === 1) expect(outcome).toBe(thrown[0]);
        else {
          expect(outcome).toBeInstanceOf(AggregateError);
          const caught = (outcome as AggregateError).errors;
          expect(caught).toHaveLength(thrown.length);
          thrown.forEach((error, index) => expect(caught[index]).toBe(error));
        }
      }),
    );
  });

  it('runs the step after one that throws synchronously', async () => {
    const ran: string[] = [];
    const failure = new Error('at once');
    const outcome = cleanUp(
      () => {
        throw failure;
      },
      () => ran.push('next'),
    );
    await expect(outcome).rejects.toBe(failure);
    expect(ran).toEqual(['next']);
  });
});
