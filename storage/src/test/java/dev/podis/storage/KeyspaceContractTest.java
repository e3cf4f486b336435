package dev.podis.storage;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.*;

/** The behaviour both keyspace implementations must have; each implementation runs it. */
abstract class KeyspaceContractTest {
    final AtomicLong clock = new AtomicLong(1_700_000_000_000L);
    Keyspace ks;
    Database db;

    abstract KeyspaceOptions.Backend backend();

    KeyspaceOptions options() {
        return new KeyspaceOptions().databases(4).backend(backend()).clock(clock::get).maxmemory(256L << 20);
    }

    @BeforeEach
    void open() {
        ks = Keyspace.create(options());
        db = ks.db(0);
    }

    @AfterEach
    void closeKeyspace() {
        ks.close();
    }

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String s(byte[] b) {
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    @Test
    void putGetOverwriteRemove() {
        assertNull(db.get(b("a")));
        assertFalse(db.exists(b("a")));
        db.put(b("a"), StoredValue.string(b("1")));
        assertEquals("1", s(db.get(b("a")).bytes()));
        assertEquals(ValueType.STRING, db.get(b("a")).type());
        assertTrue(db.exists(b("a")));
        assertEquals(1, db.size());
        db.put(b("a"), StoredValue.string(b("two")));
        assertEquals("two", s(db.peek(b("a")).bytes()));
        assertEquals(1, db.size());
        db.put(b("empty"), StoredValue.string(new byte[0]));
        assertEquals(0, db.get(b("empty")).bytes().length);
        assertTrue(db.remove(b("a")));
        assertFalse(db.remove(b("a")));
        assertNull(db.get(b("a")));
        assertEquals(1, db.size());
        assertEquals(-2, db.expireAt(b("a")));
        assertEquals(StoredValue.NO_EXPIRY, db.expireAt(b("empty")));
    }

    @Test
    void getRecordsAccessTimeAndPeekDoesNot() {
        db.put(b("k"), StoredValue.string(b("v"), clock.get() + 100_000));
        int lru0 = (int) ((clock.get() / 1000) & 0xFFFFFF);
        assertEquals(lru0, db.peek(b("k")).lruOrLfu());
        clock.addAndGet(5000);
        assertEquals(lru0, db.peek(b("k")).lruOrLfu());
        StoredValue v = db.get(b("k"));
        assertEquals(lru0 + 5, v.lruOrLfu());
        assertEquals("v", s(v.bytes()));
        assertEquals(lru0 + 5, db.peek(b("k")).lruOrLfu());
        assertEquals(clock.get() + 95_000, db.expireAt(b("k")));
        assertEquals(1, db.volatileSize());
    }

    @Test
    void binaryKeysAndValues() {
        byte[] key = {0, (byte) 0xff, 10, 13, 0};
        byte[] val = new byte[256];
        for (int i = 0; i < val.length; i++) {
            val[i] = (byte) i;
        }
        db.put(key, StoredValue.string(val));
        assertArrayEquals(val, db.get(key.clone()).bytes());
        assertNull(db.get(new byte[] {0, (byte) 0xff, 10, 13}));
    }

    @Test
    void collectionValuesKeepTheirHandle() {
        List<String> list = new ArrayList<>(List.of("x", "y"));
        db.put(b("l"), StoredValue.object(ValueType.LIST, list, StoredValue.NO_EXPIRY));
        StoredValue v = db.get(b("l"));
        assertEquals(ValueType.LIST, v.type());
        assertSame(list, v.object());
        db.put(b("l"), StoredValue.object(ValueType.HASH, "other", clock.get() + 1000));
        assertEquals(ValueType.HASH, db.get(b("l")).type());
        assertEquals("other", db.get(b("l")).object());
        assertEquals(1, db.volatileSize());
        db.put(b("l"), StoredValue.string(b("now a string")));
        assertEquals("now a string", s(db.get(b("l")).bytes()));
        assertEquals(0, db.volatileSize());
    }

    @Test
    void expiryIsLazyAndExact() {
        List<String> notified = new ArrayList<>();
        ks.listener((dbi, key) -> notified.add(dbi + ":" + s(key)));
        long now = clock.get();
        db.put(b("t"), StoredValue.string(b("v"), now + 100));
        db.put(b("p"), StoredValue.string(b("v")));
        assertEquals(1, db.volatileSize());
        assertEquals(now + 100, db.expireAt(b("t")));
        clock.set(now + 99);
        assertEquals("v", s(db.get(b("t")).bytes()));
        clock.set(now + 100); // expireAt <= now: gone (millisecond precision)
        assertFalse(db.exists(b("t")));
        assertNull(db.get(b("t")));
        assertEquals(-2, db.expireAt(b("t")));
        assertEquals(0, db.volatileSize());
        assertEquals(1, db.size());
        assertEquals(1, ks.expiredKeys());
        assertEquals(List.of("0:t"), notified);

        // Invisible through every path: peek, random key, scan.
        db.put(b("t2"), StoredValue.string(b("v"), now + 150));
        clock.set(now + 200);
        assertNull(db.peek(b("t2")));
        db.put(b("t3"), StoredValue.string(b("v"), now + 250));
        clock.set(now + 300);
        for (int i = 0; i < 20; i++) {
            assertEquals("p", s(db.randomKey()));
        }
        db.put(b("t4"), StoredValue.string(b("v"), now + 350));
        clock.set(now + 400);
        Set<String> seen = scanAll(db, 10);
        assertEquals(Set.of("p"), seen);
        assertEquals(0, db.volatileSize());
        assertEquals(1, db.size());
    }

    @Test
    void collectionsKeepExpiryAccessTimeAndTypeThroughEveryPath() {
        Object set = new Object();
        long now = clock.get();
        int lru0 = (int) ((now / 1000) & 0xFFFFFF);
        db.put(b("s"), StoredValue.object(ValueType.SET, set, StoredValue.NO_EXPIRY));
        db.put(b("str"), StoredValue.string(b("v")));
        assertEquals(Database.NOT_STRING, db.readString(b("s"), true, (a, o, n) -> fail("no string")));
        StringBuilder got = new StringBuilder();
        assertEquals(Database.STRING, db.readString(b("str"), true, (a, o, n) -> got.append(new String(a, o, n, StandardCharsets.UTF_8))));
        assertEquals("v", got.toString());
        assertEquals(Database.MISSING, db.readString(b("none"), true, (a, o, n) -> fail("missing")));
        // access time: get touches, peek does not
        clock.addAndGet(3000);
        assertEquals(lru0, db.peek(b("s")).lruOrLfu());
        assertSame(set, db.get(b("s")).object());
        assertEquals(lru0 + 3, db.peek(b("s")).lruOrLfu());
        // expiry set later is seen by every read, and the key expires lazily
        assertTrue(db.setExpireAt(b("s"), clock.get() + 1000));
        assertEquals(clock.get() + 1000, db.expireAt(b("s")));
        assertEquals(clock.get() + 1000, db.get(b("s")).expireAt());
        assertEquals(1, db.volatileSize());
        assertTrue(db.setExpireAt(b("s"), StoredValue.NO_EXPIRY));
        assertEquals(StoredValue.NO_EXPIRY, db.get(b("s")).expireAt());
        assertTrue(db.setExpireAt(b("s"), clock.get() + 1000));
        Set<String> scanned = new HashSet<>();
        long cursor = 0;
        do {
            cursor = db.scan(cursor, 10, k -> scanned.add(s(k)));
        } while (cursor != 0);
        assertEquals(Set.of("s", "str"), scanned);
        clock.addAndGet(1000);
        assertNull(db.get(b("s")));
        assertFalse(db.exists(b("s")));
        assertEquals(Database.MISSING, db.readString(b("s"), true, (a, o, n) -> fail("expired")));
        assertEquals(1, db.size());
        assertEquals(0, db.volatileSize());
        // a string replacing a collection, a collection replacing a string, removal
        db.put(b("s"), StoredValue.object(ValueType.ZSET, set, clock.get() + 5000));
        db.put(b("s"), StoredValue.string(b("x")));
        assertEquals(ValueType.STRING, db.get(b("s")).type());
        assertEquals(StoredValue.NO_EXPIRY, db.expireAt(b("s")));
        db.put(b("str"), StoredValue.object(ValueType.HASH, set, StoredValue.NO_EXPIRY));
        assertEquals(ValueType.HASH, db.get(b("str")).type());
        assertTrue(db.remove(b("str")));
        assertNull(db.get(b("str")));
        assertFalse(db.remove(b("str")));
        // many collections across a growing keyspace stay reachable
        for (int i = 0; i < 50_000; i++) {
            db.put(b("c" + i), StoredValue.object(ValueType.LIST, i, i % 2 == 0 ? StoredValue.NO_EXPIRY : clock.get() + 100_000));
        }
        for (int i = 0; i < 50_000; i += 997) {
            assertEquals(i, db.get(b("c" + i)).object());
        }
        assertEquals(50_001, db.size());
        assertEquals(25_000, db.volatileSize());
        db.clear();
        assertNull(db.get(b("c0")));
        assertEquals(0, db.size());
    }

    @Test
    void setExpireAtAndPersist() {
        long now = clock.get();
        assertFalse(db.setExpireAt(b("none"), now + 10));
        db.put(b("k"), StoredValue.string(b("value")));
        assertTrue(db.setExpireAt(b("k"), now + 10));
        assertEquals(now + 10, db.expireAt(b("k")));
        assertEquals(1, db.volatileSize());
        assertEquals("value", s(db.get(b("k")).bytes()));
        assertTrue(db.setExpireAt(b("k"), StoredValue.NO_EXPIRY));
        assertEquals(StoredValue.NO_EXPIRY, db.expireAt(b("k")));
        assertEquals(0, db.volatileSize());
        assertTrue(db.setExpireAt(b("k"), now + 5));
        db.put(b("k"), StoredValue.string(b("overwritten"))); // SET without KEEPTTL clears the TTL
        assertEquals(0, db.volatileSize());
        assertEquals(StoredValue.NO_EXPIRY, db.expireAt(b("k")));
    }

    @Test
    void activeExpiryRemovesExpiredKeys() {
        long now = clock.get();
        for (int i = 0; i < 2000; i++) {
            db.put(b("v" + i), StoredValue.string(b("x"), now + 10));
        }
        for (int i = 0; i < 2000; i++) {
            db.put(b("later" + i), StoredValue.string(b("x"), now + 1_000_000));
        }
        for (int i = 0; i < 300; i++) {
            db.put(b("p" + i), StoredValue.string(b("x")));
        }
        ks.db(1).put(b("other"), StoredValue.string(b("x"), now + 10));
        assertEquals(4000, db.volatileSize());
        clock.set(now + 10);
        long removed = 0;
        for (int cycle = 0; cycle < 500 && removed < 2001; cycle++) {
            removed += ks.activeExpireCycle(100_000);
        }
        assertEquals(2001, removed);
        assertEquals(2001, ks.expiredKeys());
        assertEquals(2000, db.volatileSize());
        assertEquals(2300, db.size());
        assertEquals(0, ks.db(1).size());
        // Nothing more to do while no key is due.
        assertEquals(0, ks.activeExpireCycle(100_000));
    }

    @Test
    void activeExpiryStopsAtItsTimeBudget() {
        long now = clock.get();
        for (int i = 0; i < 50_000; i++) {
            db.put(b("v" + i), StoredValue.string(b("x"), now + 1));
        }
        clock.set(now + 5);
        long removed = ks.activeExpireCycle(1);
        assertTrue(removed > 0 && removed < 50_000, "removed " + removed);
        assertEquals(50_000 - removed, db.volatileSize());
    }

    static Set<String> scanAll(Database d, int count) {
        Set<String> seen = new HashSet<>();
        long cursor = 0;
        int steps = 0;
        do {
            cursor = d.scan(cursor, count, k -> seen.add(s(k)));
            assertTrue(++steps < 1_000_000);
        } while (cursor != 0);
        return seen;
    }

    @Test
    void scanReturnsEveryKeyPresentThroughoutDespiteChanges() {
        Set<String> stable = new HashSet<>();
        for (int i = 0; i < 3000; i++) {
            db.put(b("stable:" + i), StoredValue.string(b("v")));
            stable.add("stable:" + i);
        }
        List<String> transientKeys = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            db.put(b("tmp:" + i), StoredValue.string(b("v")));
            transientKeys.add("tmp:" + i);
        }
        Random rnd = new Random(7);
        Set<String> seen = new HashSet<>();
        long cursor = 0;
        int step = 0;
        int added = 0;
        do {
            cursor = db.scan(cursor, 10, k -> seen.add(s(k)));
            // Between steps: insert many keys (the heap table grows) or delete many (it shrinks).
            if (step % 20 < 10) {
                for (int i = 0; i < 200; i++) {
                    String k = "new:" + added++;
                    db.put(b(k), StoredValue.string(b("v")));
                    transientKeys.add(k);
                }
            } else {
                for (int i = 0; i < 200 && !transientKeys.isEmpty(); i++) {
                    String k = transientKeys.remove(rnd.nextInt(transientKeys.size()));
                    assertTrue(db.remove(b(k)));
                }
            }
            step++;
        } while (cursor != 0);
        Set<String> missing = new HashSet<>(stable);
        missing.removeAll(seen);
        assertEquals(Set.of(), missing);
        // A full scan of a quiet database returns exactly its keys.
        assertEquals(db.size(), scanAll(db, 100).size());
    }

    @Test
    void scanOfEmptyDatabaseEndsAtOnce() {
        assertEquals(0, db.scan(0, 10, k -> fail("no keys")));
    }

    @Test
    void randomKey() {
        assertNull(db.randomKey());
        for (int i = 0; i < 100; i++) {
            db.put(b("k" + i), StoredValue.string(b("v")));
        }
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 500; i++) {
            String k = s(db.randomKey());
            assertTrue(k.startsWith("k"));
            assertTrue(db.exists(b(k)));
            seen.add(k);
        }
        assertTrue(seen.size() > 20, "random keys " + seen.size());
        for (int i = 0; i < 100; i++) {
            db.remove(b("k" + i));
        }
        assertNull(db.randomKey());
    }

    @Test
    void largeValues() {
        Random rnd = new Random(1);
        byte[] mb = new byte[1 << 20];
        rnd.nextBytes(mb);
        byte[] mb20 = new byte[20 << 20];
        rnd.nextBytes(mb20);
        long before = ks.usedMemory();
        db.put(b("1mb"), StoredValue.string(mb));
        db.put(b("20mb"), StoredValue.string(mb20, clock.get() + 100_000));
        assertArrayEquals(mb, db.get(b("1mb")).bytes());
        assertArrayEquals(mb20, db.get(b("20mb")).bytes());
        assertEquals(clock.get() + 100_000, db.expireAt(b("20mb")));
        assertTrue(ks.usedMemory() - before >= 21 << 20, "used " + (ks.usedMemory() - before));
        // Between inline and large.
        byte[] mid = new byte[Record.INLINE_MAX + 1];
        rnd.nextBytes(mid);
        db.put(b("mid"), StoredValue.string(mid));
        assertArrayEquals(mid, db.get(b("mid")).bytes());
        db.put(b("20mb"), StoredValue.string(b("small")));
        assertEquals("small", s(db.get(b("20mb")).bytes()));
        assertTrue(db.remove(b("1mb")));
        assertTrue(db.remove(b("mid")));
        assertTrue(ks.usedMemory() - before < 1 << 20, "used " + (ks.usedMemory() - before));
        db.put(b("again"), StoredValue.string(mb20));
        assertTrue(db.setExpireAt(b("again"), clock.get() + 5));
        assertArrayEquals(mb20, db.get(b("again")).bytes());
        clock.addAndGet(10);
        assertNull(db.get(b("again")));
        assertTrue(ks.usedMemory() - before < 1 << 20);
    }

    @Test
    void largeValuesReadAgainAreTheCurrentOnes() {
        // The off-heap store keeps heap copies of recently used large values: reads must still see
        // every overwrite and removal, and an array read earlier keeps the value it had.
        Random rnd = new Random(2);
        int keys = 20;
        byte[][] current = new byte[keys][];
        byte[] first = null;
        for (int round = 0; round < 200; round++) {
            int k = rnd.nextInt(keys);
            byte[] key = b("large:" + k);
            int op = rnd.nextInt(4);
            if (op == 0) {
                assertEquals(current[k] != null, db.remove(key));
                current[k] = null;
            } else if (op == 1) {
                byte[] v = new byte[Record.INLINE_MAX + 1 + rnd.nextInt(20_000)];
                rnd.nextBytes(v);
                db.put(key, StoredValue.string(v));
                current[k] = v.clone();
            }
            for (int j = 0; j < keys; j++) {
                StoredValue got = db.get(b("large:" + j));
                if (current[j] == null) {
                    assertNull(got);
                } else {
                    assertArrayEquals(current[j], got.bytes(), "key " + j + " in round " + round);
                }
            }
            if (round == 100 && current[k] != null) {
                first = db.get(key).bytes();
                byte[] copy = first.clone();
                db.put(key, StoredValue.string(new byte[Record.INLINE_MAX + 10]));
                assertArrayEquals(copy, first);
                current[k] = new byte[Record.INLINE_MAX + 10];
            }
        }
    }

    @Test
    void swapExchangesDatabases() {
        ks.db(0).put(b("a"), StoredValue.string(b("zero")));
        ks.db(1).put(b("b"), StoredValue.string(b("one"), clock.get() + 5));
        ks.swap(0, 1);
        assertEquals("zero", s(ks.db(1).get(b("a")).bytes()));
        assertEquals("one", s(ks.db(0).get(b("b")).bytes()));
        assertEquals(0, ks.db(0).index());
        assertEquals(1, ks.db(1).index());
        List<Integer> dbs = new ArrayList<>();
        ks.listener((d, k) -> dbs.add(d));
        clock.addAndGet(10);
        assertNull(ks.db(0).get(b("b")));
        assertEquals(List.of(0), dbs);
    }

    @Test
    void clearAndFlushFreeMemory() {
        long empty = ks.usedMemory();
        for (int i = 0; i < 10_000; i++) {
            db.put(b("key:" + i), StoredValue.string(new byte[100], i % 2 == 0 ? clock.get() + 100_000 : -1));
        }
        ks.db(2).put(b("x"), StoredValue.string(new byte[100_000]));
        long full = ks.usedMemory();
        assertTrue(full - empty > 10_000 * 100, "grew by " + (full - empty));
        db.clear();
        assertEquals(0, db.size());
        assertEquals(0, db.volatileSize());
        assertNull(db.get(b("key:1")));
        assertTrue(ks.usedMemory() < empty + 200_000, "after clear " + ks.usedMemory());
        ks.flushAll();
        assertEquals(0, ks.db(2).size());
        assertTrue(ks.usedMemory() <= empty + 1024, "after flushall " + ks.usedMemory() + " vs " + empty);
        db.put(b("after"), StoredValue.string(b("flush")));
        assertEquals("flush", s(db.get(b("after")).bytes()));
    }

    @Test
    void usedMemoryGrowsAndShrinks() {
        long m0 = ks.usedMemory();
        for (int i = 0; i < 5000; i++) {
            db.put(b("k" + i), StoredValue.string(new byte[50]));
        }
        long m1 = ks.usedMemory();
        assertTrue(m1 > m0 + 5000 * 50);
        for (int i = 0; i < 5000; i++) {
            db.put(b("k" + i), StoredValue.string(new byte[500]));
        }
        long m2 = ks.usedMemory();
        assertTrue(m2 > m1 + 5000 * 400);
        for (int i = 0; i < 5000; i++) {
            db.remove(b("k" + i));
        }
        long m3 = ks.usedMemory();
        if (backend() == KeyspaceOptions.Backend.HEAP) {
            assertTrue(m3 < m0 + 100_000, "after removal " + m3 + " vs " + m0);
        } else {
            // The extra tiers the bigger values made the map allocate stay (Chronicle Map never
            // gives them back) and are counted; the entries' share goes.
            assertTrue(m3 < m2 - 5000 * 100, "after removal " + m3 + " vs " + m2);
        }
        db.clear();
        assertTrue(ks.usedMemory() < m0 + 100_000, "after clear " + ks.usedMemory() + " vs " + m0);
    }

    @Test
    void manyKeysGrowCapacityWithoutError() {
        int n = 150_000;
        for (int i = 0; i < n; i++) {
            db.put(b("many:" + i), StoredValue.string(b("value-" + i)));
        }
        assertEquals(n, db.size());
        for (int i = 0; i < n; i += 997) {
            assertEquals("value-" + i, s(db.get(b("many:" + i)).bytes()));
        }
        assertEquals(n, scanAll(db, 1000).size());
    }

    /**
     * putString and readString keep neither array (the server hands them arrays it reuses for the
     * next request): overwriting the arrays afterwards changes nothing stored, and whatever the
     * keyspace hands on (a listener's key, the expiry index) is its own copy.
     */
    @Test
    void putStringAndReadStringKeepNoArray() {
        byte[] key = b("reused-key-1");
        byte[] value = b("value-1");
        db.putString(key, value, StoredValue.NO_EXPIRY);
        byte[] key2 = b("reused-key-2");
        System.arraycopy(key2, 0, key, 0, key.length);
        System.arraycopy(b("value-2"), 0, value, 0, value.length);
        db.putString(key, value, StoredValue.NO_EXPIRY);
        assertEquals("value-1", s(db.get(b("reused-key-1")).bytes()));
        assertEquals("value-2", s(db.get(b("reused-key-2")).bytes()));
        // overwriting an existing key, also one with a TTL (which putString removes)
        db.put(b("ttl"), StoredValue.string(b("old"), clock.get() + 1000));
        db.putString(b("ttl"), b("new"), StoredValue.NO_EXPIRY);
        assertEquals(StoredValue.NO_EXPIRY, db.expireAt(b("ttl")));
        assertEquals(0, db.volatileSize());
        // with an expiry the key is indexed: the index holds a copy
        byte[] k = b("expiring");
        db.putString(k, b("v"), clock.get() + 50);
        k[0] = 'X';
        assertEquals(1, db.volatileSize());
        assertEquals(clock.get() + 50, db.expireAt(b("expiring")));
        // what a listener receives outlives the caller's array
        List<byte[]> reported = new ArrayList<>();
        ks.listener(new KeyspaceListener() {
            @Override
            public void expired(int d, byte[] key) {
                reported.add(key);
            }

            @Override
            public void modified(int d, byte[] key) {
                reported.add(key);
            }
        });
        ks.startTrackingChanges();
        byte[] tracked = b("tracked");
        db.putString(tracked, b("v"), StoredValue.NO_EXPIRY);
        tracked[0] = 'X';
        clock.addAndGet(100);
        byte[] gone = b("expiring");
        assertEquals(Database.MISSING, db.readString(gone, true, (a, o, n) -> fail("expired")));
        gone[0] = 'X';
        List<String> seen = new ArrayList<>();
        for (byte[] r : reported) {
            seen.add(s(r));
        }
        assertEquals(List.of("tracked", "expiring"), seen);
        assertEquals(Database.STRING, db.readString(b("tracked"), true, (a, o, n) -> assertEquals("v", new String(a, o, n, StandardCharsets.UTF_8))));
        ks.stopTrackingChanges();
    }

    @Test
    void closeIsIdempotent() {
        db.put(b("k"), StoredValue.string(new byte[2 << 20]));
        ks.close();
        ks.close();
    }

    @Test
    void changesAreReportedWhileTracked() {
        List<String> events = new ArrayList<>();
        ks.listener(new KeyspaceListener() {
            @Override
            public void expired(int d, byte[] key) {
                events.add("expired " + d + ":" + s(key));
            }

            @Override
            public void modified(int d, byte[] key) {
                events.add("modified " + d + ":" + s(key));
            }

            @Override
            public void clearing(int d) {
                events.add("clearing " + d + " size " + ks.db(d).size());
            }

            @Override
            public void swapping(int a, int b2) {
                events.add("swapping " + a + " " + b2);
            }
        });
        db.put(b("untracked"), StoredValue.string(b("1")));
        assertEquals(List.of(), events, "nothing is reported while not tracking");
        ks.startTrackingChanges();
        db.put(b("a"), StoredValue.string(b("1")));
        assertFalse(db.remove(b("missing")));
        assertFalse(db.setExpireAt(b("missing"), clock.get() + 1000));
        assertTrue(db.setExpireAt(b("a"), clock.get() + 1000));
        assertTrue(db.remove(b("a")));
        db.get(b("untracked")); // reads report nothing
        ks.db(1).put(b("x"), StoredValue.string(b("1"), clock.get() + 10));
        clock.addAndGet(20);
        assertNull(ks.db(1).get(b("x")));
        ks.swap(0, 1);
        ks.db(1).clear();
        assertEquals(List.of("modified 0:a", "modified 0:a", "modified 0:a", "modified 1:x", "expired 1:x", "swapping 0 1",
                "clearing 1 size 1"), events);
        events.clear();
        ks.stopTrackingChanges();
        ks.db(0).put(b("b"), StoredValue.string(b("1")));
        ks.flushAll();
        assertEquals(List.of(), events);
    }

    @Test
    void dirtyCountsEveryChangeAsRedisServerDirty() {
        long start = ks.dirty();
        db.put(b("a"), StoredValue.string(b("1")));
        db.put(b("b"), StoredValue.string(b("1")));
        assertEquals(start + 2, ks.dirty(), "one per put");
        assertFalse(db.remove(b("missing")));
        assertFalse(db.setExpireAt(b("missing"), clock.get() + 1000));
        db.get(b("a"));
        assertEquals(start + 2, ks.dirty(), "reads and misses change nothing");
        assertTrue(db.setExpireAt(b("a"), clock.get() + 1000));
        assertTrue(db.remove(b("b")));
        assertEquals(start + 4, ks.dirty());
        ks.modifiedInPlace(0, b("a"));
        assertEquals(start + 5, ks.dirty(), "an in-place collection write");
        ks.swap(0, 1);
        assertEquals(start + 6, ks.dirty(), "a swap");
        ks.db(1).clear();
        assertEquals(start + 8, ks.dirty(), "a flush: one per key removed, plus one");
        ks.db(1).clear();
        assertEquals(start + 9, ks.dirty(), "flushing an empty database still counts");
    }

    @Test
    void copyToGivesEveryLiveKeyOnceDatabaseByDatabase() throws java.io.IOException {
        int n = 30_000; // enough for several segments and a grown off-heap map
        for (int i = 0; i < n; i++) {
            ks.db(0).put(b("k" + i), StoredValue.string(b("v" + i), i % 10 == 0 ? clock.get() + 1000 : StoredValue.NO_EXPIRY));
        }
        ks.db(2).put(b("big"), StoredValue.string(new byte[20_000]));
        ks.db(2).put(b("coll"), StoredValue.object(ValueType.HASH, "payload", StoredValue.NO_EXPIRY));
        ks.db(2).put(b("gone"), StoredValue.string(b("x"), clock.get() + 10));
        clock.addAndGet(100); // "gone" expired but is still stored
        long dirty = ks.dirty();
        List<String> calls = new ArrayList<>();
        Set<String> keys0 = new HashSet<>();
        ks.copyTo(new KeyspaceSink() {
            int current = -1;

            @Override
            public void database(int index, long keys, long expires) {
                current = index;
                calls.add("db" + index + ":" + keys + ":" + expires);
            }

            @Override
            public void entry(byte[] key, StoredValue value) {
                if (current == 0) {
                    assertTrue(keys0.add(s(key)), "twice: " + s(key));
                    int i = Integer.parseInt(s(key).substring(1));
                    assertEquals("v" + i, s(value.bytes()));
                    assertEquals(i % 10 == 0, value.hasExpiry());
                } else {
                    calls.add(s(key) + "=" + (value.type() == ValueType.STRING ? value.bytes().length : value.object()));
                }
            }

            @Override
            public void end() {
                calls.add("end");
            }
        });
        assertEquals(n, keys0.size());
        assertEquals("db0:" + n + ":" + n / 10, calls.get(0));
        assertEquals("db2:3:1", calls.get(1));
        assertEquals(Set.of("big=20000", "coll=payload"), Set.copyOf(calls.subList(2, 4)));
        assertEquals(List.of("end"), calls.subList(4, calls.size()));
        assertEquals(dirty, ks.dirty(), "a copy changes nothing");
        assertEquals(3, ks.db(2).size(), "the expired key is skipped, not removed");
    }
}
