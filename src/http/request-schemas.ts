import { z } from 'zod';
import { PLATFORMS } from '../ids/index.ts';
import { findingsQuerySchema } from '../ledger/findings.ts';
import { staffMemberSchema } from '../queues/job-payloads.ts';

/**
 * The bodies and parameters of the API. Objects are strict: an unknown field is an error,
 * not something silently dropped. Every string is typed and bounded, so an operator object such as
 * {"$gt": ""} or a 10 kB value is rejected here, long before any store sees it.
 */
const MAX_ID_CHARS = 200;

const platform = z.enum(PLATFORMS, { error: `must be one of ${PLATFORMS.join(', ')}` });

export const reconcileBody = z.strictObject({
  platform,
  id: z.string().min(1).max(MAX_ID_CHARS),
});

export const backfillBody = z.strictObject({
  /** The platforms whose records to enqueue. Default: every synced platform. */
  platforms: z
    .array(platform)
    .min(1)
    .max(PLATFORMS.length)
    .refine((list) => new Set(list).size === list.length, { error: 'must not repeat a platform' })
    .optional(),
});

/** The body may be absent or `{}`. */
export const auditBody = z
  .strictObject({
    /** Record the run, statuses and findings, but enqueue no repairs. Default: false. */
    reportOnly: z.boolean().optional(),
  })
  .optional();

/** The create-staff-member job's payload (src/queues/job-payloads.ts), as the API takes it. */
export const staffBody = staffMemberSchema;

/** GET /api/findings: the ledger's query (src/ledger/findings.ts), shared with `idsync findings`. */
export const findingsQuery = findingsQuerySchema;

export const statusParams = z.object({ crmUserId: z.string().max(MAX_ID_CHARS) });

/** GET /api/status/:platform/:id: any record of the person; the id is checked as that platform's raw id by the handler. */
export const recordStatusParams = z.strictObject({ platform, id: z.string().min(1).max(MAX_ID_CHARS) });

export type ReconcileBody = z.output<typeof reconcileBody>;
export type AuditBody = z.output<typeof auditBody>;
export type BackfillBody = z.output<typeof backfillBody>;
export type StaffBody = z.output<typeof staffBody>;
