#!/usr/bin/env python3
"""Memory and throughput of BGSAVE under write load: Podis (fork-less snapshot) next to redis-server (fork).

For each server: 1 M keys of 16 bytes with 100-byte values (key:%012d, loaded with redis-cli --pipe),
then `redis-benchmark -t set -r 1000000 -d 100 -n <requests> -P 16` overwriting them, run twice per
round: once alone (baseline) and once with BGSAVEs back to back for the whole run. Reported:

- memory: the server's physical memory, sampled every 10 ms. Podis is one process: its VmRSS (which
  equals its PSS; /proc/<pid>/status is cheap to read, smaps_rollup would stall the JVM's page
  faults while the kernel walks its page tables). Redis forks: the child shares the parent's pages
  until one of them writes, so RSS of parent + child counts shared pages twice; the sum of their PSS
  (/proc/<pid>/smaps_rollup, shared pages split between the processes) is the physical memory both
  hold, and is what is reported for Redis.
  "before" is the value just before the run with snapshots, "peak" the highest during it;
- throughput: redis-benchmark's rps with snapshots running / without.

Usage (from the repository root, after `mvn -q -DskipTests package`):
  python3 benchmarks/side-by-side/bgsave_memory.py [--rounds 3] [--requests 2000000]
         [--jvm-opts "-Xms128m -Xmx128m ..."] [--name bgsave-memory]
Writes benchmarks/results/<date>-<name>.md.
"""
import argparse, csv, datetime, io, os, platform, shutil, socket, statistics, subprocess, sys, tempfile, threading, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare import ROOT, children, load_keys, rss_kb  # noqa: E402
import compare  # noqa: E402

DEFAULT_JVM = compare.CONTAINER_JVM_1G


start = compare.start_proc


def rollup(pid):
    """(Rss, Pss) in KB from smaps_rollup, or (0, 0) for a process that is gone."""
    rss = pss = 0
    try:
        with open("/proc/%d/smaps_rollup" % pid) as f:
            for line in f:
                if line.startswith("Rss:"):
                    rss = int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss = int(line.split()[1])
    except OSError:
        pass
    return rss, pss


def memory_kb(kind, pid):
    """Physical memory of the server: Podis's VmRSS; for Redis the PSS of it and its children (a forked BGSAVE)."""
    if kind == "podis":
        return rss_kb(pid)
    total = rollup(pid)[1]
    for c in children(pid):
        total += rollup(c)[1]
    return total


class Sampler(threading.Thread):
    def __init__(self, kind, pid):
        super().__init__(daemon=True)
        self.kind, self.pid, self.peak, self.stop = kind, pid, 0, False

    def run(self):
        while not self.stop:
            self.peak = max(self.peak, memory_kb(self.kind, self.pid))
            time.sleep(0.01)


class Conn:
    """A minimal RESP client (one connection; no process spawned per command)."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.buf = b""

    def call(self, *args):
        out = b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in (x.encode() for x in args))
        self.sock.sendall(out)
        return self._read()

    def _line(self):
        while b"\r\n" not in self.buf:
            self.buf += self.sock.recv(65536)
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _read(self):
        line = self._line()
        if line[:1] in (b"+", b"-", b":"):
            return line[1:].decode()
        n = int(line[1:])
        while len(self.buf) < n + 2:
            self.buf += self.sock.recv(65536)
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        return data.decode()

    def close(self):
        self.sock.close()


def info(conn):
    out = {}
    for line in conn.call("INFO", "persistence").splitlines():
        if ":" in line:
            k, v = line.split(":", 1)
            out[k] = v.strip()
    return out


class Saver(threading.Thread):
    """BGSAVE back to back until stopped; counts the saves that completed and the failures."""

    def __init__(self, port):
        super().__init__(daemon=True)
        self.conn, self.stop, self.done, self.failed, self.seconds = Conn(port), False, 0, 0, []

    def run(self):
        while not self.stop:
            self.once()

    def once(self):
        t0 = time.time()
        self.conn.call("BGSAVE")
        while True:
            i = info(self.conn)
            if i.get("rdb_bgsave_in_progress") == "0":
                break
            time.sleep(0.02)
        if i.get("rdb_last_bgsave_status") == "ok":
            self.done += 1
            self.seconds.append(time.time() - t0)
        else:
            self.failed += 1


def bench(port, requests):
    out = subprocess.run(["redis-benchmark", "-p", str(port), "-t", "set", "-r", "1000000", "-d", "100",
                          "-n", str(requests), "-P", "16", "--csv"], capture_output=True, text=True, check=True).stdout
    for r in csv.DictReader(io.StringIO(out)):
        return float(r["rps"])
    raise SystemExit("no result from redis-benchmark: " + out)


def run(kind, workdir, jvm_opts, rounds, requests):
    proc, port = start(kind, workdir, jvm_opts)
    rows = []
    conn = None
    try:
        time.sleep(1)
        conn = Conn(port)
        load_keys(port, 1000000)
        bench(port, requests)  # warm-up: JIT, heap, allocator
        saver = Saver(port)  # and once with BGSAVEs, so that the snapshot's code is compiled too
        saver.start()
        bench(port, requests)
        saver.stop = True
        saver.join()
        saver.conn.close()
        idle = Saver(port)  # one BGSAVE with no client traffic
        idle.once()
        idle.conn.close()
        idle_seconds = idle.seconds[0] if idle.seconds else float("nan")
        for _ in range(rounds):
            base_sampler = Sampler(kind, proc.pid)
            base_sampler.start()
            base = bench(port, requests)
            base_sampler.stop = True
            base_sampler.join()
            time.sleep(1)
            before = memory_kb(kind, proc.pid)
            sampler, saver = Sampler(kind, proc.pid), Saver(port)
            sampler.start()
            saver.start()
            during = bench(port, requests)
            saver.stop = True
            saver.join()
            sampler.stop = True
            sampler.join()
            saver.conn.close()
            i = info(conn)
            rows.append(dict(base=base, during=during, before=before, peak=sampler.peak, base_peak=base_sampler.peak,
                             saves=saver.done, failed=saver.failed, idle_seconds=idle_seconds,
                             save_seconds=statistics.median(saver.seconds) if saver.seconds else float("nan"),
                             cow=int(i.get("rdb_last_cow_size", "0")), keys=conn.call("DBSIZE")))
            print("%s: %s" % (kind, rows[-1]), file=sys.stderr)
    finally:
        if conn:
            conn.close()
        proc.terminate()
        proc.wait()
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--requests", type=int, default=2000000)
    ap.add_argument("--jvm-opts", default=DEFAULT_JVM)
    ap.add_argument("--name", default="bgsave-memory")
    args = ap.parse_args()
    jvm_opts = args.jvm_opts.split()
    workdir = tempfile.mkdtemp(prefix="podis-bgsave-")
    results = {}
    try:
        for kind in ("redis", "podis"):
            d = os.path.join(workdir, kind)
            os.makedirs(d)
            results[kind] = run(kind, d, jvm_opts, args.rounds, args.requests)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    stamp = datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M UTC")
    cmd = compare.command_line("bgsave_memory.py", sys.argv[1:])
    redis_version = subprocess.run(["redis-server", "--version"], capture_output=True, text=True).stdout.strip()
    try:
        load = open("/proc/loadavg").read().split()[:3]
    except OSError:
        load = ["?"]
    md = ["# BGSAVE under write load: memory and throughput, Podis next to Redis", "",
          "Measured %s on %s (%d cores, load average at the end %s), %s." % (
              stamp, platform.node() or "this machine", os.cpu_count(), " ".join(load), redis_version),
          "Command: `%s`" % cmd,
          "Podis JVM options: `%s`." % " ".join(jvm_opts),
          "1 M keys (16-byte keys, 100-byte values) loaded first, then one warm-up run alone and one with BGSAVEs; each round runs "
          "`redis-benchmark -t set -r 1000000 -d 100 -n %d -P 16` once alone and once with BGSAVEs back to back." % args.requests,
          "Memory is the physical memory of the server's processes (Podis: RSS; Redis: PSS of the server and "
          "its forked child), sampled every 10 ms.", "",
          "| server | round | memory before MB | peak during BGSAVEs MB | peak/before | peak without BGSAVE MB | rps alone | rps with BGSAVEs | ratio | BGSAVEs done | s per BGSAVE | rdb_last_cow_size MB |",
          "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    summary = []
    for kind in ("redis", "podis"):
        for n, r in enumerate(results[kind]):
            md.append("| %s | %d | %.0f | %.0f | %.2f | %.0f | %.0f | %.0f | %.2f | %d%s | %.1f | %.1f |" % (
                kind, n + 1, r["before"] / 1024, r["peak"] / 1024, r["peak"] / r["before"], r["base_peak"] / 1024,
                r["base"], r["during"], r["during"] / r["base"], r["saves"],
                " (%d failed)" % r["failed"] if r["failed"] else "", r["save_seconds"], r["cow"] / 1048576))
        rows = results[kind]
        summary.append("%s: peak/before median %.2f, throughput with BGSAVEs / alone median %.2f; "
                       "a BGSAVE under this load took %.1f s (median), with no client traffic %.1f s" % (
            kind, statistics.median(r["peak"] / r["before"] for r in rows),
            statistics.median(r["during"] / r["base"] for r in rows),
            statistics.median(r["save_seconds"] for r in rows), rows[0]["idle_seconds"]))
    md += [""] + ["- " + s for s in summary]
    report = "\n".join(md) + "\n"
    print(report)
    os.makedirs(os.path.join(ROOT, "benchmarks", "results"), exist_ok=True)
    base = os.path.join(ROOT, "benchmarks", "results", datetime.datetime.utcnow().strftime("%Y-%m-%d") + "-" + args.name)
    with open(base + ".md", "w") as f:
        f.write(report)


if __name__ == "__main__":
    main()
