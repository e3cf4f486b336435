package dev.podis.storage;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/** Where the keyspace's memory budget comes from when no {@code maxmemory} is configured. */
public final class MemoryBudget {
    private MemoryBudget() {
    }

    /**
     * The memory this process may use: the cgroup limit (v2 {@code memory.max}, v1
     * {@code memory.limit_in_bytes}) when one is set and below the physical memory, else the
     * physical memory.
     */
    public static long machineLimit() {
        long physical = hostMemory();
        long cgroup = Math.min(readLimit(Path.of("/sys/fs/cgroup/memory.max")),
                readLimit(Path.of("/sys/fs/cgroup/memory/memory.limit_in_bytes")));
        if (cgroup > 0 && (physical <= 0 || cgroup < physical)) {
            return cgroup;
        }
        return physical > 0 ? physical : 1L << 30;
    }

    /**
     * The cgroup memory limit alone (v2 {@code memory.max}, v1 {@code memory.limit_in_bytes}),
     * or -1 when there is none ("max", a missing file, or v1's "unlimited" value above the
     * physical memory).
     */
    public static long cgroupLimit() {
        long cgroup = Math.min(readLimit(Path.of("/sys/fs/cgroup/memory.max")),
                readLimit(Path.of("/sys/fs/cgroup/memory/memory.limit_in_bytes")));
        // The host's memory: inside a container the JVM reports the container's limit as its
        // physical memory, which must not make that limit look like "no limit".
        long physical = hostMemory();
        if (cgroup == Long.MAX_VALUE || (physical > 0 && cgroup >= physical)) {
            return -1;
        }
        return cgroup;
    }

    /** MemTotal of /proc/meminfo (the host's memory, even in a container), else the JVM's physical memory. */
    static long hostMemory() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    String[] f = line.substring(9).trim().split("\\s+");
                    return Long.parseLong(f[0]) * (f.length > 1 && f[1].equalsIgnoreCase("kB") ? 1024 : 1);
                }
            }
        } catch (Exception e) {
            // fall through
        }
        return physicalMemory();
    }

    /** {@code maxmemory} when set (> 0), else {@link #machineLimit()}. */
    public static long budget(long maxmemory) {
        return maxmemory > 0 ? maxmemory : machineLimit();
    }

    static long physicalMemory() {
        try {
            java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
            if (os instanceof com.sun.management.OperatingSystemMXBean) {
                return ((com.sun.management.OperatingSystemMXBean) os).getTotalMemorySize();
            }
        } catch (RuntimeException | LinkageError e) {
            // fall through
        }
        return -1;
    }

    /** A cgroup limit file's value; Long.MAX_VALUE for "max", a missing file or garbage. */
    static long readLimit(Path p) {
        try {
            String s = Files.readString(p).trim();
            if (s.isEmpty() || s.equals("max")) {
                return Long.MAX_VALUE;
            }
            long v = Long.parseLong(s);
            return v > 0 ? v : Long.MAX_VALUE;
        } catch (Exception e) {
            return Long.MAX_VALUE;
        }
    }
}
