#!/usr/bin/python3
"""The metrics CSV under the things that go wrong around it, on the tiny IDX
set of test_train.py:
  - who may append: a fresh run refuses a log that holds rows (exit 2, the
    file named and left as it was) unless -append; a log with only the
    header is free; a file that is not a metrics log is refused; with
    -append the two runs' rows carry different run ids;
  - a partial last line (a run killed mid-write) is cut off before the next
    run appends, with a warning naming the file and the bytes dropped;
  - two processes on one log: the second stops (exit 2, the lock);
  - kill -9 at random moments of a longer run: the CSV holds whole lines
    (or one partial last line), its rows are the schedule's first rows, in
    order, and every iteration up to L - 2 is whole, L being the iteration
    of the last Darknet log line printed before the kill (README: the bound).
usage: test_metrics_log.py [path/to/infomonitor]
"""
import csv
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time

import numpy as np

from tap import check, summary
from test_train import COLUMNS, EXE, LOG_RE, cfg_file, data_file, make_data, run, write_idx

RUN_RE = re.compile(r"^\d{8}T\d{6}\.\d{3}Z-s\d+(-r\d+)?$")
BOUND = 2  # iterations of rows that a kill may lose after the last log line (README)


def rows_of(path):
    """The rows of path's whole lines (a partial last line left out)."""
    with open(path, newline="") as f:
        lines = f.read().split("\n")[1:-1]
    return [next(csv.reader([l])) for l in lines]


def runs_of(rows):
    """The run ids, in order of first appearance."""
    seen = []
    for r in rows:
        if r[-1] not in seen:
            seen.append(r[-1])
    return seen


def ownership(d, data, cfg):
    log = f"{d}/own.csv"
    r1 = run("train", data, cfg, "-seed", "3", "-log", log)
    before = open(log, "rb").read()
    r2 = run("train", data, cfg, "-seed", "4", "-log", log)
    msg = r2.stderr.strip().splitlines()[-1] if r2.stderr.strip() else ""
    check("a fresh run refuses a log with another run's rows: exit 2, the file, -append",
          r1.returncode == 0 and r2.returncode == 2 and f"{log}: holds the rows of run" in msg and
          "-append" in msg and r2.stdout == "", f"rc={r2.returncode} {msg!r}")
    check("the refused log is left as it was", open(log, "rb").read() == before)
    r3 = run("train", data, cfg, "-seed", "4", "-log", log, "-append")
    rows = rows_of(log)
    ids = runs_of(rows)
    check("-append adds the run's rows under its own run id (header once)",
          r3.returncode == 0 and len(ids) == 2 and all(RUN_RE.match(i) for i in ids) and
          ids[0].endswith("-s3") and ids[1].endswith("-s4") and
          open(log).read().count("iteration,") == 1, f"{ids} {r3.stderr[-300:]}")
    head = f"{d}/head.csv"
    with open(head, "w") as f:
        f.write(",".join(COLUMNS) + "\n")
    r4 = run("train", data, cfg, "-seed", "3", "-log", head)
    check("a log with only the header is free for a fresh run",
          r4.returncode == 0 and len(rows_of(head)) == 15, r4.stderr[-300:])
    other = f"{d}/other.csv"
    with open(other, "w") as f:
        f.write("a,b,c\n1,2,3\n")
    r5 = run("train", data, cfg, "-log", other, "-append")
    check("a file that is not a metrics log is refused, also with -append",
          r5.returncode == 2 and f"{other}: exists but is not a metrics log" in r5.stderr,
          r5.stderr[-300:])
    old = f"{d}/old.csv"
    with open(old, "w") as f:
        f.write(",".join(COLUMNS[:-1]) + "\n")
    r6 = run("train", data, cfg, "-log", old)
    check("a log of the version without the run column is refused",
          r6.returncode == 2 and "not a metrics log of this version" in r6.stderr, r6.stderr[-300:])


def repair(d, data, cfg):
    log = f"{d}/cut.csv"
    run("train", data, cfg, "-seed", "3", "-log", log)
    whole = open(log).read()
    partial = "13,2.1666667,0.51234,0.6"
    with open(log, "a") as f:
        f.write(partial)
    r = run("train", data, cfg, "-seed", "5", "-log", log, "-append")
    text = open(log).read()
    lines = text.split("\n")
    check("a partial last line is cut off before appending, with a warning naming the file "
          "and the bytes",
          r.returncode == 0 and f"{log}: its last line was incomplete" in r.stderr and
          f"dropped its {len(partial)} bytes" in r.stderr, r.stderr[-400:])
    check("after the repair: the old lines, then the new run's, every one whole",
          text.startswith(whole) and lines[-1] == "" and
          all(len(next(csv.reader([l]))) == len(COLUMNS) for l in lines[:-1]) and
          len(rows_of(log)) == 30 and partial not in text, text[len(whole) - 80:len(whole) + 200])


class LongRun:
    """A training run in the background: stdout read line by line, stderr to
    a file (Darknet prints a line per saved weights file)."""

    def __init__(self, d, args):
        self.err = open(f"{d}/long.stderr.{time.monotonic_ns()}", "w+")
        self.p = subprocess.Popen([EXE, *args], stdout=subprocess.PIPE, stderr=self.err,
                                  text=True)
        self.lines, self.started = [], threading.Event()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.p.stdout:
            self.lines.append(line)
            if LOG_RE.match(line.rstrip("\n")):
                self.started.set()
        self.started.set()

    def kill(self):
        self.p.send_signal(signal.SIGKILL)
        self.p.wait(timeout=60)
        self.reader.join(timeout=60)
        self.err.close()

    def last_iteration(self):
        """The iteration of the last whole log line it printed."""
        its = [int(LOG_RE.match(l.rstrip("\n")).group(1)) for l in self.lines
               if l.endswith("\n") and LOG_RE.match(l.rstrip("\n"))]
        return its[-1] if its else 0


def long_setup(d):
    """200 iterations per epoch (3200 training samples), max_batches 100000."""
    rng = np.random.default_rng(11)
    y = np.arange(3200) % 3
    x = rng.integers(0, 60, size=(3200, 8, 8))
    for i in range(3200):
        x[i, 1 + 2 * y[i]:3 + 2 * y[i], :] += 180
    write_idx(f"{d}/big-images.gz", x, 0x803)
    write_idx(f"{d}/big-labels.gz", y, 0x801)
    data = data_file(d, "big.data", train=f"{d}/big-images.gz", train_labels=f"{d}/big-labels.gz",
                     backup=f"{d}/bbig")
    return data, cfg_file(d, "long.cfg", max_batches=100000)


def lock(d, data, cfg):
    log = f"{d}/locked.csv"
    first = LongRun(d, ["train", data, cfg, "-seed", "1", "-log", log])
    if not check("a long run starts", first.started.wait(60) and first.p.poll() is None):
        first.kill()
        return
    r = run("train", data, cfg, "-seed", "2", "-log", log, "-append")
    msg = r.stderr.strip().splitlines()[-1] if r.stderr.strip() else ""
    check("a second process on the log stops: exit 2, the file, the lock",
          r.returncode == 2 and f"{log}: the metrics log is in use by another process" in msg,
          f"rc={r.returncode} {msg!r}")
    first.kill()
    check("the first run's rows are all its own", runs_of(rows_of(log))[:1] == runs_of(rows_of(log)))


def schedule():
    """(iteration, monitor) of cfg_file's monitors, in the order they are written."""
    it = 0
    while True:
        it += 1
        yield it, "conv1"
        if (it - 1) % 4 == 0:
            yield it, "fc1"


def after_kill(i, path, L, delay):
    """Whole lines (or one partial last line), the schedule's first rows,
    and every iteration up to L - BOUND whole; returns L - k."""
    text = open(path, newline="").read() if os.path.exists(path) else ""
    lines = text.split("\n")
    whole, tail = lines[:-1], lines[-1]
    check(f"kill {i} ({delay:.2f} s, last log line {L}): the header, whole lines and at most "
          "one partial last one",
          whole and whole[0] == ",".join(COLUMNS) and
          all(len(next(csv.reader([l]))) == len(COLUMNS) for l in whole[1:]) and
          (not tail or len(next(csv.reader([tail]))) <= len(COLUMNS)), repr(tail[:120]))
    rows = rows_of(path)
    got = [(int(r[0]), r[6]) for r in rows]
    want = [x for _, x in zip(range(len(got) + 1), schedule())]
    prefix = got == want[:len(got)]
    # k: the last iteration with all its rows
    k = got[-1][0] if got and want[len(got)][0] != got[-1][0] else (got[-1][0] - 1 if got else 0)
    check(f"kill {i}: the rows are the schedule's first {len(got)}, in order, one run id",
          prefix and len(runs_of(rows)) == 1, f"{got[-5:]} vs {want[len(got) - 5:len(got)]}")
    check(f"kill {i}: every iteration up to L - {BOUND} has its rows (k = {k}, L = {L}, "
          f"L - k = {L - k})", L > 0 and k >= L - BOUND, f"k {k} L {L}")
    return L - k


def kills(d, data, cfg):
    rng = random.Random()
    seed = rng.randrange(1 << 30)
    rng.seed(seed)
    print(f"# kill -9 delays from random.Random({seed})")
    lags = []
    for i in range(1, 6):
        log = f"{d}/kill{i}.csv"
        lr = LongRun(d, ["train", data, cfg, "-seed", str(i), "-log", log])
        if not check(f"kill {i}: the run starts", lr.started.wait(60) and lr.p.poll() is None):
            lr.kill()
            continue
        delay = rng.uniform(0.05, 1.5)
        time.sleep(delay)
        lr.kill()
        lags.append(after_kill(i, log, lr.last_iteration(), delay))
    print(f"# L - k over the kills: {lags}")
    log = f"{d}/kill5.csv"
    with open(log, "a") as f:
        f.write("999,5,0.1")  # a partial last line, whatever the kill left
    short = cfg_file(d, "short.cfg", max_batches=3)
    r = run("train", data, short, "-seed", "9", "-log", log, "-append")
    lines = open(log).read().split("\n")
    check("the next run repairs a killed run's log and appends whole lines",
          r.returncode == 0 and "its last line was incomplete" in r.stderr and lines[-1] == "" and
          all(len(next(csv.reader([l]))) == len(COLUMNS) for l in lines[:-1]) and
          len(runs_of(rows_of(log))) == 2, r.stderr[-300:])


def main():
    with tempfile.TemporaryDirectory() as d:
        make_data(d)
        data = data_file(d)
        cfg = cfg_file(d, "net.cfg")
        ownership(d, data, cfg)
        repair(d, data, cfg)
        big, long_cfg = long_setup(d)
        lock(d, big, long_cfg)
        kills(d, big, long_cfg)
    sys.exit(summary())


if __name__ == "__main__":
    main()
