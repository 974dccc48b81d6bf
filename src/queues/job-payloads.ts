import { z } from 'zod';
import { parseRawId, parseRecordKey, PLATFORMS } from '../ids/index.ts';
import { CRM_ROLES } from '../platforms/crm/crm-roles.ts';

/** Bounds what one event or command may carry: a payload is never the place for bulk data. */
export const MAX_POSITION_CHARS = 4_096;
const MAX_NAME_CHARS = 200;
const MAX_EMAIL_CHARS = 254;

export const triggerSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('change-event'), source: z.string().min(1).max(200), position: z.string().max(MAX_POSITION_CHARS) }),
  z.object({ type: z.literal('command'), via: z.enum(['cli', 'api']) }),
  z.object({ type: z.literal('schedule'), scheduler: z.string().min(1).max(200) }),
]);

/**
 * A reconcile job names one record; reconcile reads fresh state itself. The id is validated with
 * the ID codec, so nothing but a canonical id string ever reaches an adapter.
 */
export const reconcileJobSchema = z
  .object({ platform: z.enum(PLATFORMS), id: z.string().max(200), trigger: triggerSchema })
  .transform((data, context) => {
    try {
      const key = parseRecordKey(`${data.platform}:${data.id}`);
      return { ...key, trigger: data.trigger };
    } catch (error) {
      context.addIssue({ code: 'custom', path: ['id'], message: error instanceof Error ? error.message : 'invalid id' });
      return z.NEVER;
    }
  });

export type ReconcileJobData = z.input<typeof reconcileJobSchema>;

/**
 * A `propagate profile` job names one CRM user; the job reads the profile itself, so no
 * email or name ever sits in Redis. The id goes through the ID codec like a reconcile job's.
 */
export const propagateProfileJobSchema = z
  .object({ crmId: z.string().max(200), trigger: triggerSchema })
  .transform((data, context) => {
    const parsed = parseRawId('crm', data.crmId);
    if (parsed.ok) return { crmId: parsed.id, trigger: data.trigger };
    context.addIssue({ code: 'custom', path: ['crmId'], message: `not a crm id (${parsed.reason})` });
    return z.NEVER;
  });

export type PropagateProfileJobData = z.input<typeof propagateProfileJobSchema>;

/** A new staff member (`create-staff-member`): what the API and `idsync staff create` take. */
export const staffMemberSchema = z.strictObject({
  email: z.email().max(MAX_EMAIL_CHARS),
  name: z.string().trim().min(1).max(MAX_NAME_CHARS),
  surname: z.string().trim().min(1).max(MAX_NAME_CHARS),
  /** The CRM role, one of CRM_ROLES (src/platforms/crm/crm-roles.ts). Default (in the CRM): SALES. */
  role: z.enum(CRM_ROLES, { error: `must be one of the CRM's roles: ${CRM_ROLES.join(', ')}` }).optional(),
});

export type StaffMember = z.output<typeof staffMemberSchema>;

/** A `create-staff-member` job: the new member and what asked for them. */
export const provisionJobSchema = staffMemberSchema.extend({ trigger: triggerSchema });

export type ProvisionJobData = z.input<typeof provisionJobSchema>;
