package dev.podis.server.commands;

import dev.podis.protocol.RespWriter;
import dev.podis.server.Client;
import dev.podis.server.ServerContext;
import dev.podis.server.command.CommandFamily;
import dev.podis.server.command.CommandTable;
import dev.podis.storage.types.SortedSetValue;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.function.Consumer;

/**
 * Geo commands (Redis's geo.c): GEOADD, GEODIST, GEOHASH, GEOPOS, GEOSEARCH, GEOSEARCHSTORE,
 * GEORADIUS, GEORADIUSBYMEMBER and their _RO forms.
 *
 * <p>A geo set is a plain sorted set whose scores are 52-bit geohashes ({@link GeoHash}), so ZSET
 * commands work on it and it is byte for byte the sorted set Redis builds. GEOADD is ZADD with the
 * coordinates turned into scores (it runs {@link SortedSetCommands}'s ZADD, options included);
 * searches read the score ranges of up to nine geohash cells in Redis's order, keep the points
 * inside the circle or box, and sort by distance as Redis does: a stable sort (glibc's merge sort)
 * when everything is returned, Redis's partial quicksort ({@link PartialSort}) when COUNT cuts the
 * result, so that points at equal distances come out in the same order. STORE/STOREDIST and
 * GEOSEARCHSTORE write the result through the sorted set family's store helper.
 *
 * <p>Replies: distances with four decimals ({@code fixedpoint_d2string} of Redis 7.2),
 * coordinates as Redis's human long doubles ({@code "%.17Lf"} without trailing zeros; a RESP3
 * double), hashes as integers.
 */
public final class GeoCommands implements CommandFamily {
    private static final int RADIUS_COORDS = 1;
    private static final int RADIUS_MEMBER = 1 << 1;
    private static final int RADIUS_NOSTORE = 1 << 2;
    private static final int GEOSEARCH = 1 << 3;
    private static final int GEOSEARCHSTORE = 1 << 4;

    private static final int SORT_NONE = 0;
    private static final int SORT_ASC = 1;
    private static final int SORT_DESC = 2;

    private static final byte[] ZADD = Args.bytes("zadd");
    private static final String UNKNOWN_MEMBER = "ERR could not decode requested zset member";

    private final ServerContext server;
    private final SortedSetCommands zsets;

    public GeoCommands(ServerContext server, SortedSetCommands zsets) {
        this.server = server;
        this.zsets = zsets;
    }

    @Override
    public void register(CommandTable t) {
        t.bind("geoadd", this::geoadd);
        t.bind("geodist", this::geodist);
        t.bind("geohash", this::geohash);
        t.bind("geopos", this::geopos);
        t.bind("georadius", (c, argv) -> search(c, argv, 1, RADIUS_COORDS));
        t.bind("georadiusbymember", (c, argv) -> search(c, argv, 1, RADIUS_MEMBER));
        t.bind("georadius_ro", (c, argv) -> search(c, argv, 1, RADIUS_COORDS | RADIUS_NOSTORE));
        t.bind("georadiusbymember_ro", (c, argv) -> search(c, argv, 1, RADIUS_MEMBER | RADIUS_NOSTORE));
        t.bind("geosearch", (c, argv) -> search(c, argv, 1, GEOSEARCH));
        t.bind("geosearchstore", (c, argv) -> search(c, argv, 2, GEOSEARCH | GEOSEARCHSTORE));
    }

    // ------------------------------------------------------------------ argument helpers

    /** extractLongLatOrReply: {longitude, latitude}, or null after the error reply. */
    private static double[] longLat(Client c, byte[] lonArg, byte[] latArg) {
        double lon = SortedSetCommands.parseScore(lonArg);
        if (Double.isNaN(lon)) {
            c.error(SortedSetCommands.NOT_FLOAT);
            return null;
        }
        double lat = SortedSetCommands.parseScore(latArg);
        if (Double.isNaN(lat)) {
            c.error(SortedSetCommands.NOT_FLOAT);
            return null;
        }
        if (lon < GeoHash.LONG_MIN || lon > GeoHash.LONG_MAX || lat < GeoHash.LAT_MIN || lat > GeoHash.LAT_MAX) {
            c.error("ERR invalid longitude,latitude pair " + printfF(lon) + "," + printfF(lat));
            return null;
        }
        return new double[] {lon, lat};
    }

    /** C's "%f": six decimals of the exact value, ties to even; "-0.000000" keeps its sign. */
    static String printfF(double d) {
        if (Double.isInfinite(d)) {
            return d > 0 ? "inf" : "-inf";
        }
        String s = new BigDecimal(d).setScale(6, RoundingMode.HALF_EVEN).toPlainString();
        if ((Double.doubleToRawLongBits(d) < 0) && !s.startsWith("-")) {
            s = "-" + s;
        }
        return s;
    }

    /** extractUnitOrReply: meters per unit, or -1 after the error reply. */
    private static double unit(Client c, byte[] u) {
        if (Args.is(u, "m")) {
            return 1;
        } else if (Args.is(u, "km")) {
            return 1000;
        } else if (Args.is(u, "ft")) {
            return 0.3048;
        } else if (Args.is(u, "mi")) {
            return 1609.34;
        }
        c.error("ERR unsupported unit provided. please use M, KM, FT, MI");
        return -1;
    }

    /** extractDistanceOrReply into a circle shape; false after the error reply. */
    private static boolean radius(Client c, byte[] value, byte[] unitArg, GeoHash.Shape shape) {
        double d = SortedSetCommands.parseScore(value);
        if (Double.isNaN(d)) {
            c.error("ERR need numeric radius");
            return false;
        }
        if (d < 0) {
            c.error("ERR radius cannot be negative");
            return false;
        }
        shape.radius = d;
        double conversion = unit(c, unitArg);
        if (conversion < 0) {
            return false;
        }
        shape.conversion = conversion;
        return true;
    }

    /** extractBoxOrReply into a box shape; false after the error reply. */
    private static boolean box(Client c, byte[][] argv, int i, GeoHash.Shape shape) {
        double w = SortedSetCommands.parseScore(argv[i]);
        if (Double.isNaN(w)) {
            c.error("ERR need numeric width");
            return false;
        }
        double h = SortedSetCommands.parseScore(argv[i + 1]);
        if (Double.isNaN(h)) {
            c.error("ERR need numeric height");
            return false;
        }
        if (h < 0 || w < 0) {
            c.error("ERR height or width cannot be negative");
            return false;
        }
        shape.width = w;
        shape.height = h;
        double conversion = unit(c, argv[i + 2]);
        if (conversion < 0) {
            return false;
        }
        shape.conversion = conversion;
        return true;
    }

    /** A distance as Redis 7.2 replies it (fixedpoint_d2string, 4 decimals): a bulk string. */
    static String distance(double d) {
        if (d == 0) {
            return "0.0000";
        }
        long scaled = (long) Math.rint(d * 10000.0);
        boolean negative = scaled < 0;
        String digits = Long.toString(Math.abs(scaled));
        if (digits.length() < 5) {
            digits = "00000".substring(digits.length()) + digits;
        }
        int dot = digits.length() - 4;
        return (negative ? "-" : "") + digits.substring(0, dot) + "." + digits.substring(dot);
    }

    /** A coordinate as addReplyHumanLongDouble writes it. */
    private static void coordinate(RespWriter w, double v) {
        w.doubleText(new String(LongDouble.format(new BigDecimal(v)), StandardCharsets.US_ASCII));
    }

    // ------------------------------------------------------------------ GEOADD

    /** GEOADD key [NX|XX] [CH] longitude latitude member ...: ZADD with geohash scores. */
    void geoadd(Client c, byte[][] argv) {
        boolean xx = false;
        boolean nx = false;
        int longIdx = 2;
        for (; longIdx < argv.length; longIdx++) {
            byte[] opt = argv[longIdx];
            if (Args.is(opt, "nx")) {
                nx = true;
            } else if (Args.is(opt, "xx")) {
                xx = true;
            } else if (!Args.is(opt, "ch")) { // CH is ZADD's business
                break;
            }
        }
        if ((argv.length - longIdx) % 3 != 0 || (xx && nx)) {
            c.error(Args.SYNTAX);
            return;
        }
        int elements = (argv.length - longIdx) / 3;
        byte[][] zadd = new byte[longIdx + elements * 2][];
        zadd[0] = ZADD;
        System.arraycopy(argv, 1, zadd, 1, longIdx - 1);
        for (int i = 0; i < elements; i++) {
            int at = longIdx + i * 3;
            double[] xy = longLat(c, argv[at], argv[at + 1]);
            if (xy == null) {
                return;
            }
            zadd[longIdx + i * 2] = Args.bytes(Long.toString(GeoHash.score(xy[0], xy[1])));
            zadd[longIdx + i * 2 + 1] = argv[at + 2];
        }
        zsets.zadd(c, zadd, false);
    }

    // ------------------------------------------------------------------ GEOPOS, GEOHASH, GEODIST

    /** GEOPOS key member ...: each position as [longitude, latitude], a null array when missing. */
    void geopos(Client c, byte[][] argv) {
        forEachMember(c, argv, RespWriter::nullArray, (w, score) -> {
            double[] xy = GeoHash.decodeScore(score);
            w.arrayHeader(2);
            coordinate(w, xy[0]);
            coordinate(w, xy[1]);
        });
    }

    /** GEOHASH key member ...: each position as an 11-character geohash, a null when missing. */
    void geohash(Client c, byte[][] argv) {
        forEachMember(c, argv, RespWriter::nullBulk, (w, score) -> w.bulk(GeoHash.geohashString(score)));
    }

    private interface MemberReply {
        void reply(RespWriter w, double score);
    }

    /** Replies an array with one entry per member argument (from argv[2]) of the geo set argv[1]. */
    private void forEachMember(Client c, byte[][] argv, Consumer<RespWriter> missing,
                               MemberReply found) {
        SortedSetValue z = zsets.read(c, argv[1]);
        if (z == SortedSetCommands.WRONG) {
            return;
        }
        RespWriter w = c.reply();
        w.arrayHeader(argv.length - 2);
        for (int j = 2; j < argv.length; j++) {
            double score = z == null ? Double.NaN : z.score(argv[j]);
            if (Double.isNaN(score)) {
                missing.accept(w);
            } else {
                found.reply(w, score);
            }
        }
    }

    /** GEODIST key member1 member2 [M|KM|FT|MI]. */
    void geodist(Client c, byte[][] argv) {
        double toMeter = 1;
        if (argv.length == 5) {
            toMeter = unit(c, argv[4]);
            if (toMeter < 0) {
                return;
            }
        } else if (argv.length > 5) {
            c.error(Args.SYNTAX);
            return;
        }
        SortedSetValue z = zsets.read(c, argv[1]);
        if (z == SortedSetCommands.WRONG) {
            return;
        }
        double s1 = z == null ? Double.NaN : z.score(argv[2]);
        double s2 = z == null ? Double.NaN : z.score(argv[3]);
        if (Double.isNaN(s1) || Double.isNaN(s2)) {
            c.reply().nullBulk();
            return;
        }
        double[] a = GeoHash.decodeScore(s1);
        double[] b = GeoHash.decodeScore(s2);
        c.reply().bulk(distance(GeoHash.distance(a[0], a[1], b[0], b[1]) / toMeter));
    }

    // ------------------------------------------------------------------ searches

    /** One point found by a search (geoPoint). */
    private static final class Point {
        final double longitude;
        final double latitude;
        double dist;
        final double score;
        final byte[] member;

        Point(double longitude, double latitude, double dist, double score, byte[] member) {
            this.longitude = longitude;
            this.latitude = latitude;
            this.dist = dist;
            this.score = score;
            this.member = member;
        }
    }

    /** sort_gp_asc: by distance, equal distances compare equal. */
    private static final Comparator<Point> ASC = (a, b) -> a.dist > b.dist ? 1 : a.dist == b.dist ? 0 : -1;
    private static final Comparator<Point> DESC = (a, b) -> -ASC.compare(a, b);

    /**
     * georadiusGeneric: GEORADIUS, GEORADIUSBYMEMBER (and _RO), GEOSEARCH, GEOSEARCHSTORE. Errors
     * come in Redis's order: the source key's type, the fixed arguments, then each option as it is
     * read, then the combinations.
     */
    void search(Client c, byte[][] argv, int srcKeyIndex, int flags) {
        SortedSetValue z = zsets.read(c, argv[srcKeyIndex]);
        if (z == SortedSetCommands.WRONG) {
            return;
        }
        byte[] storeKey = null;
        boolean storeDist = false;
        int baseArgs;
        GeoHash.Shape shape = new GeoHash.Shape();
        if ((flags & RADIUS_COORDS) != 0) {
            baseArgs = 6;
            shape.type = GeoHash.Shape.CIRCLE;
            double[] xy = longLat(c, argv[2], argv[3]);
            if (xy == null || !radius(c, argv[4], argv[5], shape)) {
                return;
            }
            shape.longitude = xy[0];
            shape.latitude = xy[1];
        } else if ((flags & RADIUS_MEMBER) != 0) {
            baseArgs = 5;
            if (z != null) { // without a source key the arguments are only parsed, to pick the reply
                shape.type = GeoHash.Shape.CIRCLE;
                if (!center(c, z, argv[2], shape) || !radius(c, argv[3], argv[4], shape)) {
                    return;
                }
            }
        } else {
            baseArgs = 2;
            if ((flags & GEOSEARCHSTORE) != 0) {
                baseArgs = 3;
                storeKey = argv[1];
            }
        }

        boolean withDist = false;
        boolean withHash = false;
        boolean withCoords = false;
        boolean fromMember = false;
        boolean fromLoc = false;
        boolean byRadius = false;
        boolean byBox = false;
        int sort = SORT_NONE;
        boolean any = false;
        long count = 0;
        boolean search = (flags & GEOSEARCH) != 0;
        boolean noStore = (flags & RADIUS_NOSTORE) != 0;
        int remaining = argv.length - baseArgs;
        for (int i = 0; i < remaining; i++) {
            byte[] arg = argv[baseArgs + i];
            if (Args.is(arg, "withdist")) {
                withDist = true;
            } else if (Args.is(arg, "withhash")) {
                withHash = true;
            } else if (Args.is(arg, "withcoord")) {
                withCoords = true;
            } else if (Args.is(arg, "any")) {
                any = true;
            } else if (Args.is(arg, "asc")) {
                sort = SORT_ASC;
            } else if (Args.is(arg, "desc")) {
                sort = SORT_DESC;
            } else if (Args.is(arg, "count") && i + 1 < remaining) {
                byte[] n = argv[baseArgs + i + 1];
                count = Args.parseLong(n);
                if (count == Args.NOT_A_NUMBER && !Args.isLong(n)) {
                    c.error(Args.NOT_INTEGER);
                    return;
                }
                if (count <= 0) {
                    c.error("ERR COUNT must be > 0");
                    return;
                }
                i++;
            } else if ((Args.is(arg, "store") || Args.is(arg, "storedist")) && i + 1 < remaining
                    && !noStore && !search) {
                storeKey = argv[baseArgs + i + 1];
                storeDist = Args.is(arg, "storedist");
                i++;
            } else if (Args.is(arg, "storedist") && search && (flags & GEOSEARCHSTORE) != 0) {
                storeDist = true;
            } else if (Args.is(arg, "frommember") && i + 1 < remaining && search && !fromLoc) {
                if (z != null && !center(c, z, argv[baseArgs + i + 1], shape)) {
                    return;
                }
                fromMember = true;
                i++;
            } else if (Args.is(arg, "fromlonlat") && i + 2 < remaining && search && !fromMember) {
                double[] xy = longLat(c, argv[baseArgs + i + 1], argv[baseArgs + i + 2]);
                if (xy == null) {
                    return;
                }
                shape.longitude = xy[0];
                shape.latitude = xy[1];
                fromLoc = true;
                i += 2;
            } else if (Args.is(arg, "byradius") && i + 2 < remaining && search && !byBox) {
                if (!radius(c, argv[baseArgs + i + 1], argv[baseArgs + i + 2], shape)) {
                    return;
                }
                shape.type = GeoHash.Shape.CIRCLE;
                byRadius = true;
                i += 2;
            } else if (Args.is(arg, "bybox") && i + 3 < remaining && search && !byRadius) {
                if (!box(c, argv, baseArgs + i + 1, shape)) {
                    return;
                }
                shape.type = GeoHash.Shape.BOX;
                byBox = true;
                i += 3;
            } else {
                c.error(Args.SYNTAX);
                return;
            }
        }

        if (storeKey != null && (withDist || withHash || withCoords)) {
            c.error("ERR " + ((flags & GEOSEARCHSTORE) != 0 ? "GEOSEARCHSTORE" : "STORE option in GEORADIUS")
                    + " is not compatible with WITHDIST, WITHHASH and WITHCOORD options");
            return;
        }
        if (search && !(fromMember || fromLoc)) {
            c.error("ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for " + Args.str(argv[0]));
            return;
        }
        if (search && !(byRadius || byBox)) {
            c.error("ERR exactly one of BYRADIUS and BYBOX can be specified for " + Args.str(argv[0]));
            return;
        }
        if (any && count == 0) {
            c.error("ERR the ANY argument requires COUNT argument");
            return;
        }
        if (z == null) {
            if (storeKey != null) {
                c.db().remove(storeKey);
                c.reply().integer(0);
            } else {
                c.reply().arrayHeader(0);
            }
            return;
        }
        if (count != 0 && sort == SORT_NONE && !any) {
            sort = SORT_ASC; // COUNT means the closest ones
        }

        List<Point> found = new ArrayList<>();
        membersOfAllNeighbors(z, GeoHash.areas(shape), shape, found, any ? count : 0);
        if (found.isEmpty() && storeKey == null) {
            c.reply().arrayHeader(0);
            return;
        }
        Point[] points = found.toArray(new Point[0]);
        int resultLength = points.length;
        int returned = count == 0 || resultLength < count ? resultLength : (int) count;
        if (sort != SORT_NONE) {
            Comparator<Point> cmp = sort == SORT_ASC ? ASC : DESC;
            if (returned == resultLength) {
                Arrays.sort(points, cmp); // stable, as glibc's qsort (a merge sort)
            } else {
                PartialSort.sort(points, resultLength, cmp, 0, returned - 1);
            }
        }
        if (storeKey == null) {
            reply(c, points, returned, shape.conversion, withDist, withHash, withCoords);
        } else {
            store(c, storeKey, points, returned, shape.conversion, storeDist,
                    (flags & GEOSEARCHSTORE) != 0 ? "geosearchstore" : "georadiusstore");
        }
    }

    /** The centre of a search from a member's position; false after the error reply. */
    private static boolean center(Client c, SortedSetValue z, byte[] member, GeoHash.Shape shape) {
        double score = z.score(member);
        if (Double.isNaN(score)) {
            c.error(UNKNOWN_MEMBER);
            return false;
        }
        double[] xy = GeoHash.decodeScore(score);
        shape.longitude = xy[0];
        shape.latitude = xy[1];
        return true;
    }

    private static void reply(Client c, Point[] points, int returned, double conversion,
                              boolean withDist, boolean withHash, boolean withCoords) {
        int options = (withDist ? 1 : 0) + (withHash ? 1 : 0) + (withCoords ? 1 : 0);
        RespWriter w = c.reply();
        w.arrayHeader(returned);
        for (int i = 0; i < returned; i++) {
            Point p = points[i];
            p.dist /= conversion;
            if (options > 0) {
                w.arrayHeader(options + 1);
            }
            w.bulk(p.member);
            if (withDist) {
                w.bulk(distance(p.dist));
            }
            if (withHash) {
                w.integer((long) p.score);
            }
            if (withCoords) {
                w.arrayHeader(2);
                coordinate(w, p.longitude);
                coordinate(w, p.latitude);
            }
        }
    }

    private void store(Client c, byte[] key, Point[] points, int returned, double conversion, boolean storeDist,
                       String event) {
        SortedSetValue out = null;
        if (returned > 0) {
            int maxLength = 0;
            for (int i = 0; i < returned; i++) {
                maxLength = Math.max(maxLength, points[i].member.length);
            }
            out = zsets.newResult(returned, maxLength);
            for (int i = 0; i < returned; i++) {
                Point p = points[i];
                p.dist /= conversion;
                zsets.addResult(out, p.member, storeDist ? p.dist : p.score);
            }
        }
        zsets.storeResult(c, key, out, event);
        c.reply().integer(out == null ? 0 : out.size());
    }

    /**
     * membersOfAllNeighbors: the points of every cell to search that lie in the shape, cell by
     * cell, each in score order; a cell equal to the one read just before is skipped (huge radii
     * make neighbours coincide), and with a limit (ANY) reading stops once enough were found.
     */
    private static void membersOfAllNeighbors(SortedSetValue z, GeoHash.Cells cells, GeoHash.Shape shape,
                                              List<Point> found, long limit) {
        int lastProcessed = 0;
        for (int i = 0; i < 9; i++) {
            if (cells.isZero(i)) {
                continue;
            }
            if (lastProcessed != 0 && cells.bits[i] == cells.bits[lastProcessed]
                    && cells.steps[i] == cells.steps[lastProcessed]) {
                continue;
            }
            if (!found.isEmpty() && limit != 0 && found.size() >= limit) {
                break;
            }
            int step = cells.steps[i];
            double min = GeoHash.align52(cells.bits[i], step);
            double max = GeoHash.align52(cells.bits[i] + 1, step);
            pointsInRange(z, min, max, shape, found, limit);
            lastProcessed = i;
        }
    }

    /** geoGetPointsInRange: members with min <= score < max that lie in the shape. */
    private static void pointsInRange(SortedSetValue z, double min, double max, GeoHash.Shape shape,
                                      List<Point> found, long limit) {
        double[] dist = new double[1];
        for (SortedSetValue.Cursor it = z.at(z.countBelow(min, false)); it.valid(); it.next()) {
            double score = it.score();
            if (!(score < max)) {
                break;
            }
            double[] xy = GeoHash.decodeScore(score);
            if (shape.contains(xy[0], xy[1], dist)) {
                found.add(new Point(xy[0], xy[1], dist[0], score, it.member()));
            }
            if (!found.isEmpty() && limit != 0 && found.size() >= limit) {
                break;
            }
        }
    }
}
