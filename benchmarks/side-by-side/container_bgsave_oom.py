#!/usr/bin/env python3
"""BGSAVE under write load in a container memory limit: Debian's redis-server 7.0 next to Podis.

Both run with podman from the same base image (docker/build-local-base.sh: Debian bookworm + JDK):
Podis from docker/Dockerfile with the jar of this build, Redis from that base plus the Debian
package redis-server. Each, in turn, in a container with `--memory L --memory-swap L` (no swap):

1. filled with SET key:%012d (16 bytes) -> 100-byte value, in batches, until the container's
   anonymous memory (cgroup memory.stat rss / anon: what the kernel cannot reclaim) reaches
   --fill of the limit (or a write is refused);
2. write load: `redis-benchmark -t set -r <keys filled> -d 100 -P 16` overwriting those keys for
   --seconds, with BGSAVEs back to back meanwhile;
3. what happened: the cgroup's oom_kill counter, which process the kernel killed (dmesg "Killed
   process <pid>", matched against the server's host PID and the BGSAVE children seen), podman
   inspect State (Status, ExitCode, OOMKilled), the server's log lines about saving, BGSAVEs done
   and failed, whether the server still answers and accepts a write (or refuses it, e.g. MISCONF),
   and the peak anonymous memory of the container.

Usage (from the repository root, as root, after `mvn -q -DskipTests package`; needs podman,
debootstrap, runc, redis-cli and redis-benchmark on the host):
  python3 benchmarks/side-by-side/container_bgsave_oom.py [--memory 512m] [--fill 0.7]
         [--seconds 60] [--rounds 1] [--max-keys N] [--redis-args "--maxmemory 256mb"] [--podis-args ...]
         [--servers redis,podis] [--name container-bgsave-oom]
Writes benchmarks/results/<date>-<name>.md. Podman reads docker/podman-containers.conf unless
CONTAINERS_CONF is set. The servers use the host network on free loopback ports (no port
forwarding in the measured path); Podis's admin port is off.
"""
import argparse, datetime, os, platform, re, shlex, shutil, subprocess, sys, tempfile, threading, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare import ROOT, children, command_line, free_port  # noqa: E402

BASE = "localhost/podis-base:bookworm-jdk17"
PODIS_IMAGE = "localhost/podis-side-by-side:podis"
REDIS_IMAGE = "localhost/podis-side-by-side:redis"
# The same base image plus Debian's redis-server (7.0 in bookworm).
REDIS_CONTAINERFILE = (
    "FROM %s\n"
    "RUN apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends redis-server"
    " && rm -rf /var/lib/apt/lists/*\n" % BASE)
BATCH = 50000


def sh(*cmd, check=True, timeout=900):
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if check and r.returncode != 0:
        raise SystemExit("%s failed (%d):\n%s%s" % (" ".join(cmd), r.returncode, r.stdout, r.stderr))
    return r.stdout.strip()


def build_images():
    sh("sh", os.path.join(ROOT, "docker", "build-local-base.sh"), BASE)
    jar = os.path.join(ROOT, "server", "target", "podis.jar")
    if not os.path.isfile(jar):
        raise SystemExit("build the jar first: mvn -q -DskipTests package")
    sh("podman", "build", "-q", "-f", os.path.join(ROOT, "docker", "Dockerfile"), "--build-arg", "JAR_FROM=prebuilt",
       "--build-arg", "BASE_IMAGE=" + BASE, "--build-arg", "BUILD_IMAGE=" + BASE, "-t", PODIS_IMAGE, ROOT)
    ctx = tempfile.mkdtemp(prefix="podis-redis-image-")
    try:
        with open(os.path.join(ctx, "Containerfile"), "w") as f:
            f.write(REDIS_CONTAINERFILE)
        sh("podman", "build", "-q", "-t", REDIS_IMAGE, ctx)
    finally:
        shutil.rmtree(ctx, ignore_errors=True)
    return sh("podman", "run", "--rm", REDIS_IMAGE, "redis-server", "--version")


def parse_size(s):
    m = re.fullmatch(r"(\d+)([kmg]?)b?", s.lower())
    return int(m.group(1)) * {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30}[m.group(2)]


def cgroup_dir(pid):
    """The memory cgroup directory of a host PID (v1 memory controller, else the v2 unified one)."""
    v2 = None
    with open("/proc/%d/cgroup" % pid) as f:
        for line in f:
            _, controllers, path = line.rstrip("\n").split(":", 2)
            if "memory" in controllers.split(","):
                return "/sys/fs/cgroup/memory" + path, 1
            if controllers == "":
                v2 = "/sys/fs/cgroup" + path
    return v2, 2


def read_kv(path):
    out = {}
    try:
        with open(path) as f:
            for line in f:
                parts = line.split()
                if len(parts) == 2:
                    out[parts[0]] = int(parts[1])
    except (OSError, ValueError):
        return None
    return out


class Sampler(threading.Thread):
    """Every 100 ms: the container's anonymous memory, the cgroup's oom_kill count, the server's children."""

    def __init__(self, pid, cgdir, version):
        super().__init__(daemon=True)
        self.pid, self.cgdir, self.version = pid, cgdir, version
        self.peak = self.anon = self.oom_kills = 0
        self.child_pids, self.stop = set(), False

    def sample(self):
        stat = read_kv(os.path.join(self.cgdir, "memory.stat"))
        if stat is None:
            return False  # the cgroup is gone: the container exited
        self.anon = stat.get("total_rss", stat.get("anon", 0)) if self.version == 1 else stat.get("anon", 0)
        self.peak = max(self.peak, self.anon)
        events = read_kv(os.path.join(self.cgdir, "memory.oom_control" if self.version == 1 else "memory.events"))
        if events:
            self.oom_kills = max(self.oom_kills, events.get("oom_kill", 0))
        self.child_pids.update(children(self.pid))
        return True

    def run(self):
        while not self.stop and self.sample():
            time.sleep(0.1)


def fill(port, sampler, target, max_keys):
    """SETs in batches through redis-cli --pipe until the anonymous memory reaches target; returns (keys, note)."""
    value = b"v" * 100
    keys = 0
    while keys < max_keys:
        sampler.sample()
        if sampler.anon >= target:
            return keys, "reached the fill target"
        data = b"".join(b"*3\r\n$3\r\nSET\r\n$16\r\nkey:%012d\r\n$100\r\n%s\r\n" % (i, value)
                        for i in range(keys, keys + BATCH))
        r = subprocess.run(["redis-cli", "-p", str(port), "--pipe"], input=data, capture_output=True, timeout=600)
        out = r.stdout.decode(errors="replace")
        m = re.search(r"errors: (\d+)", out)
        if r.returncode != 0 or not m or int(m.group(1)) > 0:
            return keys, "a write was refused or failed: " + out.strip().splitlines()[-1] if out.strip() else "redis-cli failed"
        keys += BATCH
    return keys, "reached --max-keys"


def dmesg_kills():
    """(pid, line) of every 'Killed process' line the kernel log has, or None when it cannot be read."""
    r = subprocess.run(["dmesg"], capture_output=True, text=True)
    if r.returncode != 0:
        return None
    return [(int(m.group(1)), line.strip()) for line in r.stdout.splitlines()
            for m in [re.search(r"Killed process (\d+)", line)] if m]


def call(port, *args):
    """One command through redis-cli (its reply as text, an error's text included); "no answer" when the server is gone."""
    try:
        r = subprocess.run(["redis-cli", "-p", str(port), *args], capture_output=True, text=True, timeout=15)
    except subprocess.TimeoutExpired:
        return "no answer (timeout)"
    out = (r.stdout + r.stderr).strip()
    if r.returncode != 0 and ("Could not connect" in out or "Connection refused" in out or "closed" in out):
        return "no answer (%s)" % out.splitlines()[-1][:80]
    return out


def ping(port):
    return call(port, "PING")


def info(port, section):
    """INFO <section> as a dict; empty when the server does not answer."""
    return dict(l.strip().split(":", 1) for l in call(port, "INFO", section).splitlines() if ":" in l and "no answer" not in l)


class Saver(threading.Thread):
    """BGSAVE back to back until stopped or the server is gone: saves done, failed, and errors seen."""

    def __init__(self, port):
        super().__init__(daemon=True)
        self.port, self.stop, self.done, self.failed, self.errors = port, False, 0, 0, []

    def run(self):
        while not self.stop:
            reply = call(self.port, "BGSAVE")
            if reply.startswith("no answer"):
                self.errors.append("BGSAVE: " + reply)
                return
            if "started" not in reply and "scheduled" not in reply:
                self.errors.append("BGSAVE: " + reply)
                time.sleep(0.5)
                continue
            while not self.stop:
                i = info(self.port, "persistence")
                if not i:
                    self.errors.append("INFO persistence: no answer during BGSAVE")
                    return
                if i.get("rdb_bgsave_in_progress") == "0":
                    if i.get("rdb_last_bgsave_status") == "ok":
                        self.done += 1
                    else:
                        self.failed += 1
                    break
                time.sleep(0.1)


def server_args(kind, port, extra):
    if kind == "redis":
        return ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                "--dir", "/data"] + extra
    return ["--port", str(port), "--bind", "127.0.0.1", "--admin-port", "-1", "--save", "", "--appendonly", "no"] + extra


def run_one(kind, args, limit):
    image = REDIS_IMAGE if kind == "redis" else PODIS_IMAGE
    port = free_port()
    name = "podis-sbs-%s-%d" % (kind, port)
    data = tempfile.mkdtemp(prefix="podis-sbs-%s-" % kind)
    os.chmod(data, 0o777)
    extra = shlex.split(args.redis_args if kind == "redis" else args.podis_args)
    res = dict(kind=kind, args=" ".join(shlex.quote(a) for a in server_args(kind, port, extra)))
    try:
        sh("podman", "run", "-d", "--name", name, "--network", "host", "--memory", args.memory, "--memory-swap",
           args.memory, "-v", data + ":/data", image, *server_args(kind, port, extra))
        pid = int(sh("podman", "inspect", name, "--format", "{{.State.Pid}}"))
        end = time.time() + 120
        while ping(port) != "PONG":
            if time.time() > end:
                raise SystemExit("%s did not start:\n%s" % (kind, sh("podman", "logs", name, check=False)))
            time.sleep(0.2)
        cgdir, version = cgroup_dir(pid)
        sampler = Sampler(pid, cgdir, version)
        kills_before = dmesg_kills()
        t0 = time.time()
        res["keys"], res["fill_note"] = fill(port, sampler, args.fill * limit, args.max_keys)
        res["fill_seconds"] = time.time() - t0
        sampler.sample()
        res["anon_filled"] = sampler.anon
        mem = info(port, "memory")
        res["used_memory_filled"] = int(mem.get("used_memory", "0"))
        res["maxmemory"] = int(mem.get("maxmemory", "0"))
        print("%s: %d keys, anon %.0f MB, used_memory %.0f MB" % (
            kind, res["keys"], res["anon_filled"] / 2 ** 20, res["used_memory_filled"] / 2 ** 20), file=sys.stderr)

        sampler.start()
        bench = subprocess.Popen(["redis-benchmark", "-p", str(port), "-t", "set", "-r", str(max(res["keys"], 1)),
                                  "-d", "100", "-n", "1000000000", "-P", "16", "-c", "50", "-q"],
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        time.sleep(2)
        saver = Saver(port)
        saver.start()
        end = time.time() + args.seconds
        while time.time() < end and bench.poll() is None and sampler.is_alive():
            time.sleep(0.5)
        res["load_seconds"] = args.seconds - max(0.0, end - time.time())
        if bench.poll() is None:
            bench.terminate()
        bench_out = bench.communicate()[0]
        saver.stop = True
        saver.join(30)
        time.sleep(2)
        sampler.stop = True
        sampler.join(5)
        sampler.sample()

        res.update(bgsave_done=saver.done, bgsave_failed=saver.failed, bgsave_errors=saver.errors[:3],
                   oom_kills=sampler.oom_kills, peak_anon=sampler.peak)
        rates = re.findall(r"rps=[\d.]+ \(overall: ([\d.]+)\)", bench_out)
        res["bench_rps"] = float(rates[-1]) if rates else 0.0
        res["bench_errors"] = sorted(set(l.strip() for l in bench_out.replace("\r", "\n").splitlines()
                                         if "rror" in l))[:3]
        state = sh("podman", "inspect", name, "--format", "{{.State.Status}} {{.State.ExitCode}} {{.State.OOMKilled}}")
        res["status"], res["exit_code"], res["oom_killed_flag"] = state.split()
        res["ping"] = ping(port)
        if res["ping"] == "PONG":
            res["set_after"] = call(port, "SET", "probe", "1")
            res["dbsize_after"] = call(port, "DBSIZE")
            res["last_bgsave_status"] = info(port, "persistence").get("rdb_last_bgsave_status", "?")
            res["rss_after"] = int(info(port, "memory").get("used_memory_rss", "0"))
        kills_after = dmesg_kills()
        if kills_before is None or kills_after is None:
            res["killed"] = ["(dmesg not readable)"]
        else:
            seen = {p for p, _ in kills_before}
            new = [(p, line) for p, line in kills_after if p not in seen]
            res["killed"] = []
            for p, line in new:
                who = "the server (PID 1 of the container)" if p == pid else (
                    "a BGSAVE child" if p in sampler.child_pids else None)
                if who:
                    res["killed"].append("%s: %s" % (who, line[line.find("Killed process"):][:110]))
        log = sh("podman", "logs", name, check=False)
        res["log_lines"] = [l for l in log.splitlines() if re.search(
            r"terminated by signal|Background saving (error|terminated)|MISCONF|Killed|OutOfMemory|Can't save|"
            r"Fork CoW|out of memory|OOM", l)][:8]
        print("%s: %s" % (kind, {k: v for k, v in res.items() if k != "log_lines"}), file=sys.stderr)
    finally:
        subprocess.run(["podman", "rm", "-f", name], capture_output=True)
        shutil.rmtree(data, ignore_errors=True)
    return res


def mb(x):
    return "%.0f" % (x / 2 ** 20)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--memory", default="512m", help="the container memory limit (also --memory-swap: no swap)")
    ap.add_argument("--fill", type=float, default=0.7, help="fill until the container's anonymous memory is this share of the limit")
    ap.add_argument("--max-keys", type=int, default=20000000)
    ap.add_argument("--seconds", type=int, default=60, help="write load with BGSAVEs back to back, per server")
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--redis-args", default="", help="extra redis-server arguments, e.g. \"--maxmemory 300mb\"")
    ap.add_argument("--podis-args", default="", help="extra Podis arguments")
    ap.add_argument("--servers", default="redis,podis", help="which to run, in this order")
    ap.add_argument("--name", default="container-bgsave-oom")
    args = ap.parse_args()
    os.environ.setdefault("CONTAINERS_CONF", os.path.join(ROOT, "docker", "podman-containers.conf"))
    limit = parse_size(args.memory)
    redis_version = build_images()
    results = []
    for _ in range(args.rounds):
        for kind in args.servers.split(","):
            results.append(run_one(kind, args, limit))

    stamp = datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M UTC")
    cmd = command_line("container_bgsave_oom.py", sys.argv[1:])
    try:
        load = open("/proc/loadavg").read().split()[:3]
    except OSError:
        load = ["?"]
    md = ["# BGSAVE under write load in a %s container: Redis 7.0 next to Podis" % args.memory, "",
          "Measured %s on %s (%d cores, load average at the end %s); %s; podman %s." % (
              stamp, platform.node() or "this machine", os.cpu_count(), " ".join(load), redis_version,
              sh("podman", "--version").split()[-1]),
          "Command: `%s`" % cmd, "",
          "Both images are built from `%s` (Debian bookworm): Podis from docker/Dockerfile, Redis with Debian's "
          "`redis-server` package added. Each container runs with `--memory %s --memory-swap %s`, is filled with "
          "SET key:%%012d -> 100-byte value until its anonymous memory (cgroup rss) reaches %.0f%% of the limit, "
          "then `redis-benchmark -t set -r <keys> -d 100 -P 16 -c 50` overwrites those keys for %d s while BGSAVEs "
          "run back to back." % (BASE, args.memory, args.memory, args.fill * 100, args.seconds), "",
          "| server | keys | used_memory filled MB | anon filled MB | maxmemory MB | BGSAVEs ok / failed | SET rps | peak anon MB | cgroup oom_kill | killed by the kernel | podman State (status, exit, OOMKilled) | answers after | SET after |",
          "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in results:
        md.append("| %s | %d | %s | %s | %s | %d / %d | %.0f | %s | %d | %s | %s %s %s | %s | %s |" % (
            r["kind"], r["keys"], mb(r["used_memory_filled"]), mb(r["anon_filled"]), mb(r["maxmemory"]) if r["maxmemory"] else "0 (none)",
            r["bgsave_done"], r["bgsave_failed"], r["bench_rps"], mb(r["peak_anon"]), r["oom_kills"],
            "<br>".join(r["killed"]) or "nothing", r["status"], r["exit_code"], r["oom_killed_flag"],
            r["ping"], r.get("set_after", "-")))
    md += ["", "Server arguments and log lines about saving:", ""]
    for r in results:
        md.append("- %s: `%s`; filling stopped: %s" % (r["kind"], r["args"], r["fill_note"]))
        for l in r["log_lines"]:
            md.append("  - log: `%s`" % l.strip())
        for e in r["bgsave_errors"] + r["bench_errors"]:
            md.append("  - client saw: `%s`" % e[:160])
        if r["ping"] == "PONG":
            md.append("  - after the run: DBSIZE %s, rdb_last_bgsave_status %s, used_memory_rss %s MB" % (
                r["dbsize_after"], r["last_bgsave_status"], mb(r["rss_after"])))
    report = "\n".join(md) + "\n"
    print(report)
    os.makedirs(os.path.join(ROOT, "benchmarks", "results"), exist_ok=True)
    path = os.path.join(ROOT, "benchmarks", "results",
                        datetime.datetime.utcnow().strftime("%Y-%m-%d") + "-" + args.name + ".md")
    with open(path, "w") as f:
        f.write(report)
    print("wrote " + path, file=sys.stderr)


if __name__ == "__main__":
    main()
