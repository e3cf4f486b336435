#!/usr/bin/env python3
"""Memory of one stream of N small entries: Podis next to redis-server, in the same run.

For each server (alternating, --rounds times): start it empty, wait, read INFO used_memory and the
process's VmRSS, send `XADD s * f v` N times through redis-cli --pipe, wait, read both again, check
XLEN. Reported per server: growth of used_memory and of RSS, in total and per entry, and the
stream's own size as the server accounts it (MEMORY USAGE s SAMPLES 0). Podis's used_memory is the
Java heap in use, so a full GC (`jcmd <pid> GC.run`) runs before each reading of it; its RSS
growth is mostly the JVM touching its heap (garbage of the 1M commands included), bounded by -Xmx:
run once more with `--jvm-opts "... -XX:+AlwaysPreTouch"` to see the growth beyond the heap.

Usage (from the repository root, after `mvn -q -DskipTests package`):
  python3 benchmarks/side-by-side/stream_memory.py [--entries 1000000] [--rounds 2]
         [--jvm-opts "-Xms128m -Xmx128m ..."] [--name stream-memory]
Writes benchmarks/results/<date>-<name>.md.
"""
import argparse, datetime, os, shlex, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare import ROOT, rss_kb  # noqa: E402
import compare  # noqa: E402

DEFAULT_JVM = compare.CONTAINER_JVM_1G


start = compare.start_proc


def cli(port, *args):
    return subprocess.run(["redis-cli", "-p", str(port)] + list(args), capture_output=True, check=True,
                          text=True).stdout.strip()


def used_memory(port):
    for line in cli(port, "INFO", "memory").splitlines():
        if line.startswith("used_memory:"):
            return int(line.split(":")[1])
    raise RuntimeError("no used_memory")


def settle(kind, proc, port):
    time.sleep(2)
    if kind == "podis":
        # used_memory is the heap in use, garbage included: a full GC first leaves the live data
        subprocess.run(["jcmd", str(proc.pid), "GC.run"], capture_output=True, check=True)
        time.sleep(1)
    return used_memory(port), rss_kb(proc.pid) * 1024


def measure(kind, workdir, jvm_opts, entries, payload):
    os.makedirs(workdir, exist_ok=True)
    proc, port = start(kind, workdir, jvm_opts)
    try:
        cli(port, "PING")
        mem0, rss0 = settle(kind, proc, port)
        subprocess.run(["redis-cli", "-p", str(port), "--pipe"], input=payload, capture_output=True, check=True)
        mem1, rss1 = settle(kind, proc, port)
        n = int(cli(port, "XLEN", "s"))
        if n != entries:
            raise RuntimeError("%s holds %d entries, not %d" % (kind, n, entries))
        usage = int(cli(port, "MEMORY", "USAGE", "s", "SAMPLES", "0") or 0)
        info = cli(port, "XINFO", "STREAM", "s").splitlines()
        nodes = int(info[info.index("radix-tree-keys") + 1])
        return {"used": mem1 - mem0, "rss": rss1 - rss0, "usage": usage, "nodes": nodes}
    finally:
        proc.terminate()
        proc.wait()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--entries", type=int, default=1000000)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--jvm-opts", default=DEFAULT_JVM)
    ap.add_argument("--name", default="stream-memory")
    args = ap.parse_args()
    payload = b"*5\r\n$4\r\nXADD\r\n$1\r\ns\r\n$1\r\n*\r\n$1\r\nf\r\n$1\r\nv\r\n" * args.entries
    jvm_opts = shlex.split(args.jvm_opts)
    results = {"redis": [], "podis": []}
    with tempfile.TemporaryDirectory() as workdir:
        for r in range(args.rounds):
            for kind in ("redis", "podis"):
                m = measure(kind, os.path.join(workdir, "%s-%d" % (kind, r)), jvm_opts, args.entries, payload)
                results[kind].append(m)
                print(kind, r, m, flush=True)

    def line(kind):
        rows = results[kind]
        used = min(x["used"] for x in rows)
        rss = min(x["rss"] for x in rows)
        usage = rows[0]["usage"]
        return "| %s | %.1f MB (%.1f B/entry) | %.1f MB (%.1f B/entry) | %.1f MB | %d |" % (
            kind, used / 1e6, used / args.entries, rss / 1e6, rss / args.entries, usage / 1e6, rows[0]["nodes"])

    stamp = datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M UTC")
    cmd = compare.command_line("stream_memory.py", sys.argv[1:])
    out = ["# One stream of %d small entries (`XADD s * f v`)" % args.entries, "",
           "%s, %d rounds alternating Redis and Podis (the smaller growth of the rounds); Podis JVM: `%s`."
           % (stamp, args.rounds, args.jvm_opts), "", "Command: `%s`" % cmd, "",
           "| server | used_memory growth | RSS growth | MEMORY USAGE s | listpack nodes |",
           "| --- | --- | --- | --- | --- |", line("redis"), line("podis"), "",
           "Raw rounds: " + repr(results), ""]
    path = os.path.join(ROOT, "benchmarks", "results",
                        datetime.datetime.utcnow().strftime("%Y-%m-%d-") + args.name + ".md")
    with open(path, "w") as f:
        f.write("\n".join(out))
    print("\n".join(out))
    print("written to", path)


if __name__ == "__main__":
    main()
