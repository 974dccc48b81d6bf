import { scrubMessage } from './scrub.ts';

/** An error for the log: its code and scrubbed message, never a value it may quote. */
export function describeError(error: unknown): { code?: string; message: string } {
  const code = (error as { code?: unknown } | null)?.code;
  const message = scrubMessage(error instanceof Error ? error.message : String(error));
  return typeof code === 'string' || typeof code === 'number' ? { code: String(code), message } : { message };
}
