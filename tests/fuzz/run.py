#!/usr/bin/python3
"""Runs libFuzzer harnesses one after the other and prints, per harness, the
inputs tried, the seconds, the corpus and what failed (a crash, a sanitizer
report, a leak, an input slower than TIMEOUT seconds, or memory over
RSS_MB), with the command that reproduces the run.

  run.py --runs N BUILD HARNESS...     N inputs each, libFuzzer seed 1, from
                                       the seeds alone (fuzz-smoke)
  run.py --seconds S BUILD HARNESS...  S seconds each, the corpus kept and
                                       grown in BUILD/corpus/HARNESS (fuzz)

BUILD is the fuzz build folder (build/fuzz); the harnesses are
BUILD/tests/fuzz/fuzz_HARNESS, their seeds tests/fuzz/corpus/HARNESS/.  A
failing input lands in BUILD/artifacts/, libFuzzer's log in BUILD/logs/.
Exit status 1 if any harness failed.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TIMEOUT = 10
RSS_MB = 2048


def count_files(d):
    return sum(len(files) for _, _, files in os.walk(d)) if os.path.isdir(d) else 0


def command(args, build, harness):
    """The libFuzzer command line and the corpus folder it grows."""
    seeds = os.path.join(HERE, "corpus", harness)
    art = os.path.join(build, "artifacts")
    os.makedirs(art, exist_ok=True)
    if args.runs is not None:
        corpus = os.path.join(build, "smoke", harness)
        shutil.rmtree(corpus, ignore_errors=True)
        budget = [f"-runs={args.runs}", "-seed=1"]
    else:
        corpus = os.path.join(build, "corpus", harness)
        budget = [f"-max_total_time={args.seconds}"]
    os.makedirs(corpus, exist_ok=True)
    exe = os.path.join(build, "tests", "fuzz", "fuzz_" + harness)
    return [exe, *budget, f"-timeout={TIMEOUT}", f"-rss_limit_mb={RSS_MB}", "-print_final_stats=1",
            f"-artifact_prefix={art}/{harness}-", corpus, seeds], corpus


def environment():
    """Sanitizer options; the harnesses' files in memory (/dev/shm) where it
    can be written: on a disk, writing them takes most of the time."""
    env = dict(os.environ)
    if os.access("/dev/shm", os.W_OK | os.X_OK):
        env["TMPDIR"] = "/dev/shm"
    env["LSAN_OPTIONS"] = f"suppressions={ROOT}/tests/lsan.supp:print_suppressions=0"
    env["UBSAN_OPTIONS"] = "print_stacktrace=1"
    return env


def run_one(args, build, harness):
    cmd, corpus = command(args, build, harness)
    logs = os.path.join(build, "logs")
    os.makedirs(logs, exist_ok=True)
    log = os.path.join(logs, harness + ".log")
    art_before = set(os.listdir(os.path.join(build, "artifacts")))
    start = time.monotonic()
    with open(log, "w") as f:
        rc = subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT, env=environment(),
                            cwd=ROOT).returncode
    seconds = time.monotonic() - start
    with open(log, errors="replace") as f:
        text = f.read()
    m = re.search(r"stat::number_of_executed_units: (\d+)", text)
    execs = int(m.group(1)) if m else None
    new = sorted(set(os.listdir(os.path.join(build, "artifacts"))) - art_before)
    failed = rc != 0 or new
    rel = lambda p: os.path.relpath(p, ROOT)
    print(f"{harness}: {execs if execs is not None else '?'} inputs in {seconds:.1f} s"
          f"{f' ({execs / seconds:.0f}/s)' if execs else ''}, corpus "
          f"{count_files(os.path.join(HERE, 'corpus', harness))} seeds, {count_files(corpus)} "
          f"files after, {'FAILED (exit status %d)' % rc if failed else '0 failures'}")
    print("  " + " ".join(rel(c) if c.startswith(ROOT) else c for c in cmd))
    if failed:
        report = [l for l in text.splitlines() if not l.startswith(("#", "INFO:"))]
        print("\n".join("  | " + l for l in report[-60:]))
        for a in new:
            print(f"  failing input: {rel(os.path.join(build, 'artifacts', a))}")
    return not failed


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--runs", type=int)
    g.add_argument("--seconds", type=int)
    p.add_argument("build")
    p.add_argument("harness", nargs="+")
    args = p.parse_args()
    build = os.path.abspath(args.build)
    ok = [run_one(args, build, h.removeprefix("fuzz_")) for h in args.harness]
    print(f"fuzz: {sum(ok)} of {len(ok)} harnesses without a failure")
    return 0 if all(ok) else 1


if __name__ == "__main__":
    sys.exit(main())
