#!/bin/sh
# Sizes the JVM from the container's memory limit, then replaces itself with Java (exec), so
# Java runs as PID 1 and receives SIGTERM directly.
#
#   heap        = limit / 8, at least 64 MiB, at most 1 GiB  (512 MiB when there is no limit)
#   direct      = limit / 16, at least 32 MiB, at most 256 MiB (256 MiB when there is no limit)
#   GC          = ZGC: pauses of tens of microseconds whatever the heap holds (G1's young pauses
#                 took 5-300 ms here; see docs/operations.md)
# The rest of the limit is left to the off-heap keyspace, which sizes itself from the same limit.
# JAVA_OPTS is appended last, so any flag in it wins (e.g. JAVA_OPTS=-Xmx2g).
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
    heap=$((limit / 8 / MIB))
    if [ "$heap" -lt 64 ]; then heap=64; fi
    if [ "$heap" -gt 1024 ]; then heap=1024; fi
    direct=$((limit / 16 / MIB))
    if [ "$direct" -lt 32 ]; then direct=32; fi
    if [ "$direct" -gt 256 ]; then direct=256; fi
else
    heap=512
    direct=256
fi

JVM_OPTS="-Xms${heap}m -Xmx${heap}m -XX:MaxDirectMemorySize=${direct}m -XX:+UseZGC -XX:+ExitOnOutOfMemoryError"

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
