import { CommanderError } from 'commander';
import { IdsyncError } from '../errors.ts';
import { EXIT_OK, EXIT_USAGE, exitCodeOf } from './exit-codes.ts';
import { buildProgram } from './program.ts';

/**
 * Runs the CLI and returns the exit code. An expected failure (an IdsyncError: bad configuration,
 * an unreachable service) is one readable line on stderr, not a stack trace.
 */
export async function runCli(argv: readonly string[]): Promise<number> {
  try {
    await (await buildProgram(argv)).parseAsync([...argv], { from: 'user' });
    return EXIT_OK;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === EXIT_OK ? EXIT_OK : EXIT_USAGE;
    if (error instanceof IdsyncError) {
      process.stderr.write(`idsync: ${error.message} [${error.code}]\n`);
      return exitCodeOf(error);
    }
    throw error;
  }
}

process.exitCode = await runCli(process.argv.slice(2));
