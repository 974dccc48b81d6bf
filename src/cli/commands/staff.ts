import { Command } from 'commander';
import type { ProvisionReport } from '../../jobs/provision-processor.ts';
import { loadConfig } from '../../config/load-config.ts';
import { codes, InvalidInputError } from '../../errors.ts';
import { CRM_ROLES } from '../../platforms/crm/crm-roles.ts';
import { staffMemberSchema } from '../../queues/job-payloads.ts';
import type { StaffMember } from '../../queues/job-payloads.ts';
import { printResult } from '../output.ts';
import { openQueueClient, waitForJob, withJobOptions } from './queue-client.ts';
import type { JobFlags } from './queue-client.ts';

const DEFAULT_WAIT_SECONDS = 60;

interface StaffFlags extends JobFlags {
  email: string;
  name: string;
  surname: string;
  role?: string;
}

/**
 * `idsync staff create`: enqueues `create-staff-member` and, unless `--no-wait`, waits
 * for a worker to open the accounts and prints them. The options are validated as the job takes
 * them: bad input exits 2 and enqueues nothing.
 */
export function staffCommand(): Command {
  const create = new Command('create')
    .description('create a staff member in every synced system of Supabase, OmniStack and the CRM, linked')
    .requiredOption('--email <email>', 'their email address')
    .requiredOption('--name <name>', 'first name')
    .requiredOption('--surname <surname>', 'last name')
    .option('--role <role>', `CRM role, one of ${CRM_ROLES.join(', ')} (default: SALES, the CRM's)`);
  withJobOptions(create, {
    defaultWaitSeconds: DEFAULT_WAIT_SECONDS,
    wait: '--no-wait',
    examples: [
      'idsync staff create --email ana@example.com --name Ana --surname Lopez',
      'idsync staff create --email ana@example.com --name Ana --surname Lopez --role SALES --json',
    ],
  })
    .action(async (flags: StaffFlags) => {
      const member = parseMember(flags);
      await createStaff(member, flags.wait ? flags.timeout : undefined, flags.json ?? false);
    });
  return new Command('staff').description('staff members across every system').addCommand(create);
}

function parseMember(flags: StaffFlags): StaffMember {
  const parsed = staffMemberSchema.safeParse({ email: flags.email, name: flags.name, surname: flags.surname, role: flags.role });
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `--${issue.path.join('.')}: ${issue.message}`).join('; ');
  throw new InvalidInputError(codes.INVALID_ARGUMENT, problems);
}

async function createStaff(member: StaffMember, wait: number | undefined, json: boolean): Promise<void> {
  const client = await openQueueClient(loadConfig(), wait !== undefined, 'provision');
  try {
    const jobId = await client.queues.enqueueProvision(member, { type: 'command', via: 'cli' });
    const job = jobId === undefined ? undefined : await client.queues.byName.provision.getJob(jobId);
    if (wait === undefined || job === undefined) return printResult(json, { jobId }, `enqueued create-staff-member job ${jobId}`);
    const report = (await waitForJob(client, job, wait, `create-staff-member job ${jobId}`)) as ProvisionReport;
    const accounts = Object.entries(report.accounts).map(([platform, account]) => `${platform}:${account.id}${account.created ? ' (created)' : ' (existing)'}`);
    printResult(json, { jobId, ...report }, `staff member ${report.personKey}: ${accounts.join(', ')}; ${report.linkWrites} link writes`);
  } finally {
    await client.close();
  }
}
