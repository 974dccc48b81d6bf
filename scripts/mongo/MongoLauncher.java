import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.MongoVersion;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Starts mongo-java-server with its in-memory backend and an oplog of the launcher's own
 * (`WindowedOplog`), whose change streams follow MongoDB 4.4's documented change events.
 * Usage: java -cp 'classes:lib/*' MongoLauncher HOST PORT OPLOG_WINDOW_SECONDS
 * The server's newest built-in version reports wire version 8 (MongoDB 4.2), which the Node driver 7
 * refuses; the launcher announces MongoDB 4.4 (wire version 9), the oldest the driver accepts.
 */
public final class MongoLauncher {
    private static final MongoVersion MONGO_4_4 = new MongoVersion() {
        private static final int WIRE_VERSION_4_4 = 9;

        @Override
        public List<Integer> getVersionArray() {
            return List.of(4, 4, 0);
        }

        @Override
        public int getWireVersion() {
            return WIRE_VERSION_4_4;
        }
    };

    private static final long DEFAULT_OPLOG_WINDOW_SECONDS = 600;
    /** How often old entries are dropped; a window shorter than this (a test's) is trimmed once per window. */
    private static final Duration OPLOG_TRIM_PERIOD = Duration.ofSeconds(5);

    public static void main(String[] args) throws InterruptedException {
        String host = args.length > 0 ? args[0] : "127.0.0.1";
        int port = args.length > 1 ? Integer.parseInt(args[1]) : 27017;
        Duration oplogWindow = Duration.ofSeconds(args.length > 2 ? Long.parseLong(args[2]) : DEFAULT_OPLOG_WINDOW_SECONDS);
        ChangeStreamBackend backend = new ChangeStreamBackend(oplogWindow);
        backend.version(MONGO_4_4);
        backend.enableOplog();
        MongoServer server = new MongoServer(backend);
        server.bind(host, port);
        ScheduledExecutorService trimmer = Executors.newSingleThreadScheduledExecutor(MongoLauncher::daemon);
        long trimPeriodMs = Math.max(1, Math.min(OPLOG_TRIM_PERIOD.toMillis(), oplogWindow.toMillis()));
        trimmer.scheduleWithFixedDelay(() -> trimOplog(backend.windowedOplog(), oplogWindow), trimPeriodMs, trimPeriodMs, TimeUnit.MILLISECONDS);
        Runtime.getRuntime().addShutdownHook(new Thread(server::shutdownNow));
        System.out.println("mongo-java-server listening on " + host + ":" + port + ", oplog window " + oplogWindow.toSeconds() + " s");
        Thread.currentThread().join();
    }

    private static Thread daemon(Runnable work) {
        Thread thread = new Thread(work, "oplog-trimmer");
        thread.setDaemon(true);
        return thread;
    }

    /**
     * Drops the oplog entries older than the window, as a capped oplog forgets old writes (and so
     * that the server's heap does not grow with every write it ever took); a failure is printed and
     * the next run tries again.
     */
    private static void trimOplog(WindowedOplog oplog, Duration window) {
        try {
            int dropped = oplog.trim();
            if (dropped > 0) System.out.println("oplog: dropped " + dropped + " entries older than " + window.toSeconds() + " s");
        } catch (RuntimeException error) {
            System.err.println("oplog trim failed: " + error);
        }
    }
}
