package dev.podis.server.command;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One entry of the command table: Redis's metadata for a command (arity, flags, key positions,
 * ACL categories, key specs, docs) as data, plus the handler that executes it and its statistics.
 * Subcommands ("config|get") are specs of their own under their container.
 */
public final class CommandSpec {
    // Flag bits for checks on the hot path; the full list is in flags().
    public static final int WRITE = 1;
    public static final int READONLY = 1 << 1;
    public static final int DENYOOM = 1 << 2;
    public static final int ADMIN = 1 << 3;
    public static final int PUBSUB = 1 << 4;
    public static final int NOSCRIPT = 1 << 5;
    public static final int BLOCKING = 1 << 6;
    public static final int LOADING = 1 << 7;
    public static final int STALE = 1 << 8;
    public static final int NO_AUTH = 1 << 9;
    public static final int FAST = 1 << 10;
    public static final int NO_MULTI = 1 << 11;
    public static final int MOVABLE_KEYS = 1 << 12;
    public static final int ALLOW_BUSY = 1 << 13;

    /**
     * How a command enters the write stream ({@link dev.podis.server.Propagation}) besides the
     * usual rule (a command that changed data enters as it ran): EXEC and the script commands
     * never enter themselves, their effects do; the commands that touch arbitrary keys (Redis's
     * CMD_TOUCHES_ARBITRARY_KEYS) send the deletions of keys they found expired without wrapping
     * them in MULTI/EXEC.
     */
    public enum Propagation { NORMAL, EFFECTS_ONLY, ARBITRARY_KEYS }

    private final String name;
    private final String fullName;
    private final Propagation propagation;
    private final int arity;
    private final List<String> flags;
    private final int flagBits;
    private final int firstKey;
    private final int lastKey;
    private final int keyStep;
    private final List<String> aclCategories;
    private final Map<String, Object> info;
    private final CommandSpec parent;
    private final Map<String, CommandSpec> subcommands = new LinkedHashMap<>();
    /** The read-only view {@link #subcommands()} returns (one object, not one per call: the dispatcher asks per command). */
    private final Map<String, CommandSpec> subcommandsView = Collections.unmodifiableMap(subcommands);
    private CommandHandler handler;
    /** The argument count with which the handler keeps no argument (runs on borrowed ones); 0: never; -1: any. */
    private int borrowArgc;
    /** Whether the handler keeps nothing of the vector and the name (it may keep the other arguments). */
    private boolean borrowsName;
    private KeyExtractor keyExtractor;
    private LatencyHistogram latency;

    // INFO commandstats
    long calls;
    long micros;
    long rejectedCalls;
    long failedCalls;

    @SuppressWarnings("unchecked")
    CommandSpec(Map<String, Object> info, CommandSpec parent) {
        this.info = info;
        this.parent = parent;
        this.fullName = (String) info.get("name");
        int bar = fullName.indexOf('|');
        this.name = bar < 0 ? fullName : fullName.substring(bar + 1);
        this.arity = ((Number) info.get("arity")).intValue();
        this.flags = (List<String>) info.get("flags");
        this.firstKey = ((Number) info.get("first")).intValue();
        this.lastKey = ((Number) info.get("last")).intValue();
        this.keyStep = ((Number) info.get("step")).intValue();
        this.aclCategories = (List<String>) info.get("acl");
        int bits = 0;
        for (String f : flags) {
            bits |= bitOf(f);
        }
        this.flagBits = bits;
        this.propagation = switch (fullName) {
            case "exec", "eval", "evalsha", "eval_ro", "evalsha_ro", "fcall", "fcall_ro" -> Propagation.EFFECTS_ONLY;
            case "scan", "keys", "randomkey" -> Propagation.ARBITRARY_KEYS;
            default -> Propagation.NORMAL;
        };
    }

    /** How this command enters the write stream beyond the usual rule (see {@link Propagation}). */
    public Propagation propagation() {
        return propagation;
    }

    private static int bitOf(String flag) {
        switch (flag) {
            case "write": return WRITE;
            case "readonly": return READONLY;
            case "denyoom": return DENYOOM;
            case "admin": return ADMIN;
            case "pubsub": return PUBSUB;
            case "noscript": return NOSCRIPT;
            case "blocking": return BLOCKING;
            case "loading": return LOADING;
            case "stale": return STALE;
            case "no_auth": return NO_AUTH;
            case "fast": return FAST;
            case "no_multi": return NO_MULTI;
            case "movablekeys": return MOVABLE_KEYS;
            case "allow_busy": return ALLOW_BUSY;
            default: return 0;
        }
    }

    /** The name within its container: "get", or "get" for "config|get". */
    public String name() {
        return name;
    }

    /** "get", or "config|get" for a subcommand: the name error texts and INFO use. */
    public String fullName() {
        return fullName;
    }

    public int arity() {
        return arity;
    }

    public boolean has(int flagBit) {
        return (flagBits & flagBit) != 0;
    }

    public List<String> flags() {
        return flags;
    }

    public int firstKey() {
        return firstKey;
    }

    public int lastKey() {
        return lastKey;
    }

    public int keyStep() {
        return keyStep;
    }

    public List<String> aclCategories() {
        return aclCategories;
    }

    /** The raw metadata (as COMMAND INFO/DOCS serve it): key_specs, tips, docs. */
    public Map<String, Object> info() {
        return info;
    }

    public CommandSpec parent() {
        return parent;
    }

    public Map<String, CommandSpec> subcommands() {
        return subcommandsView;
    }

    void addSubcommand(CommandSpec sub) {
        subcommands.put(sub.name, sub);
    }

    public CommandSpec subcommand(String lowerName) {
        return subcommands.get(lowerName);
    }

    public CommandHandler handler() {
        return handler;
    }

    void handler(CommandHandler handler) {
        this.handler = handler;
    }

    /**
     * From which argument on this command's handler may keep the arguments of a request of
     * {@code argc} (nor hand them to anything that does), so that it can run on the parser's
     * borrowed arrays with only those handed over to it: {@code argc} when it keeps none
     * ({@link CommandTable#bindBorrowing}), 1 when it keeps neither the vector nor the name
     * ({@link CommandTable#bindBorrowingName}), 0 when it may keep anything (the request must be
     * copied).
     */
    public int keepsFrom(int argc) {
        if (borrowArgc == argc || borrowArgc < 0) {
            return argc;
        }
        return borrowsName ? 1 : 0;
    }

    void borrowArgc(int argc) {
        this.borrowArgc = argc;
    }

    void borrowsName(boolean on) {
        this.borrowsName = on;
    }

    /** True when Podis executes this command (or, for a container, any of its subcommands). */
    public boolean implemented() {
        if (handler != null) {
            return true;
        }
        for (CommandSpec s : subcommands.values()) {
            if (s.implemented()) {
                return true;
            }
        }
        return false;
    }

    public long calls() {
        return calls;
    }

    public long micros() {
        return micros;
    }

    public long rejectedCalls() {
        return rejectedCalls;
    }

    public long failedCalls() {
        return failedCalls;
    }

    public void recordCall(long elapsedMicros, boolean failed) {
        calls++;
        micros += elapsedMicros;
        if (failed) {
            failedCalls++;
        }
    }

    /** Records one execution's duration in the latency histogram (INFO latencystats, LATENCY HISTOGRAM). */
    public void recordLatency(long nanos) {
        if (latency == null) {
            latency = new LatencyHistogram();
        }
        latency.record(nanos);
    }

    /** The latency histogram, or null before the first call. */
    public LatencyHistogram latency() {
        return latency;
    }

    /** Finds this command's keys in a command line (built from the key specs on first use). */
    public KeyExtractor keyExtractor() {
        if (keyExtractor == null) {
            keyExtractor = new KeyExtractor(this);
        }
        return keyExtractor;
    }

    public void recordRejected() {
        rejectedCalls++;
    }

    public void resetStats() {
        calls = micros = rejectedCalls = failedCalls = 0;
        latency = null;
        for (CommandSpec s : subcommands.values()) {
            s.resetStats();
        }
    }
}
