package dev.podis.server.commands;

import dev.podis.protocol.RespWriter;
import dev.podis.server.Client;
import dev.podis.server.LatencyMonitor;
import dev.podis.server.Log;
import dev.podis.server.PubSub;
import dev.podis.server.ServerContext;
import dev.podis.server.ServerStats;
import dev.podis.server.SlowLog;
import dev.podis.server.Version;
import dev.podis.server.command.CommandFamily;
import dev.podis.server.command.CommandSpec;
import dev.podis.server.command.CommandTable;
import dev.podis.server.command.LatencyHistogram;
import dev.podis.server.persistence.Digest;
import dev.podis.server.persistence.Persistence;
import dev.podis.storage.rdb.Rdb;
import dev.podis.storage.rdb.RdbOutput;
import dev.podis.storage.rdb.ValueCodec;
import dev.podis.storage.Database;
import dev.podis.storage.StoredValue;
import dev.podis.storage.types.CollectionValue;
import dev.podis.storage.ValueType;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.ThreadMXBean;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Server commands (server.c, debug.c, latency.c, slowlog.c, object.c's MEMORY): INFO, TIME,
 * DEBUG, SLOWLOG, LATENCY, MEMORY, MONITOR, SHUTDOWN.
 *
 * <p>Memory figures: Podis runs in a JVM, so there is no allocator to ask. {@code used_memory} is
 * what counts against {@code maxmemory}: the keyspace's own accounting ({@code Keyspace.usedMemory()}):
 * off-heap entries, maps and large strings, plus the collections (heap objects, measured after
 * each change) and the heap indexes; {@code podis_used_memory_heap} and
 * {@code podis_used_memory_offheap} split it. The JVM itself (heap in use with its garbage, direct
 * buffers, metaspace) is not in it; {@code used_memory_rss} is the process's resident set from
 * /proc, and {@code podis_jvm_heap_used} the heap in use. MEMORY USAGE estimates a key as Redis
 * would account it (object header, string header, allocator size classes).
 *
 * <p>SHUTDOWN: the final save is made first (Persistence.prepareShutdown: with save points or
 * SAVE, never with NOSAVE); when it fails the server goes on and the client gets Redis's error,
 * unless FORCE. Then the server stops through the callback its owner installed (the in-process
 * server stops its threads; the standalone server exits with status 0).
 */
public final class ServerCommands implements CommandFamily {
    private static final long LRU_CLOCK_MAX = (1 << 24) - 1;
    /** The cgroup limits found at start-up (INFO server), 0 when none. */
    public static final long CGROUP_MEMORY_LIMIT = Math.max(0, dev.podis.storage.MemoryBudget.cgroupLimit());
    public static final String CGROUP_CPU_QUOTA = cpuQuota();
    private final ServerContext server;
    private final String replId;
    private long peakMemory;

    public ServerCommands(ServerContext server) {
        this.server = server;
        StringBuilder sb = new StringBuilder(40);
        ThreadLocalRandom r = ThreadLocalRandom.current();
        for (int i = 0; i < 40; i++) {
            sb.append(Character.forDigit(r.nextInt(16), 16));
        }
        this.replId = sb.toString();
    }

    @Override
    public void register(CommandTable t) {
        t.bind("info", this::info);
        t.bind("time", this::time);
        t.bind("debug", this::debug);
        t.bind("monitor", this::monitor);
        t.bind("shutdown", this::shutdown);
        t.bind("slowlog|get", this::slowlogGet);
        t.bind("slowlog|len", this::slowlogLen);
        t.bind("slowlog|reset", this::slowlogReset);
        t.bind("slowlog|help", this::slowlogHelp);
        t.bind("latency|latest", this::latencyLatest);
        t.bind("latency|history", this::latencyHistory);
        t.bind("latency|reset", this::latencyReset);
        t.bind("latency|doctor", this::latencyDoctor);
        t.bind("latency|graph", this::latencyGraph);
        t.bind("latency|histogram", this::latencyHistogram);
        t.bind("latency|help", this::latencyHelp);
        t.bind("memory|usage", this::memoryUsage);
        t.bind("memory|stats", this::memoryStats);
        t.bind("memory|doctor", this::memoryDoctor);
        t.bind("memory|malloc-stats", this::memoryMallocStats);
        t.bind("memory|purge", this::memoryPurge);
        t.bind("memory|help", this::memoryHelp);
    }

    /** Redis's addReplyHelp: the usage line, the given lines, then HELP, all as status replies. */
    static void helpReply(Client c, String command, String... lines) {
        RespWriter r = c.reply();
        r.arrayHeader(lines.length + 3);
        r.simple(command + " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
        for (String l : lines) {
            r.simple(l);
        }
        r.simple("HELP");
        r.simple("    Prints this help.");
    }

    private static String unknownSubcommand(byte[] sub, String command) {
        String s = Args.str(sub);
        if (s.length() > 128) {
            s = s.substring(0, 128);
        }
        return "ERR unknown subcommand or wrong number of arguments for '" + s + "'. Try " + command + " HELP.";
    }

    // ---- INFO ---------------------------------------------------------------------------------

    private static final String[] SECTIONS = {
        "server", "clients", "memory", "persistence", "stats", "replication", "cpu", "modules",
        "commandstats", "errorstats", "latencystats", "cluster", "keyspace"};
    private static final boolean[] DEFAULT = {
        true, true, true, true, true, true, true, true, false, true, false, true, true};

    void info(Client c, byte[][] argv) {
        boolean[] want = new boolean[SECTIONS.length];
        if (argv.length == 1) {
            System.arraycopy(DEFAULT, 0, want, 0, want.length);
        }
        for (int i = 1; i < argv.length; i++) {
            String name = Args.lower(argv[i]);
            switch (name) {
                case "all":
                case "everything":
                    java.util.Arrays.fill(want, true);
                    break;
                case "default":
                    for (int k = 0; k < want.length; k++) {
                        want[k] |= DEFAULT[k];
                    }
                    break;
                case "module_list":
                    want[7] = true;
                    break;
                default:
                    for (int k = 0; k < SECTIONS.length; k++) {
                        if (SECTIONS[k].equals(name)) {
                            want[k] = true;
                        }
                    }
            }
        }
        c.reply().verbatim("txt", infoText(want));
    }

    /** The INFO text for the chosen sections (in Redis's order), as Redis formats it. */
    String infoText(boolean[] want) {
        StringBuilder sb = new StringBuilder(2048);
        int written = 0;
        for (int k = 0; k < SECTIONS.length; k++) {
            if (!want[k]) {
                continue;
            }
            if (written++ > 0) {
                sb.append("\r\n");
            }
            switch (SECTIONS[k]) {
                case "server": serverSection(sb); break;
                case "clients": clientsSection(sb); break;
                case "memory": memorySection(sb); break;
                case "persistence": persistenceSection(sb); break;
                case "stats": statsSection(sb); break;
                case "replication": replicationSection(sb); break;
                case "cpu": cpuSection(sb); break;
                case "modules": sb.append("# Modules\r\n"); break;
                case "commandstats": commandstatsSection(sb); break;
                case "errorstats": errorstatsSection(sb); break;
                case "latencystats": latencystatsSection(sb); break;
                case "cluster": sb.append("# Cluster\r\n"); field(sb, "cluster_enabled", 0); break;
                default: keyspaceSection(sb);
            }
        }
        return sb.toString();
    }

    private static void field(StringBuilder sb, String name, Object value) {
        sb.append(name).append(':').append(value).append("\r\n");
    }

    private void serverSection(StringBuilder sb) {
        long now = System.currentTimeMillis();
        long uptime = (now - server.startedAt()) / 1000;
        sb.append("# Server\r\n");
        field(sb, "redis_version", Version.REDIS);
        field(sb, "redis_git_sha1", "00000000");
        field(sb, "redis_git_dirty", 0);
        field(sb, "redis_build_id", "0");
        field(sb, "redis_mode", "standalone");
        field(sb, "os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + arch());
        field(sb, "arch_bits", "64".equals(System.getProperty("sun.arch.data.model", "64")) ? 64 : 32);
        field(sb, "monotonic_clock", "JVM System.nanoTime");
        field(sb, "multiplexing_api", server.transport() == null ? "" : server.transport().configName());
        field(sb, "atomicvar_api", "java");
        field(sb, "gcc_version", "0.0.0");
        field(sb, "process_id", ProcessHandle.current().pid());
        field(sb, "process_supervised", "no");
        field(sb, "run_id", server.runId());
        field(sb, "tcp_port", server.port());
        field(sb, "server_time_usec", now * 1000);
        field(sb, "uptime_in_seconds", uptime);
        field(sb, "uptime_in_days", uptime / 86400);
        field(sb, "hz", server.config().getInt("hz"));
        field(sb, "configured_hz", server.config().getInt("hz"));
        field(sb, "lru_clock", (now / 1000) & LRU_CLOCK_MAX);
        field(sb, "executable", ProcessHandle.current().info().command().orElse(""));
        field(sb, "config_file", "");
        field(sb, "io_threads_active", 0);
        field(sb, "podis_version", Version.PODIS);
        field(sb, "podis_keyspace_backend", server.keyspace().backend()); // offheap or heap
        field(sb, "podis_cgroup_memory_limit", CGROUP_MEMORY_LIMIT); // bytes, 0 when no limit
        field(sb, "podis_cgroup_cpu_quota", CGROUP_CPU_QUOTA); // CPUs, 0 when no quota
    }

    private static String cpuQuota() {
        double q = dev.podis.storage.CpuQuota.cgroupQuota();
        return q > 0 ? String.format(Locale.ROOT, "%.2f", q) : "0";
    }

    private static String arch() {
        String a = System.getProperty("os.arch");
        return "amd64".equals(a) ? "x86_64" : a;
    }

    private void clientsSection(StringBuilder sb) {
        sb.append("# Clients\r\n");
        field(sb, "connected_clients", server.clients().size());
        field(sb, "cluster_connections", 0);
        field(sb, "maxclients", server.config().getInt("maxclients"));
        field(sb, "client_recent_max_input_buffer", 0);
        field(sb, "client_recent_max_output_buffer", 0);
        field(sb, "blocked_clients", server.blocking().blockedClients());
        field(sb, "tracking_clients", server.tracking().clients());
        field(sb, "clients_in_timeout_table", server.blocking().clientsWithTimeout());
    }

    private static long heapUsed() {
        Runtime rt = Runtime.getRuntime();
        return rt.totalMemory() - rt.freeMemory();
    }

    /** INFO's used_memory, shared with the admin port's metrics (without the peak's bookkeeping). */
    public static long usedMemory(ServerContext s) {
        // What counts against maxmemory: the keyspace's accounting, off-heap and heap parts.
        return s.keyspace().usedMemory();
    }

    private long usedMemory() {
        long used = usedMemory(server);
        if (used > peakMemory) {
            peakMemory = used;
        }
        return used;
    }

    /** INFO's used_memory_rss. */
    public static long rss() {
        try {
            String[] statm = Files.readString(Path.of("/proc/self/statm")).trim().split("\\s+");
            return Long.parseLong(statm[1]) * 4096;
        } catch (IOException | RuntimeException e) {
            return Runtime.getRuntime().totalMemory();
        }
    }

    private static long totalSystemMemory() {
        java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean) {
            return ((com.sun.management.OperatingSystemMXBean) os).getTotalMemorySize();
        }
        return 0;
    }

    /** Redis's bytesToHuman. */
    static String human(long n) {
        double d = n;
        if (n < 1024) {
            return n + "B";
        } else if (n < 1024L * 1024) {
            return String.format(Locale.ROOT, "%.2fK", d / 1024);
        } else if (n < 1024L * 1024 * 1024) {
            return String.format(Locale.ROOT, "%.2fM", d / (1024 * 1024));
        } else if (n < 1024L * 1024 * 1024 * 1024) {
            return String.format(Locale.ROOT, "%.2fG", d / (1024L * 1024 * 1024));
        } else if (n < 1024L * 1024 * 1024 * 1024 * 1024) {
            return String.format(Locale.ROOT, "%.2fT", d / (1024L * 1024 * 1024 * 1024));
        }
        return String.format(Locale.ROOT, "%.2fP", d / (1024L * 1024 * 1024 * 1024 * 1024));
    }

    private static String ratio(double a, double b) {
        return String.format(Locale.ROOT, "%.2f", b == 0 ? 0 : a / b);
    }

    private void memorySection(StringBuilder sb) {
        long used = usedMemory();
        long offHeap = server.keyspace().offHeapMemory();
        long dataset = used;
        long heap = heapUsed();
        long rss = rss();
        long committed = Runtime.getRuntime().totalMemory();
        long system = totalSystemMemory();
        dev.podis.server.Maxmemory mm = server.maxmemory();
        long maxmemory = mm.effective();
        String policy = mm.policy().configName();
        sb.append("# Memory\r\n");
        field(sb, "used_memory", used);
        field(sb, "used_memory_human", human(used));
        field(sb, "used_memory_rss", rss);
        field(sb, "used_memory_rss_human", human(rss));
        field(sb, "used_memory_peak", peakMemory);
        field(sb, "used_memory_peak_human", human(peakMemory));
        field(sb, "used_memory_peak_perc", String.format(Locale.ROOT, "%.2f%%", peakMemory == 0 ? 0 : 100.0 * used / peakMemory));
        field(sb, "used_memory_overhead", 0);
        field(sb, "used_memory_startup", 0);
        field(sb, "used_memory_dataset", dataset);
        field(sb, "used_memory_dataset_perc", String.format(Locale.ROOT, "%.2f%%", used == 0 ? 0 : 100.0 * dataset / used));
        field(sb, "allocator_allocated", heap);
        field(sb, "allocator_active", committed);
        field(sb, "allocator_resident", rss);
        field(sb, "total_system_memory", system);
        field(sb, "total_system_memory_human", human(system));
        field(sb, "used_memory_lua", 0);
        field(sb, "used_memory_vm_eval", 0);
        field(sb, "used_memory_lua_human", "0B");
        field(sb, "used_memory_scripts_eval", server.scripting().cachedScriptBytes());
        field(sb, "number_of_cached_scripts", server.scripting().cachedScripts());
        field(sb, "number_of_functions", server.scripting().functions().functionCount());
        field(sb, "number_of_libraries", server.scripting().functions().libraries().size());
        field(sb, "used_memory_vm_functions", 0);
        field(sb, "used_memory_vm_total", 0);
        field(sb, "used_memory_vm_total_human", "0B");
        field(sb, "used_memory_functions", 0);
        field(sb, "used_memory_scripts", 0);
        field(sb, "used_memory_scripts_human", "0B");
        field(sb, "maxmemory", maxmemory);
        field(sb, "maxmemory_human", human(maxmemory));
        field(sb, "maxmemory_policy", policy);
        field(sb, "allocator_frag_ratio", ratio(committed, heap));
        field(sb, "allocator_frag_bytes", committed - heap);
        field(sb, "allocator_rss_ratio", ratio(rss, committed));
        field(sb, "allocator_rss_bytes", rss - committed);
        field(sb, "rss_overhead_ratio", ratio(rss, rss));
        field(sb, "rss_overhead_bytes", 0);
        field(sb, "mem_fragmentation_ratio", ratio(rss, used));
        field(sb, "mem_fragmentation_bytes", rss - used);
        field(sb, "mem_not_counted_for_evict", 0);
        field(sb, "mem_replication_backlog", 0);
        field(sb, "mem_total_replication_buffers", 0);
        field(sb, "mem_clients_slaves", 0);
        field(sb, "mem_clients_normal", 0);
        field(sb, "mem_cluster_links", 0);
        field(sb, "mem_aof_buffer", server.aof().bufferMemory());
        field(sb, "mem_allocator", "jvm-" + System.getProperty("java.version"));
        // Podis's own: the two parts of used_memory, the JVM, and where maxmemory comes from.
        field(sb, "podis_used_memory_offheap", offHeap);
        field(sb, "podis_used_memory_heap", Math.max(0, used - offHeap));
        field(sb, "podis_used_memory_heap_limit", mm.heapLimit()); // 0 when maxmemory is off
        field(sb, "podis_jvm_heap_used", heap);
        field(sb, "podis_jvm_heap_max", Runtime.getRuntime().maxMemory());
        field(sb, "podis_maxmemory_source", mm.source()); // config, container-limit or none
        dev.podis.server.Maxmemory.Derivation d = mm.derivation();
        field(sb, "podis_memory_limit", d == null ? CGROUP_MEMORY_LIMIT : d.limit());
        field(sb, "podis_maxmemory_heap_reserved", d == null ? 0 : d.heapMax());
        field(sb, "podis_maxmemory_direct_reserved", d == null ? 0 : d.directMax());
        field(sb, "podis_maxmemory_jvm_reserved", d == null ? 0 : d.reserved());
        field(sb, "active_defrag_running", 0);
        field(sb, "lazyfree_pending_objects", 0);
        field(sb, "lazyfreed_objects", 0);
    }

    private void persistenceSection(StringBuilder sb) {
        server.persistence().infoSection(sb);
    }

    private void statsSection(StringBuilder sb) {
        ServerStats st = server.stats();
        sb.append("# Stats\r\n");
        field(sb, "total_connections_received", st.totalConnectionsReceived);
        field(sb, "total_commands_processed", st.totalCommandsProcessed);
        field(sb, "instantaneous_ops_per_sec", 0);
        field(sb, "total_net_input_bytes", st.netInputBytes);
        field(sb, "total_net_output_bytes", st.netOutputBytes);
        field(sb, "total_net_repl_input_bytes", 0);
        field(sb, "total_net_repl_output_bytes", 0);
        field(sb, "instantaneous_input_kbps", "0.00");
        field(sb, "instantaneous_output_kbps", "0.00");
        field(sb, "instantaneous_input_repl_kbps", "0.00");
        field(sb, "instantaneous_output_repl_kbps", "0.00");
        field(sb, "rejected_connections", st.rejectedConnections);
        field(sb, "sync_full", 0);
        field(sb, "sync_partial_ok", 0);
        field(sb, "sync_partial_err", 0);
        field(sb, "expired_keys", st.expiredKeys);
        field(sb, "expired_stale_perc", "0.00");
        field(sb, "expired_time_cap_reached_count", 0);
        field(sb, "expire_cycle_cpu_milliseconds", 0);
        field(sb, "evicted_keys", st.evictedKeys);
        field(sb, "evicted_clients", 0);
        field(sb, "total_eviction_exceeded_time", server.maxmemory().exceededTotalMillis());
        field(sb, "current_eviction_exceeded_time", server.maxmemory().exceededCurrentMillis());
        field(sb, "keyspace_hits", st.keyspaceHits);
        field(sb, "keyspace_misses", st.keyspaceMisses);
        field(sb, "pubsub_channels", server.pubsub().count(PubSub.Kind.CHANNEL));
        field(sb, "pubsub_patterns", server.pubsub().count(PubSub.Kind.PATTERN));
        field(sb, "pubsubshard_channels", server.pubsub().count(PubSub.Kind.SHARD));
        field(sb, "latest_fork_usec", 0);
        field(sb, "total_forks", 0);
        field(sb, "migrate_cached_sockets", 0);
        field(sb, "slave_expires_tracked_keys", 0);
        field(sb, "active_defrag_hits", 0);
        field(sb, "active_defrag_misses", 0);
        field(sb, "active_defrag_key_hits", 0);
        field(sb, "active_defrag_key_misses", 0);
        field(sb, "total_active_defrag_time", 0);
        field(sb, "current_active_defrag_time", 0);
        field(sb, "tracking_total_keys", server.tracking().totalKeys());
        field(sb, "tracking_total_items", server.tracking().totalItems());
        field(sb, "tracking_total_prefixes", server.tracking().totalPrefixes());
        field(sb, "unexpected_error_replies", 0);
        field(sb, "total_error_replies", st.totalErrorReplies);
        field(sb, "dump_payload_sanitizations", server.persistence().dumpPayloadSanitizations());
        field(sb, "total_reads_processed", 0);
        field(sb, "total_writes_processed", 0);
        field(sb, "io_threaded_reads_processed", 0);
        field(sb, "io_threaded_writes_processed", 0);
        field(sb, "reply_buffer_shrinks", 0);
        field(sb, "reply_buffer_expands", 0);
    }

    private void replicationSection(StringBuilder sb) {
        sb.append("# Replication\r\n");
        field(sb, "role", "master");
        field(sb, "connected_slaves", 0);
        field(sb, "master_failover_state", "no-failover");
        field(sb, "master_replid", replId);
        field(sb, "master_replid2", "0000000000000000000000000000000000000000");
        field(sb, "master_repl_offset", 0);
        field(sb, "second_repl_offset", -1);
        field(sb, "repl_backlog_active", 0);
        field(sb, "repl_backlog_size", 1048576);
        field(sb, "repl_backlog_first_byte_offset", 0);
        field(sb, "repl_backlog_histlen", 0);
    }

    private void cpuSection(StringBuilder sb) {
        double user = 0;
        double sys = 0;
        try {
            String stat = Files.readString(Path.of("/proc/self/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            user = Long.parseLong(f[11]) / 100.0; // utime, clock ticks
            sys = Long.parseLong(f[12]) / 100.0;  // stime
        } catch (IOException | RuntimeException e) {
            java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
            if (os instanceof com.sun.management.OperatingSystemMXBean) {
                user = ((com.sun.management.OperatingSystemMXBean) os).getProcessCpuTime() / 1e9;
            }
        }
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        double mainCpu = 0;
        double mainUser = 0;
        if (threads.isCurrentThreadCpuTimeSupported()) {
            mainCpu = threads.getCurrentThreadCpuTime() / 1e9;
            mainUser = threads.getCurrentThreadUserTime() / 1e9;
        }
        sb.append("# CPU\r\n");
        field(sb, "used_cpu_sys", String.format(Locale.ROOT, "%.6f", sys));
        field(sb, "used_cpu_user", String.format(Locale.ROOT, "%.6f", user));
        field(sb, "used_cpu_sys_children", "0.000000");
        field(sb, "used_cpu_user_children", "0.000000");
        field(sb, "used_cpu_sys_main_thread", String.format(Locale.ROOT, "%.6f", Math.max(0, mainCpu - mainUser)));
        field(sb, "used_cpu_user_main_thread", String.format(Locale.ROOT, "%.6f", mainUser));
    }

    private List<CommandSpec> allSpecs() {
        List<CommandSpec> out = new ArrayList<>();
        for (CommandSpec s : server.commands().all()) {
            out.add(s);
            out.addAll(s.subcommands().values());
        }
        return out;
    }

    private void commandstatsSection(StringBuilder sb) {
        sb.append("# Commandstats\r\n");
        for (CommandSpec s : allSpecs()) {
            if (s.calls() == 0 && s.failedCalls() == 0 && s.rejectedCalls() == 0) {
                continue;
            }
            sb.append("cmdstat_").append(s.fullName()).append(":calls=").append(s.calls())
                    .append(",usec=").append(s.micros())
                    .append(",usec_per_call=").append(String.format(Locale.ROOT, "%.2f", s.calls() == 0 ? 0.0 : (double) s.micros() / s.calls()))
                    .append(",rejected_calls=").append(s.rejectedCalls())
                    .append(",failed_calls=").append(s.failedCalls()).append("\r\n");
        }
    }

    private void errorstatsSection(StringBuilder sb) {
        sb.append("# Errorstats\r\n");
        for (Map.Entry<String, Long> e : server.stats().errorsByCode.entrySet()) {
            sb.append("errorstat_").append(e.getKey()).append(":count=").append(e.getValue()).append("\r\n");
        }
    }

    private void latencystatsSection(StringBuilder sb) {
        sb.append("# Latencystats\r\n");
        for (CommandSpec s : allSpecs()) {
            LatencyHistogram h = s.latency();
            if (h == null || h.count() == 0) {
                continue;
            }
            sb.append("latency_percentiles_usec_").append(s.fullName()).append(':')
                    .append("p50=").append(usec(h.percentile(50)))
                    .append(",p99=").append(usec(h.percentile(99)))
                    .append(",p99.9=").append(usec(h.percentile(99.9))).append("\r\n");
        }
    }

    private static String usec(long nanos) {
        return String.format(Locale.ROOT, "%.3f", nanos / 1000.0);
    }

    private void keyspaceSection(StringBuilder sb) {
        sb.append("# Keyspace\r\n");
        for (int i = 0; i < server.keyspace().count(); i++) {
            Database db = server.keyspace().db(i);
            long keys = db.size();
            if (keys == 0) {
                continue;
            }
            sb.append("db").append(i).append(":keys=").append(keys).append(",expires=").append(db.volatileSize())
                    .append(",avg_ttl=0\r\n");
        }
    }

    // ---- TIME ---------------------------------------------------------------------------------

    void time(Client c, byte[][] argv) {
        java.time.Instant now = java.time.Instant.now();
        RespWriter r = c.reply();
        r.arrayHeader(2);
        r.bulk(Long.toString(now.getEpochSecond()));
        r.bulk(Long.toString(now.getNano() / 1000));
    }

    // ---- DEBUG --------------------------------------------------------------------------------

    private boolean debugAllowed(Client c) {
        String v = server.config().get("enable-debug-command");
        if (v == null || v.equalsIgnoreCase("no")) {
            return false;
        }
        if (v.equalsIgnoreCase("local")) {
            if (!(c.channel().remoteAddress() instanceof InetSocketAddress)) {
                return true; // unix socket
            }
            InetSocketAddress a = (InetSocketAddress) c.channel().remoteAddress();
            return a.getAddress() != null && a.getAddress().isLoopbackAddress();
        }
        return true;
    }

    void debug(Client c, byte[][] argv) {
        if (!debugAllowed(c)) {
            c.error("ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", "
                    + "you can run it from a local connection, otherwise you need to set this option in the "
                    + "configuration file, and then restart the server.");
            return;
        }
        byte[] sub = argv[1];
        if (Args.is(sub, "HELP") && argv.length == 2) {
            helpReply(c, "DEBUG",
                    "DIGEST",
                    "    Output a hex signature representing the current DB content.",
                    "DIGEST-VALUE <key> [<key> ...]",
                    "    Output a hex signature of the values of all the specified keys.",
                    "OBJECT <key>",
                    "    Show low level info about the <key> and associated value.",
                    "RELOAD [option ...]",
                    "    Save the RDB on disk and reload it back to memory. Valid <option> values:",
                    "    * MERGE: conflicting keys will be loaded from RDB.",
                    "    * NOFLUSH: the existing database will not be removed before load, but",
                    "      conflicting keys will generate an exception and kill the server.",
                    "    * NOSAVE: the database will be loaded from an existing RDB file.",
                    "    Examples:",
                    "    * DEBUG RELOAD: verify that the server is able to persist, flush and reload",
                    "      the database.",
                    "    * DEBUG RELOAD NOSAVE: replace the current database with the contents of an",
                    "      existing RDB file.",
                    "    * DEBUG RELOAD NOSAVE NOFLUSH MERGE: add the contents of an existing RDB",
                    "      file to the database.",
                    "SET-ACTIVE-EXPIRE <0|1>",
                    "    Setting it to 0 disables expiring keys in background when they are not",
                    "    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
                    "    default.",
                    "SLEEP <seconds>",
                    "    Stop the server for <seconds>. Decimals allowed.",
                    "LOADAOF",
                    "    Flush the AOF buffers on disk and reload the AOF in memory.",
                    "AOF-FLUSH-SLEEP <microsec>",
                    "    Server will sleep before flushing the AOF, this is used for testing.");
        } else if (Args.is(sub, "SLEEP") && argv.length == 3) {
            double seconds = atof(Args.str(argv[2]));
            long micros = (long) (seconds * 1_000_000);
            if (micros > 0) {
                try {
                    // Blocks the command loop, as Redis's DEBUG SLEEP blocks the server.
                    Thread.sleep(micros / 1000, (int) (micros % 1000) * 1000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            c.reply().ok();
        } else if (Args.is(sub, "AOF-FLUSH-SLEEP") && argv.length == 3) {
            server.aof().flushSleep(atoi(Args.str(argv[2])));
            c.reply().ok();
        } else if (Args.is(sub, "LOADAOF") && argv.length == 2) {
            c.preventPropagation(); // the reload is not a write to log
            String err = server.aof().debugLoadAof();
            if (err != null) {
                c.error("ERR " + err);
            } else {
                c.reply().ok();
            }
        } else if (Args.is(sub, "SET-ACTIVE-EXPIRE") && argv.length == 3) {
            server.activeExpire(atoi(Args.str(argv[2])) != 0);
            c.reply().ok();
        } else if (Args.is(sub, "DIGEST") && argv.length == 2) {
            Digest d = new Digest();
            try {
                server.keyspace().copyTo(d);
            } catch (IOException e) {
                throw new IllegalStateException(e); // the digest sink does no I/O
            }
            c.reply().simple(d.hex());
        } else if (Args.is(sub, "DIGEST-VALUE")) {
            Digest d = new Digest();
            c.reply().arrayHeader(argv.length - 2);
            for (int j = 2; j < argv.length; j++) {
                c.reply().simple(d.valueDigest(c.db().peek(argv[j])));
            }
        } else if (Args.is(sub, "RELOAD")) {
            debugReload(c, argv);
        } else if (Args.is(sub, "OBJECT") && argv.length == 3) {
            StoredValue v = c.db().peek(argv[2]);
            if (v == null) {
                c.error("ERR no such key");
                return;
            }
            long lru = v.lruOrLfu() & LRU_CLOCK_MAX;
            long idle = server.keyspace().idleSeconds(v.lruOrLfu());
            String text = "Value at:0x" + Long.toHexString(0x7f0000000000L | (System.identityHashCode(v) & 0xffffffffL))
                    + " refcount:1 encoding:" + KeyCommands.encodingOf(v) + " serializedlength:" + serializedLength(v)
                    + " lru:" + lru + " lru_seconds_idle:" + idle;
            c.reply().simple(text);
        } else {
            c.error(unknownSubcommand(sub, "DEBUG"));
        }
    }

    /** C's atof: the longest leading decimal number, 0 when there is none. */
    static double atof(String s) {
        String t = s.trim();
        if (t.length() > 64) {
            t = t.substring(0, 64);
        }
        int end = 0;
        for (int i = t.length(); i > 0; i--) {
            try {
                Double.parseDouble(t.substring(0, i));
                end = i;
                break;
            } catch (NumberFormatException e) {
                // shorter
            }
        }
        return end == 0 ? 0 : Double.parseDouble(t.substring(0, end));
    }

    /** C's atoi, enough for flags: optional sign and leading digits. */
    static long atoi(String s) {
        String t = s.trim();
        int i = 0;
        boolean neg = false;
        if (i < t.length() && (t.charAt(i) == '-' || t.charAt(i) == '+')) {
            neg = t.charAt(i) == '-';
            i++;
        }
        long v = 0;
        for (; i < t.length() && Character.isDigit(t.charAt(i)) && v < Integer.MAX_VALUE; i++) {
            v = v * 10 + (t.charAt(i) - '0');
        }
        return neg ? -v : v;
    }

    /** rdbSavedObjectLen: the bytes of the value's body in an RDB file, with rdbcompression as configured. */
    private long serializedLength(StoredValue v) {
        try {
            RdbOutput out = RdbOutput.counting(server.config().getBool("rdbcompression"));
            server.persistence().codec().writeBody(out, v, ValueCodec.rdbType(v, Rdb.DEFAULT_VERSION));
            return out.size();
        } catch (IOException e) {
            return 0; // a type without a codec
        }
    }

    /** DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]: save, flush, load back (debug.c). */
    private void debugReload(Client c, byte[][] argv) {
        if (server.persistence().loading()) {
            c.error("LOADING Redis is loading the dataset in memory");
            return;
        }
        boolean flush = true;
        boolean save = true;
        boolean merge = false;
        for (int j = 2; j < argv.length; j++) {
            if (Args.is(argv[j], "MERGE")) {
                merge = true;
            } else if (Args.is(argv[j], "NOFLUSH")) {
                flush = false;
            } else if (Args.is(argv[j], "NOSAVE")) {
                save = false;
            } else {
                c.error("ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.");
                return;
            }
        }
        try {
            server.persistence().reload(save, flush, merge);
            c.reply().ok();
        } catch (Persistence.SaveFailed e) {
            c.error("ERR");
        } catch (IOException | RuntimeException e) {
            Log.warn("DEBUG RELOAD could not load the RDB file: " + e.getMessage());
            c.error("ERR Error trying to load the RDB dump, check server logs.");
        }
    }

    // ---- MONITOR, SHUTDOWN --------------------------------------------------------------------

    void monitor(Client c, byte[][] argv) {
        if (server.monitors().add(c)) {
            c.reply().ok();
        }
        // A client already monitoring gets no reply, as in Redis.
    }

    void shutdown(Client c, byte[][] argv) {
        boolean nosave = false;
        boolean save = false;
        boolean now = false;
        boolean force = false;
        boolean abort = false;
        for (int i = 1; i < argv.length; i++) {
            if (Args.is(argv[i], "NOSAVE")) {
                nosave = true;
            } else if (Args.is(argv[i], "SAVE")) {
                save = true;
            } else if (Args.is(argv[i], "NOW")) {
                now = true;
            } else if (Args.is(argv[i], "FORCE")) {
                force = true;
            } else if (Args.is(argv[i], "ABORT")) {
                abort = true;
            } else {
                c.error(Args.SYNTAX);
                return;
            }
        }
        if ((abort && (nosave || save || now || force)) || (nosave && save)) {
            c.error(Args.SYNTAX);
            return;
        }
        if (abort) {
            if (server.abortShutdown()) {
                c.reply().ok();
            } else {
                c.error("ERR No shutdown in progress.");
            }
            return;
        }
        if (!now && c.denyBlocking()) {
            c.error("ERR SHUTDOWN without NOW or ABORT isn't allowed for DENY BLOCKING client");
            return;
        }
        if (server.shutdownInProgress()) {
            return; // a signal's shutdown is under way: this connection closes with the others
        }
        if (server.scriptBusy()) {
            if (!nosave) {
                c.error(server.scripting().busyError()); // only SHUTDOWN NOSAVE while a script is busy
                return;
            }
            server.scripting().abortForShutdown(); // it stops at its next check, writes or not
        }
        Log.warn("User requested shutdown...");
        // Redis's finishShutdown: the final save (when save points are configured or SAVE is given)
        // is made now, before anything stops; if it fails the server goes on (unless FORCE).
        // No replicas to wait for, so NOW changes nothing.
        if (!server.persistence().prepareShutdown(save, nosave, force)) {
            c.error("ERR Errors trying to SHUTDOWN. Check logs.");
            return;
        }
        // No command runs after this one; the connection closes without a reply, as Redis's does when it exits.
        server.shutdown(c);
    }

    // ---- SLOWLOG ------------------------------------------------------------------------------

    void slowlogGet(Client c, byte[][] argv) {
        long count = 10;
        if (argv.length == 3) {
            count = Args.parseLong(argv[2]);
            if ((count == Args.NOT_A_NUMBER && !Args.isLong(argv[2])) || count < -1) {
                c.error("ERR count should be greater than or equal to -1");
                return;
            }
            if (count == -1) {
                count = Long.MAX_VALUE;
            }
        } else if (argv.length > 3) {
            c.error(unknownSubcommand(argv[1], "SLOWLOG"));
            return;
        }
        SlowLog log = server.slowLog();
        int n = (int) Math.min(count, log.length());
        RespWriter r = c.reply();
        r.arrayHeader(n);
        Iterator<SlowLog.Entry> it = log.iterator();
        for (int i = 0; i < n; i++) {
            SlowLog.Entry e = it.next();
            r.arrayHeader(6);
            r.integer(e.id);
            r.integer(e.timestamp);
            r.integer(e.micros);
            r.arrayHeader(e.argv.length);
            for (byte[] a : e.argv) {
                r.bulk(a);
            }
            r.bulk(e.peer);
            r.bulk(e.clientName);
        }
    }

    void slowlogLen(Client c, byte[][] argv) {
        c.reply().integer(server.slowLog().length());
    }

    void slowlogReset(Client c, byte[][] argv) {
        server.slowLog().reset();
        c.reply().ok();
    }

    void slowlogHelp(Client c, byte[][] argv) {
        helpReply(c, "SLOWLOG",
                "GET [<count>]",
                "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
                "    Entries are made of:",
                "    id, timestamp, time in microseconds, arguments array, client IP and port,",
                "    client name",
                "LEN",
                "    Return the length of the slowlog.",
                "RESET",
                "    Reset the slowlog.");
    }

    // ---- LATENCY ------------------------------------------------------------------------------

    void latencyLatest(Client c, byte[][] argv) {
        Map<String, LatencyMonitor.Series> events = server.latencyMonitor().events();
        RespWriter r = c.reply();
        r.arrayHeader(events.size());
        for (Map.Entry<String, LatencyMonitor.Series> e : events.entrySet()) {
            LatencyMonitor.Series s = e.getValue();
            int last = s.latestIndex();
            r.arrayHeader(4);
            r.bulk(e.getKey());
            r.integer(s.times[last]);
            r.integer(s.latencies[last]);
            r.integer(s.max);
        }
    }

    void latencyHistory(Client c, byte[][] argv) {
        LatencyMonitor.Series s = server.latencyMonitor().events().get(Args.str(argv[2]));
        RespWriter r = c.reply();
        if (s == null) {
            r.arrayHeader(0);
            return;
        }
        r.arrayHeader(s.count());
        for (int k = 0, i = s.first(); k < s.count(); k++, i = (i + 1) % LatencyMonitor.SAMPLES) {
            r.arrayHeader(2);
            r.integer(s.times[i]);
            r.integer(s.latencies[i]);
        }
    }

    void latencyReset(Client c, byte[][] argv) {
        LatencyMonitor m = server.latencyMonitor();
        if (argv.length == 2) {
            c.reply().integer(m.resetAll());
            return;
        }
        int n = 0;
        for (int i = 2; i < argv.length; i++) {
            if (m.reset(Args.str(argv[i]))) {
                n++;
            }
        }
        c.reply().integer(n);
    }

    void latencyGraph(Client c, byte[][] argv) {
        String event = Args.str(argv[2]);
        LatencyMonitor.Series s = server.latencyMonitor().events().get(event);
        if (s == null) {
            c.error("ERR No samples available for event '" + event + "'");
            return;
        }
        long high = 0;
        long low = Long.MAX_VALUE;
        for (int k = 0, i = s.first(); k < s.count(); k++, i = (i + 1) % LatencyMonitor.SAMPLES) {
            high = Math.max(high, s.latencies[i]);
            low = Math.min(low, s.latencies[i]);
        }
        StringBuilder sb = new StringBuilder();
        sb.append(event).append(" - high ").append(high).append(" ms, low ").append(low)
                .append(" ms (all time high ").append(s.max).append(" ms)\n");
        sb.append("-".repeat(80)).append('\n');
        // A column per sample, four rows high: '#' where the sample reaches the row's level.
        int rows = 4;
        for (int row = rows; row >= 1; row--) {
            for (int k = 0, i = s.first(); k < s.count(); k++, i = (i + 1) % LatencyMonitor.SAMPLES) {
                long level = high == low ? rows : 1 + (s.latencies[i] - low) * (rows - 1) / (high - low);
                sb.append(level >= row ? (level == row ? '_' : '|') : ' ');
            }
            sb.append('\n');
        }
        long now = System.currentTimeMillis() / 1000;
        for (int k = 0, i = s.first(); k < s.count(); k++, i = (i + 1) % LatencyMonitor.SAMPLES) {
            long ago = now - s.times[i];
            sb.append(ago < 60 ? ago + "s" : ago / 60 + "m").append(k + 1 < s.count() ? " " : "");
        }
        sb.append('\n');
        c.reply().verbatim("txt", sb.toString());
    }

    void latencyDoctor(Client c, byte[][] argv) {
        LatencyMonitor m = server.latencyMonitor();
        StringBuilder sb = new StringBuilder();
        if (m.events().isEmpty()) {
            if (m.threshold() == 0) {
                sb.append("I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. "
                        + "You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable it. "
                        + "If we weren't in a deep space mission I'd suggest to take a look at "
                        + "https://redis.io/topics/latency-monitor.\n");
            } else {
                sb.append("Dave, no latency spike was observed during the lifetime of this Redis instance, not in the "
                        + "slightest bit. I honestly think you ought to sit down calmly, take a stress pill, and think "
                        + "things over.\n");
            }
            c.reply().verbatim("txt", sb.toString());
            return;
        }
        sb.append("Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you Dave?\n\n");
        int n = 1;
        boolean commands = false;
        boolean fast = false;
        boolean expire = false;
        for (Map.Entry<String, LatencyMonitor.Series> e : m.events().entrySet()) {
            LatencyMonitor.Series s = e.getValue();
            long sum = 0;
            for (int k = 0, i = s.first(); k < s.count(); k++, i = (i + 1) % LatencyMonitor.SAMPLES) {
                sum += s.latencies[i];
            }
            long avg = s.count() == 0 ? 0 : sum / s.count();
            long dev = 0;
            for (int k = 0, i = s.first(); k < s.count(); k++, i = (i + 1) % LatencyMonitor.SAMPLES) {
                dev += Math.abs(s.latencies[i] - avg);
            }
            dev = s.count() == 0 ? 0 : dev / s.count();
            double period = 1.0;
            if (s.count() > 1) {
                long span = s.times[s.latestIndex()] - s.times[s.first()];
                period = (double) span / (s.count() - 1);
            }
            sb.append(n++).append(". ").append(e.getKey()).append(": ").append(s.count())
                    .append(" latency spikes (average ").append(avg).append("ms, mean deviation ").append(dev)
                    .append("ms, period ").append(String.format(Locale.ROOT, "%.2f", period))
                    .append(" sec). Worst all time event ").append(s.max).append("ms.\n");
            commands |= e.getKey().equals("command");
            fast |= e.getKey().equals("fast-command");
            expire |= e.getKey().startsWith("expire");
        }
        sb.append("\nI have a few advices for you:\n\n");
        if (commands || fast) {
            sb.append("- Check your Slow Log to understand what are the commands you are running which are too slow to "
                    + "execute. Please check https://redis.io/commands/slowlog for more information.\n");
        }
        if (fast) {
            sb.append("- The system is slow to execute Redis code paths not containing system calls. This usually means "
                    + "the system does not provide Redis CPU time to run for long periods. You should try to lower the "
                    + "system load, or to give Redis a CPU of its own.\n");
        }
        if (commands || expire) {
            sb.append("- Deleting, expiring or evicting (because of maxmemory policy) large objects is a blocking "
                    + "operation. If you have very large objects that are often deleted, expired, or evicted, try to "
                    + "fragment those objects into multiple smaller objects.\n");
        }
        c.reply().verbatim("txt", sb.toString());
    }

    void latencyHistogram(Client c, byte[][] argv) {
        List<CommandSpec> specs = new ArrayList<>();
        if (argv.length == 2) {
            for (CommandSpec s : allSpecs()) {
                if (s.latency() != null) {
                    specs.add(s);
                }
            }
        } else {
            for (int i = 2; i < argv.length; i++) {
                String name = Args.lower(argv[i]);
                int bar = name.indexOf('|');
                CommandSpec s = server.commands().lookup(bar < 0 ? name : name.substring(0, bar));
                if (s != null && bar >= 0) {
                    s = s.subcommand(name.substring(bar + 1));
                }
                if (s == null) {
                    continue;
                }
                if (s.latency() != null) {
                    specs.add(s);
                }
                for (CommandSpec sub : s.subcommands().values()) {
                    if (sub.latency() != null) {
                        specs.add(sub);
                    }
                }
            }
        }
        RespWriter r = c.reply();
        r.mapHeader(specs.size());
        long[] buckets = new long[2 * 64];
        for (CommandSpec s : specs) {
            LatencyHistogram h = s.latency();
            r.bulk(s.fullName());
            r.mapHeader(2);
            r.bulk("calls");
            r.integer(h.count());
            r.bulk("histogram_usec");
            int n = h.cumulativeByPowerOfTwoMicros(buckets);
            r.mapHeader(n / 2);
            for (int i = 0; i < n; i++) {
                r.integer(buckets[i]);
            }
        }
    }

    void latencyHelp(Client c, byte[][] argv) {
        helpReply(c, "LATENCY",
                "DOCTOR",
                "    Return a human readable latency analysis report.",
                "GRAPH <event>",
                "    Return an ASCII latency graph for the <event> class.",
                "HISTORY <event>",
                "    Return time-latency samples for the <event> class.",
                "LATEST",
                "    Return the latest latency samples for all events.",
                "RESET [<event> ...]",
                "    Reset latency data of one or more <event> classes.",
                "    (default: reset all data for all event classes)",
                "HISTOGRAM [COMMAND ...]",
                "    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.",
                "    If no commands are specified then all histograms are replied.");
    }

    // ---- MEMORY -------------------------------------------------------------------------------

    void memoryUsage(Client c, byte[][] argv) {
        long samples = 5;
        for (int j = 3; j < argv.length; j++) {
            if (Args.is(argv[j], "SAMPLES") && j + 1 < argv.length) {
                samples = Args.parseLong(argv[j + 1]);
                if (samples == Args.NOT_A_NUMBER && !Args.isLong(argv[j + 1])) {
                    c.error(Args.NOT_INTEGER);
                    return;
                }
                if (samples < 0) {
                    c.error(Args.SYNTAX);
                    return;
                }
                if (samples == 0) {
                    samples = Long.MAX_VALUE;
                }
                j++;
            } else {
                c.error(Args.SYNTAX);
                return;
            }
        }
        StoredValue v = c.db().peek(argv[2]);
        if (v == null) {
            c.reply().nullBulk();
            return;
        }
        c.reply().integer(keyUsage(argv[2], v, samples));
    }

    /**
     * An estimate of the memory a key costs, as Redis accounts it: the value (object header plus
     * payload in allocator size classes, collections sampled), the key's string and the table entry.
     */
    static long keyUsage(byte[] key, StoredValue v, long samples) {
        return valueSize(v, samples) + sdsSize(key.length) + 24;
    }

    static long valueSize(StoredValue v, long samples) {
        if (v.type() == ValueType.STRING) {
            byte[] b = v.bytes();
            if (b.length <= 20 && Args.isLong(b)) {
                return 16; // the integer lives in the object header
            }
            if (b.length <= 44) {
                return sizeClass(16 + 3 + b.length + 1); // embedded string
            }
            return 16 + sdsSize(b.length);
        }
        // Collections estimate themselves (sampling where they are large, as Redis does).
        return 16 + ((CollectionValue) v.object()).memoryUsage();
    }

    /** Allocated size of a string of {@code len} bytes with its header, as an sds. */
    static long sdsSize(int len) {
        int header = len < 256 ? 3 : len < 65536 ? 5 : 9;
        return sizeClass(header + len + 1);
    }

    /** jemalloc's size classes: 8, 16, 32, 48, 64, 80, ... then four classes per doubling. */
    static long sizeClass(long n) {
        if (n <= 8) {
            return 8;
        }
        if (n <= 128) {
            return (n + 15) / 16 * 16;
        }
        long p = Long.highestOneBit(n - 1);
        long step = p / 4;
        return (n + step - 1) / step * step;
    }

    void memoryStats(Client c, byte[][] argv) {
        long used = usedMemory();
        long heap = heapUsed();
        long dataset = used; // used_memory is the dataset's accounting (see the class comment)
        long committed = Runtime.getRuntime().totalMemory();
        long rss = rss();
        long keys = 0;
        List<Integer> nonEmpty = new ArrayList<>();
        for (int i = 0; i < server.keyspace().count(); i++) {
            long n = server.keyspace().db(i).size();
            keys += n;
            if (n > 0) {
                nonEmpty.add(i);
            }
        }
        RespWriter r = c.reply();
        r.mapHeader(27 + nonEmpty.size());
        r.bulk("peak.allocated");
        r.integer(peakMemory);
        r.bulk("total.allocated");
        r.integer(used);
        r.bulk("startup.allocated");
        r.integer(0);
        for (String f : new String[] {"replication.backlog", "clients.slaves", "clients.normal", "cluster.links",
            "aof.buffer", "lua.caches", "functions.caches"}) {
            r.bulk(f);
            r.integer(0);
        }
        for (int i : nonEmpty) {
            Database db = server.keyspace().db(i);
            r.bulk("db." + i);
            r.mapHeader(3);
            r.bulk("overhead.hashtable.main");
            r.integer(db.size() * 40);
            r.bulk("overhead.hashtable.expires");
            r.integer(db.volatileSize() * 40);
            r.bulk("overhead.hashtable.slot-to-keys");
            r.integer(0);
        }
        r.bulk("overhead.total");
        r.integer(0);
        r.bulk("keys.count");
        r.integer(keys);
        r.bulk("keys.bytes-per-key");
        r.integer(keys == 0 ? 0 : used / keys);
        r.bulk("dataset.bytes");
        r.integer(dataset);
        r.bulk("dataset.percentage");
        r.doubleValue(used == 0 ? 0 : 100.0 * dataset / used);
        r.bulk("peak.percentage");
        r.doubleValue(peakMemory == 0 ? 0 : 100.0 * used / peakMemory);
        r.bulk("allocator.allocated");
        r.integer(heap);
        r.bulk("allocator.active");
        r.integer(committed);
        r.bulk("allocator.resident");
        r.integer(rss);
        r.bulk("allocator-fragmentation.ratio");
        r.doubleValue(heap == 0 ? 0 : (double) committed / heap);
        r.bulk("allocator-fragmentation.bytes");
        r.integer(committed - heap);
        r.bulk("allocator-rss.ratio");
        r.doubleValue(committed == 0 ? 0 : (double) rss / committed);
        r.bulk("allocator-rss.bytes");
        r.integer(rss - committed);
        r.bulk("rss-overhead.ratio");
        r.doubleValue(1.0);
        r.bulk("rss-overhead.bytes");
        r.integer(0);
        r.bulk("fragmentation");
        r.doubleValue(used == 0 ? 0 : (double) rss / used);
        r.bulk("fragmentation.bytes");
        r.integer(rss - used);
    }

    void memoryDoctor(Client c, byte[][] argv) {
        String text;
        if (server.keyspace().usedMemory() < 5L * 1024 * 1024) {
            text = "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in "
                    + "these conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam "
                    + "and I will be back to our programming as soon as I finished rebooting.\n";
        } else {
            text = "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.\n";
        }
        c.reply().verbatim("txt", text);
    }

    void memoryMallocStats(Client c, byte[][] argv) {
        StringBuilder sb = new StringBuilder("___ Begin JVM memory statistics ___\n");
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            java.lang.management.MemoryUsage u = p.getUsage();
            sb.append(p.getType() == java.lang.management.MemoryType.HEAP ? "heap" : "non-heap").append(' ')
                    .append(p.getName()).append(": used=").append(u.getUsed()).append(" committed=")
                    .append(u.getCommitted()).append(" max=").append(u.getMax()).append('\n');
        }
        sb.append("--- End JVM memory statistics ---\n");
        c.reply().verbatim("txt", sb.toString());
    }

    void memoryPurge(Client c, byte[][] argv) {
        // Redis asks jemalloc to return dirty pages; the JVM's collector returns memory on its own.
        c.reply().ok();
    }

    void memoryHelp(Client c, byte[][] argv) {
        helpReply(c, "MEMORY",
                "DOCTOR",
                "    Return memory problems reports.",
                "MALLOC-STATS",
                "    Return internal statistics report from the memory allocator.",
                "PURGE",
                "    Attempt to purge dirty pages for reclamation by the allocator.",
                "STATS",
                "    Return information about the memory usage of the server.",
                "USAGE <key> [SAMPLES <count>]",
                "    Return memory in bytes used by <key> and its value. Nested values are",
                "    sampled up to <count> times (default: 5, 0 means sample all).");
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
