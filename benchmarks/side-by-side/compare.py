#!/usr/bin/env python3
"""Side-by-side benchmark: Debian's redis-server and Podis on the same machine in the same run.

Runs redis-benchmark against both, alternating A B A B so that machine noise hits both alike,
and prints per test the median throughput of each, the ratio Podis/Redis and p50/p99 latency.
Optionally measures memory per key (RSS growth after loading 16-byte keys with 100-byte values).

Usage (from the repository root, after `mvn -q -DskipTests package`):
  python3 benchmarks/side-by-side/compare.py [--tests set,get] [--pipeline 1,16] [--rounds 3]
                                             [--requests 1000000] [--memory-keys 1000000]
                                             [--server-args '--appendonly yes'] [--name side-by-side]
Writes benchmarks/results/<date>-<name>.{csv,md} (name: side-by-side unless --name says otherwise).
"""
import argparse, csv, datetime, io, os, platform, socket, statistics, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def wait_port(port, timeout=30):
    end = time.time() + timeout
    while time.time() < end:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit("server on port %d did not start" % port)


SERVER_ARGS = []  # --server-args: given to both servers after the defaults (later flags win)


def start_redis(workdir):
    port = free_port()
    proc = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--dir", workdir] + SERVER_ARGS,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_port(port)
    return proc, port


PODIS_JAR = os.path.join(ROOT, "server", "target", "podis.jar")


def start_podis(workdir, jvm_opts):
    port = free_port()
    # The server's output goes to podis.log in its work directory, to explain a server that died.
    log = open(os.path.join(workdir, "podis.log"), "ab")
    proc = subprocess.Popen(["java"] + jvm_opts + ["-jar", PODIS_JAR, "--port", str(port), "--bind", "127.0.0.1",
                                                   "--save", "", "--appendonly", "no", "--dir", workdir]
                            + SERVER_ARGS,
                            stdout=log, stderr=subprocess.STDOUT)
    wait_port(port)
    return proc, port


def check_alive(proc, name):
    if proc.poll() is not None:
        raise SystemExit("%s exited with status %s during the run" % (name, proc.returncode))


def bench(port, tests, pipeline, requests, clients=50, size=100, keyspace=100000):
    out = subprocess.run(["redis-benchmark", "-p", str(port), "-c", str(clients), "-d", str(size),
                          "-r", str(keyspace), "-n", str(requests), "-P", str(pipeline), "-t", tests,
                          "--csv"], capture_output=True, text=True, check=True).stdout
    rows = {}
    for r in csv.DictReader(io.StringIO(out)):
        rows[r["test"]] = (float(r["rps"]), float(r["p50_latency_ms"]), float(r["p99_latency_ms"]))
    return rows


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def load_keys(port, n):
    """SET key:%012d (16 bytes) to a 100-byte value, n times, through redis-cli --pipe."""
    value = b"v" * 100
    buf = io.BytesIO()
    for i in range(n):
        k = b"key:%012d" % i
        buf.write(b"*3\r\n$3\r\nSET\r\n$16\r\n%s\r\n$100\r\n%s\r\n" % (k, value))
    subprocess.run(["redis-cli", "-p", str(port), "--pipe"], input=buf.getvalue(),
                   capture_output=True, check=True)


def memory_per_key(start, workdir, n):
    proc, port = start(workdir)
    try:
        time.sleep(1)
        before = rss_kb(proc.pid)
        load_keys(port, n)
        time.sleep(2)
        after = rss_kb(proc.pid)
        return (after - before) * 1024.0 / n
    finally:
        proc.terminate()
        proc.wait()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tests", default="set,get")
    ap.add_argument("--pipeline", default="1,16")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--requests", type=int, default=1000000)
    ap.add_argument("--memory-keys", type=int, default=0)
    ap.add_argument("--jvm-opts", default="")
    ap.add_argument("--jar", default=None, help="the Podis jar to run (default server/target/podis.jar)")
    ap.add_argument("--server-args", default="",
                    help="flags for both servers, e.g. '--appendonly yes --appendfsync everysec'")
    ap.add_argument("--name", default="side-by-side",
                    help="results go to benchmarks/results/<date>-<name>.{md,csv}")
    args = ap.parse_args()
    global PODIS_JAR
    SERVER_ARGS.extend(args.server_args.split())
    if args.jar:
        PODIS_JAR = os.path.abspath(args.jar)
    jvm_opts = args.jvm_opts.split()
    workdir = os.path.join("/tmp", "podis-bench-%d" % os.getpid())
    os.makedirs(workdir + "/redis", exist_ok=True)
    os.makedirs(workdir + "/podis", exist_ok=True)

    redis, rport = start_redis(workdir + "/redis")
    podis, pport = start_podis(workdir + "/podis", jvm_opts)
    results = {}  # (test, pipeline, server) -> list of (rps, p50, p99)
    try:
        # Warm-up both (Podis's JIT needs it; Redis gets the same treatment). Measured on a fresh
        # Podis at -P 16: the first 200 K requests run at a quarter of the steady rate, which is
        # reached after about 600 K-1 M requests per test.
        for port in (rport, pport):
            bench(port, args.tests, 16, max(args.requests, 1000000))
        for rnd in range(args.rounds):
            for p in [int(x) for x in args.pipeline.split(",")]:
                for name, port in (("redis", rport), ("podis", pport)):
                    for test, row in bench(port, args.tests, p, args.requests).items():
                        results.setdefault((test, p, name), []).append(row)
                    check_alive(redis if name == "redis" else podis, name)
            print("round %d done" % (rnd + 1), file=sys.stderr)
    finally:
        for proc in (redis, podis):
            proc.terminate()
            proc.wait()

    lines = []
    table = []
    for (test, p, name) in sorted(results):
        if name != "redis":
            continue
        r = results[(test, p, "redis")]
        q = results.get((test, p, "podis"), [])
        if not q:
            continue
        med = lambda rows, i: statistics.median(x[i] for x in rows)
        table.append((test, p, med(r, 0), med(q, 0), med(q, 0) / med(r, 0),
                      med(r, 1), med(q, 1), med(r, 2), med(q, 2)))
    mem = None
    if args.memory_keys:
        mem = (memory_per_key(start_redis, workdir + "/redis", args.memory_keys),
               memory_per_key(lambda d: start_podis(d, jvm_opts), workdir + "/podis", args.memory_keys))

    stamp = datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M UTC")
    cmd = "python3 benchmarks/side-by-side/compare.py " + " ".join(sys.argv[1:])
    redis_version = subprocess.run(["redis-server", "--version"], capture_output=True, text=True).stdout.strip()
    md = ["# Podis vs Redis, side by side", "",
          "Measured %s on %s (%d cores), %s." % (stamp, platform.node() or "this machine", os.cpu_count(), redis_version),
          "Command: `%s`" % cmd,
          "redis-benchmark -c 50 -d 100 -r 100000 -n %d, %d rounds alternating Redis and Podis; medians." % (args.requests, args.rounds)
          + (" Both servers ran with `%s`." % args.server_args if args.server_args else ""),
          "",
          "| test | -P | Redis rps | Podis rps | Podis/Redis | Redis p50 ms | Podis p50 ms | Redis p99 ms | Podis p99 ms |",
          "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for t in table:
        md.append("| %s | %d | %.0f | %.0f | %.2f | %.3f | %.3f | %.3f | %.3f |" % t)
    if mem:
        md += ["", "Memory per key (RSS growth after %d SETs of 16-byte keys, 100-byte values): Redis %.0f B, Podis %.0f B." % (args.memory_keys, mem[0], mem[1])]
    report = "\n".join(md) + "\n"
    print(report)
    os.makedirs(os.path.join(ROOT, "benchmarks", "results"), exist_ok=True)
    base = os.path.join(ROOT, "benchmarks", "results", datetime.datetime.utcnow().strftime("%Y-%m-%d") + "-" + args.name)
    with open(base + ".md", "w") as f:
        f.write(report)
    with open(base + ".csv", "w") as f:
        w = csv.writer(f)
        w.writerow(["test", "pipeline", "redis_rps", "podis_rps", "ratio", "redis_p50_ms", "podis_p50_ms", "redis_p99_ms", "podis_p99_ms"])
        for t in table:
            w.writerow(t)


if __name__ == "__main__":
    main()
