import { codes, InvalidInputError } from '../errors.ts';

/*
 * Postgres log sequence numbers ('16/B374D848': two 32-bit halves in hex) as bigints, so that they
 * compare and step correctly. pgoutput pads the upper half ('00000000/8BA7CD88'); both read the same.
 */

const LSN_PATTERN = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/;
const HALF_BITS = 32n;
const LOWER_MASK = 0xffff_ffffn;

/** Throws InvalidInputError (codes.INVALID_LSN) for anything but an LSN. */
export function parseLsn(text: string): bigint {
  const match = LSN_PATTERN.exec(text);
  if (!match?.[1] || !match[2]) throw new InvalidInputError(codes.INVALID_LSN, `not an LSN: ${JSON.stringify(text.slice(0, 40))}`);
  return (BigInt(`0x${match[1]}`) << HALF_BITS) | BigInt(`0x${match[2]}`);
}

export function formatLsn(lsn: bigint): string {
  return `${(lsn >> HALF_BITS).toString(16).toUpperCase()}/${(lsn & LOWER_MASK).toString(16).toUpperCase()}`;
}
