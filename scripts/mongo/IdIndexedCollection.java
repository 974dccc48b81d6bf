import de.bwaldvogel.mongo.MongoDatabase;
import de.bwaldvogel.mongo.backend.CollectionOptions;
import de.bwaldvogel.mongo.backend.CursorRegistry;
import de.bwaldvogel.mongo.backend.Index;
import de.bwaldvogel.mongo.backend.QueryResult;
import de.bwaldvogel.mongo.backend.memory.MemoryCollection;
import de.bwaldvogel.mongo.bson.Document;
import java.util.Collection;

/**
 * A memory collection that, as MongoDB does, finds the documents of a query on exact `_id`s (one
 * value, or `$in` of values) through the `_id` index before it matches the rest of the query. The
 * library uses an index only for a query that names exactly that index's keys, so a
 * compare-and-set (`_id` plus the fields as read) read every document of the collection: a
 * reconcile's cost grew with the population on this server and on no MongoDB.
 */
final class IdIndexedCollection extends MemoryCollection {
    private static final String ID = "_id";

    IdIndexedCollection(MongoDatabase database, String name, CollectionOptions options, CursorRegistry cursors) {
        super(database, name, options, cursors);
    }

    @Override
    protected QueryResult queryDocuments(Document query, Document orderBy, int skip, int limit, int batchSize, Document fieldSelector) {
        if (query != null && query.size() > 1 && isExactId(query.get(ID))) {
            Document byId = new Document(ID, query.get(ID));
            for (Index<Integer> index : getIndexes()) {
                if (index.canHandle(byId)) {
                    return matchDocuments(query, index.getPositions(byId), orderBy, skip, limit, batchSize, fieldSelector);
                }
            }
        }
        return super.queryDocuments(query, orderBy, skip, limit, batchSize, fieldSelector);
    }

    /** A plain value (not null, not an operator document), or `{$in: [values]}`. */
    private static boolean isExactId(Object id) {
        if (id == null) return false;
        if (!(id instanceof Document document)) return true;
        return document.size() == 1 && document.get("$in") instanceof Collection<?>;
    }
}
