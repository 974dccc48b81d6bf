import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.MongoVersion;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import java.util.List;

/**
 * Starts mongo-java-server with its in-memory backend and the oplog enabled, so that change streams
 * work. Usage: java -cp 'lib/*' MongoLauncher.java HOST PORT
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

    public static void main(String[] args) throws InterruptedException {
        String host = args.length > 0 ? args[0] : "127.0.0.1";
        int port = args.length > 1 ? Integer.parseInt(args[1]) : 27017;
        MemoryBackend backend = new MemoryBackend();
        backend.version(MONGO_4_4);
        backend.enableOplog();
        MongoServer server = new MongoServer(backend);
        server.bind(host, port);
        Runtime.getRuntime().addShutdownHook(new Thread(server::shutdownNow));
        System.out.println("mongo-java-server listening on " + host + ":" + port);
        Thread.currentThread().join();
    }
}
