package dev.podis.server;

import dev.podis.server.config.ConfigException;
import dev.podis.server.config.ConfigLoader;
import dev.podis.server.config.Directive;
import dev.podis.server.config.ServerConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * The command line, in redis-server's form:
 * <pre>
 *   podis [config-file] [--&lt;config-name&gt; &lt;value&gt; ...]
 *   podis --help | --version
 * </pre>
 * Any redis.conf parameter can be given as a flag, with one or several words
 * ({@code --port 7000 --save "900 1 300 10" --save "" --bind 127.0.0.1 ::1}). The configuration
 * comes from three layers, later wins: the file, {@code PODIS_<PARAM>} environment variables,
 * the flags (see {@link ConfigLoader}). Anything unknown stops start-up with exit code 1.
 */
@Command(name = "podis", versionProvider = Version.class, sortOptions = false,
        customSynopsis = {"podis [config-file] [--<config-name> <value> ...]", "       podis --help | --version"},
        description = {"A Redis-compatible server for Kubernetes pods and in-process tests.",
            "",
            "Any redis.conf parameter can be given as --<name> <value...>, e.g.",
            "  podis /etc/podis/podis.conf --port 7000 --dir /data --save \"\" --appendonly no",
            "Layers, later wins: config file, PODIS_<PARAM> environment variables (PODIS_MAXMEMORY_POLICY),",
            "flags. Other PODIS_* variables are ignored.",
            "Secrets: requirepass-file <path> (or PODIS_REQUIREPASS_FILE) reads the value from a file.",
            ""})
public final class Main {
    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    @Option(names = {"-v", "-V", "--version"}, versionHelp = true,
            description = "Print Podis's version and the Redis version it is compatible with, and exit.")
    boolean version;

    @Parameters(arity = "0..*", paramLabel = "ARGS", hidden = true)
    List<String> args = new ArrayList<>();

    private Main() {
    }

    public static void main(String[] argv) {
        // First, before the start-up's lambdas make ASM hot (see JitDirectives).
        JitDirectives.apply();
        System.setProperty("chronicle.analytics.disable", "true");
        if (System.getProperty("io.netty.leakDetection.level") == null) {
            // Netty's default leak detection records a stack trace for one buffer in 128: an
            // allocation and ~1% of the command thread under load. Tests and embedded servers keep it.
            System.setProperty("io.netty.leakDetection.level", "disabled");
        }
        if (System.getProperty("io.netty.jfr.enabled") == null) {
            // Netty's buffer allocator emits flight-recorder events; the first chunk it allocates
            // registers them with the recorder, which made the first reply after start-up about
            // 100 ms slower (152-166 ms against 27-73 ms, measured). Podis records none of them.
            System.setProperty("io.netty.jfr.enabled", "false");
        }
        int code = run(argv, System.out, System.err, System.getenv());
        System.exit(code);
    }

    /** Runs Podis as the command line asks: help, version, or a server until the JVM is stopped. */
    public static int run(String[] argv, PrintStream out, PrintStream err, Map<String, String> env) {
        CommandLine cl = commandLine();
        Main main;
        try {
            cl.parseArgs(argv);
            main = cl.getCommand();
        } catch (CommandLine.ParameterException e) {
            err.println("podis: " + e.getMessage());
            return 1;
        }
        if (cl.isUsageHelpRequested()) {
            cl.usage(out);
            return 0;
        }
        if (cl.isVersionHelpRequested()) {
            cl.printVersionHelp(out);
            return 0;
        }
        ServerConfig config;
        try {
            config = configure(main.args, env);
        } catch (ConfigException e) {
            err.println(e.getMessage());
            return 1;
        }
        Log.level(config.get("loglevel"));
        if (config.configFile() == null) {
            Log.warn("Warning: no config file specified, using the default config. In order to specify a config file use "
                    + "podis /path/to/podis.conf");
        } else {
            Log.notice("Configuration loaded from " + config.configFile());
        }
        PodisServer server;
        try {
            // Under a container memory limit, maxmemory 0 is derived from it (see Maxmemory).
            server = new PodisServer(config, dev.podis.storage.MemoryBudget.cgroupLimit());
            // Before the port listens: a client may send SHUTDOWN as soon as it does.
            server.onShutdownCommand(() -> System.exit(0));
            server.onFatal(() -> System.exit(1));
            server.start();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        } catch (RuntimeException e) {
            err.println("podis: " + e.getMessage());
            return 1;
        }
        Log.notice("Podis " + Version.PODIS + " (Redis " + Version.REDIS + " compatible) ready to accept connections on port "
                + server.port() + ", data dir " + config.get("dir") + ", network transport "
                + server.context().transport().configName());
        Log.notice("cgroup limits: memory " + (dev.podis.server.commands.ServerCommands.CGROUP_MEMORY_LIMIT == 0 ? "none"
                : dev.podis.server.commands.ServerCommands.CGROUP_MEMORY_LIMIT + " bytes")
                + ", CPU quota " + ("0".equals(dev.podis.server.commands.ServerCommands.CGROUP_CPU_QUOTA) ? "none"
                : dev.podis.server.commands.ServerCommands.CGROUP_CPU_QUOTA + " CPUs"));
        server.loaded().whenComplete((ok, failure) -> {
            if (failure != null) {
                // as Redis: a dataset that cannot be loaded stops the server (the reason is logged)
                new Thread(() -> System.exit(1), "podis-load-failed").start();
            } else {
                HeapRelease.afterStart(); // the start's and the load's garbage back to the system
            }
        });
        CountDownLatch stopped = new CountDownLatch(1);
        // SIGTERM / SIGINT: the graceful shutdown sequence, then exit code 0 (see docs/operations.md).
        for (String sig : new String[] {"TERM", "INT"}) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(sig), s -> {
                    // false: the final save failed (shutdown-on-sig* without force) or SHUTDOWN ABORT: go on
                    if (server.shutdown("SIG" + sig)) {
                        System.exit(0);
                    }
                });
            } catch (IllegalArgumentException | UnsupportedOperationException e) {
                Log.warn("cannot handle SIG" + sig + " (" + e.getMessage() + "); the shutdown hook stops the server");
            }
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.shutdown("JVM exit");
            stopped.countDown();
        }));
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    private static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        // "--port 7000": options picocli does not know are config flags, handed to our parser as is.
        cl.setUnmatchedOptionsArePositionalParams(true);
        // After the first config flag everything is flags and values, even "-h" as a password.
        cl.setStopAtPositional(true);
        // "@file" is a value, not a picocli argument file.
        cl.setExpandAtFiles(false);
        return cl;
    }

    /** The config file named first on the command line (null if none) and the flags after it. */
    public static final class Arguments {
        public final Path configFile;
        public final List<Directive> flags;

        Arguments(Path configFile, List<Directive> flags) {
            this.configFile = configFile;
            this.flags = flags;
        }
    }

    /** Splits redis-server style arguments (without --help/--version) into the config file and flags. */
    public static Arguments parseArguments(List<String> args) throws ConfigException {
        Path file = null;
        int start = 0;
        if (!args.isEmpty() && !args.get(0).startsWith("-")) {
            file = Path.of(args.get(0));
            start = 1;
        }
        for (int i = start; i < args.size(); i++) {
            if (args.get(i).equals("-") && (i == start || i == args.size() - 1)) {
                throw new ConfigException("podis: reading the configuration from standard input ('-') is not supported;"
                        + " give a file path or --<config-name> <value> flags");
            }
        }
        return new Arguments(file, ConfigLoader.parseFlags(args.subList(start, args.size())));
    }

    /**
     * The configuration a command line would start with, from all layers, without starting
     * anything: for tests and tools.
     */
    public static ServerConfig configure(List<String> args, Map<String, String> env) throws ConfigException {
        Arguments a = parseArguments(args);
        return ConfigLoader.load(a.configFile, env, a.flags);
    }

    /** The same, from the full argv (help and version flags are not handled here). */
    public static ServerConfig configure(String[] argv, Map<String, String> env) throws ConfigException {
        CommandLine cl = commandLine();
        try {
            cl.parseArgs(argv);
        } catch (CommandLine.ParameterException e) {
            throw new ConfigException("podis: " + e.getMessage());
        }
        Main main = cl.getCommand();
        return configure(main.args, env);
    }
}
