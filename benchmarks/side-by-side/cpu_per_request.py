#!/usr/bin/env python3
"""CPU time per request of redis-server and of one or more Podis jars, side by side.

On a shared machine throughput follows the scheduler; the CPU a server spends per request moves
much less with the load. This starts Debian's redis-server and each jar on free loopback ports
(no persistence; Podis with --admin-port -1 and the JVM's defaults unless --jvm-opts), warms each up with 1 M
requests of the test, then runs `redis-benchmark -c 50 -d 100 -r 100000 -P <depth> -n <n> -t
<test>` against each in turn for several rounds, and prints per server the median of the process
CPU time (user + system, all threads, from /proc/<pid>/stat) divided by the requests, and the
median throughput.

    python3 benchmarks/side-by-side/cpu_per_request.py --test incr --jar server/target/podis.jar \\
        --jar /path/to/other/podis.jar
    python3 benchmarks/side-by-side/cpu_per_request.py --command 'PFADD hll:__rand_int__ __rand_int__' \\
        --jvm-opts "$(sh docker/entrypoint.sh --jvm-options)" --jar a.jar --jar b.jar

A jar given as `path::options` runs with those JVM options added (one jar twice with and without
a flag compares the flag). With --command the named command line is run instead of a -t test. Besides the process's CPU it
reports the CPU of the server's command thread alone (Podis's podis-main thread, redis-server's
main thread), which is what a single-threaded command path is bounded by.
"""
import argparse
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare import cpu_seconds, free_port  # noqa: E402


def main_thread_seconds(pid):
    """CPU seconds of the command thread: Podis's podis-main thread, else the process's first thread."""
    total = None
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/comm" % (pid, tid)) as f:
                name = f.read().strip()
        except OSError:
            continue
        if name.startswith("podis-main"):
            total = (total or 0) + cpu_seconds(pid, tid)
    return cpu_seconds(pid, pid) if total is None else total


def bench(port, args, n):
    what = shlex.split(args.command) if args.command else ["-t", args.test]
    out = subprocess.run(["redis-benchmark", "-p", str(port), "-c", "50", "-d", "100", "-r", "100000",
                          "-P", str(args.pipeline), "-n", str(n), "--csv"] + what,
                         capture_output=True, text=True, check=True).stdout
    return float(out.strip().splitlines()[-1].split(",")[1].strip('"'))


def wait_ready(port):
    for _ in range(300):
        r = subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True, text=True)
        if r.stdout.strip() == "PONG":
            return
        time.sleep(0.1)
    raise SystemExit("server on port %d did not answer" % port)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--test", default="incr", help="redis-benchmark -t test (default incr)")
    ap.add_argument("--jar", action="append", default=[],
                    help="a Podis jar, optionally followed by ::JVM options of its own (after --jvm-opts), e.g. "
                         "'podis.jar::-XX:+UseTransparentHugePages' (repeatable; default server/target/podis.jar)")
    ap.add_argument("--requests", type=int, default=1000000, help="requests per run (default 1000000)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--pipeline", type=int, default=16)
    ap.add_argument("--command", default=None, help="a command line to run instead of --test, e.g. "
                                                     "'PFADD hll:__rand_int__ __rand_int__'")
    ap.add_argument("--jvm-opts", default="", help="JVM options for every Podis (default: the JVM's defaults)")
    args = ap.parse_args()
    jars = args.jar or ["server/target/podis.jar"]
    servers = []
    try:
        port = free_port()
        servers.append(("redis-server", port, subprocess.Popen(
            ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", tempfile.mkdtemp()], stdout=subprocess.DEVNULL)))
        for jar in jars:
            path, _, extra = jar.partition("::")
            port = free_port()
            servers.append((jar, port, subprocess.Popen(
                ["java"] + shlex.split(args.jvm_opts) + shlex.split(extra) + ["-jar", path, "--port", str(port), "--bind", "127.0.0.1", "--admin-port", "-1", "--save", "",
                 "--appendonly", "no", "--dir", tempfile.mkdtemp()],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)))
        for _, port, _ in servers:
            wait_ready(port)
            bench(port, args, 1000000)
        cpu = {s[0]: [] for s in servers}
        main_cpu = {s[0]: [] for s in servers}
        rps = {s[0]: [] for s in servers}
        for _ in range(args.rounds):
            for name, port, proc in servers:
                before = cpu_seconds(proc.pid)
                main_before = main_thread_seconds(proc.pid)
                rate = bench(port, args, args.requests)
                cpu[name].append((cpu_seconds(proc.pid) - before) * 1e6 / args.requests)
                main_cpu[name].append((main_thread_seconds(proc.pid) - main_before) * 1e6 / args.requests)
                rps[name].append(rate)
        print("%s -P %d, %d requests x %d rounds; load average %s" % (
            args.command or args.test, args.pipeline, args.requests, args.rounds, " ".join("%.2f" % x for x in os.getloadavg())))
        for name in cpu:
            print("%-40s CPU us/request median %.3f (rounds %s), command thread %.3f (rounds %s), "
                  "requests/s median %.0f" % (
                      name, statistics.median(cpu[name]), " ".join("%.3f" % v for v in cpu[name]),
                      statistics.median(main_cpu[name]), " ".join("%.3f" % v for v in main_cpu[name]),
                      statistics.median(rps[name])))
    finally:
        for _, _, proc in servers:
            proc.terminate()
            proc.wait()


if __name__ == "__main__":
    main()
