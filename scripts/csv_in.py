"""The checked CSV input of the plot scripts (plot_width.py, plot_rank.py).

rows(prog, path, required): the rows of a CSV file with a header, as dicts;
a missing or unreadable file, no rows or a missing column is one line on
stderr, "prog: path: ...", and exit status 2 (die).
"""
import csv
import sys


def die(prog, msg):
    sys.stderr.write("%s: %s\n" % (prog, msg))
    sys.exit(2)


def rows(prog, path, required):
    try:
        with open(path, newline="") as f:
            got = list(csv.DictReader(f))
    except OSError as e:
        die(prog, "%s: %s" % (path, e.strerror))
    if not got:
        die(prog, "%s: no rows" % path)
    missing = [c for c in required if c not in got[0]]
    if missing:
        die(prog, "%s: no column %s" % (path, ", ".join(missing)))
    return got
