package dev.podis.server.commands;

import java.util.Arrays;

/**
 * Redis's geohash arithmetic (geohash.c, geohash_helper.c), kept operation for operation so that
 * scores, neighbour cells and decoded coordinates come out bit for bit as Redis's, and distances
 * nearly always (see {@link #distance}).
 *
 * <p>A position is stored as a sorted-set score: the 26-bit fixed-point offsets of latitude
 * (within [-85.05112878, 85.05112878], Web Mercator's limits) and longitude (within [-180, 180])
 * interleaved into 52 bits, latitude on the even bits. A score decodes to the centre of its cell.
 * A search covers the cell of the centre at a precision chosen from the radius plus its eight
 * neighbours (dropping those the search area cannot reach), reads each cell's score range from
 * the sorted set, and keeps the points inside the circle or box by great-circle (haversine)
 * distance on a sphere of radius 6372797.560856 m.
 *
 * <p>Hashes are passed around as a {@code long} of bits and an {@code int} step (bits per
 * coordinate); a neighbour that is not searched has step 0.
 */
final class GeoHash {
    static final double LONG_MIN = -180;
    static final double LONG_MAX = 180;
    static final double LAT_MIN = -85.05112878;
    static final double LAT_MAX = 85.05112878;
    static final int STEP_MAX = 26;

    static final double EARTH_RADIUS_IN_METERS = 6372797.560856;
    private static final double MERCATOR_MAX = 20037726.37;
    private static final double D_R = Math.PI / 180.0;

    private GeoHash() {
    }

    static double degRad(double ang) {
        return ang * D_R;
    }

    static double radDeg(double ang) {
        return ang / D_R;
    }

    // ------------------------------------------------------------------ bit interleaving

    /** Interleaves two 32-bit values: x on the even bits, y on the odd bits. */
    static long interleave64(long xlo, long ylo) {
        long x = xlo & 0xffffffffL;
        long y = ylo & 0xffffffffL;
        x = (x | (x << 16)) & 0x0000FFFF0000FFFFL;
        y = (y | (y << 16)) & 0x0000FFFF0000FFFFL;
        x = (x | (x << 8)) & 0x00FF00FF00FF00FFL;
        y = (y | (y << 8)) & 0x00FF00FF00FF00FFL;
        x = (x | (x << 4)) & 0x0F0F0F0F0F0F0F0FL;
        y = (y | (y << 4)) & 0x0F0F0F0F0F0F0F0FL;
        x = (x | (x << 2)) & 0x3333333333333333L;
        y = (y | (y << 2)) & 0x3333333333333333L;
        x = (x | (x << 1)) & 0x5555555555555555L;
        y = (y | (y << 1)) & 0x5555555555555555L;
        return x | (y << 1);
    }

    /** The inverse: even bits to the low 32 bits, odd bits to the high 32 bits. */
    static long deinterleave64(long interleaved) {
        long x = interleaved;
        long y = interleaved >>> 1;
        x = x & 0x5555555555555555L;
        y = y & 0x5555555555555555L;
        x = (x | (x >>> 1)) & 0x3333333333333333L;
        y = (y | (y >>> 1)) & 0x3333333333333333L;
        x = (x | (x >>> 2)) & 0x0F0F0F0F0F0F0F0FL;
        y = (y | (y >>> 2)) & 0x0F0F0F0F0F0F0F0FL;
        x = (x | (x >>> 4)) & 0x00FF00FF00FF00FFL;
        y = (y | (y >>> 4)) & 0x00FF00FF00FF00FFL;
        x = (x | (x >>> 8)) & 0x0000FFFF0000FFFFL;
        y = (y | (y >>> 8)) & 0x0000FFFF0000FFFFL;
        x = (x | (x >>> 16)) & 0x00000000FFFFFFFFL;
        y = (y | (y >>> 16)) & 0x00000000FFFFFFFFL;
        return x | (y << 32);
    }

    // ------------------------------------------------------------------ encode, decode

    /**
     * geohashEncode over the given ranges: the interleaved bits of the position at {@code step}
     * bits per coordinate, or -1 outside the Web Mercator limits.
     */
    static long encode(double longMin, double longMax, double latMin, double latMax,
                       double longitude, double latitude, int step) {
        if (longitude > LONG_MAX || longitude < LONG_MIN || latitude > LAT_MAX || latitude < LAT_MIN) {
            return -1;
        }
        if (latitude < latMin || latitude > latMax || longitude < longMin || longitude > longMax) {
            return -1;
        }
        double latOffset = (latitude - latMin) / (latMax - latMin);
        double longOffset = (longitude - longMin) / (longMax - longMin);
        latOffset *= (double) (1L << step);
        longOffset *= (double) (1L << step);
        // C converts to uint32_t: truncation, keeping the low 32 bits.
        return interleave64((long) latOffset, (long) longOffset);
    }

    /** The 52-bit score of a valid position (GEOADD). */
    static long score(double longitude, double latitude) {
        return align52(encode(LONG_MIN, LONG_MAX, LAT_MIN, LAT_MAX, longitude, latitude, STEP_MAX), STEP_MAX);
    }

    static long align52(long bits, int step) {
        return bits << (52 - step * 2);
    }

    /**
     * geohashDecode: the cell of a hash as {latMin, latMax, longMin, longMax} over the given
     * ranges (step 0 with bits 0, the "zero" hash, is not decoded: null).
     */
    static double[] decode(double longMin, double longMax, double latMin, double latMax, long bits, int step) {
        if (bits == 0 && step == 0) {
            return null;
        }
        long sep = deinterleave64(bits);
        double latScale = latMax - latMin;
        double longScale = longMax - longMin;
        long ilato = sep & 0xffffffffL;
        long ilono = sep >>> 32;
        double div = (double) (1L << step);
        return new double[] {
            latMin + (ilato * 1.0 / div) * latScale,
            latMin + (((ilato + 1) & 0xffffffffL) * 1.0 / div) * latScale,
            longMin + (ilono * 1.0 / div) * longScale,
            longMin + (((ilono + 1) & 0xffffffffL) * 1.0 / div) * longScale,
        };
    }

    /** The cell of a hash over the Web Mercator ranges. */
    static double[] decodeArea(long bits, int step) {
        return decode(LONG_MIN, LONG_MAX, LAT_MIN, LAT_MAX, bits, step);
    }

    /**
     * decodeGeohash: the position {longitude, latitude} a score stands for (the centre of its
     * cell, clamped to the limits). The score is converted to an unsigned 64-bit integer as C does
     * on x86-64, so that scores a client wrote with ZADD decode as in Redis.
     */
    static double[] decodeScore(double score) {
        double[] area = decodeArea(toUnsigned64(score), STEP_MAX);
        double lon = (area[2] + area[3]) / 2;
        if (lon > LONG_MAX) {
            lon = LONG_MAX;
        }
        if (lon < LONG_MIN) {
            lon = LONG_MIN;
        }
        double lat = (area[0] + area[1]) / 2;
        if (lat > LAT_MAX) {
            lat = LAT_MAX;
        }
        if (lat < LAT_MIN) {
            lat = LAT_MIN;
        }
        return new double[] {lon, lat};
    }

    /** (uint64_t) d as gcc compiles it for x86-64 (cvttsd2si, with the 2^63 adjustment). */
    static long toUnsigned64(double d) {
        if (d >= 0x1p63) {
            double t = d - 0x1p63;
            long v = t < 0x1p63 ? (long) t : Long.MIN_VALUE;
            return v ^ Long.MIN_VALUE;
        }
        if (!(d >= -0x1p63)) {
            return Long.MIN_VALUE; // NaN and values below the range: the "integer indefinite"
        }
        return (long) d;
    }

    /** The standard 11-character geohash of a score (GEOHASH): re-encoded over [-90, 90]. */
    static byte[] geohashString(double score) {
        double[] xy = decodeScore(score);
        long bits = encode(-180, 180, -90, 90, xy[0], xy[1], 26);
        if (bits < 0) {
            bits = 0;
        }
        byte[] out = new byte[11];
        String alphabet = "0123456789bcdefghjkmnpqrstuvwxyz";
        for (int i = 0; i < 11; i++) {
            int idx = i == 10 ? 0 : (int) ((bits >>> (52 - ((i + 1) * 5))) & 0x1f);
            out[i] = (byte) alphabet.charAt(idx);
        }
        return out;
    }

    // ------------------------------------------------------------------ neighbours (geohash_move_x/y)

    private static final long ODD_BITS = 0xaaaaaaaaaaaaaaaaL; // longitude
    private static final long EVEN_BITS = 0x5555555555555555L; // latitude

    /** The cell {@code d} (+1 or -1) cells east or west (geohash_move_x). */
    private static long moveX(long bits, int step, int d) {
        return move(bits, step, d, ODD_BITS, EVEN_BITS);
    }

    /** The cell {@code d} (+1 or -1) cells north or south (geohash_move_y). */
    private static long moveY(long bits, int step, int d) {
        return move(bits, step, d, EVEN_BITS, ODD_BITS);
    }

    /**
     * Adds or subtracts one to the coordinate on the {@code moved} bits, carrying through the
     * other coordinate's bits (set to ones for the carry, then masked off), wrapping at the edges.
     */
    private static long move(long bits, int step, int d, long moved, long kept) {
        long m = bits & moved;
        long k = bits & kept;
        int shift = 64 - step * 2;
        long zz = kept >>> shift;
        if (d > 0) {
            m = m + (zz + 1);
        } else {
            m = m | zz;
            m = m - (zz + 1);
        }
        m &= moved >>> shift;
        return m | k;
    }

    // ------------------------------------------------------------------ distances

    /** Great-circle distance when the longitudes are equal: the latitude arc. */
    static double latDistance(double lat1d, double lat2d) {
        return EARTH_RADIUS_IN_METERS * Math.abs(degRad(lat2d) - degRad(lat1d));
    }

    /**
     * Haversine great-circle distance in meters (Redis 7.2's geohashGetDistance). Redis calls
     * glibc's sin, cos and asin, which Java cannot call; the JVM's {@link Math#sin} and
     * {@link Math#cos} intrinsics round as glibc does in all but about one case in a thousand, and
     * {@link #asin} is refined to do the same for large arguments. Measured against Redis on
     * random points all over the globe, about 3 distances in 1000 still differ from Redis's in
     * their last bit: invisible in the 4-decimal replies, visible in STOREDIST scores.
     */
    static double distance(double lon1d, double lat1d, double lon2d, double lat2d) {
        double lon1r = degRad(lon1d);
        double lon2r = degRad(lon2d);
        double v = Math.sin((lon2r - lon1r) / 2);
        if (v == 0.0) {
            return latDistance(lat1d, lat2d);
        }
        double lat1r = degRad(lat1d);
        double lat2r = degRad(lat2d);
        double u = Math.sin((lat2r - lat1r) / 2);
        double a = u * u + Math.cos(lat1r) * Math.cos(lat2r) * v * v;
        return 2.0 * EARTH_RADIUS_IN_METERS * asin(Math.sqrt(a));
    }

    private static final double SPLIT = 134217729.0; // 2^27 + 1, Dekker's splitter

    /** The rounding error of the product p = a * b (Dekker's two-product, without FMA). */
    private static double productError(double a, double b, double p) {
        double c = SPLIT * a;
        double ah = c - (c - a);
        double al = a - ah;
        double d = SPLIT * b;
        double bh = d - (d - b);
        double bl = b - bh;
        return ((ah * bh - p) + ah * bl + al * bh) + al * bl;
    }

    /**
     * asin rounded to nearest (as glibc's, which is correctly rounded nearly always). fdlibm's
     * {@link StrictMath#asin} agrees with glibc below 0.1 (distances up to about 1270 km); above,
     * where it is off by one ulp in some 7% of cases, one Newton step against a double-double
     * sine (its Taylor series) corrects it.
     */
    static double asin(double y) {
        double t = StrictMath.asin(y);
        if (!(y >= 0.1 && y < 1)) {
            return t;
        }
        double t2h = t * t;
        double t2l = productError(t, t, t2h);
        double sh = t;
        double sl = 0;
        double th = t;
        double tl = 0;
        for (int k = 1; k < 40; k++) {
            // term *= -t^2 / ((2k)(2k+1)), in double-double
            double ph = th * t2h;
            double pl = productError(th, t2h, ph) + (th * t2l + tl * t2h);
            double n = ph + pl;
            pl -= n - ph;
            ph = n;
            double div = (2.0 * k) * (2.0 * k + 1);
            double qh = ph / div;
            double p2 = qh * div;
            double ql = (((ph - p2) - productError(qh, div, p2)) + pl) / div;
            th = -(qh + ql);
            tl = -(ql - ((qh + ql) - qh));
            // sum += term (two-sum)
            double sum = sh + th;
            double bb = sum - sh;
            double e = (sh - (sum - bb)) + (th - bb) + sl + tl;
            sh = sum + e;
            sl = e - (sh - sum);
            if (Math.abs(th) < 1e-34) {
                break;
            }
        }
        double r = (y - sh) - sl; // y - sin(t), exactly enough: y and sh are close
        return t + r / Math.cos(t);
    }

    // ------------------------------------------------------------------ search areas

    /** A search: centre, circle (radius) or box (width, height), in the unit given by conversion. */
    static final class Shape {
        static final int CIRCLE = 0;
        static final int BOX = 1;
        int type;
        double longitude;
        double latitude;
        double conversion;
        double radius;
        double width;
        double height;

        /**
         * Whether the point (a decoded score) lies in the shape; its distance from the centre in
         * meters goes to {@code dist[0]}.
         */
        boolean contains(double lon, double lat, double[] dist) {
            if (type == CIRCLE) {
                double d = distance(longitude, latitude, lon, lat);
                dist[0] = d;
                return d <= radius * conversion;
            }
            double widthM = width * conversion;
            double heightM = height * conversion;
            if (latDistance(lat, latitude) > heightM / 2) {
                return false;
            }
            if (distance(lon, lat, longitude, lat) > widthM / 2) {
                return false;
            }
            dist[0] = distance(longitude, latitude, lon, lat);
            return true;
        }
    }

    static int estimateStepsByRadius(double rangeMeters, double lat) {
        if (rangeMeters == 0) {
            return 26;
        }
        int step = 1;
        while (rangeMeters < MERCATOR_MAX) {
            rangeMeters *= 2;
            step++;
        }
        step -= 2; // make sure the range is included in most of the base cases
        if (lat > 66 || lat < -66) {
            step--;
            if (lat > 80 || lat < -80) {
                step--;
            }
        }
        if (step < 1) {
            step = 1;
        }
        if (step > 26) {
            step = 26;
        }
        return step;
    }

    /**
     * The cells a search reads, in Redis's order: the centre, then N, S, E, W, NE, NW, SE, SW. A
     * cell the search area cannot reach has bits 0 and step 0 (Redis's zeroed hash).
     */
    static final class Cells {
        static final int CENTRE = 0;
        static final int NORTH = 1;
        static final int SOUTH = 2;
        static final int EAST = 3;
        static final int WEST = 4;
        static final int NORTH_EAST = 5;
        static final int NORTH_WEST = 6;
        static final int SOUTH_EAST = 7;
        static final int SOUTH_WEST = 8;
        final long[] bits = new long[9];
        final int[] steps = new int[9];

        Cells(long hash, int step) {
            long[] b = bits;
            b[CENTRE] = hash;
            b[NORTH] = moveY(hash, step, 1);
            b[SOUTH] = moveY(hash, step, -1);
            b[EAST] = moveX(hash, step, 1);
            b[WEST] = moveX(hash, step, -1);
            b[NORTH_EAST] = moveY(moveX(hash, step, 1), step, 1);
            b[NORTH_WEST] = moveY(moveX(hash, step, -1), step, 1);
            b[SOUTH_EAST] = moveY(moveX(hash, step, 1), step, -1);
            b[SOUTH_WEST] = moveY(moveX(hash, step, -1), step, -1);
            Arrays.fill(steps, step);
        }

        double[] area(int i) {
            return decodeArea(bits[i], steps[i]);
        }

        boolean isZero(int i) {
            return bits[i] == 0 && steps[i] == 0;
        }

        void zero(int... cells) {
            for (int i : cells) {
                bits[i] = 0;
                steps[i] = 0;
            }
        }
    }

    /** geohashCalculateAreasByShapeWGS84: the cells that cover the search area. */
    static Cells areas(Shape shape) {
        double longitude = shape.longitude;
        double latitude = shape.latitude;
        double height = shape.conversion * (shape.type == Shape.CIRCLE ? shape.radius : shape.height / 2);
        double width = shape.conversion * (shape.type == Shape.CIRCLE ? shape.radius : shape.width / 2);
        double latDelta = radDeg(height / EARTH_RADIUS_IN_METERS);
        double longDeltaTop = radDeg(width / EARTH_RADIUS_IN_METERS / Math.cos(degRad(latitude + latDelta)));
        double longDeltaBottom = radDeg(width / EARTH_RADIUS_IN_METERS / Math.cos(degRad(latitude - latDelta)));
        boolean southern = latitude < 0;
        double minLon = southern ? longitude - longDeltaBottom : longitude - longDeltaTop;
        double maxLon = southern ? longitude + longDeltaBottom : longitude + longDeltaTop;
        double minLat = latitude - latDelta;
        double maxLat = latitude + latDelta;

        double radiusMeters = shape.type == Shape.CIRCLE ? shape.radius
                : Math.sqrt((shape.width / 2) * (shape.width / 2) + (shape.height / 2) * (shape.height / 2));
        radiusMeters *= shape.conversion;

        int steps = estimateStepsByRadius(radiusMeters, latitude);
        Cells cells = new Cells(encode(LONG_MIN, LONG_MAX, LAT_MIN, LAT_MAX, longitude, latitude, steps), steps);
        // A step too fine for the area near the edges of the cells: one step coarser.
        if (steps > 1 && (cells.area(Cells.NORTH)[1] < maxLat || cells.area(Cells.SOUTH)[0] > minLat
                || cells.area(Cells.EAST)[3] < maxLon || cells.area(Cells.WEST)[2] > minLon)) {
            steps--;
            cells = new Cells(encode(LONG_MIN, LONG_MAX, LAT_MIN, LAT_MAX, longitude, latitude, steps), steps);
        }
        if (steps >= 2) {
            double[] area = cells.area(Cells.CENTRE);
            if (area[0] < minLat) {
                cells.zero(Cells.SOUTH, Cells.SOUTH_WEST, Cells.SOUTH_EAST);
            }
            if (area[1] > maxLat) {
                cells.zero(Cells.NORTH, Cells.NORTH_EAST, Cells.NORTH_WEST);
            }
            if (area[2] < minLon) {
                cells.zero(Cells.WEST, Cells.SOUTH_WEST, Cells.NORTH_WEST);
            }
            if (area[3] > maxLon) {
                cells.zero(Cells.EAST, Cells.SOUTH_EAST, Cells.NORTH_EAST);
            }
        }
        return cells;
    }
}
