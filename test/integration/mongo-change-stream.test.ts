import type { ChangeStream, Document, ResumeToken } from 'mongodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openMongo } from '../../src/platforms/mongo-connection.ts';
import type { MongoConnection } from '../../src/platforms/mongo-connection.ts';
import { uniqueName } from '../support/names.ts';
import { testConfig } from '../support/services.ts';
import { waitFor } from '../support/wait-for.ts';

async function nextChange(stream: ChangeStream): Promise<Document> {
  return waitFor('a change event', () => stream.tryNext().then((event) => event ?? undefined));
}

describe('MongoDB change streams on the local server', () => {
  let mongo: MongoConnection;

  beforeEach(async () => {
    const config = testConfig();
    mongo = await openMongo('crm', { ...config.crm, database: uniqueName('trackmaster') }, {});
  });

  afterEach(async () => {
    await mongo.db.dropDatabase();
    await mongo.close();
  });

  it('delivers an insert into User with a resume token, and resumes after it', async () => {
    const users = mongo.db.collection('User');
    const stream = users.watch();
    await stream.tryNext(); // opens the cursor, so the insert below happens after the stream starts
    const first = await users.insertOne({ email: 'first@example.com' });

    const event = await nextChange(stream);
    expect(event.operationType).toBe('insert');
    expect(event.documentKey).toEqual({ _id: first.insertedId });
    const token = event._id as ResumeToken;
    expect(token).toEqual({ _data: expect.any(String) });
    await stream.close();

    const second = await users.insertOne({ email: 'second@example.com' });
    const resumed = users.watch([], { resumeAfter: token });
    try {
      const next = await nextChange(resumed);
      expect(next.documentKey).toEqual({ _id: second.insertedId });
      expect(await resumed.tryNext()).toBeNull();
    } finally {
      await resumed.close();
    }
  });
});
