#!/usr/bin/env python3
"""Tests of compare.py's parsing and reporting (fast, no servers), plus an end-to-end --quick run
when redis-server and a built server/target/podis.jar are present (about a minute; set
PODIS_BENCH_SMOKE=0 to skip it).

  python3 -m unittest discover -s benchmarks/side-by-side -p 'test_*.py'

`mvn verify` runs them too (module benchmarks, phase integration-test).
"""
import csv, os, shutil, subprocess, sys, tempfile, unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare  # noqa: E402

# redis-benchmark 7.0.15 --csv with -t set,lpush,lrange_100,mset (values shortened).
CSV_7 = '''"test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
"SET","246913.58","2.863","0.392","2.663","6.495","6.775","6.935"
"LPUSH","434782.59","1.588","0.456","1.415","3.567","5.031","5.159"
"LPUSH (needed to benchmark LRANGE)","476190.47","1.459","0.360","1.255","2.823","6.287","6.439"
"LRANGE_100 (first 100 elements)","58651.03","6.789","0.552","7.487","11.663","12.999","13.479"
"MSET (10 keys)","96153.84","6.269","0.848","6.575","10.143","10.767","11.039"
'''
# redis-benchmark before 6.2: no header, no latencies.
CSV_OLD = '''"SET","81300.81"
"GET","83333.34"
'''
GC_LOG = '''[1795677312288ms][3ms][gc] Using G1
[1795677312818ms][533ms][gc,start    ] GC(0) Pause Young (Normal) (G1 Evacuation Pause)
[1795677312819ms][534ms][gc,phases   ] GC(0)   Pre Evacuate Collection Set: 0.1ms
[1795677312829ms][544ms][gc          ] GC(0) Pause Young (Normal) (G1 Evacuation Pause) 19M->7M(388M) 11.103ms
[1795677312830ms][545ms][gc,cpu      ] GC(0) User=0.01s Sys=0.00s Real=0.01s
[1795677313100ms][800ms][gc          ] GC(1) Concurrent Mark Cycle 25.500ms
[1795677313200ms][900ms][gc          ] GC(1) Pause Remark 20M->20M(388M) 0.800ms
[1795677313300ms][1000ms][gc,phases  ] GC(2) Y: Pause Mark Start 0.012ms
[1795677314000ms][1700ms][gc          ] GC(3) Pause Young (Normal) (G1 Evacuation Pause) 45M->13M(388M) 2.500ms
'''

SHENANDOAH_LOG = '''[1795688767600ms][100ms][gc,init     ] Using Shenandoah
[1795688767691ms][192ms][gc,start    ] GC(0) Pause Init Mark (unload classes)
[1795688767691ms][192ms][gc          ] GC(0) Pause Init Mark (unload classes) 0.071ms
[1795688767705ms][206ms][gc          ] GC(0) Concurrent marking (unload classes) 13.502ms
[1795688767706ms][207ms][gc          ] GC(0) Pause Final Mark (unload classes) 0.084ms
[1795688767748ms][249ms][gc,stats    ] Allocation pacing accrued:
[1795688767748ms][249ms][gc,stats    ]       8 of    30 ms ( 27.2%): main
[1795688767748ms][249ms][gc,stats    ]       0 of    30 ms (  0.0%): podis-io-1
[1795688767748ms][249ms][gc,stats    ]       8 of    30 ms ( 27.2%): <total>
[1795688767748ms][249ms][gc,stats    ]       1 of    30 ms (  2.5%): <average total>
[1795688767748ms][249ms][gc,stats    ] 
[1795688767749ms][250ms][gc,stats    ]       5 of    30 ms ( 27.2%): not after a pacing header
[1795688767800ms][301ms][gc          ] GC(1) Pause Degenerated GC (Mark) 40M->20M(128M) 3.250ms
'''
ZGC_LOG = '''[1795688773621ms][131ms][gc          ] Using The Z Garbage Collector
[1795688773773ms][283ms][gc,phases   ] GC(0) Pause Mark Start 0.015ms
[1795688773792ms][302ms][gc,phases   ] GC(0) Concurrent Mark 18.843ms
[1795688774305ms][815ms][gc          ] Relocation Stall (main) 3.142ms
[1795688774305ms][815ms][gc          ] Allocation Stall (main) 31.500ms
[1795688774336ms][845ms][gc,start    ] GC(3) Garbage Collection (Allocation Stall)
'''


def with_log(text, check):
    d = tempfile.mkdtemp()
    try:
        path = os.path.join(d, "gc.log")
        with open(path, "w") as f:
            f.write(text)
        check(path)
    finally:
        shutil.rmtree(d)


class ParsingTest(unittest.TestCase):
    def test_redis_benchmark_7_csv(self):
        rows = compare.parse_benchmark_csv("some banner\n" + CSV_7)
        self.assertEqual([r[0] for r in rows], ["SET", "LPUSH", "LRANGE_100 (first 100 elements)", "MSET (10 keys)"])
        self.assertEqual(rows[0], ("SET", 246913.58, 2.663, 6.775))
        self.assertEqual([compare.test_key(r[0]) for r in rows], ["set", "lpush", "lrange_100", "mset"])

    def test_old_redis_benchmark_csv_has_no_latencies(self):
        self.assertEqual(compare.parse_benchmark_csv(CSV_OLD), [("SET", 81300.81, None, None), ("GET", 83333.34, None, None)])

    def test_gc_pauses_and_phases(self):
        d = tempfile.mkdtemp()
        try:
            path = os.path.join(d, "gc.log")
            with open(path, "w") as f:
                f.write(GC_LOG)
            pauses = compare.parse_gc_pauses(path)
            self.assertEqual([(t, ms) for t, ms, _ in pauses],
                             [(1795677312829, 11.103), (1795677313200, 0.8), (1795677313300, 0.012),
                              (1795677314000, 2.5)])
            s = compare.gc_summary(pauses, {"-P 16": [(1795677313150, 1795677313400)],
                                            "-P 1": [(1795677313900, 1795677314100)]})
            self.assertEqual(s["whole run"][:3], (4, 11.103, 2))
            self.assertEqual(s["-P 16"][:3], (2, 0.8, 0))
            self.assertEqual(s["-P 1"][:3], (1, 2.5, 1))
            self.assertEqual(s["outside the measured runs (start-up, while Redis ran)"][:3], (1, 11.103, 1))
            self.assertEqual(compare.parse_gc_pauses(os.path.join(d, "absent.log")), [])
        finally:
            shutil.rmtree(d)

    def test_shenandoah_pauses_and_pacing(self):
        def check(path):
            self.assertEqual([(t, ms) for t, ms, _ in compare.parse_gc_pauses(path)],
                             [(1795688767691, 0.071), (1795688767706, 0.084), (1795688767800, 3.25)])
            self.assertEqual(compare.parse_gc_stalls(path), [(1795688767748, 8.0, "pacing of main")])
            self.assertEqual(compare.gc_name(path), "Shenandoah")
            s = compare.gc_summary(compare.parse_gc_pauses(path), {}, compare.parse_gc_stalls(path))
            self.assertEqual(s["whole run"][4:], (1, 8.0))
        with_log(SHENANDOAH_LOG, check)

    def test_zgc_pauses_and_stalls(self):
        def check(path):
            self.assertEqual([(t, ms) for t, ms, _ in compare.parse_gc_pauses(path)], [(1795688773773, 0.015)])
            self.assertEqual(compare.parse_gc_stalls(path), [(1795688774305, 3.142, "Relocation Stall (main)"),
                                                             (1795688774305, 31.5, "Allocation Stall (main)")])
            self.assertEqual(compare.gc_name(path), "Z")
            s = compare.gc_summary([], {"-P 16": [(1795688774300, 1795688774310)]}, compare.parse_gc_stalls(path))
            self.assertEqual(s["-P 16"][4:], (2, 31.5))
            self.assertEqual(s["outside the measured runs (start-up, while Redis ran)"][4:], (0, 0.0))
        with_log(ZGC_LOG, check)

    def test_summary_takes_medians_and_ratio_range(self):
        results = {("GET", 1, "redis"): [(100.0, 1.0, 2.0), (300.0, 3.0, 6.0), (200.0, 2.0, 4.0)],
                   ("GET", 1, "podis"): [(50.0, 1.5, 2.5), (600.0, 0.5, 9.0), (220.0, 1.0, 3.0)],
                   ("SET", 1, "redis"): [(10.0, None, None)]}  # no Podis row: left out
        rows = compare.summarise(results, ["SET", "GET"], [1, 16])
        self.assertEqual(len(rows), 1)
        test, p, r, q, ratio, lo, hi, r50, q50, r99, q99 = rows[0]
        self.assertEqual((test, p, r, q, r50, q50, r99, q99), ("GET", 1, 200.0, 220.0, 2.0, 1.0, 4.0, 3.0))
        self.assertAlmostEqual(ratio, 1.1)
        self.assertEqual((lo, hi), (0.5, 2.0))

    def test_readme_section_is_replaced_and_the_rest_kept(self):
        d = tempfile.mkdtemp()
        try:
            path = os.path.join(d, "README.md")
            with open(path, "w") as f:
                f.write("before\n%s\nold table\n%s\nafter\n" % (compare.README_BEGIN, compare.README_END))
            compare.update_readme("new table\n", path)
            with open(path) as f:
                self.assertEqual(f.read(), "before\n%s\nnew table\n%s\nafter\n" % (compare.README_BEGIN, compare.README_END))
        finally:
            shutil.rmtree(d)

    def test_command_line_names_no_machine_paths(self):
        self.assertEqual("python3 benchmarks/side-by-side/persistence.py --jar after.jar --baseline-jar=before.jar "
                         "--name 'two words' --jvm-opts=-Xmx1g --tests set",
                         compare.command_line("persistence.py", ["--jar", "/some/dir/after.jar",
                                                                 "--baseline-jar=/other/before.jar", "--name", "two words",
                                                                 "--jvm-opts=-Xmx1g", "--tests", "set"]))

    def test_hashes_dataset_commands_are_well_formed_resp(self):
        import persistence
        cmd = persistence.hash_command(12)
        parts = cmd.split(b"\r\n")
        self.assertEqual(parts[0], b"*10")
        values = parts[2:-1:2]
        self.assertEqual([b"HSET", b"user:12", b"name", b"name-12", b"email", b"user12@example.com", b"age", b"12",
                          b"city", b"city-12"], values)
        self.assertEqual([b"$%d" % len(v) for v in values], parts[1:-1:2])

    def test_presets(self):
        full = compare.parse_args(["--full", "--no-readme"])
        self.assertEqual(full.tests, compare.FULL_TESTS.split(","))
        self.assertEqual((full.pipelines, full.rounds, full.memory_keys), ([1, 16], 3, 1000000))
        self.assertTrue(full.build and full.chart and not full.update_readme)
        mine = compare.parse_args(["--tests", "get", "--requests", "100,200", "--rounds", "5"])
        self.assertEqual((mine.tests, mine.requests_by_pipeline, mine.rounds), (["get"], {1: 100, 16: 200}, 5))
        self.assertEqual(compare.parse_args(["--tests", ""]).tests, [])


# Under CI (CI set, as .ci/run does) the run is never skipped: a missing tool or jar fails it.
@unittest.skipUnless(os.environ.get("CI") or (os.environ.get("PODIS_BENCH_SMOKE", "1") != "0"
                     and shutil.which("redis-server") and shutil.which("redis-benchmark")
                     and os.path.exists(compare.PODIS_JAR)),
                     "needs redis-server, redis-benchmark and server/target/podis.jar")
class QuickRunTest(unittest.TestCase):
    def test_quick_run_writes_every_output(self):
        out = tempfile.mkdtemp()
        try:
            subprocess.run([sys.executable, os.path.join(os.path.dirname(compare.__file__), "compare.py"), "--quick",
                            "--tests", "set,get,lrange_100", "--out", out, "--podis-args", "--network-transport nio"],
                           check=True, capture_output=True)
            name = [f for f in os.listdir(out) if f.endswith("-quick.csv")][0]
            with open(os.path.join(out, name)) as f:
                rows = list(csv.DictReader(f))
            self.assertEqual([(r["test"], r["pipeline"]) for r in rows],
                             [("SET", "1"), ("SET", "16"), ("GET", "1"), ("GET", "16"), ("LRANGE_100", "1"),
                              ("LRANGE_100", "16")])
            for r in rows:
                self.assertAlmostEqual(float(r["ratio"]), float(r["podis_rps"]) / float(r["redis_rps"]), places=6)
            with open(os.path.join(out, name[:-4] + ".md")) as f:
                report = f.read()
            for text in ("Memory per key after loading 10000 keys", "Podis GC pauses", "Machine:", "redis-server 7",
                         "Podis also ran with `--network-transport nio`. Podis's network transport: nio."):
                self.assertIn(text, report)
            if os.path.exists(compare.BENCH_JAR):
                with open(os.path.join(out, name[:-4] + ".png"), "rb") as f:
                    self.assertEqual(f.read(8), b"\x89PNG\r\n\x1a\n")
        finally:
            shutil.rmtree(out)


if __name__ == "__main__":
    unittest.main()
