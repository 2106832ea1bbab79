package dev.meshscope.elasticsearch;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.elasticsearch.cluster.health.ClusterHealthStatus;
import org.elasticsearch.common.logging.LogConfigurator;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.core.TimeValue;
import org.elasticsearch.http.HttpServerTransport;
import org.elasticsearch.node.ClasspathPluginNode;
import org.elasticsearch.node.Node;
import org.elasticsearch.transport.netty4.Netty4Plugin;

/**
 * Runs one Elasticsearch node inside this JVM, on loopback only, for tests and local development.
 *
 * <p>Usage: {@code DevNode --port <port, 0 = any free one> --home <dir> [--exit-on-stdin-close] [--log-level warn]}.
 * Once the cluster is yellow or green it prints {@code elasticsearch ready at http://127.0.0.1:<port>} with the
 * port it actually bound, so a caller can pass 0 and never race another process for a port.
 *
 * <p>It builds the node directly (ClasspathPluginNode), skipping the distribution's bootstrap: that is where
 * Elasticsearch refuses to run as root (8.x has no es.insecure.allow.root any more) and where the bootstrap
 * checks live, so it runs as root without any flag. X-Pack is not on the classpath, so there is no security
 * and HTTP is plain.
 */
public final class DevNode {
    private static final String READY_PREFIX = "elasticsearch ready at ";

    private DevNode() {}

    public static void main(String[] args) throws Exception {
        Options options = Options.parse(args);
        Settings settings = nodeSettings(options);
        LogConfigurator.loadLog4jPlugins();
        LogConfigurator.configureESLogging();
        LogConfigurator.configureWithoutConfig(settings);

        Node node = new ClasspathPluginNode(settings, List.of(Netty4Plugin.class, RootInfoPlugin.class));
        // SIGTERM, SIGINT and System.exit all run shutdown hooks: close the node so its data dir is unlocked.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> close(node), "meshscope-es-shutdown"));
        node.start();
        waitForYellow(node);

        int port = node.injector().getInstance(HttpServerTransport.class).boundAddress().publishAddress().getPort();
        System.out.println(READY_PREFIX + "http://127.0.0.1:" + port);
        System.out.flush();
        if (options.exitOnStdinClose) exitWhenStdinCloses();
    }

    private static Settings nodeSettings(Options options) {
        return Settings.builder()
            .put("cluster.name", "meshscope-dev")
            .put("node.name", "meshscope-dev-node")
            .put("path.home", options.home.toString())
            .put("network.host", "127.0.0.1")
            .put("http.port", options.port)
            // The transport port is only for node-to-node traffic; any free one will do.
            .put("transport.port", 0)
            .put("discovery.type", "single-node")
            // Test machines often have fuller disks than the default watermarks allow; without this,
            // Elasticsearch would refuse to allocate shards and the cluster would stay red.
            .put("cluster.routing.allocation.disk.threshold_enabled", false)
            .put("logger.level", options.logLevel)
            .build();
    }

    private static void waitForYellow(Node node) {
        ClusterHealthStatus status = node.client()
            .admin()
            .cluster()
            .prepareHealth()
            .setWaitForYellowStatus()
            .setTimeout(TimeValue.timeValueSeconds(60))
            .get()
            .getStatus();
        if (status == ClusterHealthStatus.RED) throw new IllegalStateException("cluster stayed red after 60 s");
    }

    /** A parent that dies without killing us still closes our stdin pipe: take that as the signal to stop. */
    private static void exitWhenStdinCloses() throws IOException {
        while (System.in.read() != -1) {
            // ignore anything written; only end-of-file matters
        }
        System.exit(0);
    }

    private static void close(Node node) {
        try {
            node.close();
            node.awaitClose(20, TimeUnit.SECONDS);
        } catch (IOException | InterruptedException e) {
            System.err.println("error while closing elasticsearch: " + e);
        }
    }

    private record Options(int port, Path home, boolean exitOnStdinClose, String logLevel) {
        static Options parse(String[] args) {
            Integer port = null;
            Path home = null;
            boolean exitOnStdinClose = false;
            String logLevel = "warn";
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--port" -> port = Integer.parseInt(valueAfter(args, i++));
                    case "--home" -> home = Path.of(valueAfter(args, i++)).toAbsolutePath();
                    case "--exit-on-stdin-close" -> exitOnStdinClose = true;
                    case "--log-level" -> logLevel = valueAfter(args, i++);
                    default -> throw new IllegalArgumentException("unknown argument " + args[i]);
                }
            }
            if (port == null || home == null) {
                throw new IllegalArgumentException("usage: DevNode --port <port> --home <dir> [--exit-on-stdin-close] [--log-level warn]");
            }
            return new Options(port, home, exitOnStdinClose, logLevel);
        }

        private static String valueAfter(String[] args, int i) {
            if (i + 1 >= args.length) throw new IllegalArgumentException(args[i] + " needs a value");
            return args[i + 1];
        }
    }
}
