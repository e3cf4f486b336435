#!/usr/bin/env python3
"""Memory per element of a large hash and a large sorted set: redis-server and Podis in one run.

Redis: INFO used_memory growth while one key holds N elements, loaded with redis-cli --pipe.
Podis: heap growth (after full collections) while one collection of the same data is alive,
measured by the benchmark classes CollectionMemory and SortedSetMemory on the value classes the
server stores. Shapes: a hash of N fields "field:<i>" with 100-byte values; a sorted set of N
members "member:<i>" with score i, and the same with random scores.

Usage (after `mvn -q -pl benchmarks -am package -DskipTests`):
    python3 benchmarks/side-by-side/collection_memory.py [N]
"""
import os
import random
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare import free_port  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
JAR = os.path.join(ROOT, "benchmarks", "target", "benchmarks.jar")


def resp(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def used_memory(port):
    info = subprocess.run(["redis-cli", "-p", str(port), "info", "memory"], capture_output=True, text=True).stdout
    return int(re.search(r"used_memory:(\d+)", info).group(1))


def redis_per_element(port, n, commands, key):
    before = used_memory(port)
    with tempfile.TemporaryFile() as f:
        for c in commands:
            f.write(c)
        f.seek(0)
        subprocess.run(["redis-cli", "-p", str(port), "--pipe"], stdin=f, stdout=subprocess.DEVNULL, check=True)
    after = used_memory(port)
    encoding = subprocess.run(["redis-cli", "-p", str(port), "object", "encoding", key],
                              capture_output=True, text=True).stdout.strip()
    subprocess.run(["redis-cli", "-p", str(port), "del", key], capture_output=True)
    return (after - before) / n, encoding


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    value = b"v" * 100
    port = free_port()
    workdir = tempfile.mkdtemp()
    redis = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                              "--appendonly", "no", "--dir", workdir], stdout=subprocess.DEVNULL)
    try:
        for _ in range(100):
            if subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True).returncode == 0:
                break
            time.sleep(0.1)
        rnd = random.Random(1)
        rows = [
            ("hash, 100-byte values",) + redis_per_element(
                port, n, (resp("HSET", "h", "field:%d" % i, value) for i in range(n)), "h"),
            ("sorted set, score i",) + redis_per_element(
                port, n, (resp("ZADD", "z", i, "member:%d" % i) for i in range(n)), "z"),
            ("sorted set, random scores",) + redis_per_element(
                port, n, (resp("ZADD", "z", rnd.randrange(n), "member:%d" % i) for i in range(n)), "z"),
        ]
    finally:
        redis.terminate()
        redis.wait()
    version = subprocess.run(["redis-server", "--version"], capture_output=True, text=True).stdout.strip()
    print("redis-server (%s), used_memory growth per element, %d elements:" % (version, n))
    for what, per, enc in rows:
        print("  %-30s %-10s %7.1f bytes" % (what, enc, per))
    print("Podis (heap growth per element, same data):")
    for cls in ("CollectionMemory", "SortedSetMemory"):
        subprocess.run(["java", "-Xmx3g", "-cp", JAR, "dev.podis.benchmarks." + cls, str(n)], check=True)


if __name__ == "__main__":
    main()
