import { codes, IdsyncError } from '../errors.ts';

/** The watcher no longer holds its source's lease: another process leads it now. */
export class LeaseLostError extends IdsyncError {
  constructor(source: string) {
    super(codes.LEASE_LOST, `lost the lease on ${source}; another watcher leads it now`);
  }
}

/** The publication or replication slot a Postgres source needs cannot be made or used as is. */
export class ReplicationSetupError extends IdsyncError {
  constructor(message: string, cause?: unknown) {
    super(codes.REPLICATION_SETUP, message, { cause });
  }
}

/** The replication connection ended while the watcher still wanted it. */
export class ReplicationEndedError extends IdsyncError {
  constructor(source: string, cause?: unknown) {
    super(codes.REPLICATION_ENDED, `the replication connection of ${source} ended`, { cause });
  }
}

/** The Realtime channel stopped listening (closed, errored, timed out, or the server refused the listener). */
export class RealtimeChannelError extends IdsyncError {
  constructor(source: string, state: string, detail?: string) {
    super(codes.REALTIME_CHANNEL, `the Realtime channel of ${source} is ${state}${detail ? `: ${detail}` : ''}`);
  }
}
