import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { PLATFORMS } from '../../../src/ids/index.ts';
import type { Platform } from '../../../src/ids/index.ts';
import { CRM_ROLES } from '../../../src/platforms/crm/crm-roles.ts';
import { MAX_POSITION_CHARS, propagateProfileJobSchema, provisionJobSchema, reconcileJobSchema, staffMemberSchema, triggerSchema } from '../../../src/queues/job-payloads.ts';
import { auditJobSchema, backfillJobSchema, cleanupJobSchema } from '../../../src/jobs/maintenance-payloads.ts';
import { anythingArb, fuzzRuns, hostileArb, idCandidateArb, oracleId } from './hostile.ts';

/*
 * The job payload schemas fed random and hostile payloads: safeParse never throws (a bad payload is
 * a typed rejection, which the processors turn into IDSYNC_ERR_INVALID_PAYLOAD), accepts exactly
 * what the independent oracles below call valid, names the field at fault, and answers canonical
 * values that parse again to themselves.
 */

const runs = () => ({ numRuns: fuzzRuns() });
const MAX_LABEL_CHARS = 200;

const labelArb = fc.string({ minLength: 1, maxLength: MAX_LABEL_CHARS });
const validTriggerArb = fc.oneof(
  fc.record({ type: fc.constant('change-event'), source: labelArb, position: fc.string({ maxLength: MAX_POSITION_CHARS }) }),
  fc.record({ type: fc.constant('command'), via: fc.constantFrom('cli', 'api') }),
  fc.record({ type: fc.constant('schedule'), scheduler: labelArb }),
);
const triggerCandidateArb = fc.oneof(
  validTriggerArb,
  hostileArb(),
  fc.record({ type: fc.constantFrom('change-event', 'command', 'schedule', 'webhook'), source: fc.oneof(labelArb, hostileArb()), position: fc.oneof(fc.string(), fc.constant('p'.repeat(MAX_POSITION_CHARS + 1)), hostileArb()), via: fc.oneof(fc.constantFrom('cli', 'api', 'API'), hostileArb()), scheduler: fc.oneof(labelArb, hostileArb()) }, { requiredKeys: ['type'] }),
);

const isLabel = (value: unknown) => typeof value === 'string' && value.length >= 1 && value.length <= MAX_LABEL_CHARS;

/** The oracle of a trigger: the three kinds and their fields, as the README's provenance describes them. */
function triggerValid(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const trigger = value as Record<string, unknown>;
  if (trigger.type === 'change-event') return isLabel(trigger.source) && typeof trigger.position === 'string' && trigger.position.length <= MAX_POSITION_CHARS;
  if (trigger.type === 'command') return trigger.via === 'cli' || trigger.via === 'api';
  if (trigger.type === 'schedule') return isLabel(trigger.scheduler);
  return false;
}

/** The top-level fields a rejection names (the first element of each issue's path). */
function fieldsAtFault(result: z.ZodSafeParseResult<unknown>): string[] {
  return [...new Set((result.error?.issues ?? []).map((issue) => String(issue.path[0] ?? '(payload)')))].sort();
}

const SCHEMAS = { triggerSchema, reconcileJobSchema, propagateProfileJobSchema, staffMemberSchema, provisionJobSchema, auditJobSchema, cleanupJobSchema, backfillJobSchema };

describe('every job payload schema', () => {
  it.each(Object.entries(SCHEMAS))('%s never throws, and refuses anything that is not an object', (_name, schema: z.ZodType) => {
    fc.assert(
      fc.property(fc.oneof(hostileArb(), fc.dictionary(fc.string(), anythingArb)), (payload) => {
        const result = schema.safeParse(payload);
        if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) expect(result.success).toBe(false);
      }),
      runs(),
    );
  });
});

const TRIGGER_FIELDS: Record<string, string[]> = { 'change-event': ['position', 'source', 'type'], command: ['type', 'via'], schedule: ['scheduler', 'type'] };

describe('the trigger', () => {
  it('is accepted exactly when the oracle calls it valid, answered without fields unknown to it', () => {
    fc.assert(
      fc.property(triggerCandidateArb, (candidate) => {
        const result = triggerSchema.safeParse(candidate);
        expect(result.success).toBe(triggerValid(candidate));
        if (result.success) expect(Object.keys(result.data).sort()).toEqual(TRIGGER_FIELDS[result.data.type]);
      }),
      runs(),
    );
  });
});

const platformCandidateArb = fc.oneof(fc.constantFrom(...PLATFORMS), fc.constantFrom('CRM', 'salesforce', 'crm ', ''), hostileArb());
const reconcileCandidateArb = platformCandidateArb.chain((platform) =>
  fc.record({
    platform: fc.constant(platform),
    id: (PLATFORMS as readonly unknown[]).includes(platform) ? idCandidateArb(platform as Platform) : hostileArb(),
    trigger: triggerCandidateArb,
    email: fc.constant('someone@example.com'),
  }),
);

describe('a reconcile job', () => {
  it('is accepted exactly with a platform key, a raw id of it and a valid trigger; answered canonical, fields unknown to it dropped', () => {
    fc.assert(
      fc.property(reconcileCandidateArb, (payload) => {
        const platformValid = (PLATFORMS as readonly unknown[]).includes(payload.platform);
        const id = platformValid ? oracleId(payload.platform as Platform, payload.id) : undefined;
        const result = reconcileJobSchema.safeParse(payload);
        const invalid = [...(platformValid ? [] : ['platform']), ...(id === undefined ? ['id'] : []), ...(triggerValid(payload.trigger) ? [] : ['trigger'])];
        expect(result.success).toBe(invalid.length === 0);
        if (result.success) {
          expect(result.data).toEqual({ platform: payload.platform, id, trigger: triggerSchema.parse(payload.trigger) });
          expect(reconcileJobSchema.parse(result.data)).toEqual(result.data);
        } else {
          // Every field named is at fault; the id is only judged once every field has its type, so it may go unnamed.
          for (const field of fieldsAtFault(result)) expect(invalid).toContain(field);
          expect(fieldsAtFault(result).length).toBeGreaterThan(0);
        }
      }),
      runs(),
    );
  });
});

describe('a propagate profile job', () => {
  it('is accepted exactly with a CRM ObjectId and a valid trigger, answered canonical', () => {
    fc.assert(
      fc.property(idCandidateArb('crm'), triggerCandidateArb, (crmId, trigger) => {
        const expected = oracleId('crm', crmId);
        const result = propagateProfileJobSchema.safeParse({ crmId, trigger, name: 'Ana' });
        expect(result.success).toBe(expected !== undefined && triggerValid(trigger));
        if (result.success) expect(result.data).toEqual({ crmId: expected, trigger: triggerSchema.parse(trigger) });
        else expect(fieldsAtFault(result).every((field) => ['crmId', 'trigger'].includes(field))).toBe(true);
      }),
      runs(),
    );
  });
});

const emailArb = fc
  .tuple(fc.array(fc.stringMatching(/^[a-z0-9]{1,8}$/), { minLength: 1, maxLength: 3 }), fc.stringMatching(/^[a-z0-9]{1,12}$/), fc.constantFrom('com', 'org', 'example', 'de'))
  .map(([local, domain, tld]) => `${local.join('.')}@${domain}.${tld}`);
/** Nothing an email validator could take: no `@`, not a string, or longer than 254 characters. */
const notEmailArb = fc.oneof(fc.string().filter((value) => !value.includes('@')), fc.constant(`${'a'.repeat(250)}@example.com`), hostileArb().filter((value) => typeof value !== 'string'));
const nameArb = fc.oneof(fc.string({ maxLength: 220 }), fc.constantFrom('  ', '\t\n', ' Ana ', 'Ana'), hostileArb());
const nameValid = (value: unknown) => typeof value === 'string' && value.trim().length >= 1 && value.trim().length <= MAX_LABEL_CHARS;

describe('a staff member and its create-staff-member job', () => {
  const memberArb = fc.record({ email: fc.oneof(emailArb, notEmailArb), name: nameArb, surname: nameArb, role: fc.oneof(fc.constantFrom(undefined, ...CRM_ROLES), hostileArb()) });

  it('are accepted exactly with an email, names that are not blank, a CRM role or none; names are trimmed', () => {
    fc.assert(
      fc.property(memberArb, validTriggerArb, (member, trigger) => {
        const emailValid = typeof member.email === 'string' && member.email.includes('@') && member.email.length <= 254;
        const roleValid = member.role === undefined || (CRM_ROLES as readonly unknown[]).includes(member.role);
        const valid = emailValid && nameValid(member.name) && nameValid(member.surname) && roleValid;
        const { role, ...withoutRole } = member;
        const given = role === undefined ? withoutRole : member;
        for (const result of [staffMemberSchema.safeParse(given), provisionJobSchema.safeParse({ ...given, trigger })]) {
          if (!valid) expect(result.success).toBe(false);
          if (result.success) expect(result.data).toMatchObject({ email: member.email, name: (member.name as string).trim(), surname: (member.surname as string).trim() });
        }
        // Every email of the valid shape is taken (only `notEmailArb` values may be refused for the email).
        if (valid) expect(staffMemberSchema.safeParse(given).success).toBe(true);
      }),
      runs(),
    );
  });

  it('refuse a field they do not know, so nothing rides along into the job', () => {
    fc.assert(
      fc.property(emailArb, fc.string({ minLength: 1 }).filter((key) => !['email', 'name', 'surname', 'role', 'trigger'].includes(key)), anythingArb, (email, key, value) => {
        const member = { email, name: 'Ana', surname: 'Lopez', [key]: value };
        expect(staffMemberSchema.safeParse(member).success).toBe(false);
        expect(provisionJobSchema.safeParse({ ...member, trigger: { type: 'command', via: 'api' } }).success).toBe(false);
      }),
      runs(),
    );
  });
});

describe('the maintenance jobs', () => {
  it('audit: a valid trigger and an optional boolean reportOnly, false by default', () => {
    fc.assert(
      fc.property(triggerCandidateArb, fc.oneof(fc.constant(undefined), fc.boolean(), hostileArb()), (trigger, reportOnly) => {
        const result = auditJobSchema.safeParse(reportOnly === undefined ? { trigger } : { trigger, reportOnly });
        expect(result.success).toBe(triggerValid(trigger) && (reportOnly === undefined || typeof reportOnly === 'boolean'));
        if (result.success) expect(result.data.reportOnly).toBe(reportOnly ?? false);
      }),
      runs(),
    );
  });

  it('backfill: one to four platform keys (repeats allowed, holes not), or none; cleanup: a confirmation takes no mode', () => {
    const platformsArb = fc.oneof(fc.constant(undefined), fc.array(fc.oneof(fc.constantFrom(...PLATFORMS), hostileArb()), { maxLength: 5 }), hostileArb());
    fc.assert(
      fc.property(platformsArb, fc.oneof(fc.constant(undefined), labelArb), fc.constantFrom(undefined, 'report', 'apply'), (platforms, confirmRunId, mode) => {
        const trigger = { type: 'command', via: 'cli' };
        const listValid = platforms === undefined || (Array.isArray(platforms) && platforms.length >= 1 && platforms.length <= PLATFORMS.length && [...platforms].every((entry) => (PLATFORMS as readonly unknown[]).includes(entry)));
        expect(backfillJobSchema.safeParse(platforms === undefined ? { trigger } : { trigger, platforms }).success).toBe(listValid);
        const cleanup = cleanupJobSchema.safeParse({ trigger, ...(confirmRunId === undefined ? {} : { confirmRunId }), ...(mode === undefined ? {} : { mode }) });
        expect(cleanup.success).toBe(confirmRunId === undefined || mode === undefined);
        if (!cleanup.success) expect(fieldsAtFault(cleanup)).toEqual(['mode']);
      }),
      runs(),
    );
  });
});
