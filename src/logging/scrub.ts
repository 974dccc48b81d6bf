// Deliberately loose: anything shaped like an address is hidden, even if it is not a valid one.
const EMAIL_LIKE = /[^\s@"'<>(),;:]+@[^\s@"'<>(),;:]+\.[^\s@"'<>(),;:]+/g;

/**
 * Error messages from drivers quote the values involved (a duplicate-key error names the duplicate
 * email). Logs and the ledger carry IDs, not emails, so every message is scrubbed before it is kept.
 */
export function scrubMessage(message: string): string {
  return message.replace(EMAIL_LIKE, '[email]');
}
