import de.bwaldvogel.mongo.backend.Missing;
import de.bwaldvogel.mongo.bson.Document;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * An update event's `updateDescription`: `updatedFields` (each path an operator wrote, with its
 * value in the document after the update) and `removedFields`. Read from the update's operators,
 * since the library hands the oplog the update and the ids but not the document before it. A path
 * through a positional operator (`a.$.b`, `a.$[].b`) is reported as the array it reaches (`a`), as
 * MongoDB reports a whole field when it cannot name the element.
 */
final class UpdateDescription {
    private UpdateDescription() {
    }

    /** True when `update` is a whole replacement document rather than update operators. */
    static boolean isReplacement(Document update) {
        return update.keySet().stream().noneMatch(key -> key.startsWith("$"));
    }

    static Document of(Document update, Document after) {
        Document updated = new Document();
        List<String> removed = new ArrayList<>();
        for (Map.Entry<String, Object> operator : update.entrySet()) {
            if (!(operator.getValue() instanceof Document)) continue;
            Document fields = (Document) operator.getValue();
            switch (operator.getKey()) {
                case "$setOnInsert" -> { } // applies only when an upsert inserts
                case "$unset" -> removed.addAll(fields.keySet());
                case "$rename" -> fields.forEach((from, to) -> {
                    removed.add(from);
                    noteValue(updated, after, String.valueOf(to));
                });
                default -> fields.keySet().forEach(path -> noteValue(updated, after, path));
            }
        }
        return new Document("updatedFields", updated).append("removedFields", removed);
    }

    private static void noteValue(Document updated, Document after, String path) {
        String reported = withoutPositional(path);
        Object value = valueAt(after, reported);
        // A copy: the stored document changes in place with the next update.
        if (!(value instanceof Missing)) updated.put(reported, new Document("v", value).cloneDeeply().get("v"));
    }

    private static String withoutPositional(String path) {
        List<String> kept = new ArrayList<>();
        for (String segment : path.split("\\.")) {
            if (segment.startsWith("$")) break;
            kept.add(segment);
        }
        return String.join(".", kept);
    }

    /** The value at a dotted path, through documents and array indexes; Missing when there is none. */
    private static Object valueAt(Document document, String path) {
        Object current = document;
        for (String segment : path.split("\\.")) {
            if (current instanceof Document && ((Document) current).containsKey(segment)) {
                current = ((Document) current).get(segment);
            } else if (current instanceof List<?> list && segment.matches("\\d{1,9}") && Integer.parseInt(segment) < list.size()) {
                current = list.get(Integer.parseInt(segment));
            } else {
                return Missing.getInstance();
            }
        }
        return current;
    }
}
