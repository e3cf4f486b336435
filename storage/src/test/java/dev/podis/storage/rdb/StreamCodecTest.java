package dev.podis.storage.rdb;

import dev.podis.storage.StoredValue;
import dev.podis.storage.ValueType;
import dev.podis.storage.types.StreamId;
import dev.podis.storage.types.StreamValue;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The three stream types of the RDB format, written and read back: type 21 (RDB 11+) keeps
 * consumers' active-time, 19 (RDB 10) takes seen-time for it, 15 derives first ID,
 * entries-added and entries-read on loading as Redis does. Interoperability with redis-server
 * itself is covered by the server's StreamPersistenceTest.
 */
class StreamCodecTest {
    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static StreamValue sample() {
        StreamValue s = new StreamValue();
        for (int i = 1; i <= 250; i++) {
            byte[][] argv = {b("f"), b(Integer.toString(i)), b("g"), b("x" + i)};
            s.append(new StreamId(10, i), argv, 0, 2, 4096, 100);
        }
        s.restoreMetadata(250, new StreamId(10, 250), new StreamId(10, 1), StreamId.MIN, 250);
        assertTrue(s.delete(new StreamId(10, 1)));
        assertTrue(s.delete(new StreamId(10, 120)));
        StreamValue.Group g = s.createGroup(b("grp"), new StreamId(10, 5), 4);
        StreamValue.Consumer c = g.createConsumer(b("alice"), 1000);
        c.activeTime = 1500;
        g.createConsumer(b("bob"), 2000);
        for (int i = 2; i <= 5; i++) {
            StreamValue.Nack n = new StreamValue.Nack(900 + i, i, c);
            g.pel().put(new StreamId(10, i), n);
            c.pel().put(new StreamId(10, i), n);
        }
        s.createGroup(b("unknown"), StreamId.MIN, StreamValue.INVALID_ENTRIES_READ);
        return s;
    }

    private static byte[] write(StreamValue s, int type) throws IOException {
        RdbOutput out = RdbOutput.inMemory(true);
        out.writeByte(type);
        StreamCodec.write(out, s, type);
        return out.toByteArray();
    }

    private static StreamValue read(byte[] data) throws IOException {
        RdbInput in = RdbInput.of(data, 0, data.length);
        int type = in.readByte();
        StoredValue v = new ValueCodec().read(in, type, new EncodingLimits(), -1, 0);
        assertEquals(ValueType.STREAM, v.type());
        assertTrue(in.atEnd());
        return (StreamValue) v.object();
    }

    @Test
    void typeFollowsTheRdbVersion() {
        assertEquals(Rdb.TYPE_STREAM_LISTPACKS_2, StreamCodec.rdbType(10));
        assertEquals(Rdb.TYPE_STREAM_LISTPACKS_3, StreamCodec.rdbType(11));
        assertEquals(Rdb.TYPE_STREAM_LISTPACKS_3, StreamCodec.rdbType(12));
    }

    @Test
    void everyTypeRoundTrips() throws IOException {
        StreamValue s = sample();
        for (int type : new int[] {Rdb.TYPE_STREAM_LISTPACKS, Rdb.TYPE_STREAM_LISTPACKS_2, Rdb.TYPE_STREAM_LISTPACKS_3}) {
            StreamValue r = read(write(s, type));
            assertEquals(s.nodeCount(), r.nodeCount());
            assertEquals(248, r.length());
            assertEquals(s.lastId(), r.lastId());
            assertEquals(new StreamId(10, 2), r.firstId());
            assertEquals(type == Rdb.TYPE_STREAM_LISTPACKS ? StreamId.MIN : new StreamId(10, 120), r.maxDeletedId());
            assertEquals(type == Rdb.TYPE_STREAM_LISTPACKS ? 248 : 250, r.entriesAdded());
            StreamValue.Group g = r.group(b("grp"));
            assertEquals(new StreamId(10, 5), g.lastId);
            // type 15 has no entries-read: estimated, unknown here because of the tombstone
            assertEquals(type == Rdb.TYPE_STREAM_LISTPACKS ? StreamValue.INVALID_ENTRIES_READ : 4, g.entriesRead);
            // a group at 0-0: type 15 estimates it (nothing read), the others keep the unknown -1
            assertEquals(type == Rdb.TYPE_STREAM_LISTPACKS ? 0 : StreamValue.INVALID_ENTRIES_READ,
                    r.group(b("unknown")).entriesRead);
            StreamValue.Consumer alice = g.consumer(b("alice"));
            assertEquals(1000, alice.seenTime);
            assertEquals(type == Rdb.TYPE_STREAM_LISTPACKS_3 ? 1500 : 1000, alice.activeTime);
            assertEquals(4, alice.pel().size());
            assertEquals(4, g.pel().size());
            StreamValue.Nack n = g.pel().get(new StreamId(10, 3));
            assertEquals(903, n.deliveryTime);
            assertEquals(3, n.deliveryCount);
            assertTrue(n == alice.pel().get(new StreamId(10, 3)), "consumer and group share the NACK");
            assertEquals(0, g.consumer(b("bob")).pel().size());
            StreamValue.Iterator it = r.iterator(null, null, false);
            int n2 = 0;
            while (it.next()) {
                n2++;
            }
            assertEquals(248, n2);
            assertNull(r.group(b("none")));
        }
    }

    @Test
    void aConsumerPelEntryMissingFromTheGroupIsCorrupt() throws IOException {
        StreamValue s = new StreamValue();
        s.append(new StreamId(1, 1), new byte[][] {b("f"), b("v")}, 0, 1, 4096, 100);
        s.restoreMetadata(1, new StreamId(1, 1), new StreamId(1, 1), StreamId.MIN, 1);
        StreamValue.Group g = s.createGroup(b("g"), new StreamId(1, 1), 1);
        StreamValue.Consumer c = g.createConsumer(b("c"), 1);
        c.pel().put(new StreamId(1, 1), new StreamValue.Nack(1, 1, c)); // not in the group's PEL
        byte[] data = write(s, Rdb.TYPE_STREAM_LISTPACKS_2);
        RdbException e = assertThrows(RdbException.class, () -> read(data));
        assertTrue(e.getMessage().contains("Consumer entry not found in group global PEL"), e.getMessage());
        // and a group PEL entry nobody owns
        c.pel().clear();
        g.pel().put(new StreamId(1, 1), new StreamValue.Nack(1, 1, null));
        byte[] data2 = write(s, Rdb.TYPE_STREAM_LISTPACKS_2);
        e = assertThrows(RdbException.class, () -> read(data2));
        assertTrue(e.getMessage().contains("PEL entry without consumer"), e.getMessage());
    }

    @Test
    void lengthMustMatchTheNodes() throws IOException {
        StreamValue s = new StreamValue();
        s.append(new StreamId(1, 1), new byte[][] {b("f"), b("v")}, 0, 1, 4096, 100);
        s.restoreMetadata(2, new StreamId(1, 1), new StreamId(1, 1), StreamId.MIN, 2);
        byte[] data = write(s, Rdb.TYPE_STREAM_LISTPACKS_2);
        RdbException e = assertThrows(RdbException.class, () -> read(data));
        assertTrue(e.getMessage().contains("does not match"), e.getMessage());
    }
}
