import { errorSpec } from '../error-codes.ts';
import type { IdsyncError } from '../errors.ts';
import { JobFailedError } from '../jobs/job-errors.ts';

/** Exit codes of every idsync command. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/**
 * A command's exit code for an IdsyncError, by its code's kind in the registry: bad usage for input
 * the command was given, a failure for anything else. A job the command waited for that failed is a
 * failure whatever its code: the command line itself was fine.
 */
export function exitCodeOf(error: IdsyncError): number {
  return errorSpec(error.code).kind === 'input' && !(error instanceof JobFailedError) ? EXIT_USAGE : EXIT_FAILURE;
}
