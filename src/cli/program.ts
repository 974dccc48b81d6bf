import { Command } from 'commander';
import { auditCommand } from './commands/audit.ts';
import { backfillCommand } from './commands/backfill.ts';
import { cleanupCommand } from './commands/cleanup.ts';
import { findingsCommand } from './commands/findings.ts';
import { reconcileCommand } from './commands/reconcile.ts';
import { startCommand } from './commands/start.ts';
import { staffCommand } from './commands/staff.ts';
import { statusCommand } from './commands/status.ts';

/** Every idsync command, as `bin/idsync.js` runs them (src/cli/main.ts). */
export function buildProgram(): Command {
  const program = new Command('idsync')
    .description('keeps the external-ID maps of one person consistent across the CRM, OmniStack, Supabase and Bookmaster')
    .addCommand(startCommand())
    .addCommand(reconcileCommand())
    .addCommand(auditCommand())
    .addCommand(statusCommand())
    .addCommand(findingsCommand())
    .addCommand(backfillCommand())
    .addCommand(cleanupCommand())
    .addCommand(staffCommand());
  // Commander exits the process itself unless told not to, and addCommand does not pass that on:
  // every command, nested ones too, throws instead, so that runCli alone decides the exit code.
  const exitOverrideAll = (command: Command): void => {
    command.exitOverride();
    command.commands.forEach(exitOverrideAll);
  };
  exitOverrideAll(program);
  return program;
}
