#!/bin/sh
# Sizes the JVM from the container's memory limit L, then replaces itself with Java (exec), so
# Java runs as PID 1 and receives SIGTERM directly.
#
#   heap        = L / 4, at least 64 MiB, at most 31 GiB, committed up front (-Xms = -Xmx);
#                 with no limit a quarter of the machine's memory (the JVM's own default), grown
#                 as needed: a fixed 512 MiB made the collector pace writers once collections
#                 filled it
#   direct      = L / 16, at least 32 MiB, at most 256 MiB (256 MiB when there is no limit)
#   GC          = Shenandoah: concurrent, so its pauses do not grow with the live data as G1's
#                 do, and unlike JDK 17's ZGC it maps the heap once, so RSS means what it says
#                 (docs/operations.md compares G1, Shenandoah and ZGC); a collector chosen in
#                 JAVA_OPTS (e.g. -XX:+UseG1GC) replaces it
#   native trim = -XX:TrimNativeHeapInterval=5000: every 5 s the JVM hands glibc's free native
#                 memory back to the kernel; what the JIT compiler used while warming up (tens
#                 of MB) otherwise stays in the process's RSS (measured: 1 M keys, RSS per key
#                 180-195 bytes without, 150-156 with; JDK 17.0.9 and later)
#   huge pages  = -XX:+UseTransparentHugePages when the kernel offers transparent huge pages
#                 (/sys/kernel/mm/transparent_hugepage/enabled says [always] or [madvise]):
#                 the heap in 2 MiB pages, so a command that touches a few of 100 K heap objects
#                 (PFADD, INCR on many keys) does not pay a TLB miss and page walk for each
#                 (docs/operations.md, "JVM options"); JAVA_OPTS=-XX:-UseTransparentHugePages
#                 turns it off
# Collections (lists, hashes, sets, sorted sets) live in the heap, strings off-heap. With
# maxmemory unset, Podis derives it from the same limit and this JVM's own sizes:
#   maxmemory = L - heap - direct - (96 MiB + L / 16)
# (docs/operations.md, "Memory"), so the process stays below L and the kernel never OOM-kills it.
# JAVA_OPTS is appended last, so any flag in it wins (e.g. JAVA_OPTS=-Xmx2g); maxmemory follows.
#
# `entrypoint.sh --jvm-options` prints the JVM options it would run Java with and exits (the
# side-by-side benchmark runs Podis with them).
#
# Arguments are Podis's: an optional config file first, then --<config-name> <value> flags.
# --dir /data is inserted right after the config file, so a --dir flag given here still wins.
set -eu

MIB=1048576
limit=""
if [ -r /sys/fs/cgroup/memory.max ]; then
    limit=$(cat /sys/fs/cgroup/memory.max)                       # cgroup v2: bytes or "max"
elif [ -r /sys/fs/cgroup/memory/memory.limit_in_bytes ]; then
    limit=$(cat /sys/fs/cgroup/memory/memory.limit_in_bytes)     # cgroup v1: a huge number when unlimited
fi
case "$limit" in
    ''|max|*[!0-9]*) limit=0 ;;
esac
# cgroup v1 reports "no limit" as a number close to 2^63; anything above 1 PiB counts as none.
if [ "${#limit}" -gt 16 ]; then
    limit=0
fi

if [ "$limit" -gt 0 ]; then
    heap=$((limit / 4 / MIB))
    if [ "$heap" -lt 64 ]; then heap=64; fi
    if [ "$heap" -gt 31744 ]; then heap=31744; fi
    direct=$((limit / 16 / MIB))
    if [ "$direct" -lt 32 ]; then direct=32; fi
    if [ "$direct" -gt 256 ]; then direct=256; fi
    initial="-Xms${heap}m"
else
    total_kib=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo 2>/dev/null || echo 0)
    heap=$((${total_kib:-0} / 4 / 1024))
    if [ "$heap" -lt 512 ]; then heap=512; fi
    if [ "$heap" -gt 31744 ]; then heap=31744; fi
    direct=256
    initial=""
fi

# Fewer glibc malloc arenas: native memory (the off-heap keyspace's) stays compact.
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"

# The collector, unless JAVA_OPTS picks one (the JVM refuses to start with two).
case " ${JAVA_OPTS:-} " in
    *" -XX:+UseG1GC "*|*" -XX:+UseZGC "*|*" -XX:+UseShenandoahGC "*|*" -XX:+UseParallelGC "*|*" -XX:+UseSerialGC "*|*" -XX:+UseEpsilonGC "*)
        gc="" ;;
    *)
        gc="-XX:+UseShenandoahGC" ;;
esac

JVM_OPTS="${initial:+$initial }-Xmx${heap}m -XX:MaxDirectMemorySize=${direct}m ${gc} -XX:+ExitOnOutOfMemoryError"
JVM_OPTS="$JVM_OPTS -XX:TrimNativeHeapInterval=5000"
# Transparent huge pages for the heap where the kernel has them (only there: elsewhere the JVM
# would start with a warning and without them).
case "$(cat /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null || true)" in
    *"[always]"*|*"[madvise]"*)
        JVM_OPTS="$JVM_OPTS -XX:+UseTransparentHugePages" ;;
esac
# The class-data sharing archive made when the image was built (docker/cds-archive.sh): classes
# mapped instead of loaded at start-up. A JVM that cannot use it warns and starts without it.
if [ -r /opt/podis/podis.jsa ]; then
    JVM_OPTS="$JVM_OPTS -XX:SharedArchiveFile=/opt/podis/podis.jsa"
fi

case "${1:-}" in
    --jvm-options)
        echo "$JVM_OPTS ${JAVA_OPTS:-}"
        exit 0 ;;
    --help|-h|--version|-v|-V)   # recognised only as the first argument
        # shellcheck disable=SC2086
        exec java $JVM_OPTS ${JAVA_OPTS:-} -jar /opt/podis/podis.jar "$@" ;;
esac
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then
    conf=$1
    shift
    # shellcheck disable=SC2086
    exec java $JVM_OPTS ${JAVA_OPTS:-} -jar /opt/podis/podis.jar "$conf" --dir /data "$@"
fi
# shellcheck disable=SC2086
exec java $JVM_OPTS ${JAVA_OPTS:-} -jar /opt/podis/podis.jar --dir /data "$@"
