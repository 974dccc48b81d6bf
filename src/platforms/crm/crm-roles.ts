/**
 * The values of the CRM `User.role` that idsync may write. The CRM's Prisma schema declares
 * `role Role @default(SALES)`, and SALES is the one member of its `Role` enum that the guide names.
 * Prisma refuses to read a document whose enum field holds a value the enum does not have, so a
 * staff member opened with another role would break the CRM's own reads of that user: idsync
 * refuses such a role (400 at the API, exit 2 at the CLI, a bad payload in the job) instead. A CRM
 * whose enum has more members lists them here, and nowhere else.
 */
export const CRM_ROLES = Object.freeze(['SALES'] as const);

export type CrmRole = (typeof CRM_ROLES)[number];

/** Prisma's default for `User.role`: what a staff member gets when no role is asked for. */
export const DEFAULT_CRM_ROLE: CrmRole = 'SALES';
