package dev.podis.storage;

import java.nio.file.Files;
import java.nio.file.Path;

/** The CPU quota of the process's cgroup, next to {@link MemoryBudget}'s memory limit. */
public final class CpuQuota {
    private CpuQuota() {
    }

    /**
     * The CPUs the cgroup may use per period (quota / period, e.g. 1.5), or -1 when there is no
     * quota: cgroup v2 {@code cpu.max} ("max 100000" or "150000 100000"), else v1
     * {@code cpu.cfs_quota_us} / {@code cpu.cfs_period_us} (quota -1 means none).
     */
    public static double cgroupQuota() {
        double v2 = fromCpuMax(read(Path.of("/sys/fs/cgroup/cpu.max")));
        if (v2 > 0) {
            return v2;
        }
        for (String dir : new String[] {"/sys/fs/cgroup/cpu", "/sys/fs/cgroup/cpu,cpuacct"}) {
            double v1 = fromCfs(read(Path.of(dir, "cpu.cfs_quota_us")), read(Path.of(dir, "cpu.cfs_period_us")));
            if (v1 > 0) {
                return v1;
            }
        }
        return -1;
    }

    /** cgroup v2 {@code cpu.max}: "$MAX $PERIOD", MAX "max" for none; -1 when none or unreadable. */
    static double fromCpuMax(String s) {
        if (s == null) {
            return -1;
        }
        String[] f = s.trim().split("\\s+");
        if (f.length < 1 || f[0].equals("max")) {
            return -1;
        }
        try {
            long quota = Long.parseLong(f[0]);
            long period = f.length > 1 ? Long.parseLong(f[1]) : 100_000;
            return quota > 0 && period > 0 ? (double) quota / period : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** cgroup v1: quota and period in microseconds, quota -1 for none; -1 when none or unreadable. */
    static double fromCfs(String quota, String period) {
        if (quota == null || period == null) {
            return -1;
        }
        try {
            long q = Long.parseLong(quota.trim());
            long p = Long.parseLong(period.trim());
            return q > 0 && p > 0 ? (double) q / p : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (Exception e) {
            return null;
        }
    }
}
