import { Writable } from 'node:stream';
import { createLogger } from '../../src/logging/logger.ts';
import type { Logger } from '../../src/logging/logger.ts';

/** A debug-level logger whose JSON lines the test can read, in the order they were written. */
export function capturingLogger(): { logger: Logger; logs: Array<Record<string, unknown>> } {
  const logs: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger({ level: 'debug', destination }), logs };
}
