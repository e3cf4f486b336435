package dev.podis.server;

import dev.podis.server.config.ConfigException;
import dev.podis.server.config.ServerConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * Command line in redis-server's form: {@code podis [config-file] [--name value ...]}.
 */
@Command(name = "podis", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = "A Redis-compatible server for Kubernetes pods and in-process tests.%n"
                + "Usage as redis-server: an optional redis.conf-style file, then --<config-name> <value> pairs.")
public final class Main implements Callable<Integer> {
    @Parameters(arity = "0..*", paramLabel = "ARGS", description = "[config-file] [--<config-name> <value> ...]")
    List<String> args = new ArrayList<>();

    public static void main(String[] argv) {
        System.setProperty("chronicle.analytics.disable", "true");
        CommandLine cl = new CommandLine(new Main());
        cl.setUnmatchedOptionsArePositionalParams(true);
        int code = cl.execute(argv);
        if (code != 0) {
            System.exit(code);
        }
    }

    @Override
    public Integer call() throws Exception {
        ServerConfig config = new ServerConfig();
        int i = 0;
        try {
            for (; i < args.size(); i += 2) {
                String name = args.get(i);
                if (!name.startsWith("--")) {
                    throw new ConfigException("expected --<config-name> <value>, got '" + name + "'");
                }
                if (i + 1 >= args.size()) {
                    throw new ConfigException("missing value for '" + name + "'");
                }
                config.set(name.substring(2), args.get(i + 1));
            }
        } catch (ConfigException e) {
            System.err.println("podis: " + e.getMessage());
            return 1;
        }
        PodisServer server = new PodisServer(config).start();
        Log.notice("Podis " + Version.PODIS + " (Redis " + Version.REDIS + " compatible) ready to accept connections on port " + server.port());
        CountDownLatch stopped = new CountDownLatch(1);
        server.onShutdownCommand(() -> System.exit(0));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }));
        stopped.await();
        return 0;
    }
}
