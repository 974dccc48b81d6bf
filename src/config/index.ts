export { ENV_NAMES } from './env-schema.ts';
export type { EnvName } from './env-schema.ts';
export { loadConfig } from './load-config.ts';
export type { Config, MongoTarget } from './load-config.ts';
export { maskUrl } from './mask-url.ts';
