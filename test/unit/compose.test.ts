import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ENV_NAMES, loadConfig } from '../../src/config/index.ts';

interface ComposeService {
  command?: string[];
  environment?: Record<string, string>;
  healthcheck?: { test: string[] };
}

const compose = parse(await readFile(path.join(import.meta.dirname, '..', '..', 'docker-compose.yml'), 'utf8')) as {
  services: Record<string, ComposeService>;
};

/** Compose's `${NAME}` and `${NAME:?message}` interpolation, with a sample value for every NAME. */
function interpolate(value: string): string {
  return value.replace(/\$\{([A-Z_]+)(:\?[^}]*)?\}/g, (_match, name: string) => `sample-${name.toLowerCase()}-value`);
}

describe('docker-compose.yml', () => {
  const idsyncEnv = compose.services.idsync?.environment ?? {};

  it('passes idsync only variables that its configuration schema knows', () => {
    const unknown = Object.keys(idsyncEnv).filter((name) => !(ENV_NAMES as string[]).includes(name));
    expect(unknown).toEqual([]);
    expect(Object.keys(idsyncEnv).length).toBeGreaterThan(10);
  });

  it('gives idsync a complete, valid production configuration', () => {
    const env = Object.fromEntries(Object.entries(idsyncEnv).map(([name, value]) => [name, interpolate(String(value))]));
    const config = loadConfig(env);
    expect(config.env).toBe('production');
    expect(config.platforms).toEqual(['crm', 'omnistack', 'supabase', 'bookmaster']);
  });

  it('runs MongoDB as an initiated replica set, Postgres with logical WAL and Redis with AOF', () => {
    const { mongo, postgres, redis } = compose.services;
    expect(mongo?.command).toEqual(expect.arrayContaining(['--replSet', 'rs0']));
    expect(mongo?.healthcheck?.test.join(' ')).toContain('rs.initiate');
    expect(postgres?.command).toContain('wal_level=logical');
    expect(redis?.command).toEqual(expect.arrayContaining(['--appendonly', 'yes']));
    expect(Object.keys(compose.services).sort()).toEqual(['idsync', 'mongo', 'postgres', 'redis', 'supabase-auth']);
  });
});
