import de.bwaldvogel.mongo.MongoCollection;
import de.bwaldvogel.mongo.backend.Cursor;
import de.bwaldvogel.mongo.backend.Utils;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import de.bwaldvogel.mongo.backend.memory.MemoryDatabase;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.exception.CursorNotFoundException;
import de.bwaldvogel.mongo.exception.MongoServerError;
import de.bwaldvogel.mongo.oplog.Oplog;
import io.netty.channel.Channel;
import java.time.Duration;

/**
 * mongo-java-server's memory backend with the launcher's oplog (through the library's extension
 * point, `createOplog`), collections that find exact `_id`s by index (`IdIndexedCollection`), plus what the library's replies leave out: the `postBatchResumeToken` of
 * every change-stream batch, a `rename` event when a collection is renamed, and the end of a
 * cursor whose getMore failed.
 */
final class ChangeStreamBackend extends MemoryBackend {
    private final Duration oplogWindow;
    private WindowedOplog windowedOplog;

    ChangeStreamBackend(Duration oplogWindow) {
        this.oplogWindow = oplogWindow;
    }

    @Override
    public MemoryDatabase openOrCreateDatabase(String databaseName) {
        return new IdIndexedDatabase(databaseName, getCursorRegistry());
    }

    @Override
    protected Oplog createOplog() {
        windowedOplog = new WindowedOplog(this, getCursorRegistry(), oplogWindow);
        return windowedOplog;
    }

    /** Null until `enableOplog()`. */
    WindowedOplog windowedOplog() {
        return windowedOplog;
    }

    /** The collection of a namespace, or null; unlike `resolveDatabase`, never creates a database. */
    MongoCollection<?> existingCollection(String namespace) {
        String database = Utils.getDatabaseNameFromFullName(namespace);
        if (!listDatabaseNames().contains(database)) return null;
        return resolveDatabase(database).resolveCollection(Utils.getCollectionNameFromFullName(namespace), false);
    }

    @Override
    public Document handleCommand(Channel channel, String databaseName, String command, Document query) {
        Document response;
        try {
            response = super.handleCommand(channel, databaseName, command, query);
        } catch (MongoServerError error) {
            // MongoDB kills a cursor whose getMore failed (history lost, say); the library keeps it.
            if (command.equalsIgnoreCase("getMore")) getCursorRegistry().remove(((Number) query.get(command)).longValue());
            throw error;
        }
        if (command.equalsIgnoreCase("renameCollection") && windowedOplog != null) {
            windowedOplog.handleRename(String.valueOf(query.get(command)), String.valueOf(query.get("to")));
        }
        if (response.get("cursor") instanceof Document cursor) addPostBatchResumeToken(cursor);
        return response;
    }

    private void addPostBatchResumeToken(Document cursor) {
        long id = ((Number) cursor.get("id")).longValue();
        if (id == 0) return;
        Cursor open;
        try {
            open = getCursorRegistry().getCursor(id);
        } catch (CursorNotFoundException notFound) {
            return;
        }
        if (!(open instanceof ChangeStreamCursor stream)) return;
        cursor.put("postBatchResumeToken", stream.postBatchResumeToken());
        // A stream invalidated in its first batch is over; the library closes it only on a getMore.
        if (stream.isEmpty()) {
            getCursorRegistry().remove(id);
            cursor.put("id", 0L);
        }
    }
}
