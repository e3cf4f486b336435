package dev.podis.server.net;

import dev.podis.server.Client;
import dev.podis.server.CommandDispatcher;
import dev.podis.server.PodisServer;
import dev.podis.server.ServerContext;
import dev.podis.server.config.ServerConfig;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The connection handler on an in-memory channel: how replies of a read batch are written and flushed. */
class ReadBatchTest {
    private PodisServer server;
    private EmbeddedChannel channel;
    private int flushes;

    @BeforeEach
    void setUp() {
        server = new PodisServer(new ServerConfig());
        ServerContext context = server.context();
        channel = new EmbeddedChannel();
        channel.pipeline().addLast(new ChannelOutboundHandlerAdapter() {
            @Override
            public void flush(ChannelHandlerContext ctx) {
                flushes++;
                ctx.flush();
            }
        });
        ClientConnection conn = new ClientConnection(context, new CommandDispatcher(context));
        conn.attachClient(new Client(1, channel, context));
        channel.pipeline().addLast(conn);
    }

    @AfterEach
    void tearDown() {
        channel.finishAndReleaseAll();
        server.close();
    }

    private static ByteBuf ascii(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.ISO_8859_1);
    }

    /** All outbound bytes as text, and the number of buffers they came in. */
    private String drainOutbound(int[] buffers) {
        StringBuilder sb = new StringBuilder();
        ByteBuf b;
        while ((b = channel.readOutbound()) != null) {
            if (b.isReadable()) {
                buffers[0]++;
            }
            sb.append(b.toString(StandardCharsets.ISO_8859_1));
            b.release();
        }
        return sb.toString();
    }

    @Test
    void pipelinedCommandsOfOneReadAreFlushedOnceInOneBuffer() {
        // Two reads in one batch, with a command split across them.
        channel.writeInbound(ascii("PING\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1"), ascii("\r\nv\r\nGET k\r\nECHO x\r\n"));
        int[] buffers = {0};
        assertEquals("+PONG\r\n+OK\r\n$1\r\nv\r\n$1\r\nx\r\n", drainOutbound(buffers));
        assertEquals(1, flushes);
        assertEquals(1, buffers[0]);
    }

    @Test
    void largeRepliesAreHandedOverInPiecesButFlushedOnce() {
        String value = "v".repeat(100 * 1024);
        channel.writeInbound(ascii("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$" + value.length() + "\r\n" + value + "\r\n"));
        drainOutbound(new int[1]);
        flushes = 0;
        channel.writeInbound(ascii("GET k\r\nGET k\r\nGET k\r\nPING\r\n"));
        int[] buffers = {0};
        String header = "$" + value.length() + "\r\n";
        String reply = header + value + "\r\n";
        assertEquals(reply + reply + reply + "+PONG\r\n", drainOutbound(buffers));
        assertEquals(1, flushes);
        assertEquals(4, buffers[0]); // three handed over as they passed 64 KB, then the rest
    }

    @Test
    void protocolErrorIsSentAfterEarlierRepliesThenTheChannelCloses() {
        channel.writeInbound(ascii("PING\r\n*1\r\nX\r\nPING\r\n"));
        assertEquals("+PONG\r\n-ERR Protocol error: expected '$', got 'X'\r\n", drainOutbound(new int[1]));
        channel.runPendingTasks();
        assertFalse(channel.isOpen());
        assertNull(channel.readOutbound());
    }
}
