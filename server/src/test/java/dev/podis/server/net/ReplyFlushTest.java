package dev.podis.server.net;

import dev.podis.server.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPubSub;
import redis.clients.jedis.Pipeline;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How replies leave the server over TCP: pipelines of many clients at once, large replies, a
 * client over its output buffer limit, a blocked pipeline, pub/sub messages.
 */
class ReplyFlushTest {
    private static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void pipelinesOfManyClientsAtOnceAreEachAnsweredInOrder() throws Exception {
        int clients = 20;
        int batches = 40;
        int depth = 16;
        try (Jedis j = server.jedis()) {
            j.del("shared");
            for (int i = 0; i < clients; i++) {
                j.del("c:" + i, "l:" + i, "s:" + i);
            }
        }
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        CountDownLatch go = new CountDownLatch(1);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                int id = i;
                done.add(pool.submit(() -> {
                    try (Jedis j = server.jedis()) {
                        go.await();
                        long counter = 0;
                        long listLength = 0;
                        for (int b = 0; b < batches; b++) {
                            Pipeline p = j.pipelined();
                            List<Object> expected = new ArrayList<>();
                            for (int k = 0; k < depth; k++) {
                                switch (k % 4) {
                                    case 0 -> {
                                        p.incr("c:" + id);
                                        expected.add(++counter);
                                    }
                                    case 1 -> {
                                        p.rpush("l:" + id, "v" + listLength);
                                        expected.add(++listLength);
                                    }
                                    case 2 -> {
                                        String value = id + ":" + b + ":" + k;
                                        p.set("s:" + id, value);
                                        expected.add("OK");
                                        p.get("s:" + id);
                                        expected.add(value);
                                    }
                                    default -> {
                                        p.incr("shared");
                                        expected.add(null); // shared between clients: checked at the end
                                    }
                                }
                            }
                            List<Object> got = p.syncAndReturnAll();
                            assertEquals(expected.size(), got.size());
                            for (int r = 0; r < got.size(); r++) {
                                if (expected.get(r) != null) {
                                    assertEquals(expected.get(r), got.get(r), "client " + id + " batch " + b + " reply " + r);
                                }
                            }
                        }
                        List<String> list = j.lrange("l:" + id, 0, -1);
                        for (int e = 0; e < list.size(); e++) {
                            assertEquals("v" + e, list.get(e));
                        }
                        assertEquals(listLength, list.size());
                    }
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        try (Jedis j = server.jedis()) {
            assertEquals(String.valueOf((long) clients * batches * (depth / 4)), j.get("shared"));
        }
    }

    @Test
    void largePipelinedRepliesArriveWholeWhileAnotherClientIsServed() throws Exception {
        int elements = 1000;
        List<String> values = new ArrayList<>();
        try (Jedis j = server.jedis()) {
            j.del("big");
            for (int i = 0; i < elements; i++) {
                values.add(i + ":" + "x".repeat(100));
            }
            j.rpush("big", values.toArray(new String[0]));
        }
        int replies = 40; // about 4.3 MB of replies: more than the channel takes before execution pauses
        StringBuilder pipeline = new StringBuilder();
        for (int i = 0; i < replies; i++) {
            pipeline.append("LRANGE big 0 -1\r\n");
        }
        byte[] one = expectedArray(values);
        try (Socket slow = new Socket()) {
            slow.setReceiveBufferSize(4096);
            slow.connect(new InetSocketAddress("127.0.0.1", server.port()));
            slow.setSoTimeout(10_000);
            slow.getOutputStream().write(pipeline.toString().getBytes(StandardCharsets.US_ASCII));
            slow.getOutputStream().flush();
            // The slow client reads nothing yet: another client is still answered.
            assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
                try (Jedis other = server.jedis()) {
                    for (int i = 0; i < 200; i++) {
                        assertEquals("OK", other.set("k", "v" + i));
                        assertEquals("v" + i, other.get("k"));
                    }
                }
            });
            byte[] all = readFully(slow.getInputStream(), one.length * replies);
            for (int i = 0; i < replies; i++) {
                assertTrue(Arrays.equals(one, Arrays.copyOfRange(all, i * one.length, (i + 1) * one.length)), "reply " + i);
            }
        }
    }

    @Test
    void aClientThatDoesNotReadIsClosedAtItsOutputBufferHardLimit() throws Exception {
        List<String> values = new ArrayList<>();
        try (Jedis j = server.jedis()) {
            j.del("big2");
            for (int i = 0; i < 1000; i++) {
                values.add(i + ":" + "y".repeat(100));
            }
            j.rpush("big2", values.toArray(new String[0]));
            j.configSet("client-output-buffer-limit", "normal 256kb 0 0");
        }
        int replies = 200; // about 21 MB: far more than the kernel's socket buffers hold
        StringBuilder pipeline = new StringBuilder();
        for (int i = 0; i < replies; i++) {
            pipeline.append("LRANGE big2 0 -1\r\n");
        }
        int length = expectedArray(values).length;
        try (Socket s = new Socket()) {
            s.setReceiveBufferSize(4096);
            s.connect(new InetSocketAddress("127.0.0.1", server.port()));
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(pipeline.toString().getBytes(StandardCharsets.US_ASCII));
            out.flush();
            // wait (bounded) until the server has closed it: CLIENT LIST shows one client, ours
            try (Jedis j = server.jedis()) {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (j.clientList().trim().split("\n").length > 1 && System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                }
                assertEquals(1, j.clientList().trim().split("\n").length, j.clientList());
            }
            long received = 0;
            InputStream in = s.getInputStream();
            byte[] buf = new byte[64 * 1024];
            try {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    received += n;
                }
            } catch (SocketException reset) {
                // closed without its pending output: a reset is as good as an end of stream here
            }
            assertTrue(received < (long) length * replies, "received " + received);
        } finally {
            try (Jedis j = server.jedis()) {
                j.configSet("client-output-buffer-limit", "normal 0 0 0");
            }
        }
    }

    @Test
    void aPipelineBehindABlockedCommandIsAnsweredInOrderOnceItIsServed() throws Exception {
        try (Jedis j = server.jedis(); Socket s = new Socket("127.0.0.1", server.port())) {
            j.del("q");
            s.setSoTimeout(10_000);
            s.getOutputStream().write("BLPOP q 0\r\nPING\r\nECHO after\r\n".getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!j.clientList().contains("cmd=blpop") && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertEquals(1, j.rpush("q", "x"));
            String expected = "*2\r\n$1\r\nq\r\n$1\r\nx\r\n+PONG\r\n$5\r\nafter\r\n";
            assertEquals(expected, new String(readFully(s.getInputStream(), expected.length()), StandardCharsets.US_ASCII));
        }
    }

    @Test
    void messagesPublishedInAPipelineReachTheSubscriberInOrder() throws Exception {
        int messages = 500;
        List<String> got = new ArrayList<>();
        CountDownLatch subscribed = new CountDownLatch(1);
        CountDownLatch all = new CountDownLatch(messages);
        JedisPubSub listener = new JedisPubSub() {
            @Override
            public void onSubscribe(String channel, int count) {
                subscribed.countDown();
            }

            @Override
            public void onMessage(String channel, String message) {
                got.add(message);
                all.countDown();
            }
        };
        Thread t = new Thread(() -> {
            try (Jedis sub = server.jedis()) {
                sub.subscribe(listener, "news");
            }
        });
        t.start();
        try {
            assertTrue(subscribed.await(10, TimeUnit.SECONDS));
            try (Jedis pub = server.jedis()) {
                Pipeline p = pub.pipelined();
                for (int i = 0; i < messages; i++) {
                    p.publish("news", "m" + i);
                }
                for (Object r : p.syncAndReturnAll()) {
                    assertEquals(1L, r);
                }
            }
            assertTrue(all.await(10, TimeUnit.SECONDS));
            for (int i = 0; i < messages; i++) {
                assertEquals("m" + i, got.get(i));
            }
        } finally {
            listener.unsubscribe();
            t.join(10_000);
        }
    }

    /** LRANGE's RESP2 reply for these values. */
    private static byte[] expectedArray(List<String> values) {
        StringBuilder sb = new StringBuilder("*").append(values.size()).append("\r\n");
        for (String v : values) {
            sb.append('$').append(v.length()).append("\r\n").append(v).append("\r\n");
        }
        return sb.toString().getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] readFully(InputStream in, int length) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(length);
        byte[] buf = new byte[64 * 1024];
        while (out.size() < length) {
            int n = in.read(buf, 0, Math.min(buf.length, length - out.size()));
            if (n < 0) {
                throw new IOException("closed after " + out.size() + " of " + length + " bytes");
            }
            out.write(buf, 0, n);
        }
        return out.toByteArray();
    }
}
