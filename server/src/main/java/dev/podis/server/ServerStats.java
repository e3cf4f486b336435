package dev.podis.server;

import java.util.Map;
import java.util.TreeMap;

/** Server-wide counters that INFO stats and errorstats report (Redis's field names). */
public final class ServerStats {
    public long totalConnectionsReceived;
    public long rejectedConnections;
    public long totalCommandsProcessed;
    public long netInputBytes;
    public long netOutputBytes;
    public long keyspaceHits;
    public long keyspaceMisses;
    public long expiredKeys;
    public long evictedKeys;
    public long totalErrorReplies;
    /** Error replies by their code (the first word: ERR, WRONGTYPE, ...). */
    public final Map<String, Long> errorsByCode = new TreeMap<>();

    void recordError(String text) {
        totalErrorReplies++;
        int sp = text.indexOf(' ');
        String code = sp < 0 ? text : text.substring(0, sp);
        errorsByCode.merge(code, 1L, Long::sum);
    }

    public void reset() {
        totalConnectionsReceived = rejectedConnections = totalCommandsProcessed = 0;
        netInputBytes = netOutputBytes = keyspaceHits = keyspaceMisses = 0;
        expiredKeys = evictedKeys = totalErrorReplies = 0;
        errorsByCode.clear();
    }
}
