import { Command } from 'commander';
import { IdsyncError, InvalidInputError } from '../../errors.ts';
import { staffMemberSchema } from '../../queues/job-payloads.ts';

interface StaffFlags {
  email: string;
  name: string;
  surname: string;
  role?: string;
  json?: boolean;
}

/**
 * `idsync staff create`. Creating a staff member starts with their Supabase Auth user (SPEC §5),
 * and no Supabase Auth server can run on these machines yet (README, design notes). The options
 * are validated as the job will take them, so bad input still exits 2; valid input exits 1 with
 * IDSYNC_ERR_NOT_AVAILABLE, as POST /api/staff answers 501, and nothing is created anywhere.
 */
export function staffCommand(): Command {
  const create = new Command('create')
    .description('create a staff member in Supabase, OmniStack and the CRM (needs Supabase Auth)')
    .requiredOption('--email <email>', 'their email address')
    .requiredOption('--name <name>', 'first name')
    .requiredOption('--surname <surname>', 'last name')
    .option('--role <role>', 'CRM role, e.g. SALES (the CRM default)')
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nExamples:\n  idsync staff create --email ana@example.com --name Ana --surname Lopez\n  idsync staff create --email ana@example.com --name Ana --surname Lopez --role ADMIN --json')
    .action((flags: StaffFlags) => {
      const parsed = staffMemberSchema.safeParse({ email: flags.email, name: flags.name, surname: flags.surname, role: flags.role });
      if (!parsed.success) {
        const problems = parsed.error.issues.map((issue) => `--${issue.path.join('.')}: ${issue.message}`).join('; ');
        throw new InvalidInputError('IDSYNC_ERR_INVALID_ARGUMENT', problems);
      }
      throw new IdsyncError('IDSYNC_ERR_NOT_AVAILABLE', 'creating a staff member needs Supabase Auth, which this deployment cannot reach yet; nothing was created');
    });
  return new Command('staff').description('staff members across every system').addCommand(create);
}
