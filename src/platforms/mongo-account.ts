import { ObjectId } from 'mongodb';
import type { Collection, Document } from 'mongodb';
import type { Links } from '../ids/index.ts';
import type { PlatformAdapter } from './platform-adapter.ts';
import { openByEmail } from './staff-account.ts';
import type { AccountOpener, AccountPlatform, NewStaffMember } from './staff-account.ts';

/**
 * An opener for a MongoDB system: the account with the email when the adapter finds one, else a
 * new document with a fresh ObjectId and the system's own fields for the member.
 */
export function mongoAccountOpener(
  platform: AccountPlatform,
  users: Collection,
  adapter: Pick<PlatformAdapter, 'platform' | 'findByEmail'>,
  fields: (member: NewStaffMember, links: Readonly<Links>) => Document,
): AccountOpener {
  return {
    platform,
    open: (member, links) =>
      openByEmail(adapter, member.email, async () => {
        const _id = new ObjectId();
        await users.insertOne({ _id, ...fields(member, links) });
        return _id.toHexString();
      }),
  };
}
