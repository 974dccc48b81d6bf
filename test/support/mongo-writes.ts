import type { CommandStartedEvent, MongoClient } from 'mongodb';

const WRITE_COMMANDS = new Set(['insert', 'update', 'delete', 'findAndModify']);

/** Counts the write commands a MongoClient (opened with monitorCommands) sends from now on. */
export function countMongoWrites(client: MongoClient): { count(): number; stop(): void } {
  let writes = 0;
  const listener = (event: CommandStartedEvent) => {
    if (WRITE_COMMANDS.has(event.commandName)) writes += 1;
  };
  client.on('commandStarted', listener);
  return { count: () => writes, stop: () => client.off('commandStarted', listener) };
}
