import type { Db, Document } from 'mongodb';
import { writeIdMap } from '../../ids/index.ts';
import type { Links } from '../../ids/index.ts';
import { mongoAccountOpener } from '../mongo-account.ts';
import type { AccountOpener, NewStaffMember } from '../staff-account.ts';
import { createCrmAdapter } from './crm-adapter.ts';
import { CRM_USERS_COLLECTION } from './crm-record.ts';
import { DEFAULT_CRM_ROLE } from './crm-roles.ts';

/**
 * Opens CRM `User` accounts as Prisma would store them: the full name in `name`, the
 * role, the other ids in `externalIds` and, when the person has a Supabase account, `supabaseId`
 * equal to `externalIds.supabase`. No password: staff sign in through Supabase Auth.
 */
export function createCrmAccountOpener(db: Db): AccountOpener {
  return mongoAccountOpener('crm', db.collection(CRM_USERS_COLLECTION), createCrmAdapter(db), crmUserFields);
}

function crmUserFields(member: NewStaffMember, links: Readonly<Links>): Document {
  const externalIds = writeIdMap('crm', links);
  return {
    email: member.email,
    name: `${member.name} ${member.surname}`,
    role: member.role ?? DEFAULT_CRM_ROLE,
    ...(externalIds.supabase === undefined ? {} : { supabaseId: externalIds.supabase }),
    externalIds,
  };
}
