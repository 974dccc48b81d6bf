import { pino } from 'pino';
import type { DestinationStream, Logger } from 'pino';

export type { Logger };

/**
 * Keys whose values are secrets or personal data, at any of the depths idsync logs at. pino's
 * redaction matches exact paths (a `*` is one level), so each key is listed at the top level and
 * one and two levels down.
 */
const SECRET_KEYS = [
  'password',
  'serviceRoleKey',
  'SUPABASE_SERVICE_ROLE_KEY',
  'apiToken',
  'API_TOKEN',
  'dashboardPassword',
  'DASHBOARD_PASSWORD',
  'omniGatewayApiKey',
  'authorization',
  'Authorization',
  'cookie',
  'token',
  'accessToken',
  'refreshToken',
  'email',
];

export const REDACTED_PATHS = SECRET_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]);

export interface LoggerOptions {
  /** pino level name. Default: 'info'. */
  level?: string;
  /** Where JSON lines go. Default: standard output. */
  destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const settings = {
    level: options.level ?? 'info',
    base: { service: 'idsync' },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  };
  return options.destination ? pino(settings, options.destination) : pino(settings);
}
