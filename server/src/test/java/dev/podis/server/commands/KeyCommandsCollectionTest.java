package dev.podis.server.commands;

import dev.podis.server.TestServer;
import dev.podis.storage.Keyspace;
import dev.podis.storage.StoredValue;
import dev.podis.storage.ValueType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;

import static dev.podis.server.commands.Cmd.error;
import static dev.podis.server.commands.Cmd.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The key commands work on any value type through {@link StoredValue#type()}. No collection
 * family exists in this test, so a list payload is placed straight into the keyspace (on the
 * command thread, which owns it) and a stand-in {@link KeyCommands.TypeSupport} is registered.
 */
class KeyCommandsCollectionTest {
    static TestServer server;
    Jedis j;
    KeyCommands.TypeSupport previous;

    /** A stand-in list support: "listpack" up to 128 elements, as Redis's default, else "quicklist". */
    static final KeyCommands.TypeSupport LISTS = new KeyCommands.TypeSupport() {
        @Override
        public String encoding(Object payload) {
            return ((List<?>) payload).size() <= 128 ? "listpack" : "quicklist";
        }

        @Override
        public Object copy(Object payload) {
            return new ArrayList<>((List<?>) payload);
        }
    };

    @BeforeAll
    static void start() {
        server = TestServer.start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @BeforeEach
    void connect() throws Exception {
        previous = KeyCommands.typeSupport(ValueType.LIST);
        KeyCommands.registerType(ValueType.LIST, LISTS);
        j = server.jedis();
        run(j, "FLUSHALL");
        onLoop(() -> {
            keyspace().db(0).put(bytes("list"), StoredValue.object(ValueType.LIST, new ArrayList<>(List.of("a", "b")),
                    StoredValue.NO_EXPIRY));
            return null;
        });
    }

    @AfterEach
    void disconnect() {
        j.close();
        KeyCommands.registerType(ValueType.LIST, previous);
    }

    private static Keyspace keyspace() {
        return server.server().context().keyspace();
    }

    private static <T> T onLoop(Callable<T> task) throws InterruptedException, ExecutionException {
        return server.server().context().commandLoop().submit(task).get();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private Set<Object> scanType(String type) {
        Set<Object> seen = new HashSet<>();
        String cursor = "0";
        do {
            List<?> reply = (List<?>) run(j, "SCAN", cursor, "TYPE", type);
            cursor = (String) reply.get(0);
            seen.addAll((List<?>) reply.get(1));
        } while (!cursor.equals("0"));
        return seen;
    }

    @Test
    void inspectionCommandsSeeTheType() {
        j.set("str", "v");
        assertEquals("list", run(j, "TYPE", "list"));
        assertEquals(1L, run(j, "EXISTS", "list"));
        assertEquals("listpack", run(j, "OBJECT", "ENCODING", "list"));
        assertEquals(1L, run(j, "OBJECT", "REFCOUNT", "list"));
        assertEquals(Set.of("list"), scanType("list"));
        assertEquals(Set.of("str"), scanType("string"));
        assertEquals(Set.of("list", "str"), Set.copyOf((List<?>) run(j, "KEYS", "*")));
    }

    @Test
    void copyMakesAnIndependentPayload() throws Exception {
        assertEquals(1L, run(j, "COPY", "list", "copy"));
        assertEquals("list", run(j, "TYPE", "copy"));
        Object[] payloads = onLoop(() -> new Object[] {
            keyspace().db(0).peek(bytes("list")).object(), keyspace().db(0).peek(bytes("copy")).object()});
        assertNotSame(payloads[0], payloads[1]);
        assertEquals(payloads[0], payloads[1]);
    }

    @Test
    void copyOfATypeWithoutSupportIsRefused() {
        KeyCommands.registerType(ValueType.LIST, null);
        assertEquals("quicklist", run(j, "OBJECT", "ENCODING", "list"));
        assertEquals("ERR COPY is not supported for values of type list", error(j, "COPY", "list", "copy"));
        assertEquals(0L, run(j, "EXISTS", "copy"));
    }

    @Test
    void renameMoveExpireAndDelCarryAnyType() {
        assertEquals("OK", run(j, "RENAME", "list", "l2"));
        assertEquals(1L, run(j, "PEXPIREAT", "l2", "5000000000003"));
        assertEquals(1L, run(j, "MOVE", "l2", "1"));
        try (Jedis on1 = server.jedis()) {
            on1.select(1);
            assertEquals("list", run(on1, "TYPE", "l2"));
            assertEquals(5000000000003L, run(on1, "PEXPIRETIME", "l2"));
            assertEquals(1L, run(on1, "DEL", "l2"));
            assertEquals("none", run(on1, "TYPE", "l2"));
        }
        assertTrue(((List<?>) run(j, "KEYS", "*")).isEmpty());
    }
}
