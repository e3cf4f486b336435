#!/bin/sh
# Sizes the JVM from the container's memory limit L, then replaces itself with Java (exec), so
# Java runs as PID 1 and receives SIGTERM directly.
#
#   heap        = L / 4, at least 64 MiB, at most 31 GiB  (512 MiB when there is no limit)
#   direct      = L / 16, at least 32 MiB, at most 256 MiB (256 MiB when there is no limit)
#   GC          = G1 with a 20 ms pause target (JAVA_OPTS=-XX:+UseZGC for sub-millisecond pauses;
#                 docs/operations.md compares the two)
# Collections (lists, hashes, sets, sorted sets) live in the heap, strings off-heap. With
# maxmemory unset, Podis derives it from the same limit and this JVM's own sizes:
#   maxmemory = L - heap - direct - (96 MiB + L / 16)
# (docs/operations.md, "Memory"), so the process stays below L and the kernel never OOM-kills it.
# JAVA_OPTS is appended last, so any flag in it wins (e.g. JAVA_OPTS=-Xmx2g); maxmemory follows.
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
else
    heap=512
    direct=256
fi

# Fewer glibc malloc arenas: native memory (the off-heap keyspace's) stays compact.
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"

JVM_OPTS="-Xms${heap}m -Xmx${heap}m -XX:MaxDirectMemorySize=${direct}m -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExitOnOutOfMemoryError"
# The class-data sharing archive made when the image was built (docker/cds-archive.sh): classes
# mapped instead of loaded at start-up. A JVM that cannot use it warns and starts without it.
if [ -r /opt/podis/podis.jsa ]; then
    JVM_OPTS="$JVM_OPTS -XX:SharedArchiveFile=/opt/podis/podis.jsa"
fi

case "${1:-}" in
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
