package dev.podis.server.command;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * Finds the key arguments of a command line from the command's key specs, as Redis 7 does
 * (begin_search by index or keyword, find_keys by range or keynum), falling back to the
 * command-specific rules Redis keeps in code for the few commands whose specs cannot say it all
 * (SET and BITFIELD with variable flags, SORT's STORE, MIGRATE's KEYS). COMMAND GETKEYS, ACLs and
 * cluster slot checks all use this one class.
 *
 * <p>{@code argv[0]} is the command name; positions in the result index {@code argv}. One
 * extractor per command spec, built once from the table and cached; extraction allocates only the
 * result arrays when they must grow.
 */
public final class KeyExtractor {
    // Key spec flags (Redis's CMD_KEY_*), in the order COMMAND GETKEYSANDFLAGS lists them.
    public static final int RO = 1;
    public static final int RW = 1 << 1;
    public static final int OW = 1 << 2;
    public static final int RM = 1 << 3;
    public static final int ACCESS = 1 << 4;
    public static final int UPDATE = 1 << 5;
    public static final int INSERT = 1 << 6;
    public static final int DELETE = 1 << 7;
    public static final int NOT_KEY = 1 << 8;
    public static final int INCOMPLETE = 1 << 9;
    public static final int VARIABLE_FLAGS = 1 << 10;

    private static final String[] FLAG_NAMES = {
        "RO", "RW", "OW", "RM", "access", "update", "insert", "delete", "not_key", "incomplete", "variable_flags"};

    /** Search options (Redis's GET_KEYSPEC_*). */
    public static final int INCLUDE_NOT_KEYS = 1;
    public static final int RETURN_PARTIAL = 2;

    private static final int BS_INDEX = 1;
    private static final int BS_KEYWORD = 2;
    private static final int BS_UNKNOWN = 3;
    private static final int FK_RANGE = 1;
    private static final int FK_KEYNUM = 2;
    private static final int FK_UNKNOWN = 3;

    /** Commands whose keys Redis also finds with code (getkeys_proc). */
    private enum Proc { NONE, SET, BITFIELD, SORT, SORT_RO, MIGRATE, OTHER }

    private static final class Spec {
        int flags;
        int bsType;
        int index;          // BS_INDEX
        byte[] keyword;     // BS_KEYWORD
        int startFrom;      // BS_KEYWORD
        int fkType;
        int lastKey;        // FK_RANGE
        int keyStep;        // both
        int limit;          // FK_RANGE
        int keyNumIdx;      // FK_KEYNUM
        int firstKey;       // FK_KEYNUM
    }

    /** Where keys were found: {@code positions[i]} in argv with {@code flags[i]}, for i below count. */
    public static final class Result {
        public int[] positions = new int[8];
        public int[] flags = new int[8];
        public int count;

        void add(int pos, int f) {
            if (count == positions.length) {
                positions = java.util.Arrays.copyOf(positions, count * 2);
                flags = java.util.Arrays.copyOf(flags, count * 2);
            }
            positions[count] = pos;
            flags[count] = f;
            count++;
        }

        public void clear() {
            count = 0;
        }
    }

    private final Spec[] specs;
    private final Proc proc;
    private final int allFlags;
    private final boolean anyRealKey;
    private final int arity;
    private final boolean movable;

    @SuppressWarnings("unchecked")
    KeyExtractor(CommandSpec command) {
        List<Object> raw = (List<Object>) command.info().get("key_specs");
        int n = raw == null ? 0 : raw.size();
        specs = new Spec[n];
        int all = 0;
        boolean real = false;
        for (int i = 0; i < n; i++) {
            Map<String, Object> m = (Map<String, Object>) raw.get(i);
            Spec s = new Spec();
            s.flags = flagsOf((List<Object>) m.get("flags"));
            all |= s.flags;
            real |= (s.flags & NOT_KEY) == 0;
            Map<String, Object> bs = (Map<String, Object>) m.get("begin_search");
            Map<String, Object> bspec = (Map<String, Object>) bs.get("spec");
            switch ((String) bs.get("type")) {
                case "index":
                    s.bsType = BS_INDEX;
                    s.index = num(bspec, "index");
                    break;
                case "keyword":
                    s.bsType = BS_KEYWORD;
                    s.keyword = ((String) bspec.get("keyword")).getBytes(StandardCharsets.US_ASCII);
                    s.startFrom = num(bspec, "startfrom");
                    break;
                default:
                    s.bsType = BS_UNKNOWN;
            }
            Map<String, Object> fk = (Map<String, Object>) m.get("find_keys");
            Map<String, Object> fspec = (Map<String, Object>) fk.get("spec");
            switch ((String) fk.get("type")) {
                case "range":
                    s.fkType = FK_RANGE;
                    s.lastKey = num(fspec, "lastkey");
                    s.keyStep = num(fspec, "keystep");
                    s.limit = num(fspec, "limit");
                    break;
                case "keynum":
                    s.fkType = FK_KEYNUM;
                    s.keyNumIdx = num(fspec, "keynumidx");
                    s.firstKey = num(fspec, "firstkey");
                    s.keyStep = num(fspec, "keystep");
                    break;
                default:
                    s.fkType = FK_UNKNOWN;
            }
            specs[i] = s;
        }
        allFlags = all;
        anyRealKey = real;
        arity = command.arity();
        movable = command.flags().contains("movablekeys");
        proc = procOf(command.fullName(), movable);
    }

    private static Proc procOf(String name, boolean movable) {
        switch (name) {
            case "set": return Proc.SET;
            case "bitfield": return Proc.BITFIELD;
            case "sort": return Proc.SORT;
            case "migrate": return Proc.MIGRATE;
            case "sort_ro": return Proc.SORT_RO;
            default:
                // Every other command with code-based key finding in Redis is marked movablekeys.
                return movable ? Proc.OTHER : Proc.NONE;
        }
    }

    private static int num(Map<String, Object> m, String k) {
        Object v = m.get(k);
        return v == null ? 0 : ((Number) v).intValue();
    }

    /** Key spec flags by their names ("RO", "access", ...). */
    public static int flagsOf(List<Object> names) {
        int f = 0;
        if (names != null) {
            for (Object o : names) {
                for (int i = 0; i < FLAG_NAMES.length; i++) {
                    if (FLAG_NAMES[i].equals(o)) {
                        f |= 1 << i;
                    }
                }
            }
        }
        return f;
    }

    /** The names of the bits set in {@code flags}, in Redis's order. */
    public static int flagNames(int flags, String[] out) {
        int n = 0;
        for (int i = 0; i < FLAG_NAMES.length; i++) {
            if ((flags & (1 << i)) != 0) {
                out[n++] = FLAG_NAMES[i];
            }
        }
        return n;
    }

    /** Redis's doesCommandHaveKeys: a key spec that names real keys, or code that finds keys. */
    public boolean hasKeys() {
        return anyRealKey || proc != Proc.NONE;
    }

    /**
     * Finds the keys of {@code argv} (argv[0] the command name) into {@code out}, as Redis's
     * getKeysFromCommandWithSpecs.
     *
     * @param options {@link #INCLUDE_NOT_KEYS}, {@link #RETURN_PARTIAL}
     * @return the number of keys found
     */
    public int keys(byte[][] argv, int options, Result out) {
        out.clear();
        boolean varFlags = (allFlags & VARIABLE_FLAGS) != 0;
        boolean useSpecs = anyRealKey || ((options & INCLUDE_NOT_KEYS) != 0 && specs.length > 0);
        if (useSpecs && !varFlags) {
            if (fromSpecs(argv, options, out) >= 0) {
                return out.count;
            }
            out.clear();
        }
        fromCode(argv, out);
        return out.count;
    }

    private int fromSpecs(byte[][] argv, int options, Result out) {
        int argc = argv.length;
        for (Spec s : specs) {
            if ((s.flags & NOT_KEY) != 0 && (options & INCLUDE_NOT_KEYS) == 0) {
                continue;
            }
            int first = 0;
            if (s.bsType == BS_INDEX) {
                first = s.index;
            } else if (s.bsType == BS_KEYWORD) {
                int start = s.startFrom > 0 ? s.startFrom : argc + s.startFrom;
                int end = s.startFrom > 0 ? argc - 1 : 0;
                for (int i = start; i != end; i = start <= end ? i + 1 : i - 1) {
                    if (i >= argc || i < 1) {
                        break;
                    }
                    if (equalsIgnoreCase(argv[i], s.keyword)) {
                        first = i + 1;
                        break;
                    }
                }
                if (first == 0) {
                    continue; // keyword not present: no keys from this spec
                }
            } else {
                if (invalid(options, out)) {
                    return -1;
                }
                continue;
            }
            int last;
            int step;
            if (s.fkType == FK_RANGE) {
                step = s.keyStep;
                if (s.lastKey >= 0) {
                    last = first + s.lastKey;
                } else if (s.limit == 0) {
                    last = argc + s.lastKey;
                } else {
                    last = first + ((argc - first) / s.limit + s.lastKey);
                }
            } else if (s.fkType == FK_KEYNUM) {
                step = s.keyStep;
                if (s.keyNumIdx >= argc - first) {
                    if (invalid(options, out)) {
                        return -1;
                    }
                    continue;
                }
                long numKeys = parseLong(argv[first + s.keyNumIdx]);
                if (numKeys < 0 || numKeys > Integer.MAX_VALUE) {
                    if (invalid(options, out)) {
                        return -1;
                    }
                    continue;
                }
                first += s.firstKey;
                last = first + (int) numKeys - 1;
            } else {
                if (invalid(options, out)) {
                    return -1;
                }
                continue;
            }
            if (last >= argc || last < first || first >= argc) {
                if (invalid(options, out)) {
                    return -1;
                }
                continue;
            }
            for (int i = first; i <= last; i += step) {
                if (i >= argc || i < first) {
                    continue; // variadic commands report their own arity errors
                }
                out.add(i, s.flags);
                if (step <= 0) {
                    break;
                }
            }
            if ((s.flags & INCOMPLETE) != 0 && invalid(options, out)) {
                return -1;
            }
        }
        return out.count;
    }

    /** An unusable spec: fail the whole search unless partial results were asked for. */
    private static boolean invalid(int options, Result out) {
        if ((options & RETURN_PARTIAL) != 0) {
            return false;
        }
        out.clear();
        return true;
    }

    /** Redis's getkeys_proc functions, for the cases the specs cannot answer. */
    private void fromCode(byte[][] argv, Result out) {
        int argc = argv.length;
        switch (proc) {
            case SET: {
                for (int i = 3; i < argc; i++) {
                    if (equalsIgnoreCase(argv[i], GET)) {
                        out.add(1, RW | ACCESS | UPDATE);
                        return;
                    }
                }
                out.add(1, OW | UPDATE);
                return;
            }
            case BITFIELD: {
                boolean readonly = true;
                for (int i = 2; i < argc; i++) {
                    int remaining = argc - i - 1;
                    byte[] a = argv[i];
                    if (equalsIgnoreCase(a, GET) && remaining >= 2) {
                        i += 2;
                    } else if ((equalsIgnoreCase(a, SET_KW) || equalsIgnoreCase(a, INCRBY)) && remaining >= 3) {
                        readonly = false;
                        break;
                    } else if (equalsIgnoreCase(a, OVERFLOW) && remaining >= 1) {
                        i += 1;
                    } else {
                        readonly = false;
                        break;
                    }
                }
                out.add(1, readonly ? RO | ACCESS : RW | ACCESS | UPDATE);
                return;
            }
            case SORT: {
                out.add(1, RO | ACCESS);
                int store = -1;
                for (int i = 2; i < argc; i++) {
                    if (equalsIgnoreCase(argv[i], LIMIT)) {
                        i += 2;
                    } else if (equalsIgnoreCase(argv[i], GET) || equalsIgnoreCase(argv[i], BY)) {
                        i += 1;
                    } else if (equalsIgnoreCase(argv[i], STORE) && i + 1 < argc) {
                        store = i + 1; // the last STORE wins, as SORT itself does
                    }
                }
                if (store > 0) {
                    out.add(store, OW | UPDATE);
                }
                return;
            }
            case SORT_RO:
                out.add(1, RO | ACCESS);
                return;
            case MIGRATE: {
                int first = 3;
                int num = 1;
                if (argc > 6) {
                    for (int i = 6; i < argc; i++) {
                        if (equalsIgnoreCase(argv[i], KEYS)) {
                            if (argv[3].length > 0) {
                                return; // KEYS with a non-empty key argument: a syntax error
                            }
                            first = i + 1;
                            num = argc - first;
                            break;
                        } else if (equalsIgnoreCase(argv[i], AUTH)) {
                            i += 1;
                        } else if (equalsIgnoreCase(argv[i], AUTH2)) {
                            i += 2;
                        }
                    }
                }
                for (int i = 0; i < num; i++) {
                    out.add(first + i, RW | ACCESS | DELETE);
                }
                return;
            }
            default:
                // The remaining code paths (numkeys commands, XREAD, GEORADIUS) only differ from the
                // specs when the specs fail on a bad key count, and then find no keys either.
        }
    }

    private static final byte[] GET = {'G', 'E', 'T'};
    private static final byte[] SET_KW = {'S', 'E', 'T'};
    private static final byte[] INCRBY = "INCRBY".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] OVERFLOW = "OVERFLOW".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] LIMIT = "LIMIT".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] BY = {'B', 'Y'};
    private static final byte[] STORE = "STORE".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] KEYS = "KEYS".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] AUTH = "AUTH".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] AUTH2 = "AUTH2".getBytes(StandardCharsets.US_ASCII);

    private static boolean equalsIgnoreCase(byte[] arg, byte[] upper) {
        if (arg.length != upper.length) {
            return false;
        }
        for (int i = 0; i < arg.length; i++) {
            int c = arg[i];
            if (c >= 'a' && c <= 'z') {
                c -= 32;
            }
            if (c != upper[i]) {
                return false;
            }
        }
        return true;
    }

    /** Redis's string2ll, enough for key counts: -1 when not a valid integer. */
    private static long parseLong(byte[] s) {
        if (s.length == 0 || s.length > 19) {
            return -1;
        }
        if (s.length == 1 && s[0] == '0') {
            return 0;
        }
        if (s[0] == '-') {
            return -1; // negative counts are invalid anyway
        }
        if (s[0] < '1' || s[0] > '9') {
            return -1;
        }
        long v = 0;
        for (byte b : s) {
            if (b < '0' || b > '9') {
                return -1;
            }
            v = v * 10 + (b - '0');
        }
        return v;
    }
}
