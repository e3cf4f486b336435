package dev.podis.server.admin;

import dev.podis.server.ServerContext;
import dev.podis.server.ServerStats;
import dev.podis.server.Version;
import dev.podis.server.command.CommandSpec;
import dev.podis.server.commands.ServerCommands;
import dev.podis.server.persistence.Persistence;
import dev.podis.storage.Database;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * {@code /metrics}: the server's figures in Prometheus's text format under redis_exporter's
 * metric names (so existing Redis dashboards work), plus the JVM's. The figures are read on the
 * command loop, which owns all server state, into one {@link Figures} per scrape; the meters read
 * that snapshot. Names are chosen so that Micrometer's Prometheus convention (which appends
 * {@code _total} to counters) yields exactly redis_exporter's names; no base units are set, so no
 * unit suffix is added.
 */
public final class RedisMetrics implements AutoCloseable {
    private static final String INSTANCE_INFO = "# HELP redis_instance_info Information about the Redis instance\n"
            + "# TYPE redis_instance_info gauge\n"
            + "redis_instance_info{redis_version=\"" + Version.REDIS + "\",role=\"master\"} 1.0\n";
    private final ServerContext server;
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gc = new JvmGcMetrics();
    private final Set<String> commandMeters = new HashSet<>();
    private volatile Figures current = new Figures();

    /** One scrape's figures, written on the command loop and read afterwards on the admin thread. */
    static final class Figures {
        double uptime;
        double connectedClients;
        double blockedClients;
        double usedMemory;
        double rss;
        double maxmemory;
        double fragmentation;
        double commandsProcessed;
        double hits;
        double misses;
        double expired;
        double evicted;
        double connectionsReceived;
        double rejected;
        double netIn;
        double netOut;
        double aofEnabled;
        double lastSave;
        double loading;
        double changesSinceLastSave;
        double lastBgsaveOk;
        final Map<String, double[]> commands = new HashMap<>(); // name → {calls, seconds}
        double[] dbKeys = new double[0];
        double[] dbExpiring = new double[0];
    }

    public RedisMetrics(ServerContext server) {
        this.server = server;
        gauge("redis_up", f -> 1);
        gauge("redis_uptime_in_seconds", f -> f.uptime);
        gauge("redis_connected_clients", f -> f.connectedClients);
        gauge("redis_blocked_clients", f -> f.blockedClients);
        gauge("redis_memory_used_bytes", f -> f.usedMemory);
        gauge("redis_memory_used_rss_bytes", f -> f.rss);
        gauge("redis_memory_max_bytes", f -> f.maxmemory);
        gauge("redis_mem_fragmentation_ratio", f -> f.fragmentation);
        counter("redis_commands_processed", f -> f.commandsProcessed);
        counter("redis_keyspace_hits", f -> f.hits);
        counter("redis_keyspace_misses", f -> f.misses);
        counter("redis_expired_keys", f -> f.expired);
        counter("redis_evicted_keys", f -> f.evicted);
        counter("redis_connections_received", f -> f.connectionsReceived);
        counter("redis_rejected_connections", f -> f.rejected);
        counter("redis_net_input_bytes", f -> f.netIn);
        counter("redis_net_output_bytes", f -> f.netOut);
        // INFO persistence's loading, rdb_changes_since_last_save, rdb_last_save_time, rdb_last_bgsave_status (1 ok, 0 err)
        gauge("redis_loading_dump_file", f -> f.loading);
        gauge("redis_rdb_changes_since_last_save", f -> f.changesSinceLastSave);
        gauge("redis_rdb_last_save_timestamp_seconds", f -> f.lastSave);
        gauge("redis_rdb_last_bgsave_status", f -> f.lastBgsaveOk);
        gauge("redis_aof_enabled", f -> f.aofEnabled);
        gauge("redis_connected_slaves", f -> 0); // replication does not exist yet
        int dbs = server.keyspace().count();
        for (int i = 0; i < dbs; i++) {
            int db = i;
            Gauge.builder("redis_db_keys", this, m -> at(m.current.dbKeys, db)).tag("db", "db" + i).register(registry);
            Gauge.builder("redis_db_keys_expiring", this, m -> at(m.current.dbExpiring, db)).tag("db", "db" + i)
                    .register(registry);
        }
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
    }

    private static double at(double[] a, int i) {
        return i < a.length ? a[i] : 0;
    }

    private void gauge(String name, ToDoubleFunction<Figures> f) {
        Gauge.builder(name, this, m -> f.applyAsDouble(m.current)).register(registry);
    }

    /** A counter named without {@code _total}: the Prometheus convention appends it. */
    private void counter(String name, ToDoubleFunction<Figures> f) {
        FunctionCounter.builder(name, this, m -> f.applyAsDouble(m.current)).register(registry);
    }

    /** Reads the figures; on the command loop only. */
    Figures collect() {
        Figures f = new Figures();
        ServerStats st = server.stats();
        f.uptime = (System.currentTimeMillis() - server.startedAt()) / 1000;
        f.connectedClients = server.clients().size();
        f.blockedClients = server.blocking().blockedClients();
        long used = ServerCommands.usedMemory(server);
        long rss = ServerCommands.rss();
        f.usedMemory = used;
        f.rss = rss;
        f.maxmemory = server.maxmemory().effective(); // explicit or derived from the container limit
        f.fragmentation = used == 0 ? 0 : Math.round(100.0 * rss / used) / 100.0; // INFO's two decimals
        f.commandsProcessed = st.totalCommandsProcessed;
        f.hits = st.keyspaceHits;
        f.misses = st.keyspaceMisses;
        f.expired = st.expiredKeys;
        f.evicted = st.evictedKeys;
        f.connectionsReceived = st.totalConnectionsReceived;
        f.rejected = st.rejectedConnections;
        f.netIn = st.netInputBytes;
        f.netOut = st.netOutputBytes;
        f.aofEnabled = server.aof().enabled() ? 1 : 0;
        Persistence p = server.persistence();
        f.lastSave = p.lastSave();
        f.loading = p.loading() ? 1 : 0;
        f.changesSinceLastSave = p.changesSinceLastSave();
        f.lastBgsaveOk = p.backgroundSave().lastOk() ? 1 : 0;
        for (CommandSpec s : server.commands().all()) {
            addCommand(f, s);
            for (CommandSpec sub : s.subcommands().values()) {
                addCommand(f, sub);
            }
        }
        int dbs = server.keyspace().count();
        f.dbKeys = new double[dbs];
        f.dbExpiring = new double[dbs];
        for (int i = 0; i < dbs; i++) {
            Database db = server.keyspace().db(i);
            f.dbKeys[i] = db.size();
            f.dbExpiring[i] = db.volatileSize();
        }
        return f;
    }

    private static void addCommand(Figures f, CommandSpec s) {
        if (s.calls() > 0) {
            f.commands.put(s.fullName(), new double[] {s.calls(), s.micros() / 1e6});
        }
    }

    /**
     * One scrape: the figures from the command loop (waiting at most {@code waitMillis}), then the
     * text. On the admin thread.
     *
     * @throws Exception when the command loop does not answer in time (or has stopped)
     */
    public String scrape(long waitMillis) throws Exception {
        Figures f = server.commandLoop().submit(this::collect).get(waitMillis, TimeUnit.MILLISECONDS);
        current = f;
        for (String cmd : f.commands.keySet()) {
            if (commandMeters.add(cmd)) {
                FunctionCounter.builder("redis_commands", this, m -> calls(m, cmd, 0)).tag("cmd", cmd).register(registry);
                FunctionCounter.builder("redis_commands_duration_seconds", this, m -> calls(m, cmd, 1)).tag("cmd", cmd)
                        .register(registry);
            }
        }
        // Prometheus's client strips a reserved "_info" suffix from meter names, so this one is
        // written here, in the format the registry uses.
        return registry.scrape() + INSTANCE_INFO;
    }

    private static double calls(RedisMetrics m, String cmd, int which) {
        double[] v = m.current.commands.get(cmd);
        return v == null ? 0 : v[which];
    }

    @Override
    public void close() {
        gc.close();
        registry.close();
    }
}
