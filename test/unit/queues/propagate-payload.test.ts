import { describe, expect, it } from 'vitest';
import { propagateProfileJobSchema } from '../../../src/queues/job-payloads.ts';

const CRM_ID = '507f1f77bcf86cd799439011';
const TRIGGER = { type: 'command', via: 'cli' };

describe('the propagate profile payload', () => {
  it('takes a CRM ObjectId in any case and answers it canonical, with the trigger', () => {
    expect(propagateProfileJobSchema.parse({ crmId: CRM_ID.toUpperCase(), trigger: TRIGGER })).toEqual({ crmId: CRM_ID, trigger: TRIGGER });
  });

  it('drops fields it does not know: an email or name never rides along into the job', () => {
    expect(propagateProfileJobSchema.parse({ crmId: CRM_ID, trigger: TRIGGER, email: 'ada@example.com' })).toEqual({ crmId: CRM_ID, trigger: TRIGGER });
  });

  it.each<[string, unknown, string]>([
    ['an operator object as id', { crmId: { $ne: null }, trigger: TRIGGER }, 'crmId: Invalid input: expected string, received object'],
    ['an id that is no ObjectId', { crmId: 'bm_1042', trigger: TRIGGER }, 'crmId: not a crm id (bad-format)'],
    ['a prefixed id', { crmId: `crm_${CRM_ID}`, trigger: TRIGGER }, 'crmId: not a crm id (too-long)'],
    ['a padded id', { crmId: ` ${CRM_ID}`, trigger: TRIGGER }, 'crmId: not a crm id (too-long)'],
    ['an id one character short', { crmId: CRM_ID.slice(1), trigger: TRIGGER }, 'crmId: not a crm id (bad-format)'],
    ['an empty id', { crmId: '', trigger: TRIGGER }, 'crmId: not a crm id (empty)'],
    ['a 10 kB id', { crmId: 'a'.repeat(10_000), trigger: TRIGGER }, 'crmId: Too big: expected string to have <=200 characters'],
    ['no trigger', { crmId: CRM_ID }, 'trigger: Invalid input'],
    ['an unknown trigger type', { crmId: CRM_ID, trigger: { type: 'webhook' } }, 'trigger.type: Invalid discriminator value'],
    ['a record key instead of the id', { platform: 'crm', id: CRM_ID, trigger: TRIGGER }, 'crmId: Invalid input: expected string, received undefined'],
    ['no object at all', 'crm:507f1f77bcf86cd799439011', ': Invalid input: expected object, received string'],
  ])('refuses %s', (_label, payload, problem) => {
    const parsed = propagateProfileJobSchema.safeParse(payload);
    expect(parsed.success).toBe(false);
    const problems = parsed.error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`) ?? [];
    expect(problems.some((text) => text.startsWith(problem))).toBe(true);
  });
});
