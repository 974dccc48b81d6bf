import de.bwaldvogel.mongo.bson.BsonTimestamp;
import de.bwaldvogel.mongo.bson.Document;
import java.util.function.Function;

/**
 * One write in the oplog, as the change event it becomes (MongoDB 4.4's documented change events).
 * `detail` is the `fullDocument` of an insert or replace, the `updateDescription` of an update,
 * and the target namespace of a rename; null otherwise. `id` is null for drop and rename.
 */
record OplogEntry(long timestamp, String namespace, String operationType, Object id, Document detail) {
    /** A drop or rename of the watched collection ends the stream with an invalidate event. */
    boolean invalidates() {
        return operationType.equals("drop") || operationType.equals("rename");
    }

    /** The change event; `updateLookup`, when the stream asked for it, finds an updated document's current state. */
    Document toEvent(Function<OplogEntry, Document> updateLookup) {
        Document event = new Document("_id", new ResumeToken(timestamp, false).toDocument())
            .append("operationType", operationType)
            .append("clusterTime", new BsonTimestamp(timestamp));
        switch (operationType) {
            case "insert", "replace" -> event.append("fullDocument", detail.cloneDeeply());
            case "update" -> {
                if (updateLookup != null) event.append("fullDocument", updateLookup.apply(this));
            }
            default -> { }
        }
        event.append("ns", namespaceDocument(namespace));
        if (id != null) event.append("documentKey", new Document("_id", id));
        if (operationType.equals("update")) event.append("updateDescription", detail.cloneDeeply());
        if (operationType.equals("rename")) event.append("to", namespaceDocument((String) detail.get("to")));
        return event;
    }

    static Document invalidateEvent(long timestamp) {
        return new Document("_id", new ResumeToken(timestamp, true).toDocument())
            .append("operationType", "invalidate")
            .append("clusterTime", new BsonTimestamp(timestamp));
    }

    static Document namespaceDocument(String namespace) {
        int dot = namespace.indexOf('.');
        return new Document("db", namespace.substring(0, dot)).append("coll", namespace.substring(dot + 1));
    }
}
