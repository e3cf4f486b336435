package dev.podis.server.commands;

import dev.podis.protocol.RespWriter;
import dev.podis.server.Client;
import dev.podis.server.KeyspaceEvents;
import dev.podis.server.ServerContext;
import dev.podis.server.command.CommandFamily;
import dev.podis.server.command.CommandTable;
import dev.podis.server.config.ConfigValue;
import dev.podis.storage.StoredValue;
import dev.podis.storage.ValueType;
import dev.podis.storage.types.ByteSlice;
import dev.podis.storage.types.HashValue;
import dev.podis.storage.types.ListValue;
import dev.podis.storage.types.SetValue;
import dev.podis.storage.types.SortedSetValue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * SORT and SORT_RO (Redis 7.2's sort.c): the elements of a list, set or sorted set sorted as
 * numbers or (ALPHA) as strings, by themselves or by the values of other keys (BY pattern, with
 * {@code ->field} for hash fields), cut by LIMIT, projected through GET patterns, and returned or
 * (SORT only) stored as a list.
 *
 * <p>The details follow Redis so that the replies are the same byte for byte:
 * <ul>
 * <li>Patterns are C strings to Redis: the {@code *}, the {@code ->} and the {@code #} are only
 * recognised before the first NUL byte of the pattern, while the rest of the pattern still takes
 * part in the key and field names.</li>
 * <li>Numeric sort keys are parsed with strtod up to the end of the value (or its first NUL);
 * a value that is not a number, is NaN or is out of range (glibc's ERANGE, which includes
 * subnormal results) fails the whole command once every element was looked at. A missing BY key
 * sorts as 0 (numeric) or before every present one (ALPHA).</li>
 * <li>Equal numeric keys are ordered by the elements' bytes. ALPHA compares the elements with
 * strcoll (byte order up to the first NUL in the C locales) when replying and with a binary
 * comparison when storing. With an ALPHA BY pattern, equal keys keep their order: Redis's qsort
 * (glibc's merge sort) is stable, so a stable sort is used; but when BY and a LIMIT that does not
 * cover everything are combined, Redis sorts with its partial quicksort, which moves equal keys,
 * and {@link PartialSort} follows the same steps so the same elements come out in the same
 * order.</li>
 * <li>{@code BY} a pattern without {@code *} skips sorting: lists and sorted sets keep their
 * order (DESC walks it backwards) and LIMIT picks the range directly; a set is still sorted
 * (ALPHA) when the result is stored, so that the stored list does not depend on the set's layout.</li>
 * <li>Sorting a sorted set converts it to the skiplist encoding, as Redis does.</li>
 * <li>STORE reports the keyspace event {@code sortstore} (class l), or {@code del} when an empty
 * result removed the destination.</li>
 * </ul>
 */
public final class SortCommands implements CommandFamily {
    static final String NOT_DOUBLE = "ERR One or more scores can't be converted into double";

    private final ServerContext server;
    private final ConfigValue fillSetting;

    public SortCommands(ServerContext server) {
        this.server = server;
        this.fillSetting = server.config().value("list-max-listpack-size");
    }

    @Override
    public void register(CommandTable t) {
        t.bind("sort", (c, argv) -> sort(c, argv, false));
        t.bind("sort_ro", (c, argv) -> sort(c, argv, true));
    }

    /** One element being sorted: the element, and its numeric key or its string key. */
    private static final class Item {
        final byte[] element;
        double score;
        byte[] by;

        Item(byte[] element) {
            this.element = element;
        }
    }

    private void sort(Client c, byte[][] argv, boolean readonly) {
        boolean desc = false;
        boolean alpha = false;
        boolean dontSort = false;
        long limitStart = 0;
        long limitCount = -1;
        byte[] sortBy = null;
        byte[] storeKey = null;
        List<byte[]> gets = new ArrayList<>(2);

        for (int j = 2; j < argv.length; j++) {
            int left = argv.length - j - 1;
            byte[] a = argv[j];
            if (Args.is(a, "ASC")) {
                desc = false;
            } else if (Args.is(a, "DESC")) {
                desc = true;
            } else if (Args.is(a, "ALPHA")) {
                alpha = true;
            } else if (Args.is(a, "LIMIT") && left >= 2) {
                if (!Args.isLong(argv[j + 1]) || !Args.isLong(argv[j + 2])) {
                    c.error(Args.NOT_INTEGER);
                    return;
                }
                limitStart = Args.parseLong(argv[j + 1]);
                limitCount = Args.parseLong(argv[j + 2]);
                j += 2;
            } else if (!readonly && Args.is(a, "STORE") && left >= 1) {
                storeKey = argv[++j];
            } else if (Args.is(a, "BY") && left >= 1) {
                sortBy = argv[++j];
                // no '*' (before the first NUL): nothing to sort by; a later BY does not undo it
                if (indexOf(sortBy, (byte) '*', 0, cLength(sortBy)) < 0) {
                    dontSort = true;
                }
            } else if (Args.is(a, "GET") && left >= 1) {
                gets.add(argv[++j]);
            } else {
                c.error(Args.SYNTAX);
                return;
            }
        }

        StoredValue source = server.lookupRead(c, argv[1]);
        ValueType type = source == null ? ValueType.LIST : source.type();
        if (type != ValueType.LIST && type != ValueType.SET && type != ValueType.ZSET) {
            c.error(Args.WRONGTYPE);
            return;
        }
        if (dontSort && type == ValueType.SET && storeKey != null) {
            // a stored result must not depend on the set's layout: sort it as strings
            dontSort = false;
            alpha = true;
            sortBy = null;
        }
        Object payload = source == null ? null : source.object();
        if (payload instanceof SortedSetValue z) {
            z.convertToSkipList();
        }

        long length;
        if (payload == null) {
            length = 0;
        } else if (payload instanceof ListValue l) {
            length = l.size();
        } else if (payload instanceof SetValue s) {
            length = s.size();
        } else {
            length = ((SortedSetValue) payload).size();
        }

        // LIMIT as Redis clamps it
        long start = Math.min(Math.max(limitStart, 0), length);
        long count = Math.min(Math.max(limitCount, -1), length);
        long end = count < 0 ? length - 1 : start + count - 1;
        if (start >= length) {
            start = length - 1;
            end = length - 2;
        }
        if (end >= length) {
            end = length - 1;
        }

        Item[] items;
        if (dontSort && (type == ValueType.LIST || type == ValueType.ZSET)) {
            // keep the stored order; load only the range asked for
            int n = end >= start ? (int) (end - start + 1) : 0;
            items = new Item[n];
            if (n > 0) {
                if (payload instanceof ListValue l) {
                    int[] k = {0};
                    l.visit(desc ? length - start - 1 : start, !desc, (buf, off, len) -> {
                        items[k[0]++] = new Item(Arrays.copyOfRange(buf, off, off + len));
                        return k[0] < n;
                    });
                } else {
                    SortedSetValue z = (SortedSetValue) payload;
                    SortedSetValue.Cursor cur = z.at((int) (desc ? length - start - 1 : start));
                    for (int k = 0; k < n; k++) {
                        items[k] = new Item(cur.member());
                        if (desc) {
                            cur.prev();
                        } else {
                            cur.next();
                        }
                    }
                }
                end -= start;
                start = 0;
            }
        } else {
            items = load(payload, (int) length);
        }

        boolean conversionError = false;
        if (!dontSort) {
            for (Item it : items) {
                byte[] key;
                if (sortBy != null) {
                    key = lookupByPattern(c, sortBy, it.element);
                    if (key == null) {
                        continue;
                    }
                } else {
                    key = it.element;
                }
                if (alpha) {
                    if (sortBy != null) {
                        it.by = key;
                    }
                } else if (!parseScore(key, it)) {
                    conversionError = true;
                }
            }
            if (!conversionError) {
                Comparator cmp = new Comparator(alpha, desc, sortBy != null, storeKey != null);
                if (sortBy != null && (start != 0 || end != items.length - 1)) {
                    PartialSort.sort(items, items.length, cmp::compare, (int) start, (int) end);
                } else {
                    Arrays.sort(items, cmp::compare);
                }
            }
        }

        int from = (int) start;
        int to = (int) end;
        long outputLength = (gets.isEmpty() ? 1L : gets.size()) * (to - from + 1);
        if (conversionError) {
            c.error(NOT_DOUBLE);
            return;
        }
        if (storeKey == null) {
            RespWriter w = c.reply();
            w.arrayHeader((int) outputLength);
            for (int j = from; j <= to; j++) {
                byte[] e = items[j].element;
                if (gets.isEmpty()) {
                    w.bulk(e);
                }
                for (byte[] pattern : gets) {
                    byte[] v = lookupByPattern(c, pattern, e);
                    if (v == null) {
                        w.nullBulk();
                    } else {
                        w.bulk(v);
                    }
                }
            }
            return;
        }
        if (outputLength > 0) {
            int fill = fillSetting.asInt();
            ListValue list = new ListValue();
            for (int j = from; j <= to; j++) {
                byte[] e = items[j].element;
                if (gets.isEmpty()) {
                    append(list, e, fill);
                }
                for (byte[] pattern : gets) {
                    byte[] v = lookupByPattern(c, pattern, e);
                    append(list, v == null ? new byte[0] : v, fill);
                }
            }
            server.storeResult(c, storeKey, StoredValue.object(ValueType.LIST, list, StoredValue.NO_EXPIRY),
                    KeyspaceEvents.LIST, "sortstore");
        } else {
            server.storeResult(c, storeKey, null, KeyspaceEvents.LIST, "sortstore");
        }
        c.reply().integer(outputLength);
    }

    private static void append(ListValue list, byte[] e, int fill) {
        list.convertForAppend(fill, e);
        list.push(e, false, fill);
    }

    /** Every element of the source, in its storage order. */
    private static Item[] load(Object payload, int length) {
        Item[] items = new Item[length];
        if (length == 0) {
            return items;
        }
        if (payload instanceof ListValue l) {
            int[] k = {0};
            l.visit(0, true, (buf, off, len) -> {
                items[k[0]++] = new Item(Arrays.copyOfRange(buf, off, off + len));
                return true;
            });
        } else if (payload instanceof SetValue s) {
            byte[][] members = s.toArray();
            for (int k = 0; k < length; k++) {
                items[k] = new Item(members[k]);
            }
        } else {
            SortedSetValue.Cursor cur = ((SortedSetValue) payload).at(0);
            for (int k = 0; k < length; k++) {
                items[k] = new Item(cur.member());
                cur.next();
            }
        }
        return items;
    }

    // ------------------------------------------------------------------ patterns

    /** Length of {@code s} as a C string: up to its first NUL byte. */
    private static int cLength(byte[] s) {
        for (int i = 0; i < s.length; i++) {
            if (s[i] == 0) {
                return i;
            }
        }
        return s.length;
    }

    private static int indexOf(byte[] s, byte b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (s[i] == b) {
                return i;
            }
        }
        return -1;
    }

    /**
     * The value a pattern names for an element (Redis's lookupKeyByPattern): "#" is the element
     * itself; otherwise the first '*' is replaced by the element and the key's string value is
     * taken, or with "->field" after the '*' the field of the key's hash. Null when the pattern
     * has no '*', the key is missing, of another type, or the field is missing.
     */
    private byte[] lookupByPattern(Client c, byte[] pattern, byte[] element) {
        int clen = cLength(pattern);
        if (clen == 1 && pattern[0] == '#') {
            return element;
        }
        int star = indexOf(pattern, (byte) '*', 0, clen);
        if (star < 0) {
            return null;
        }
        int arrow = -1;
        for (int i = star + 1; i + 1 < clen; i++) {
            if (pattern[i] == '-' && pattern[i + 1] == '>') {
                arrow = i;
                break;
            }
        }
        if (arrow >= 0 && arrow + 2 >= clen) {
            arrow = -1; // "->" at the end of the C string: no field
        }
        int postfixEnd = arrow >= 0 ? arrow : pattern.length;
        int postfix = postfixEnd - star - 1;
        byte[] key = new byte[star + element.length + postfix];
        System.arraycopy(pattern, 0, key, 0, star);
        System.arraycopy(element, 0, key, star, element.length);
        System.arraycopy(pattern, star + 1, key, star + element.length, postfix);

        StoredValue v = server.lookupRead(c, key);
        if (v == null) {
            return null;
        }
        if (arrow < 0) {
            return v.type() == ValueType.STRING ? v.bytes() : null;
        }
        if (v.type() != ValueType.HASH) {
            return null;
        }
        byte[] field = Arrays.copyOfRange(pattern, arrow + 2, pattern.length);
        ByteSlice out = new ByteSlice();
        return ((HashValue) v.object()).get(field, out) ? out.toArray() : null;
    }

    // ------------------------------------------------------------------ comparison

    /**
     * A numeric sort key as Redis reads it: strtod (leading white space allowed) that must stop
     * at the end of the value or at a NUL byte, without range error and not NaN.
     */
    private static boolean parseScore(byte[] s, Item it) {
        int[] end = new int[2];
        double v = SortedSetCommands.strtod(s, 0, end);
        it.score = v;
        int e = end[0];
        if (e != s.length && s[e] != 0) {
            return false;
        }
        if (end[1] != 0 || Double.isNaN(v)) {
            return false;
        }
        // glibc reports ERANGE for subnormal results as well
        return v == 0 || Math.abs(v) >= Double.MIN_NORMAL;
    }

    /** Redis's sortCompare for one SORT invocation. */
    private static final class Comparator {
        private final boolean alpha;
        private final boolean desc;
        private final boolean byPattern;
        private final boolean store;

        Comparator(boolean alpha, boolean desc, boolean byPattern, boolean store) {
            this.alpha = alpha;
            this.desc = desc;
            this.byPattern = byPattern;
            this.store = store;
        }

        int compare(Item a, Item b) {
            int cmp;
            if (!alpha) {
                if (a.score > b.score) {
                    cmp = 1;
                } else if (a.score < b.score) {
                    cmp = -1;
                } else {
                    cmp = binary(a.element, b.element);
                }
            } else if (byPattern) {
                if (a.by == null || b.by == null) {
                    cmp = a.by == b.by ? 0 : a.by == null ? -1 : 1;
                } else {
                    cmp = store ? binary(a.by, b.by) : collate(a.by, b.by);
                }
            } else {
                cmp = store ? binary(a.element, b.element) : collate(a.element, b.element);
            }
            return desc ? -cmp : cmp;
        }
    }

    /** memcmp over the common length, then the shorter first. */
    static int binary(byte[] a, byte[] b) {
        int n = Math.min(a.length, b.length);
        for (int i = 0; i < n; i++) {
            int d = (a[i] & 0xff) - (b[i] & 0xff);
            if (d != 0) {
                return d;
            }
        }
        return Integer.compare(a.length, b.length);
    }

    /** strcoll in the C locales: strcmp, so the strings end at their first NUL byte. */
    static int collate(byte[] a, byte[] b) {
        for (int i = 0; ; i++) {
            int x = i < a.length ? a[i] & 0xff : 0;
            int y = i < b.length ? b[i] & 0xff : 0;
            if (x != y) {
                return x - y;
            }
            if (x == 0) {
                return 0;
            }
        }
    }
}
