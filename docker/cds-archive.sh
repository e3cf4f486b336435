#!/bin/bash
# Run at image build time: starts Podis once with -XX:ArchiveClassesAtExit, waits for PONG, sends a
# few commands and SHUTDOWN NOSAVE, so that the JVM writes a class-data sharing archive of the
# classes (and lambda proxy classes) a start loads. entrypoint.sh passes it with
# -XX:SharedArchiveFile: the JVM then maps those classes instead of loading, verifying and
# generating them, which takes about half of the JVM's start-up CPU. A JVM that cannot use the
# archive (another JDK build, a changed jar) warns and starts without it.
#
# The training start does what a pod's start does: the admin port serves a scrape of /metrics
# (Micrometer and the HTTP server load many classes), and a small dataset is saved and loaded
# again (the RDB writer, loader and the off-heap insert path). Trained without them, a start with
# a dump.rdb and the admin port took 1.71 s to its first PONG against 1.54 s trained with them.
#
#   docker/cds-archive.sh JAR ARCHIVE
set -eu
jar=$1
archive=$2
port=6390
admin=6391
work=$(mktemp -d)
java -XX:ArchiveClassesAtExit="$archive" -jar "$jar" --port "$port" --bind 127.0.0.1 --save "" \
    --appendonly no --admin-port "$admin" --enable-debug-command yes --dir "$work" >"$work/podis.log" 2>&1 &
pid=$!
ok=0
for _ in $(seq 1 600); do
    if exec 3<>"/dev/tcp/127.0.0.1/$port"; then
        printf 'PING\r\n' >&3
        if read -r -t 10 reply <&3 && [ "${reply%$'\r'}" = "+PONG" ]; then
            (exec 4<>"/dev/tcp/127.0.0.1/$admin" && printf 'GET /metrics HTTP/1.0\r\n\r\n' >&4 && cat <&4 >/dev/null) || true
            printf 'SET cds:key value\r\nGET cds:key\r\nINFO\r\nDEBUG POPULATE 2000 cds 100\r\nDEBUG RELOAD\r\nSHUTDOWN NOSAVE\r\n' >&3
            cat <&3 >/dev/null || true
            ok=1
            break
        fi
        exec 3>&-
    fi 2>/dev/null
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
done
if [ "$ok" != 1 ]; then
    kill "$pid" 2>/dev/null || true
fi
wait "$pid" || true
if [ "$ok" != 1 ] || [ ! -s "$archive" ]; then
    cat "$work/podis.log" >&2
    echo "cds-archive: no archive written" >&2
    rm -rf "$work"
    exit 1
fi
rm -rf "$work"
