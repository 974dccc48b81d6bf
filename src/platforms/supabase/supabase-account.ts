import type { AdminUserAttributes } from '@supabase/supabase-js';
import type { Pool } from 'pg';
import { codes } from '../../errors.ts';
import { requireRawId, writeIdMap } from '../../ids/index.ts';
import type { Links } from '../../ids/index.ts';
import { openByEmail } from '../staff-account.ts';
import type { AccountOpener, NewStaffMember } from '../staff-account.ts';
import { createSupabaseAdapter } from './supabase-adapter.ts';
import type { SupabaseAdmin } from './supabase-admin.ts';
import { SupabaseError, toSupabaseError } from './supabase-errors.ts';

/**
 * Opens Supabase Auth users through the admin API (the first step of `create-staff-member`), found
 * again by email (SQL, as the adapter finds them) when the step runs twice. A new user is
 * confirmed (no confirmation mail), gets no password from idsync (the auth server stores a random
 * one nobody knows; the person signs in by the project's own flows), has the person's other accounts in `app_metadata.external_ids`, and the full name in
 * `user_metadata.name`, as the CRM stores it and `propagate profile` writes it.
 */
export function createSupabaseAccountOpener(pool: Pool, admin: SupabaseAdmin): AccountOpener {
  const adapter = createSupabaseAdapter(pool, admin);
  return {
    platform: 'supabase',
    open: async (member, links) => {
      // Built first, so a malformed link is refused before any lookup.
      const attributes = userAttributes(member, links);
      return openByEmail(adapter, member.email, () => createUser(admin, attributes), mayHaveLostRace);
    },
  };
}

function userAttributes(member: NewStaffMember, links: Readonly<Links>): AdminUserAttributes {
  return {
    email: member.email,
    email_confirm: true,
    user_metadata: { name: `${member.name} ${member.surname}` },
    app_metadata: { external_ids: writeIdMap('supabase', links) },
  };
}

async function createUser(admin: SupabaseAdmin, attributes: AdminUserAttributes): Promise<string> {
  const { data, error } = await admin.createUser(attributes);
  if (error !== null) throw toSupabaseError(error, 'create user');
  return requireRawId('supabase', data.user.id);
}

/**
 * A create that failed in a way another writer's user may explain, so the email is looked up
 * again (and the failure stands when nobody has it): the address refused as taken (422
 * email_exists); an HTTP 500, which is how the auth server (2.196) answers a create that lost the
 * race to its unique index; or no answer, when the create may have landed all the same.
 */
function mayHaveLostRace(error: unknown): boolean {
  return error instanceof SupabaseError && (error.code === codes.EMAIL_TAKEN || error.code === codes.STORE_UNAVAILABLE);
}
