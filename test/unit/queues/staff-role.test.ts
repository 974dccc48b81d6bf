import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CRM_ROLES } from '../../../src/platforms/crm/crm-roles.ts';
import { provisionJobSchema, staffMemberSchema } from '../../../src/queues/job-payloads.ts';

const MEMBER = { email: 'ana@example.com', name: 'Ana', surname: 'Lopez' };
const TRIGGER = { type: 'command', via: 'api' };

describe("a staff member's CRM role", () => {
  it('may be absent (the CRM default, SALES, applies) or any of the CRM roles', () => {
    expect(staffMemberSchema.safeParse(MEMBER).success).toBe(true);
    for (const role of CRM_ROLES) expect(staffMemberSchema.parse({ ...MEMBER, role }).role).toBe(role);
  });

  it('is refused, naming the role field, when it is anything else: at the API and CLI (the member) and in the job (its payload)', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.constantFrom('ADMIN', 'sales', 'Sales', ' SALES', 'SALES ', ''), fc.integer(), fc.constant(null), fc.constant({ $ne: null })),
        (role) => {
          fc.pre(!(CRM_ROLES as readonly unknown[]).includes(role));
          const member = staffMemberSchema.safeParse({ ...MEMBER, role });
          const payload = provisionJobSchema.safeParse({ ...MEMBER, trigger: TRIGGER, role });
          for (const parsed of [member, payload]) expect(parsed.error?.issues.map((issue) => issue.path.join('.'))).toEqual(['role']);
        },
      ),
    );
  });
});
