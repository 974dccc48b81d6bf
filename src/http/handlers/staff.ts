import { httpError } from '../http-errors.ts';
import type { StaffBody } from '../request-schemas.ts';

/**
 * POST /api/staff. Creating a staff member starts with their Supabase Auth user (SPEC §5, the
 * provision queue), and no Supabase Auth server can run here yet (README, design notes): a valid
 * body is answered 501 until the create-staff-member job exists. The body is validated first, so
 * the contract is fixed already.
 */
export function createStaff(_body: StaffBody): never {
  throw httpError(
    'IDSYNC_ERR_NOT_AVAILABLE',
    'creating a staff member needs Supabase Auth, which this deployment cannot reach yet; nothing was created',
  );
}
