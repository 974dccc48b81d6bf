import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logging/logger.ts';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { lines, logger: createLogger({ destination, level: 'info' }) };
}

describe('createLogger', () => {
  it('writes JSON lines that carry IDs', () => {
    const { lines, logger } = capture();
    logger.info({ personKey: 'crm:65f0c0ffee0000000000beef' }, 'reconciled');
    const entry = JSON.parse(lines[0] ?? '{}') as Record<string, unknown>;
    expect(entry).toMatchObject({ msg: 'reconciled', personKey: 'crm:65f0c0ffee0000000000beef', service: 'idsync' });
  });

  it('redacts secrets and emails at the top level and nested', () => {
    const { lines, logger } = capture();
    const secrets = {
      password: 'hash-1',
      apiToken: 'token-2',
      email: 'person@example.com',
      config: { serviceRoleKey: 'key-3', http: { dashboardPassword: 'pw-4' } },
      client: { omniGatewayApiKey: 'key-5' },
      headers: { authorization: 'Bearer token-6' },
    };
    logger.info(secrets, 'with secrets');
    const output = lines.join('');
    for (const secret of ['hash-1', 'token-2', 'person@example.com', 'key-3', 'pw-4', 'key-5', 'token-6']) {
      expect(output).not.toContain(secret);
    }
    expect(output).toContain('[redacted]');
  });
});
