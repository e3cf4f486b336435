package dev.podis.server.config;

import java.util.Arrays;
import java.util.List;

/** The table of parameters Podis knows, with Redis's names and defaults. */
final class ConfigParams {
    private ConfigParams() {
    }

    static void defineAll(ServerConfig c) {
        // name, default, mutable
        integer(c, "port", "6379", false, 0, 65535);
        string(c, "bind", "* -::*", false);
        integer(c, "databases", "16", false, 1, Integer.MAX_VALUE);
        string(c, "requirepass", "", true);
        string(c, "dir", "./data", true);
        string(c, "dbfilename", "dump.rdb", true);
        string(c, "save", "3600 1 300 100 60 10000", true);
        bool(c, "appendonly", "no", true);
        memory(c, "proto-max-bulk-len", "536870912", true);
        memory(c, "client-query-buffer-limit", "1073741824", true);
        integer(c, "hz", "10", true, 1, 500);
        integer(c, "maxclients", "10000", true, 1, Integer.MAX_VALUE);
        memory(c, "maxmemory", "0", true);
        enumeration(c, "keyspace-backend", "auto", false, "auto", "offheap", "heap");
        integer(c, "timeout", "0", true, 0, Integer.MAX_VALUE);
        integer(c, "tcp-keepalive", "300", true, 0, Integer.MAX_VALUE);
        integer(c, "tcp-backlog", "511", false, 0, Integer.MAX_VALUE);
        bool(c, "enable-debug-command", "no", false);
        bool(c, "enable-protected-configs", "no", false);
        string(c, "loglevel", "notice", true);
        string(c, "logfile", "", false);
        bool(c, "protected-mode", "yes", true);
    }

    static void integer(ServerConfig c, String name, String def, boolean mutable, long min, long max) {
        c.define(new ConfigParam(name, List.of(), ConfigParam.Type.INT, def, mutable, true, null, min, max));
    }

    static void memory(ServerConfig c, String name, String def, boolean mutable) {
        c.define(new ConfigParam(name, List.of(), ConfigParam.Type.MEMORY, def, mutable, true, null, 0, Long.MAX_VALUE));
    }

    static void bool(ServerConfig c, String name, String def, boolean mutable) {
        c.define(new ConfigParam(name, List.of(), ConfigParam.Type.BOOL, def, mutable, true, null, 0, 0));
    }

    static void string(ServerConfig c, String name, String def, boolean mutable) {
        c.define(new ConfigParam(name, List.of(), ConfigParam.Type.STRING, def, mutable, true, null, 0, 0));
    }

    static void enumeration(ServerConfig c, String name, String def, boolean mutable, String... values) {
        c.define(new ConfigParam(name, List.of(), ConfigParam.Type.ENUM, def, mutable, true, Arrays.asList(values), 0, 0));
    }
}
