import { Command, CommanderError } from 'commander';
import { IdsyncError, InvalidInputError } from '../errors.ts';
import { auditCommand } from './commands/audit.ts';
import { backfillCommand } from './commands/backfill.ts';
import { cleanupCommand } from './commands/cleanup.ts';
import { reconcileCommand } from './commands/reconcile.ts';
import { startCommand } from './commands/start.ts';
import { staffCommand } from './commands/staff.ts';
import { statusCommand } from './commands/status.ts';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from './exit-codes.ts';

export function buildProgram(): Command {
  const program = new Command('idsync')
    .description('keeps the external-ID maps of one person consistent across the CRM, OmniStack, Supabase and Bookmaster')
    .addCommand(startCommand())
    .addCommand(reconcileCommand())
    .addCommand(auditCommand())
    .addCommand(statusCommand())
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

/**
 * Runs the CLI and returns the exit code. An expected failure (an IdsyncError: bad configuration,
 * an unreachable service) is one readable line on stderr, not a stack trace.
 */
export async function runCli(argv: readonly string[]): Promise<number> {
  try {
    await buildProgram().parseAsync([...argv], { from: 'user' });
    return EXIT_OK;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === EXIT_OK ? EXIT_OK : EXIT_USAGE;
    if (error instanceof IdsyncError) {
      process.stderr.write(`idsync: ${error.message} [${error.code}]\n`);
      // A malformed argument is bad usage; anything else (config, an unreachable service) a failure.
      return error instanceof InvalidInputError ? EXIT_USAGE : EXIT_FAILURE;
    }
    throw error;
  }
}

process.exitCode = await runCli(process.argv.slice(2));
