import { codes, InvalidInputError } from '../errors.ts';

/**
 * The four systems, in the one order used wherever idsync lists them (map keys, array entries,
 * reports), so that every writer produces the same bytes for the same links.
 */
export const PLATFORMS = Object.freeze(['crm', 'omnistack', 'supabase', 'bookmaster'] as const);

export type Platform = (typeof PLATFORMS)[number];

/** One person's record ID on each platform where they have one: canonical raw IDs only. */
export type Links = Partial<Record<Platform, string>>;

/** Keeps an error message readable when the offending value is a 10 kB string or an object. */
const MAX_ECHOED_CHARS = 40;

/** Platform keys are exact: `CRM` or ` crm` is not a platform. */
export function isPlatform(value: unknown): value is Platform {
  return typeof value === 'string' && (PLATFORMS as readonly string[]).includes(value);
}

export function parsePlatform(value: unknown): Platform {
  if (isPlatform(value)) return value;
  throw new InvalidInputError(
    codes.UNKNOWN_PLATFORM,
    `unknown platform ${describeValue(value)}: expected one of ${PLATFORMS.join(', ')}`,
  );
}

/** The platforms a record of `platform` should reference, in PLATFORMS order. */
export function otherPlatforms(platform: Platform): Platform[] {
  return PLATFORMS.filter((candidate) => candidate !== platform);
}

/**
 * Describes an offending value for an error message without echoing it whole: input may be
 * attacker-sized, and a message must never become the vehicle for a huge or hostile payload.
 */
export function describeValue(value: unknown): string {
  if (typeof value !== 'string') return value === null ? 'null' : `of type ${typeof value}`;
  if (value.length <= MAX_ECHOED_CHARS) return JSON.stringify(value);
  return `${JSON.stringify(value.slice(0, MAX_ECHOED_CHARS))}… (${value.length} characters)`;
}

/** Each platform's value replaced by `wrap(value)`; platforms without one stay without. */
export function mapPresent<T, K extends string>(values: Partial<Record<K, T>>, wrap: (value: T) => T): Partial<Record<K, T>> {
  return Object.fromEntries(Object.entries<T | undefined>(values).map(([key, value]) => [key, value && wrap(value)])) as Partial<Record<K, T>>;
}
