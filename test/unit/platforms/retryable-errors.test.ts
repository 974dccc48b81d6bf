import { MongoError, MongoNetworkError, MongoNetworkTimeoutError, MongoServerError, MongoServerSelectionError, MongoTopologyClosedError } from 'mongodb';
import type { TopologyDescription } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { InvalidInputError, ServiceUnreachableError } from '../../../src/errors.ts';
import { isRetryableMongoError } from '../../../src/platforms/mongo-errors.ts';
import { isRetryablePostgresError } from '../../../src/platforms/postgres-errors.ts';

/** A server reply as the driver wraps it: MongoServerError's constructor takes the reply document. */
function serverError(code: number, errorLabels: string[] = []): MongoServerError {
  return new MongoServerError({ message: `server error ${code}`, code, errorLabels });
}

/** node-postgres' DatabaseError carries the SQLSTATE as `code`; a socket error carries errno's name. */
function withCode(code: string): Error {
  return Object.assign(new Error(`failed with ${code}`), { code });
}

describe('isRetryableMongoError', () => {
  it.each<[string, unknown]>([
    ['a network error', new MongoNetworkError('socket closed')],
    ['a network timeout', new MongoNetworkTimeoutError('timed out')],
    ['a server selection timeout', new MongoServerSelectionError('no server', {} as TopologyDescription)],
    ['a RetryableWriteError label', serverError(1, ['RetryableWriteError'])],
    ['a TransientTransactionError label', serverError(1, ['TransientTransactionError'])],
    ['NotWritablePrimary (10107)', serverError(10107)],
    ['PrimarySteppedDown (189)', serverError(189)],
    ['ShutdownInProgress (91)', serverError(91)],
    ['InterruptedDueToReplStateChange (11602)', serverError(11602)],
    ['HostUnreachable (6)', serverError(6)],
    ['WriteConflict (112)', serverError(112)],
    ['a retryable IdsyncError', new ServiceUnreachableError('crm', 'mongodb://host', new Error('down'))],
  ])('retries %s', (_label, error) => {
    expect(isRetryableMongoError(error)).toBe(true);
  });

  it.each<[string, unknown]>([
    ['a duplicate key (11000)', serverError(11000)],
    ['a bad query (2)', serverError(2)],
    ['a user time limit (50)', serverError(50)],
    ['an unlabelled driver error', new MongoError('bad option')],
    ['a closed client', new MongoTopologyClosedError()],
    ['bad input', new InvalidInputError('IDSYNC_ERR_INVALID_ID', 'nope')],
    ['a plain Error', new Error('socket closed')],
    ['a string', 'MongoNetworkError'],
    ['an error-shaped object', { name: 'MongoNetworkError', code: 91, errorLabels: ['RetryableWriteError'] }],
    ['undefined', undefined],
  ])('does not retry %s', (_label, error) => {
    expect(isRetryableMongoError(error)).toBe(false);
  });
});

describe('isRetryablePostgresError', () => {
  it.each<[string, unknown]>([
    ['serialization_failure (40001)', withCode('40001')],
    ['deadlock_detected (40P01)', withCode('40P01')],
    ['admin_shutdown (57P01)', withCode('57P01')],
    ['cannot_connect_now (57P03)', withCode('57P03')],
    ['too_many_connections (53300)', withCode('53300')],
    ['lock_not_available (55P03)', withCode('55P03')],
    ['connection_failure (08006)', withCode('08006')],
    ['a refused connection', withCode('ECONNREFUSED')],
    ['a reset connection', withCode('ECONNRESET')],
    ['a lost connection (no code)', new Error('Connection terminated unexpectedly')],
    ['a pool connect timeout (no code)', new Error('timeout exceeded when trying to connect')],
    ['a checked-out client whose connection broke (no code)', new Error('Client has encountered a connection error and is not queryable')],
    ['every address refused', new AggregateError([withCode('ECONNREFUSED'), withCode('ECONNREFUSED')])],
    ['a retryable IdsyncError', new ServiceUnreachableError('bookmaster', 'postgres://host', new Error('down'))],
  ])('retries %s', (_label, error) => {
    expect(isRetryablePostgresError(error)).toBe(true);
  });

  it.each<[string, unknown]>([
    ['unique_violation (23505)', withCode('23505')],
    ['syntax_error (42601)', withCode('42601')],
    ['undefined_table (42P01)', withCode('42P01')],
    ['protocol_violation (08P01)', withCode('08P01')],
    ['invalid_password (28P01)', withCode('28P01')],
    ['an unknown host', withCode('ENOTFOUND')],
    ['a client closed on purpose', new Error('Connection terminated')],
    ['a client ended on purpose, then queried', new Error('Client was closed and is not queryable')],
    ['bad input', new InvalidInputError('IDSYNC_ERR_INVALID_ID', 'nope')],
    ['an error-shaped object', { code: '40001', message: 'not an Error' }],
    ['null', null],
  ])('does not retry %s', (_label, error) => {
    expect(isRetryablePostgresError(error)).toBe(false);
  });
});
