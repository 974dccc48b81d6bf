import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.exception.ErrorCode;
import de.bwaldvogel.mongo.exception.MongoServerError;
import java.util.regex.Pattern;

/**
 * A resume token as MongoDB documents it, `{_data: <hex string>}`, opaque to clients. Its `_data`
 * is the oplog timestamp the token stands for (16 hex digits) and whether it is an invalidate
 * event's (2 more): fixed width, so tokens compare in the order of their positions, as MongoDB's do.
 */
record ResumeToken(long timestamp, boolean fromInvalidate) {
    private static final String DATA = "_data";
    private static final Pattern FORMAT = Pattern.compile("[0-9A-F]{16}0[01]");

    Document toDocument() {
        return new Document(DATA, String.format("%016X%02X", timestamp, fromInvalidate ? 1 : 0));
    }

    /** The token a client sent as `option`; what MongoDB answers when it is not one. */
    static ResumeToken parse(Object value, String option) {
        if (!(value instanceof Document)) {
            throw new MongoServerError(ErrorCode.TypeMismatch, "BSON field '$changeStream." + option + "' is the wrong type, expected type 'object'");
        }
        Object data = ((Document) value).get(DATA);
        if (!(data instanceof String) || !FORMAT.matcher((String) data).matches()) {
            throw new MongoServerError(ErrorCode.FailedToParse, "$changeStream." + option + " is not a resume token of this server");
        }
        String text = (String) data;
        return new ResumeToken(Long.parseUnsignedLong(text.substring(0, 16), 16), text.endsWith("1"));
    }
}
