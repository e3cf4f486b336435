package dev.podis.server.commands;

import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisDataException;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertThrows;

/** Sends any command by name through Jedis and decodes the reply (bulk and status as String). */
public final class Cmd {
    private Cmd() {
    }

    /** The fields of an INFO section, by name. */
    public static java.util.Map<String, String> info(Jedis j, String section) {
        java.util.Map<String, String> m = new java.util.HashMap<>();
        for (String line : j.info(section).split("\r\n")) {
            int c = line.indexOf(':');
            if (c > 0) {
                m.put(line.substring(0, c), line.substring(c + 1));
            }
        }
        return m;
    }

    public static Object run(Jedis j, String... argv) {
        byte[] name = argv[0].getBytes(StandardCharsets.UTF_8);
        String[] rest = Arrays.copyOfRange(argv, 1, argv.length);
        return decode(j.sendCommand(() -> name, rest));
    }

    /** The text of the error reply the command must get. */
    public static String error(Jedis j, String... argv) {
        return assertThrows(JedisDataException.class, () -> run(j, argv)).getMessage();
    }

    static Object decode(Object reply) {
        if (reply instanceof byte[]) {
            return new String((byte[]) reply, StandardCharsets.UTF_8);
        }
        if (reply instanceof List) {
            List<Object> out = new ArrayList<>();
            for (Object o : (List<?>) reply) {
                out.add(decode(o));
            }
            return out;
        }
        return reply;
    }
}
