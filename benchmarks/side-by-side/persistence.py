#!/usr/bin/env python3
"""Side-by-side persistence measurement: SAVE and start-up load of the same dataset, Podis vs Redis.

The dataset is made by Redis's `DEBUG POPULATE <keys> key <size>` (keys key:0.., values of <size>
bytes), or with --hashes by HSETs of <keys> small hashes (user:N with four fields: name, email, age,
city), saved by Redis; Podis starts on a copy of that file, so both hold the same data. Then,
alternating the servers in each round:
  - SAVE: the time of the SAVE command as a client sees it (write, fsync, rename);
  - load: each server restarted on a dump.rdb (Redis on its own, Podis on Redis's and on its own),
    the time its log reports ("DB loaded from disk: N seconds"), and the time from process start
    to the first +PONG (for Podis that includes starting the JVM), with the CPU time and the
    resident memory (VmRSS) of the process at that PONG.
Checks that both report the same DEBUG DIGEST. With --baseline-jar, another Podis build (e.g. the
one before a change) also loads Redis's file in every round, so before and after are measured in
the same conditions.

Usage (from the repository root, after `mvn -q -DskipTests package`):
  python3 benchmarks/side-by-side/persistence.py [--keys 1000000] [--size 100] [--hashes] [--rounds 3] [--name persistence]
      [--jar server/target/podis.jar] [--baseline-jar OTHER.jar] [--jvm-opts OPTIONS]
Podis runs with the container image's JVM options (docker/entrypoint.sh --jvm-options) unless
--jvm-opts says otherwise, as in compare.py.
Writes benchmarks/results/<date>-<name>.{csv,md}.
"""
import argparse, csv, datetime, os, platform, re, shlex, shutil, socket, statistics, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare  # noqa: E402  (free_port, cpu_seconds, PODIS_JAR)

ROOT = compare.ROOT


def resp(port, *args, timeout=600):
    """Sends one command and returns its reply line (enough for +OK, :int, -ERR, $len text)."""
    s = socket.create_connection(("127.0.0.1", port), timeout)
    try:
        out = b"*%d\r\n" % len(args)
        for a in args:
            a = a if isinstance(a, bytes) else str(a).encode()
            out += b"$%d\r\n%s\r\n" % (len(a), a)
        s.sendall(out)
        f = s.makefile("rb")
        line = f.readline().rstrip(b"\r\n").decode()
        if line.startswith("$") and int(line[1:]) >= 0:
            return f.read(int(line[1:]) + 2)[:-2].decode(errors="replace")
        return line
    finally:
        s.close()


def wait_pong(port, proc, timeout=600):
    end = time.time() + timeout
    while time.time() < end:
        if proc.poll() is not None:
            raise SystemExit("server exited with status %s" % proc.returncode)
        try:
            if resp(port, "PING", timeout=5) == "+PONG":
                return
        except OSError:
            pass
        time.sleep(0.01)
    raise SystemExit("server on port %d did not answer PONG" % port)


# Podis's JVM options (main sets them from --jvm-opts: by default the container image's, as compare.py).
JVM_OPTS = []


def start(kind, workdir, jar=None):
    port = compare.free_port()
    log = os.path.join(workdir, kind + ".log")
    if os.path.exists(log):
        os.remove(log)
    common = ["--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", workdir,
              "--enable-debug-command", "yes"]
    t0 = time.time()
    if kind == "redis":
        proc = subprocess.Popen(["redis-server"] + common + ["--logfile", log],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    else:
        proc = subprocess.Popen(["java"] + JVM_OPTS + ["-jar", jar or compare.PODIS_JAR] + common + ["--admin-port", "-1"],
                                stdout=open(log, "ab"), stderr=subprocess.STDOUT)
    wait_pong(port, proc)
    ready = time.time() - t0
    cpu = compare.cpu_seconds(proc.pid)
    rss = compare.rss_kb(proc.pid) / 1024
    loaded = None
    with open(log, errors="replace") as f:
        m = re.search(r"DB loaded from disk: ([0-9.]+) seconds", f.read())
        if m:
            loaded = float(m.group(1))
    return proc, port, ready, loaded, cpu, rss


def stop(proc, port):
    try:
        resp(port, "SHUTDOWN", "NOSAVE", timeout=30)
    except OSError:
        pass
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def hash_command(i):
    """The HSET that makes the --hashes dataset's key number i."""
    args = [b"HSET", b"user:%d" % i, b"name", b"name-%d" % i, b"email", b"user%d@example.com" % i,
            b"age", b"%d" % (i % 90), b"city", b"city-%d" % (i % 500)]
    return b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args)


def populate_hashes(port, keys, chunk=10000):
    """Makes the --hashes dataset with pipelined HSETs (one reply per command read back)."""
    s = socket.create_connection(("127.0.0.1", port), 600)
    try:
        f = s.makefile("rb")
        for start in range(0, keys, chunk):
            n = min(chunk, keys - start)
            s.sendall(b"".join(hash_command(i) for i in range(start, start + n)))
            for _ in range(n):
                line = f.readline()
                if not line.startswith(b":"):
                    raise SystemExit("HSET: %r" % line)
    finally:
        s.close()


def timed(port, *args):
    t0 = time.time()
    r = resp(port, *args)
    if not r.startswith("+OK"):
        raise SystemExit("%s: %s" % (" ".join(map(str, args)), r))
    return time.time() - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--keys", type=int, default=1000000)
    ap.add_argument("--size", type=int, default=100)
    ap.add_argument("--hashes", action="store_true", help="small hashes (HSET, four fields) instead of strings")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--name", default="persistence")
    ap.add_argument("--jar", help="the Podis jar (default server/target/podis.jar)")
    ap.add_argument("--baseline-jar", help="another Podis build that loads Redis's file in every round too")
    ap.add_argument("--jvm-opts", default=None,
                    help="JVM options for Podis (default: the container image's, docker/entrypoint.sh --jvm-options; "
                         "'' for none, the JVM's own defaults)")
    args = ap.parse_args()
    if args.jvm_opts is None:
        args.jvm_opts = compare.shipped_jvm_opts()
    JVM_OPTS[:] = shlex.split(args.jvm_opts)
    if args.jar:
        compare.PODIS_JAR = os.path.abspath(args.jar)
    baseline = os.path.abspath(args.baseline_jar) if args.baseline_jar else None
    if not os.path.exists(compare.PODIS_JAR):
        raise SystemExit("build first: mvn -q -DskipTests package")
    root = tempfile.mkdtemp(prefix="podis-persistence-")
    rdir, pdir, odir = (os.path.join(root, d) for d in ("redis", "podis", "podis-own"))
    for d in (rdir, pdir, odir):
        os.makedirs(d)
    rows = []
    try:
        proc, port, _, _, _, _ = start("redis", rdir)
        if args.hashes:
            populate_hashes(port, args.keys)
        else:
            timed(port, "DEBUG", "POPULATE", args.keys, "key", args.size)
        timed(port, "SAVE")
        digest = resp(port, "DEBUG", "DIGEST")
        stop(proc, port)
        shutil.copy(os.path.join(rdir, "dump.rdb"), os.path.join(pdir, "dump.rdb"))
        redis_file = os.path.getsize(os.path.join(rdir, "dump.rdb"))
        podis_file = None
        empty = os.path.join(root, "empty")
        os.makedirs(empty)
        for rnd in range(args.rounds):
            proc, port, ready, loaded, cpu, rss = start("podis", empty)
            rows.append(("podis", "none", rnd, ready, loaded, None, cpu, rss))
            stop(proc, port)
            proc, port, ready, loaded, cpu, rss = start("redis", rdir)
            save = timed(port, "SAVE")
            rows.append(("redis", "redis", rnd, ready, loaded, save, cpu, rss))
            stop(proc, port)
            if baseline:
                proc, port, ready, loaded, cpu, rss = start("podis", pdir, baseline)
                if resp(port, "DEBUG", "DIGEST") != digest:
                    raise SystemExit("the baseline Podis loaded a different dataset")
                rows.append(("podis-baseline", "redis", rnd, ready, loaded, None, cpu, rss))
                stop(proc, port)
            proc, port, ready, loaded, cpu, rss = start("podis", pdir)
            d = resp(port, "DEBUG", "DIGEST")
            if d != digest:
                raise SystemExit("Podis loaded a different dataset: digest %s, Redis %s" % (d, digest))
            save = timed(port, "SAVE")
            rows.append(("podis", "redis", rnd, ready, loaded, save, cpu, rss))
            stop(proc, port)
            shutil.copy(os.path.join(pdir, "dump.rdb"), os.path.join(odir, "dump.rdb"))
            podis_file = os.path.getsize(os.path.join(odir, "dump.rdb"))
            shutil.copy(os.path.join(rdir, "dump.rdb"), os.path.join(pdir, "dump.rdb"))
            proc, port, ready, loaded, cpu, rss = start("podis", odir)
            if resp(port, "DEBUG", "DIGEST") != digest:
                raise SystemExit("Podis's own file holds a different dataset")
            rows.append(("podis", "podis", rnd, ready, loaded, None, cpu, rss))
            stop(proc, port)
    finally:
        shutil.rmtree(root, ignore_errors=True)

    def med(server, source, col):
        v = [r[col] for r in rows if r[0] == server and r[1] == source and r[col] is not None]
        return statistics.median(v) if v else float("nan")

    stamp = datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M UTC")
    cmd = compare.command_line("persistence.py", sys.argv[1:])
    redis_version = subprocess.run(["redis-server", "--version"], capture_output=True, text=True).stdout.strip()
    load = subprocess.run(["cat", "/proc/loadavg"], capture_output=True, text=True).stdout.split()[:3]
    md = ["# Persistence: SAVE and start-up load, Podis vs Redis", "",
          "Measured %s on %s (%d cores, load average at the end %s), %s." % (
              stamp, platform.node() or "this machine", os.cpu_count(), " ".join(load), redis_version),
          "Command: `%s`%s" % (cmd, " (baseline: %s)" % os.path.basename(baseline) if baseline else ""),
          "Podis's JVM options: `%s`." % (args.jvm_opts or "(the JVM's defaults)"),
          "Dataset: %s in Redis, saved by Redis: "
          "dump.rdb of %d bytes; Podis's own dump.rdb of the same data: %s bytes. rdbcompression and "
          "rdbchecksum on (the defaults). %d rounds alternating the servers; medians." % (
              ("%d hashes by HSET (keys `user:N`, fields name, email, age, city)" % args.keys) if args.hashes
              else ("`DEBUG POPULATE %d key %d` (keys `key:N`, %d-byte values)" % (args.keys, args.size, args.size)),
              redis_file, podis_file, args.rounds), "",
          "| | Redis | Podis | Podis/Redis time |", "| --- | --- | --- | --- |"]
    rs, ps = med("redis", "redis", 5), med("podis", "redis", 5)
    rl, pl, pol = med("redis", "redis", 4), med("podis", "redis", 4), med("podis", "podis", 4)
    rr, pr, por = med("redis", "redis", 3), med("podis", "redis", 3), med("podis", "podis", 3)
    md.append("| SAVE (client-side, s) | %.3f | %.3f | %.2f |" % (rs, ps, ps / rs))
    md.append("| load at start, server log (s), Redis's file | %.3f | %.3f | %.2f |" % (rl, pl, pl / rl))
    md.append("| load at start, server log (s), Podis's file | | %.3f | %.2f |" % (pol, pol / rl))
    if baseline:
        bl = med("podis-baseline", "redis", 4)
        md.append("| load at start, server log (s), Redis's file, baseline build | | %.3f | %.2f |" % (bl, bl / rl))
    md.append("| process start to first PONG (s), Redis's file | %.3f | %.3f | |" % (rr, pr))
    md.append("| process start to first PONG (s), Podis's file | | %.3f | |" % por)
    md.append("| process start to first PONG (s), no file | | %.3f | |" % med("podis", "none", 3))
    rc, pc, poc, pe = med("redis", "redis", 6), med("podis", "redis", 6), med("podis", "podis", 6), med("podis", "none", 6)
    md.append("| CPU seconds until first PONG, Redis's file | %.2f | %.2f | |" % (rc, pc))
    md.append("| CPU seconds until first PONG, Podis's file | | %.2f | |" % poc)
    if baseline:
        md.append("| CPU seconds until first PONG, Redis's file, baseline build | | %.2f | |"
                  % med("podis-baseline", "redis", 6))
    md.append("| CPU seconds until first PONG, no file (JVM start) | | %.2f | |" % pe)
    rm, pm = med("redis", "redis", 7), med("podis", "redis", 7)
    md.append("| resident memory at first PONG (MB), Redis's file | %.0f | %.0f | %.2f |" % (rm, pm, pm / rm))
    if baseline:
        bm = med("podis-baseline", "redis", 7)
        md.append("| resident memory at first PONG (MB), Redis's file, baseline build | | %.0f | %.2f |" % (bm, bm / rm))
    md.append("| resident memory at first PONG (MB), no file | | %.0f | |" % med("podis", "none", 7))
    report = "\n".join(md) + "\n"
    print(report)
    base = os.path.join(ROOT, "benchmarks", "results", datetime.datetime.utcnow().strftime("%Y-%m-%d") + "-" + args.name)
    with open(base + ".md", "w") as f:
        f.write(report)
    with open(base + ".csv", "w") as f:
        w = csv.writer(f)
        w.writerow(["server", "file_from", "round", "start_to_pong_s", "load_log_s", "save_s", "cpu_s", "rss_mb"])
        for r in rows:
            w.writerow(r)


if __name__ == "__main__":
    main()
