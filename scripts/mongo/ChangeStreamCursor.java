import de.bwaldvogel.mongo.backend.AbstractCursor;
import de.bwaldvogel.mongo.backend.aggregation.Aggregation;
import de.bwaldvogel.mongo.bson.BsonTimestamp;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.exception.ErrorCode;
import de.bwaldvogel.mongo.exception.MongoServerError;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * One collection's change stream: a position in the oplog that each poll reads on from. After each
 * batch its postBatchResumeToken is the position the batch covers, so a quiet stream's token moves
 * on with the oplog, as MongoDB's does. A drop or rename of the collection ends it with an
 * invalidate event. The stages after `$changeStream` run on the events.
 */
final class ChangeStreamCursor extends AbstractCursor {
    /** A poll that asks for no particular batch size gets at most this many events. */
    private static final int DEFAULT_BATCH = 1_000;
    private static final Set<String> OPTIONS = Set.of("resumeAfter", "startAfter", "startAtOperationTime", "fullDocument");

    private final WindowedOplog oplog;
    private final String namespace;
    private final Aggregation aggregation;
    private final Function<OplogEntry, Document> updateLookup;
    // Polls of one cursor come one at a time, but not always on the same server thread.
    private volatile long position;
    private volatile boolean invalidated;

    private ChangeStreamCursor(long id, WindowedOplog oplog, String namespace, Aggregation aggregation, boolean lookUp, long position) {
        super(id);
        this.oplog = oplog;
        this.namespace = namespace;
        this.aggregation = aggregation;
        this.updateLookup = lookUp ? entry -> oplog.currentDocument(namespace, entry.id()) : null;
        this.position = position;
    }

    /** Checks the `$changeStream` options as MongoDB does, and the history after the start. */
    static ChangeStreamCursor open(long id, WindowedOplog oplog, String namespace, Document options, Aggregation aggregation) {
        for (String option : options.keySet()) {
            if (!OPTIONS.contains(option)) throw new MongoServerError(40415, "BSON field '$changeStream." + option + "' is an unknown field.");
        }
        Object fullDocument = options.getOrDefault("fullDocument", "default");
        if (!fullDocument.equals("default") && !fullDocument.equals("updateLookup")) {
            throw new MongoServerError(ErrorCode.BadValue, "'" + fullDocument + "' is not a valid value for $changeStream.fullDocument");
        }
        long position = startPosition(oplog, options);
        oplog.requireHistory(position);
        return new ChangeStreamCursor(id, oplog, namespace, aggregation, fullDocument.equals("updateLookup"), position);
    }

    /** The position the stream reads after: everything up to it counts as seen. */
    private static long startPosition(WindowedOplog oplog, Document options) {
        boolean resume = options.containsKey("resumeAfter");
        boolean startAfter = options.containsKey("startAfter");
        if (resume && startAfter) throw new MongoServerError(50865, "Do not specify both 'resumeAfter' and 'startAfter' in a $changeStream stage");
        if ((resume || startAfter) && options.containsKey("startAtOperationTime")) {
            throw new MongoServerError(40674, "Only one type of resume option is allowed, but multiple were found");
        }
        if (resume) {
            ResumeToken token = ResumeToken.parse(options.get("resumeAfter"), "resumeAfter");
            if (token.fromInvalidate()) {
                throw new MongoServerError(260, "InvalidResumeToken", "Attempting to resume a change stream using 'resumeAfter' is not allowed from an invalidate notification");
            }
            return token.timestamp();
        }
        if (startAfter) return ResumeToken.parse(options.get("startAfter"), "startAfter").timestamp();
        Object startAt = options.get("startAtOperationTime");
        if (startAt == null) return oplog.newest();
        if (!(startAt instanceof BsonTimestamp)) {
            throw new MongoServerError(ErrorCode.TypeMismatch, "BSON field '$changeStream.startAtOperationTime' is the wrong type, expected type 'timestamp'");
        }
        // The operation at that time is included.
        return ((BsonTimestamp) startAt).getValue() - 1;
    }

    @Override
    public boolean isEmpty() {
        return invalidated;
    }

    /** The position the last batch covers, as the token MongoDB replies with beside it. */
    Document postBatchResumeToken() {
        return new ResumeToken(position, invalidated).toDocument();
    }

    @Override
    public List<Document> takeDocuments(int batchSize) {
        if (invalidated) return List.of();
        WindowedOplog.Batch batch = oplog.read(namespace, position, batchSize > 0 ? batchSize : DEFAULT_BATCH);
        List<Document> events = new ArrayList<>();
        long covered = batch.coveredThrough();
        for (OplogEntry entry : batch.entries()) {
            events.add(entry.toEvent(updateLookup));
            if (entry.invalidates()) {
                invalidated = true;
                covered = entry.timestamp();
                break;
            }
        }
        List<Document> result = new ArrayList<>(aggregation.runStages(events.stream()));
        if (invalidated) result.add(OplogEntry.invalidateEvent(covered));
        position = covered;
        return result;
    }
}
