package dev.podis.storage;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Parsing the cgroup CPU quota files (v2 cpu.max; v1 cfs_quota_us / cfs_period_us). */
class CpuQuotaTest {
    @Test
    void cgroupV2CpuMax() {
        assertEquals(-1, CpuQuota.fromCpuMax("max 100000\n"));
        assertEquals(1.5, CpuQuota.fromCpuMax("150000 100000\n"));
        assertEquals(0.25, CpuQuota.fromCpuMax("25000 100000"));
        assertEquals(-1, CpuQuota.fromCpuMax(null));
        assertEquals(-1, CpuQuota.fromCpuMax("garbage"));
    }

    @Test
    void cgroupV1Cfs() {
        assertEquals(-1, CpuQuota.fromCfs("-1\n", "100000\n"));
        assertEquals(2.0, CpuQuota.fromCfs("200000\n", "100000\n"));
        assertEquals(-1, CpuQuota.fromCfs(null, "100000"));
        assertEquals(-1, CpuQuota.fromCfs("50000", "0"));
    }
}
