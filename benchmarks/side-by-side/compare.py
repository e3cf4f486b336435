#!/usr/bin/env python3
"""Side-by-side benchmark: Debian's redis-server and Podis on the same machine in the same run.

Runs redis-benchmark against both, alternating A B A B so that machine noise hits both alike,
and prints per test the median throughput of each, the ratio Podis/Redis and p50/p99 latency.
Optionally measures memory per key (RSS growth after loading 16-byte keys with 100-byte values).

Usage (from the repository root, after `mvn -q -DskipTests package`):
  python3 benchmarks/side-by-side/compare.py [--tests set,get] [--pipeline 1,16] [--rounds 3]
                                             [--requests 1000000] [--memory-keys 1000000]
                                             [--command "PUBLISH bench:ch {data}" ...]
                                             [--subscribers 10 --subscribe bench:ch]
                                             [--server-args '--appendonly yes'] [--name side-by-side]
--command runs an arbitrary command line through redis-benchmark (repeatable; "LABEL=CMD ARGS" names
the row; {data} stands for a value of -d bytes; redis-benchmark placeholders such as __rand_int__
work); --tests '' skips the -t tests. --setup runs a command on both servers first (repeatable,
shell-style quoting), and {setup} in a --command stands for the last setup command's reply, e.g.
  --setup "SCRIPT LOAD \"return redis.call('incr', KEYS[1])\"" --command "evalsha=EVALSHA {setup} 1 key:__rand_int__"
--subscribers keeps N connections subscribed to --subscribe on each server for the whole run,
reading and discarding what they receive (a subscriber that gets disconnected, e.g. by
client-output-buffer-limit, fails the run).
Writes benchmarks/results/<date>-<name>.{csv,md} (name: side-by-side unless --name says otherwise).
"""
import argparse, csv, datetime, io, os, platform, re, shlex, socket, statistics, subprocess, sys, threading, time

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
                                                   "--save", "", "--appendonly", "no", "--dir", workdir,
                                                   "--admin-port", "-1"]
                            + SERVER_ARGS,
                            stdout=log, stderr=subprocess.STDOUT)
    wait_port(port)
    return proc, port


def check_alive(proc, name):
    if proc.poll() is not None:
        raise SystemExit("%s exited with status %s during the run" % (name, proc.returncode))


def bench(port, tests, pipeline, requests, commands=(), clients=50, size=100, keyspace=100000):
    """redis-benchmark's -t tests, then each custom (label, argv); {test name: (rps, p50, p99)}."""
    base = ["redis-benchmark", "-p", str(port), "-c", str(clients), "-d", str(size),
            "-r", str(keyspace), "-n", str(requests), "-P", str(pipeline), "--csv"]
    runs = [(None, base + ["-t", tests])] if tests else []
    runs += [(label, base + argv) for label, argv in commands]
    rows = {}
    for label, argv in runs:
        out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
        for r in csv.DictReader(io.StringIO(out)):
            name = label or (r["test"] if len(r["test"]) <= 40 else r["test"][:37] + "...")
            rows[name] = (float(r["rps"]), float(r["p50_latency_ms"]), float(r["p99_latency_ms"]))
    return rows


def setup(port, commands):
    """Runs each setup command with redis-cli; returns the last reply (stripped)."""
    reply = ""
    for cmd in commands:
        reply = subprocess.run(["redis-cli", "-p", str(port)] + shlex.split(cmd), capture_output=True,
                               text=True, check=True).stdout.strip()
    return reply


def custom_commands(specs, setup_reply, size):
    """--command [LABEL=]CMD ARGS ... as (label or None, argv), with {setup} and {data} replaced."""
    out = []
    for spec in specs:
        m = re.match(r"^([\w.:-]+)=(.*)$", spec)
        label, cmd = (m.group(1), m.group(2)) if m else (None, spec)
        out.append((label, shlex.split(cmd.replace("{setup}", setup_reply).replace("{data}", "x" * size))))
    return out


class Subscribers:
    """N connections SUBSCRIBEd to one channel, each read by a thread that discards the bytes."""

    def __init__(self, port, channel, n):
        self.socks = []
        self.threads = []
        self.lost = []
        self.received = [0] * n
        self.closing = False
        cmd = b"*2\r\n$9\r\nSUBSCRIBE\r\n$%d\r\n%s\r\n" % (len(channel), channel.encode())
        for i in range(n):
            s = socket.create_connection(("127.0.0.1", port))
            s.sendall(cmd)
            got = b""
            while got.count(b"\r\n") < 6:  # *3 $9 subscribe $n channel :1
                got += s.recv(4096)
            self.socks.append(s)
            t = threading.Thread(target=self._drain, args=(s, i), daemon=True)
            t.start()
            self.threads.append(t)

    def _drain(self, s, i):
        buf = bytearray(1 << 20)
        while True:
            try:
                got = s.recv_into(buf)
            except OSError:
                break
            if got == 0:
                break
            self.received[i] += got
        if not self.closing:
            self.lost.append(i)

    def check(self, name):
        if self.lost:
            raise SystemExit("%s disconnected %d subscriber(s) during the run" % (name, len(self.lost)))

    def total(self):
        return sum(self.received)

    def close(self):
        self.closing = True
        for s in self.socks:
            s.close()


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
    ap.add_argument("--setup", action="append", default=[],
                    help="a command run on both servers before the benchmark (repeatable)")
    ap.add_argument("--command", action="append", default=[],
                    help="[LABEL=]COMMAND ARGS: benchmark this command line too ({data}: a -d byte value; {setup}: "
                         "the last --setup reply); repeatable")
    ap.add_argument("--server-args", default="",
                    help="flags for both servers, e.g. '--appendonly yes --appendfsync everysec'")
    ap.add_argument("--name", default="side-by-side",
                    help="results go to benchmarks/results/<date>-<name>.{md,csv}")
    ap.add_argument("--subscribers", type=int, default=0, help="connections subscribed on each server")
    ap.add_argument("--subscribe", default="bench:ch", help="the channel the subscribers subscribe to")
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
    subs = {}
    results = {}  # (test, pipeline, server) -> list of (rps, p50, p99)
    commands = {}
    try:
        if args.subscribers:
            subs = {"redis": Subscribers(rport, args.subscribe, args.subscribers),
                    "podis": Subscribers(pport, args.subscribe, args.subscribers)}
        for name, port in (("redis", rport), ("podis", pport)):
            commands[name] = custom_commands(args.command, setup(port, args.setup), 100)
        # Warm-up both (Podis's JIT needs it; Redis gets the same treatment). Measured on a fresh
        # Podis at -P 16: the first 200 K requests run at a quarter of the steady rate, which is
        # reached after about 600 K-1 M requests per test.
        for name, port in (("redis", rport), ("podis", pport)):
            bench(port, args.tests, 16, max(args.requests, 1000000), commands[name])
        for rnd in range(args.rounds):
            for p in [int(x) for x in args.pipeline.split(",")]:
                for name, port in (("redis", rport), ("podis", pport)):
                    for test, row in bench(port, args.tests, p, args.requests, commands[name]).items():
                        results.setdefault((test, p, name), []).append(row)
                    check_alive(redis if name == "redis" else podis, name)
                    if subs:
                        subs[name].check(name)
            print("round %d done" % (rnd + 1), file=sys.stderr)
    finally:
        for name, s in subs.items():
            # both servers sent the same messages: the byte counts tell that every one arrived
            print("%s: subscribers received %d bytes" % (name, s.total()), file=sys.stderr)
            s.close()
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
    cmd = "python3 benchmarks/side-by-side/compare.py " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    redis_version = subprocess.run(["redis-server", "--version"], capture_output=True, text=True).stdout.strip()
    md = ["# Podis vs Redis, side by side", "",
          "Measured %s on %s (%d cores), %s." % (stamp, platform.node() or "this machine", os.cpu_count(), redis_version),
          "Command: `%s`" % cmd,
          "redis-benchmark -c 50 -d 100 -r 100000 -n %d, %d rounds alternating Redis and Podis; medians." % (args.requests, args.rounds)
          + (" %d connections subscribed to %s on each server all along." % (args.subscribers, args.subscribe)
             if args.subscribers else ""),
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
