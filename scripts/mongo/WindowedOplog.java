import de.bwaldvogel.mongo.MongoCollection;
import de.bwaldvogel.mongo.backend.Cursor;
import de.bwaldvogel.mongo.backend.CursorRegistry;
import de.bwaldvogel.mongo.backend.Utils;
import de.bwaldvogel.mongo.backend.aggregation.Aggregation;
import de.bwaldvogel.mongo.bson.BsonTimestamp;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.exception.MongoServerError;
import de.bwaldvogel.mongo.oplog.Oplog;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * The server's oplog, installed in place of the library's CollectionBackedOplog. Entries are kept
 * per namespace in timestamp order, so a change-stream poll reads only the entries after its
 * position; they are dropped once older than the window, and a position from before the newest
 * dropped entry (or before the server started) is refused with ChangeStreamHistoryLost, as
 * MongoDB refuses a position its capped oplog no longer holds. One lock guards everything; it is
 * taken last (inside the collection locks of the writes that call in) and held only for map work.
 */
final class WindowedOplog implements Oplog {
    private static final int CHANGE_STREAM_HISTORY_LOST = 286;

    /** What one read found, and the position it covers (the stream's postBatchResumeToken). */
    record Batch(List<OplogEntry> entries, long coveredThrough) {
    }

    private final ChangeStreamBackend backend;
    private final CursorRegistry cursors;
    private final Clock clock;
    private final Duration window;
    private final Map<String, NavigableMap<Long, OplogEntry>> byNamespace = new HashMap<>();
    /** The newest timestamp given out; every entry up to it is in the maps unless trimmed. */
    private long newest;
    /** Entries up to this timestamp may be gone: the newest trimmed one, at first the server's start. */
    private long trimmedThrough;

    WindowedOplog(ChangeStreamBackend backend, CursorRegistry cursors, Duration window) {
        this.backend = backend;
        this.cursors = cursors;
        this.clock = backend.getClock();
        this.window = window;
        this.newest = new BsonTimestamp(clock.instant(), 0).getValue();
        this.trimmedThrough = newest;
    }

    @Override
    public void handleInsert(String namespace, List<Document> documents) {
        MongoCollection<?> collection = watchable(namespace);
        if (collection == null) return;
        for (Document document : documents) {
            // The library reports every document of the command, also those a write error refused.
            if (storedAsIs(collection, document)) append(namespace, "insert", document.get("_id"), document.cloneDeeply());
        }
    }

    @Override
    public void handleUpdate(String namespace, Document selector, Document update, List<Object> modifiedIds) {
        MongoCollection<?> collection = watchable(namespace);
        if (collection == null) return;
        // Called inside the collection's lock, right after the update: `after` is exactly its result.
        for (Object id : modifiedIds) {
            Document after = findById(collection, id);
            if (after == null) continue;
            if (UpdateDescription.isReplacement(update)) append(namespace, "replace", id, after.cloneDeeply());
            else append(namespace, "update", id, UpdateDescription.of(update, after));
        }
    }

    @Override
    public void handleDelete(String namespace, Document query, List<Object> deletedIds) {
        if (!isWatchable(namespace)) return;
        for (Object id : deletedIds) append(namespace, "delete", id, null);
    }

    @Override
    public void handleDropCollection(String namespace) {
        if (isWatchable(namespace)) append(namespace, "drop", null, null);
    }

    void handleRename(String from, String to) {
        if (isWatchable(from)) append(from, "rename", null, new Document("to", to));
    }

    @Override
    public Cursor createCursor(Document changeStream, String namespace, Aggregation aggregation) {
        ChangeStreamCursor cursor = ChangeStreamCursor.open(cursors.generateCursorId(), this, namespace, changeStream, aggregation);
        cursors.add(cursor);
        return cursor;
    }

    /** Entries of `namespace` after `position`, at most `limit`; refused when history after it is gone. */
    synchronized Batch read(String namespace, long position, int limit) {
        requireHistory(position);
        List<OplogEntry> found = new ArrayList<>();
        NavigableMap<Long, OplogEntry> entries = byNamespace.get(namespace);
        if (entries == null) return new Batch(found, Math.max(position, newest));
        for (OplogEntry entry : entries.tailMap(position, false).values()) {
            if (found.size() == limit) return new Batch(found, found.get(limit - 1).timestamp());
            found.add(entry);
        }
        return new Batch(found, Math.max(position, newest));
    }

    /** The position of the newest write: where a stream opened now starts. */
    synchronized long newest() {
        return newest;
    }

    synchronized void requireHistory(long position) {
        if (position < trimmedThrough) {
            throw new MongoServerError(CHANGE_STREAM_HISTORY_LOST, "ChangeStreamHistoryLost",
                "Resume of change stream was not possible, as the resume point may no longer be in the oplog.");
        }
    }

    /** Drops the entries older than the window; returns how many. */
    synchronized int trim() {
        long cutoff = new BsonTimestamp(clock.instant().minus(window), 0).getValue();
        int dropped = 0;
        for (Iterator<NavigableMap<Long, OplogEntry>> maps = byNamespace.values().iterator(); maps.hasNext();) {
            NavigableMap<Long, OplogEntry> entries = maps.next();
            NavigableMap<Long, OplogEntry> old = entries.headMap(cutoff, false);
            if (old.isEmpty()) continue;
            trimmedThrough = Math.max(trimmedThrough, old.lastKey());
            dropped += old.size();
            old.clear();
            if (entries.isEmpty()) maps.remove();
        }
        return dropped;
    }

    /** The document as it is now (for `fullDocument: 'updateLookup'`), or null when it is gone. */
    Document currentDocument(String namespace, Object id) {
        MongoCollection<?> collection = watchable(namespace);
        Document found = collection == null ? null : findById(collection, id);
        return found == null ? null : found.cloneDeeply();
    }

    private synchronized void append(String namespace, String operationType, Object id, Document detail) {
        long now = new BsonTimestamp(clock.instant(), 0).getValue();
        // Strictly increasing, also when the clock steps back: a timestamp is a position.
        newest = now > newest ? now + 1 : newest + 1;
        byNamespace.computeIfAbsent(namespace, key -> new TreeMap<>()).put(newest, new OplogEntry(newest, namespace, operationType, id, detail));
    }

    /** MongoDB writes no change events for `local` and system collections. */
    private static boolean isWatchable(String namespace) {
        return !Utils.getDatabaseNameFromFullName(namespace).equals("local") && !Utils.getCollectionNameFromFullName(namespace).startsWith("system.");
    }

    private MongoCollection<?> watchable(String namespace) {
        return isWatchable(namespace) ? backend.existingCollection(namespace) : null;
    }

    /** True when the collection holds this very document: the insert took place. */
    private static boolean storedAsIs(MongoCollection<?> collection, Document document) {
        if (!document.containsKey("_id")) return false;
        for (Document stored : collection.handleQuery(new Document("_id", document.get("_id")))) {
            if (stored == document) return true;
        }
        return false;
    }

    private static Document findById(MongoCollection<?> collection, Object id) {
        Iterator<Document> found = collection.handleQuery(new Document("_id", id)).iterator();
        return found.hasNext() ? found.next() : null;
    }
}
