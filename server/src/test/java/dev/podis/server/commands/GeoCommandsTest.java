package dev.podis.server.commands;

import org.junit.jupiter.api.Test;
import redis.clients.jedis.GeoCoordinate;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Protocol.Command;
import redis.clients.jedis.args.GeoUnit;
import redis.clients.jedis.params.GeoSearchParam;
import redis.clients.jedis.resps.GeoRadiusResponse;
import redis.clients.jedis.resps.Tuple;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Geo commands over TCP: Jedis's own geo API against Podis, and random data and searches compared
 * with a real redis-server where one is installed (the geo set itself must be Redis's sorted set;
 * search replies, orders, distances and coordinates must be Redis's). Error texts and edge cases
 * step by step are in the differential script diff/geo.redis.
 */
class GeoCommandsTest extends AgainstRealRedis {
    @Test
    void jedisGeoApiWorks() {
        assertEquals(2, jedis.geoadd("Sicily", Map.of(
                "Palermo", new GeoCoordinate(13.361389, 38.115556),
                "Catania", new GeoCoordinate(15.087269, 37.502669))));
        // The scores are the 52-bit geohashes Redis documents for these two cities.
        assertEquals(3479099956230698.0, jedis.zscore("Sicily", "Palermo"));
        assertEquals(3479447370796909.0, jedis.zscore("Sicily", "Catania"));
        assertEquals(166274.1516, jedis.geodist("Sicily", "Palermo", "Catania"));
        assertEquals(166.2742, jedis.geodist("Sicily", "Palermo", "Catania", GeoUnit.KM));
        assertNull(jedis.geodist("Sicily", "Palermo", "nowhere"));
        List<GeoCoordinate> pos = jedis.geopos("Sicily", "Palermo", "nowhere");
        assertEquals(13.36138933897018433, pos.get(0).getLongitude());
        assertEquals(38.11555639549629859, pos.get(0).getLatitude());
        assertNull(pos.get(1));
        assertEquals(List.of("sqc8b49rny0", "sqdtr74hyu0"), jedis.geohash("Sicily", "Palermo", "Catania"));
        List<GeoRadiusResponse> near = jedis.geosearch("Sicily", new GeoSearchParam()
                .fromLonLat(15, 37).byRadius(200, GeoUnit.KM).asc().withDist().withCoord());
        assertEquals(2, near.size());
        assertEquals("Catania", near.get(0).getMemberByString());
        assertEquals(56.4413, near.get(0).getDistance());
        assertEquals("Palermo", near.get(1).getMemberByString());
        assertEquals(190.4424, near.get(1).getDistance());
        assertEquals(1, jedis.geosearchStore("dst", "Sicily", new GeoSearchParam()
                .fromMember("Palermo").byBox(100, 100, GeoUnit.KM)));
        assertEquals(List.of("Palermo"), jedis.zrange("dst", 0, -1));
        assertEquals(List.of("Palermo", "Catania"), jedis.georadiusByMember("Sicily", "Palermo", 300, GeoUnit.KM)
                .stream().map(GeoRadiusResponse::getMemberByString).toList());
    }

    /** A random point: half of them clustered (many neighbours per search), half anywhere. */
    private static String[] randomPoint(Random rnd, int i) {
        double lon;
        double lat;
        if (rnd.nextBoolean()) {
            lon = 13 + rnd.nextGaussian() * 2;
            lat = 45 + rnd.nextGaussian() * 2;
        } else {
            lon = -180 + 360 * rnd.nextDouble();
            lat = -85 + 170 * rnd.nextDouble();
        }
        return new String[] {String.format(Locale.ROOT, "%.6f", lon), String.format(Locale.ROOT, "%.6f", lat), "m" + i};
    }

    private static void load(Jedis j, List<String[]> points) {
        Pipeline p = j.pipelined();
        for (int i = 0; i < points.size(); i += 100) {
            List<String> args = new ArrayList<>();
            args.add("g");
            for (String[] pt : points.subList(i, Math.min(points.size(), i + 100))) {
                args.add(pt[0]);
                args.add(pt[1]);
                args.add(pt[2]);
            }
            p.sendCommand(Command.GEOADD, args.toArray(new String[0]));
        }
        p.sync();
    }

    @Test
    void theGeoSetIsRedisSortedSetAndMovesBothWays() {
        needRedis();
        Random rnd = new Random(21);
        List<String[]> points = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            points.add(randomPoint(rnd, i));
        }
        load(jedis, points);
        load(ref, points);
        List<Tuple> mine = jedis.zrangeWithScores("g", 0, -1);
        assertEquals(ref.zrangeWithScores("g", 0, -1), mine);
        // Redis's set copied into Podis (and Podis's into Redis) answers the same searches.
        for (Tuple t : ref.zrangeWithScores("g", 0, -1)) {
            jedis.zadd("fromRedis", t.getScore(), t.getElement());
        }
        for (Tuple t : mine) {
            ref.zadd("fromPodis", t.getScore(), t.getElement());
        }
        String[] search = {"FROMLONLAT", "13.5", "44.5", "BYRADIUS", "300", "km", "ASC", "WITHDIST", "WITHCOORD"};
        Object expected = Cmd.run(ref, concat("GEOSEARCH", "g", search));
        assertEquals(expected, Cmd.run(jedis, concat("GEOSEARCH", "fromRedis", search)));
        assertEquals(expected, Cmd.run(ref, concat("GEOSEARCH", "fromPodis", search)));
        assertEquals(Cmd.run(ref, "GEOPOS", "g", "m1", "m2", "m3"), Cmd.run(jedis, "GEOPOS", "fromRedis", "m1", "m2", "m3"));
    }

    private static String[] concat(String a, String b, String[] rest) {
        String[] out = new String[rest.length + 2];
        out[0] = a;
        out[1] = b;
        System.arraycopy(rest, 0, out, 2, rest.length);
        return out;
    }

    @Test
    void randomSearchesAnswerAsRedis() {
        needRedis();
        Random rnd = new Random(5);
        List<String[]> points = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            points.add(randomPoint(rnd, i));
        }
        for (int i = 0; i < 20; i++) { // equal distances: their order must be Redis's too
            points.add(new String[] {"13.0", "45.0", "same" + i});
        }
        load(jedis, points);
        load(ref, points);
        String[] units = {"m", "km", "mi", "ft"};
        double[] perUnit = {1, 1000, 1609.34, 0.3048};
        int compared = 0;
        for (int round = 0; round < 150; round++) {
            double lon = round % 2 == 0 ? 13 + rnd.nextGaussian() * 3 : -180 + 360 * rnd.nextDouble();
            double lat = round % 2 == 0 ? 45 + rnd.nextGaussian() * 3 : -85 + 170 * rnd.nextDouble();
            lon = Math.max(-180, Math.min(180, lon));
            lat = Math.max(-85, Math.min(85, lat));
            int u = rnd.nextInt(4);
            double meters = new double[] {1e3, 1e4, 1e5, 5e5, 2e6, 6e6}[rnd.nextInt(round % 10 == 0 ? 6 : 5)] * rnd.nextDouble();
            String size = String.format(Locale.ROOT, "%.4f", meters / perUnit[u]);
            List<String> cmd = new ArrayList<>(List.of("GEOSEARCH", "g", "FROMLONLAT",
                    String.format(Locale.ROOT, "%.5f", lon), String.format(Locale.ROOT, "%.5f", lat)));
            if (rnd.nextBoolean()) {
                cmd.addAll(List.of("BYRADIUS", size, units[u]));
            } else {
                cmd.addAll(List.of("BYBOX", size, String.format(Locale.ROOT, "%.4f", meters / perUnit[u] * (0.3 + rnd.nextDouble())), units[u]));
            }
            for (String opt : new String[] {"WITHDIST", "WITHCOORD", "WITHHASH"}) {
                if (rnd.nextBoolean()) {
                    cmd.add(opt);
                }
            }
            int order = rnd.nextInt(3);
            if (order > 0) {
                cmd.add(order == 1 ? "ASC" : "DESC");
            }
            int count = rnd.nextInt(3);
            if (count > 0) {
                cmd.addAll(List.of("COUNT", Integer.toString(1 + rnd.nextInt(40))));
                if (count == 2) {
                    cmd.add("ANY");
                }
            }
            String[] argv = cmd.toArray(new String[0]);
            assertEquals(Cmd.run(ref, argv), Cmd.run(jedis, argv), String.join(" ", argv));
            // GEORADIUS spelling of the same circle, and GEOSEARCHSTORE's stored set
            if (cmd.get(5).equals("BYRADIUS")) {
                String[] radius = {"GEORADIUS", "g", cmd.get(3), cmd.get(4), size, units[u], "WITHDIST", "ASC", "COUNT", "25"};
                assertEquals(Cmd.run(ref, radius), Cmd.run(jedis, radius), String.join(" ", radius));
            }
            List<String> store = new ArrayList<>(cmd.subList(0, 8));
            store.set(0, "GEOSEARCHSTORE");
            store.add(1, "dst");
            if (store.get(6).equals("BYBOX")) {
                store.add(cmd.get(8));
            }
            assertEquals(ref.sendCommand(Command.GEOSEARCHSTORE, store.subList(1, store.size()).toArray(new String[0])),
                    jedis.sendCommand(Command.GEOSEARCHSTORE, store.subList(1, store.size()).toArray(new String[0])));
            assertEquals(ref.zrangeWithScores("dst", 0, -1), jedis.zrangeWithScores("dst", 0, -1), String.join(" ", store));
            compared++;
        }
        assertEquals(150, compared);
    }

    @Test
    void storedDistancesAreRedisDistances() {
        needRedis();
        Random rnd = new Random(8);
        List<String[]> points = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            points.add(randomPoint(rnd, i));
        }
        load(jedis, points);
        load(ref, points);
        int total = 0;
        int lastBit = 0;
        for (int round = 0; round < 20; round++) {
            String lon = String.format(Locale.ROOT, "%.5f", -180 + 360 * rnd.nextDouble());
            String lat = String.format(Locale.ROOT, "%.5f", -85 + 170 * rnd.nextDouble());
            String[] argv = {"dst", "g", "FROMLONLAT", lon, lat, "BYRADIUS", "25000", "km", "STOREDIST"};
            assertEquals(ref.sendCommand(Command.GEOSEARCHSTORE, argv),
                    jedis.sendCommand(Command.GEOSEARCHSTORE, argv));
            List<Tuple> expected = ref.zrangeWithScores("dst", 0, -1);
            List<Tuple> actual = jedis.zrangeWithScores("dst", 0, -1);
            assertEquals(expected.size(), actual.size());
            Map<String, Double> mine = new HashMap<>();
            for (Tuple t : actual) {
                mine.put(t.getElement(), t.getScore());
            }
            for (Tuple t : expected) {
                double d = mine.get(t.getElement());
                total++;
                if (d != t.getScore()) {
                    // glibc's trigonometry against the JVM's (see GeoHash.distance): the last bits only
                    assertTrue(Math.abs(d - t.getScore()) <= 1e-14 * t.getScore(), t + " vs " + d);
                    lastBit++;
                }
            }
        }
        assertTrue(lastBit * 100 < total, lastBit + " of " + total + " stored distances differ in their last bits");
    }
}
