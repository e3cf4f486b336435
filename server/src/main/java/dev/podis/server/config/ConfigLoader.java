package dev.podis.server.config;

import dev.podis.protocol.InlineSplitter;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Builds the start-up configuration from its three layers, later wins:
 * <ol>
 *   <li>a redis.conf-style file (Redis's syntax: sdssplitargs quoting, comments, {@code include});</li>
 *   <li>environment variables {@code PODIS_<PARAM>} (the parameter's name in upper case, '-' as '_':
 *       {@code PODIS_MAXMEMORY_POLICY}); other {@code PODIS_*} variables are ignored;</li>
 *   <li>command-line flags {@code --<name> <value...>}.</li>
 * </ol>
 * Secrets: every sensitive parameter (requirepass, masterauth, masteruser, tls-key-file-pass,
 * tls-client-key-file-pass) can instead be read from a file: {@code requirepass-file <path>} in
 * the file or on the command line, {@code PODIS_REQUIREPASS_FILE} in the environment. The
 * file's content, without trailing line breaks, is the value; CONFIG REWRITE keeps the
 * {@code -file} line and never writes the secret itself.
 *
 * <p>Anything unknown fails start-up with a message naming the directive and where it was.
 */
public final class ConfigLoader {
    public static final String ENV_PREFIX = "PODIS_";
    /** The value of a Kubernetes service link variable ({@code PODIS_PORT=tcp://10.0.0.1:6379}). */
    private static final java.util.regex.Pattern SERVICE_LINK = java.util.regex.Pattern.compile("(tcp|udp|sctp)://\\S+:\\d+");
    private static final int MAX_INCLUDE_DEPTH = 16;
    /** Directives of redis.conf that Podis does not implement; refusing them is safer than ignoring them. */
    private static final Set<String> UNSUPPORTED = Set.of("rename-command", "user", "loadmodule", "sentinel");
    /** Redis accepts and ignores these in a config file (argument count 1). */
    private static final Set<String> DEPRECATED = Set.of("list-max-ziplist-entries", "list-max-ziplist-value",
            "lua-replicate-commands");

    private ConfigLoader() {
    }

    /**
     * Loads the layers into a new configuration.
     *
     * @param file the config file, or null
     * @param env  the environment (System.getenv() in production)
     * @param flags directives from the command line, in order
     */
    public static ServerConfig load(Path file, Map<String, String> env, List<Directive> flags) throws ConfigException {
        ServerConfig config = new ServerConfig();
        if (file != null) {
            if (!Files.isRegularFile(file)) {
                throw new ConfigException("Fatal error, can't open config file '" + file + "': "
                        + (Files.exists(file) ? "Is a directory" : "No such file or directory"));
            }
            config.configFile(file);
            applyLayer(config, parseFile(file));
        }
        applyLayer(config, fromEnvironment(config, env));
        applyLayer(config, flags);
        return config;
    }

    /** Applies one layer's directives; errors name the directive and where it came from. */
    static void applyLayer(ServerConfig config, List<Directive> directives) throws ConfigException {
        Set<String> seen = new HashSet<>();
        for (Directive d : directives) {
            try {
                apply(config, d, seen);
            } catch (ConfigException e) {
                throw new ConfigException(fatal(d, e.getMessage()));
            }
        }
    }

    private static void apply(ServerConfig config, Directive d, Set<String> seen) throws ConfigException {
        String name = d.name.toLowerCase(Locale.ROOT);
        if (config.param(name) != null) {
            config.applyDirective(name, d.args, seen);
            return;
        }
        if (name.endsWith("-file")) {
            ConfigParam p = config.param(name.substring(0, name.length() - 5));
            if (p != null && p.sensitive) {
                if (d.args.size() != 1) {
                    throw new ConfigException("wrong number of arguments");
                }
                String secret = readSecret(d.args.get(0), name);
                config.applyDirective(p.name, List.of(secret), seen);
                config.secretFiles.put(p.name, d.args.get(0));
                return;
            }
        }
        if (DEPRECATED.contains(name) && d.args.size() == 1) {
            return;
        }
        if (UNSUPPORTED.contains(name) || name.contains(".")) {
            throw new ConfigException("'" + name + "' is a Redis directive that Podis does not support");
        }
        throw new ConfigException("Bad directive or wrong number of arguments: '" + d.name
                + "' is not a configuration parameter Podis knows");
    }

    static String fatal(Directive d, String reason) {
        return "\n*** FATAL CONFIG FILE ERROR (Podis " + dev.podis.server.Version.PODIS + ", Redis "
                + dev.podis.server.Version.REDIS + " compatible) ***\n"
                + "Reading " + d.where + "\n"
                + ">>> '" + d.text + "'\n"
                + reason;
    }

    private static String readSecret(String path, String directive) throws ConfigException {
        try {
            String s = Files.readString(Path.of(path), StandardCharsets.UTF_8);
            int end = s.length();
            while (end > 0 && (s.charAt(end - 1) == '\n' || s.charAt(end - 1) == '\r')) {
                end--;
            }
            return s.substring(0, end);
        } catch (NoSuchFileException e) {
            throw new ConfigException("can't read " + directive + " '" + path + "': No such file or directory");
        } catch (AccessDeniedException e) {
            throw new ConfigException("can't read " + directive + " '" + path + "': Permission denied");
        } catch (IOException | RuntimeException e) {
            throw new ConfigException("can't read " + directive + " '" + path + "': " + e.getMessage());
        }
    }

    // ------------------------------------------------------------------ the file

    /** Parses a redis.conf-style file (following {@code include}) into directives. */
    public static List<Directive> parseFile(Path file) throws ConfigException {
        List<Directive> out = new ArrayList<>();
        parseFile(file, out, 0);
        return out;
    }

    private static void parseFile(Path file, List<Directive> out, int depth) throws ConfigException {
        String content;
        try {
            content = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new ConfigException("Fatal error, can't open config file '" + file + "': No such file or directory");
        } catch (IOException e) {
            throw new ConfigException("Fatal error, can't open config file '" + file + "': " + e.getMessage());
        }
        parseText(content, "the configuration file " + file, out, depth);
    }

    /** Parses config text; {@code source} names it in error messages. */
    public static List<Directive> parseText(String content, String source) throws ConfigException {
        List<Directive> out = new ArrayList<>();
        parseText(content, source, out, 0);
        return out;
    }

    private static void parseText(String content, String source, List<Directive> out, int depth)
            throws ConfigException {
        String[] lines = content.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = trim(lines[i]);
            if (line.isEmpty() || line.charAt(0) == '#') {
                continue;
            }
            String where = source + ", at line " + (i + 1);
            byte[][] argv = InlineSplitter.split(line.getBytes(StandardCharsets.UTF_8));
            if (argv == null) {
                throw new ConfigException(fatal(new Directive("", List.of(), where, line),
                        "Unbalanced quotes in configuration line"));
            }
            if (argv.length == 0) {
                continue;
            }
            String name = new String(argv[0], StandardCharsets.UTF_8).toLowerCase(Locale.ROOT);
            List<String> args = new ArrayList<>();
            for (int k = 1; k < argv.length; k++) {
                args.add(new String(argv[k], StandardCharsets.UTF_8));
            }
            Directive d = new Directive(name, args, where, line);
            if (name.equals("include")) {
                if (args.size() != 1) {
                    throw new ConfigException(fatal(d, "Bad directive or wrong number of arguments"));
                }
                if (depth >= MAX_INCLUDE_DEPTH) {
                    throw new ConfigException(fatal(d, "too many nested includes (is a file including itself?)"));
                }
                try {
                    for (Path p : expandInclude(args.get(0))) {
                        parseFile(p, out, depth + 1);
                    }
                } catch (ConfigException e) {
                    if (e.getMessage().startsWith("Fatal error")) {
                        throw new ConfigException(fatal(d, e.getMessage()));
                    }
                    throw e;
                }
                continue;
            }
            out.add(d);
        }
    }

    /** An include path, or the files its glob matches (sorted; none is fine, as in Redis). */
    private static List<Path> expandInclude(String pattern) throws ConfigException {
        if (pattern.indexOf('*') < 0 && pattern.indexOf('?') < 0 && pattern.indexOf('[') < 0) {
            return List.of(Path.of(pattern));
        }
        Path p = Path.of(pattern);
        Path dir = p.getParent() == null ? Path.of("") : p.getParent();
        PathMatcher m = FileSystems.getDefault().getPathMatcher("glob:" + p.getFileName());
        List<Path> found = new ArrayList<>();
        if (!Files.isDirectory(dir.toAbsolutePath())) {
            return found;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir.toAbsolutePath())) {
            for (Path f : ds) {
                if (m.matches(f.getFileName()) && Files.isRegularFile(f)) {
                    found.add(dir.resolve(f.getFileName()));
                }
            }
        } catch (IOException e) {
            throw new ConfigException("Fatal error, can't open config file '" + pattern + "': " + e.getMessage());
        }
        found.sort(null);
        return found;
    }

    static String trim(String s) {
        int b = 0;
        int e = s.length();
        while (b < e && isTrim(s.charAt(b))) {
            b++;
        }
        while (e > b && isTrim(s.charAt(e - 1))) {
            e--;
        }
        return s.substring(b, e);
    }

    private static boolean isTrim(char c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\n';
    }

    // ------------------------------------------------------------------ the environment

    /** The environment variable that sets {@code name}: PODIS_MAXMEMORY_POLICY for maxmemory-policy. */
    public static String envName(String name) {
        return ENV_PREFIX + name.toUpperCase(Locale.ROOT).replace('-', '_');
    }

    /**
     * Directives from PODIS_&lt;PARAM&gt; variables, sorted by variable name. The value is one
     * argument (multi-word parameters such as save split it with redis.conf quoting); a _FILE
     * suffix on a sensitive parameter reads the value from that file.
     *
     * <p>Other PODIS_* variables are ignored (logged at verbose level): Kubernetes injects
     * {@code PODIS_SERVICE_HOST}, {@code PODIS_PORT_6379_TCP} and the like for a Service named
     * {@code podis} unless the pod sets {@code enableServiceLinks: false}. Its
     * {@code PODIS_PORT=tcp://10.0.0.1:6379} names a parameter but has a service link's value
     * ({@code proto://host:port}): for the {@code *port} parameters such a value is ignored too.
     * A value that is neither fails start-up as the same value in the file would.
     */
    static List<Directive> fromEnvironment(ServerConfig config, Map<String, String> env) throws ConfigException {
        Map<String, String> known = new HashMap<>();
        for (String n : config.names()) {
            known.put(envName(n), n);
            ConfigParam p = config.param(n);
            if (p.sensitive) {
                known.put(envName(n) + "_FILE", n + "-file");
            }
        }
        List<Directive> out = new ArrayList<>();
        for (Map.Entry<String, String> e : new TreeMap<>(env).entrySet()) {
            if (!e.getKey().startsWith(ENV_PREFIX)) {
                continue;
            }
            String name = known.get(e.getKey());
            if (name == null) {
                dev.podis.server.Log.verbose("Ignoring the environment variable " + e.getKey()
                        + ": it names no configuration parameter");
                continue;
            }
            if (name.endsWith("port") && SERVICE_LINK.matcher(e.getValue().trim()).matches()) {
                dev.podis.server.Log.verbose("Ignoring the environment variable " + e.getKey()
                        + ": its value is a Kubernetes service link, not a port");
                continue;
            }
            ConfigParam p = config.param(name);
            String shown = p != null && p.sensitive ? "(hidden)" : e.getValue();
            out.add(new Directive(name, List.of(e.getValue()), "the environment variable " + e.getKey(),
                    e.getKey() + "=" + shown));
        }
        return out;
    }

    // ------------------------------------------------------------------ the command line

    /**
     * redis-server's command-line grammar after the optional config file: {@code --name} starts a
     * directive and the following words are its arguments; {@code "--name value"} in one word is
     * split like a config line; {@code --save} directly followed by another option (or last) means
     * {@code save ""}, as in Redis.
     */
    public static List<Directive> parseFlags(List<String> argv) throws ConfigException {
        List<Directive> out = new ArrayList<>();
        String name = null;
        List<String> args = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        boolean handledLastArg = true;
        for (int j = 0; j < argv.size(); j++) {
            String a = argv.get(j);
            if (handledLastArg && a.startsWith("--")) {
                if (name != null) {
                    out.add(new Directive(name, args, "the command line, at option --" + name, text.toString()));
                }
                byte[][] words = InlineSplitter.split(a.substring(2).getBytes(StandardCharsets.UTF_8));
                args = new ArrayList<>();
                if (words == null || words.length == 0) {
                    throw new ConfigException(fatal(new Directive(a, List.of(), "the command line", a),
                            "Bad directive or wrong number of arguments"));
                }
                name = new String(words[0], StandardCharsets.UTF_8);
                text = new StringBuilder(name);
                for (int k = 1; k < words.length; k++) {
                    args.add(new String(words[k], StandardCharsets.UTF_8));
                    text.append(' ').append(repr(args.get(args.size() - 1)));
                }
                if (words.length == 1) {
                    handledLastArg = false;
                    boolean nextIsOption = j + 1 < argv.size() && argv.get(j + 1).startsWith("--");
                    if (name.equalsIgnoreCase("save") && (nextIsOption || j == argv.size() - 1)) {
                        args.add("");
                        text.append(" \"\"");
                        handledLastArg = true;
                    }
                } else {
                    handledLastArg = true;
                }
            } else {
                if (name == null) {
                    throw new ConfigException(fatal(new Directive(a, List.of(), "the command line", a),
                            "unexpected argument '" + a + "': options are --<config-name> <value>"
                                    + " (the config file, if any, must come first)"));
                }
                args.add(a);
                text.append(' ').append(repr(a));
                handledLastArg = true;
            }
        }
        if (name != null) {
            out.add(new Directive(name, args, "the command line, at option --" + name, text.toString()));
        }
        return out;
    }

    /** Redis's sdscatrepr: a double-quoted string with escapes. */
    public static String repr(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        for (byte x : b) {
            int c = x & 0xff;
            switch (c) {
                case '\\': sb.append("\\\\"); break;
                case '"': sb.append("\\\""); break;
                case '\n': sb.append("\\n"); break;
                case '\r': sb.append("\\r"); break;
                case '\t': sb.append("\\t"); break;
                case 7: sb.append("\\a"); break;
                case '\b': sb.append("\\b"); break;
                default:
                    if (c >= 32 && c < 127) {
                        sb.append((char) c);
                    } else {
                        sb.append(String.format("\\x%02x", c));
                    }
            }
        }
        return sb.append('"').toString();
    }
}
