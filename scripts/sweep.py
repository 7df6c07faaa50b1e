#!/usr/bin/python3
"""Sweep a network's topology and compare the information its conv layers carry
(the paper's Figs. 4, 5, 11 and 12).

usage: sweep.py BASE.cfg --set SECTION.KEY=V1,V2,... [--set ...] --seeds S1,S2,...
                --epochs E [--data DATA] [--out DIR] [--jobs J] [--exe ./infomonitor]

Trains BASE.cfg (with its [infomonitor] sections) once per topology and seed
with `infomonitor train`: the topologies are the cartesian product of the
--set lists, each --set replacing (or adding) one key of one section.
SECTION is a short type and its ordinal in the cfg: conv1 is the first
[convolutional] (or [conv]) section, conv2 the second, fc1 the first
[connected], pool1 the first [maxpool], softmax1; net is the [net] section;
any other section type works with its name (dropout2, route1).  Each
topology's cfg is checked with `infomonitor check CFG DATA` before anything
trains.  DATA defaults to cfg/fashion-mnist.data; each run gets its own copy
with backup = its folder.

Writes into DIR (default results/sweep):
  RUN/          one folder per run (TOPOLOGY-sSEED): net.cfg, run.data,
                metrics.csv, train.log, stderr, weights, accuracy CSV; a run
                whose train.log reports the last epoch, with the same cfg and
                .data, is not trained again
  sweep.csv     one row per run, epoch and conv layer (the monitors that log
                I_XT with C > 1 feature maps): kind=run, the topology and its
                --set values, seed, status (ok; collapsed: train printed the
                collapse warning; failed: train exited non-zero or left no
                metrics), epoch, layer, monitor, C, then the epoch's means of
                mmi (I_XT, the multivariate MI over the maps, Eq. 7), H_X (its
                bound), the pid columns rs_pct, wnr_pct, rs, wnr, wnr_y (from
                a monitor with pid on the same layer) and the valid top1 after
                it; the pid columns leave out the iterations in which fewer than
                two of the layer's maps were live, where the pair means measure
                nothing (the monitors leave those cells empty).  Epoch k is the iterations after
                the one that ended epoch k-1 up to the one that ended epoch k, as
                the accuracy CSV
                gives them, so top1 measures the model of its last step.
                Then kind=mean rows: per topology, epoch and layer the means
                over the seeds whose runs are ok (seed lists them, left_out
                names the others and why; status none when no seed is left).
  mmi.png       per conv layer: MMI per epoch, a curve per topology, and the
                last epoch's MMI against the swept value, under the mean H(X)
                (the dashed line); the legend gives each topology's last
                valid top-1; collapsed or failed runs are left out and the
                title says which.
  pid.png       per conv layer with pid: the last epoch's rs_pct and wnr_pct
                (as %) against the swept value.
stdout: a `wrote PATH` line per file and the runs left out of the means (or
"no run left out").  Progress lines on stderr: run k of N, the topology and
seed, elapsed time.  Bad arguments (a malformed --set, an unknown section or key, no seeds, a cfg
that `check` refuses): one line on stderr naming it, exit status 2, nothing
trained.  A run that fails (train exits non-zero) is marked failed and left
out; each is named on stderr with its error, and the exit status is 1.
"""
import argparse
import csv
import itertools
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lenet_runs as lr  # noqa: E402

pi = lr.pi
PROG = "sweep"
SHORT = {"conv": ("[convolutional]", "[conv]"), "fc": ("[connected]", "[conn]"),
         "pool": ("[maxpool]", "[max]"), "softmax": ("[softmax]", "[soft]")}
QUANT = ("mmi", "H_X", "rs_pct", "wnr_pct", "rs", "wnr", "wnr_y")
COLUMNS_TAIL = ("seed", "left_out", "status", "epoch", "layer", "monitor", "C") + QUANT + ("top1",)


class UsageError(Exception):
    pass


class Parser(argparse.ArgumentParser):
    def error(self, message):
        raise UsageError(message)


# ---------------------------------------------------------------- the cfg

def parse_set(text):
    """'conv1.filters=2,4' -> ('conv1', 'filters', ['2', '4'])."""
    target, eq, values = text.partition("=")
    section, dot, key = target.partition(".")
    vals = values.split(",")
    if not eq or not dot or not section or not key or not values or "" in vals:
        raise UsageError("--set %r: expected SECTION.KEY=V1,V2,... (e.g. conv1.filters=2,4,6)"
                         % text)
    return section.strip(), key.strip(), [v.strip() for v in vals]


def sections(lines):
    """[(type, header line index)] of a cfg's lines."""
    return [(l.strip(), i) for i, l in enumerate(lines) if l.strip().startswith("[")]


def find_section(secs, name, key):
    """The header line index of the section called name (conv1, net, dropout2);
    messages name the --set key name.key."""
    what = "--set %s.%s: unknown section %s" % (name, key, name)
    if name in ("net", "network"):
        hits = [i for t, i in secs if t in ("[net]", "[network]")]
        if hits:
            return hits[0]
        raise UsageError("%s: the cfg has no [net] section" % what)
    m = re.fullmatch(r"([a-z_]+)([1-9][0-9]*)", name)
    if not m:
        raise UsageError("%s (expected a type and its ordinal: conv1, fc2, pool1, or net)" % what)
    kind, k = m.group(1), int(m.group(2))
    types = SHORT.get(kind, ("[%s]" % kind,))
    hits = [i for t, i in secs if t in types]
    if not hits:
        raise UsageError("%s: the cfg has no %s section (short names: %s, net)" % (
            what, " or ".join(types), ", ".join(SHORT)))
    if k > len(hits):
        raise UsageError("%s: the cfg has %d %s section%s" % (
            what, len(hits), types[0], "" if len(hits) == 1 else "s"))
    return hits[k - 1]


def set_key(lines, start, key, value):
    """Set key=value in the section whose header is lines[start]: replace its line, or
    add one after the header."""
    end = next((i for i in range(start + 1, len(lines)) if lines[i].strip().startswith("[")),
               len(lines))
    for i in range(start + 1, end):
        k = lines[i].split("=", 1)[0].strip()
        if "=" in lines[i] and k == key and not lines[i].lstrip().startswith(("#", ";")):
            lines[i] = "%s=%s" % (key, value)
            return
    lines.insert(start + 1, "%s=%s" % (key, value))


def topology_cfg(base_lines, sets, values):
    """The cfg text of one topology: base with each (section, key) set to its value."""
    lines = list(base_lines)
    for (section, key, _), v in zip(sets, values):
        set_key(lines, find_section(sections(lines), section, key), key, v)
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- arguments

def parse(argv):
    parts = __doc__.split("\n\n")      # title, usage (argparse prints its own), the rest
    ap = Parser(prog="sweep.py", description="\n\n".join(parts[:1] + parts[2:]),
                formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("base", metavar="BASE.cfg")
    ap.add_argument("--set", action="append", default=[], dest="sets",
                    metavar="SECTION.KEY=V1,V2,...", help="one swept key (repeatable)")
    ap.add_argument("--seeds", default="", metavar="S1,S2,...", help="seeds of each topology")
    ap.add_argument("--epochs", type=int, required=True, metavar="E", help="epochs per run")
    ap.add_argument("--data", default="cfg/fashion-mnist.data", metavar="DATA",
                    help="the .data file (default cfg/fashion-mnist.data)")
    ap.add_argument("--out", default="results/sweep", metavar="DIR",
                    help="where the runs, CSV and PNGs go (default results/sweep)")
    ap.add_argument("--jobs", type=int, default=2, metavar="J", help="runs at a time (default 2)")
    ap.add_argument("--exe", default="./infomonitor", help="the infomonitor binary")
    a = ap.parse_args(argv)
    if not a.sets:
        raise UsageError("give at least one --set SECTION.KEY=V1,V2,...")
    a.sets = [parse_set(s) for s in a.sets]
    keys = ["%s.%s" % (s, k) for s, k, _ in a.sets]
    if len(set(keys)) < len(keys):
        raise UsageError("--set: a key is given twice (%s)" % ", ".join(keys))
    if not re.fullmatch(r"[0-9]+(,[0-9]+)*", a.seeds):
        raise UsageError("--seeds %r: expected whole numbers separated by commas, e.g. --seeds 1,2"
                         % a.seeds if a.seeds else "no seeds: give --seeds S1,S2,... (e.g. 1,2)")
    a.seeds = sorted(set(int(s) for s in a.seeds.split(",")))
    if a.epochs < 1 or a.jobs < 1:
        raise UsageError("--epochs and --jobs must be >= 1")
    for path, what in ((a.base, "BASE.cfg"), (a.data, "--data")):
        if not os.path.isfile(path):
            raise UsageError("%s %s: no such file" % (what, path))
    if not os.access(a.exe, os.X_OK):
        raise UsageError("--exe %s: not an executable (run make first)" % a.exe)
    return a


# ---------------------------------------------------------------- the runs

def safe(text):
    return re.sub(r"[^A-Za-z0-9._-]", "_", text)


def topologies(a):
    """[(label, values, cfg text)]: the product of the --set lists; a label joins the
    values with '-' (the paper's 6-12)."""
    base = open(a.base).read().splitlines()
    out = []
    for values in itertools.product(*[v for _, _, v in a.sets]):
        out.append(("-".join(values), values, topology_cfg(base, a.sets, values)))
    if len({safe(t[0]) for t in out}) < len(out):
        raise UsageError("--set: two topologies have the same folder name (%s)"
                         % ", ".join(t[0] for t in out))
    return out


def check_cfg(a, label, values, cfg):
    """`infomonitor check` on one topology's cfg: exit 2 naming the --set values."""
    p = subprocess.run([a.exe, "check", cfg, a.data], capture_output=True, text=True)
    if p.returncode != 0:
        msg = p.stderr.strip().splitlines()[-1] if p.stderr.strip() else "exit %d" % p.returncode
        sets = ", ".join("%s.%s=%s" % (s, k, v) for (s, k, _), v in zip(a.sets, values))
        raise UsageError("--set %s: %s" % (sets, msg))


def stale_log(d):
    """Forget an earlier run in folder d (another cfg or .data): it trains again."""
    for f in ("train.log", "metrics.csv"):
        if os.path.exists(os.path.join(d, f)):
            os.remove(os.path.join(d, f))


def prepare(a, topo):
    """Folders, cfgs and .data files; [(topology, seed, (name, argv, folder))]."""
    runs = []
    for label, values, text in topo:
        for seed in a.seeds:
            d = os.path.join(a.out, "%s-s%d" % (safe(label), seed))
            os.makedirs(d, exist_ok=True)
            cfg, data = os.path.join(d, "net.cfg"), os.path.join(d, "run.data")
            before = [open(p).read() if os.path.exists(p) else None for p in (cfg, data)]
            with open(cfg, "w") as f:
                f.write(text)
            if seed == a.seeds[0]:
                check_cfg(a, label, values, cfg)
            lr.data_copy(a.data, data, d)
            if before != [open(p).read() for p in (cfg, data)]:
                stale_log(d)
            argv = ["train", data, cfg, "-epochs", str(a.epochs), "-seed", str(seed),
                    "-log", os.path.join(d, "metrics.csv")]
            runs.append(((label, values), seed, ("topology %s, seed %d" % (label, seed), argv, d)))
    return runs


# ---------------------------------------------------------------- collecting

def conv_layers(run):
    """{layer: (MMI monitor, pid monitor or None)}: the monitors logging I_XT over
    C > 1 maps, and one logging rs_pct on the same layer."""
    out = {}
    for m in run.monitors:
        first = run.by_mon[m][0]
        if run.series(m, "I_XT")[0] and (first["C"] or 1) > 1:
            out.setdefault(first["layer"], [m, None])
    for m in run.monitors:
        lay = run.by_mon[m][0]["layer"]
        if lay in out and out[lay][1] is None and run.series(m, "rs_pct")[0]:
            out[lay][1] = m
    return out


def run_rows(label, seed, d, epochs):
    """The per-epoch rows of one run (kind=run), and its status: failed when train
    did not finish its epochs or left no metrics."""
    status = "collapsed" if lr.collapsed(d) else "ok"
    if not lr.complete(d, epochs):
        return [], "failed"
    try:
        run = pi.Run(label, os.path.join(d, "metrics.csv"))
    except pi.InputError:
        return [], "failed"
    acc, ends, rows = lr.accuracy(d), lr.epoch_ends(d), []
    for lay, (mon, pmon) in sorted(conv_layers(run).items()):
        cols = {"mmi": lr.epoch_bins(run, mon, "I_XT", ends),
                "H_X": lr.epoch_bins(run, mon, "H_X", ends)}
        # The pair cells are empty (not measured) at an iteration with no pair of
        # live maps, or no informative pair for the percentages; epoch_bins skips them.
        for q in ("rs_pct", "wnr_pct", "rs", "wnr", "wnr_y"):
            cols[q] = lr.epoch_bins(run, pmon, q, ends) if pmon else {}
        for e in sorted(cols["mmi"]):
            rows.append(dict({q: cols[q].get(e) for q in QUANT}, kind="run", seed=seed,
                             status=status, epoch=e, layer=lay, monitor=mon,
                             C=int(run.by_mon[mon][0]["C"]), top1=acc.get(e)))
    return rows, status


def status_row(seed, status):
    """The row that marks a run with no per-epoch values (failed, or nothing finite)."""
    return {"kind": "run", "seed": seed, "status": status}


def mean_rows(rows, statuses, seeds):
    """Per (epoch, layer): the means over the ok seeds (kind=mean)."""
    kept = [s for s in seeds if statuses[s] == "ok"]
    left = " ".join("%d (%s)" % (s, statuses[s]) for s in seeds if statuses[s] != "ok")
    groups = {}
    for r in rows:
        if r["seed"] in kept and "epoch" in r:
            groups.setdefault((r["epoch"], r["layer"]), []).append(r)
    out = []
    for (e, lay), rs in sorted(groups.items()):
        m = {q: lr.mean([r[q] for r in rs if r[q] is not None]) for q in QUANT + ("top1",)}
        m = {q: (v if pi.finite(v) else None) for q, v in m.items()}
        out.append(dict(m, kind="mean", seed=" ".join(map(str, kept)), left_out=left,
                        status="ok", epoch=e, layer=lay, monitor=rs[0]["monitor"], C=rs[0]["C"]))
    if not out:
        out.append({"kind": "mean", "seed": "", "left_out": left, "status": "none"})
    return out


def collect(a, runs):
    """{topology label: (values, run rows, mean rows, statuses)}."""
    out = {}
    for (label, values), seed, (_, _, d) in runs:
        rows, status = run_rows(label, seed, d, a.epochs)
        t = out.setdefault(label, (values, [], [], {}))
        t[1].extend(rows or [status_row(seed, status)])
        t[3][seed] = status
    for label, (values, rows, means, statuses) in out.items():
        means.extend(mean_rows(rows, statuses, a.seeds))
    return out


def cell(v):
    if v is None:
        return ""
    return "%.7g" % v if isinstance(v, float) else str(v)


def write_csv(a, results):
    keys = ["%s.%s" % (s, k) for s, k, _ in a.sets]
    path = os.path.join(a.out, "sweep.csv")
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["kind", "topology"] + keys + list(COLUMNS_TAIL))
        for kind in ("run", "mean"):
            for label, (values, rows, means, _) in results.items():
                for r in rows if kind == "run" else means:
                    w.writerow([kind, label] + list(values) +
                               [cell(r.get(c)) for c in COLUMNS_TAIL])
    print("wrote %s" % path)


# ---------------------------------------------------------------- plots

def x_positions(a, results):
    """(x per topology, tick labels or None, axis label): the swept value when one
    numeric key varies (the others, if any, given one value each: --set conv1.filters=6
    --set conv2.filters=4,8), else the topologies in order."""
    labels = list(results)
    name = "-".join("%s.%s" % (s, k) for s, k, _ in a.sets)
    varying = [i for i, (_, _, v) in enumerate(a.sets) if len(v) > 1]
    if len(varying) == 1 or len(a.sets) == 1:
        i = varying[0] if varying else 0
        try:
            return ({t: float(results[t][0][i]) for t in labels}, None,
                    "%s.%s" % (a.sets[i][0], a.sets[i][1]))
        except ValueError:
            pass
    return {t: float(i) for i, t in enumerate(labels)}, labels, name


def last(means, lay, q):
    """The last epoch's mean of q on layer lay, or None."""
    rs = [r for r in means if r.get("layer") == lay and r.get(q) is not None]
    return max(rs, key=lambda r: r["epoch"])[q] if rs else None


def legend_label(label, means, statuses):
    """'6-12 (top-1 97.3%)': the mean top-1 after the last epoch of the ok seeds
    (and how many seeds those are, when some were left out)."""
    rs = [r for r in means if r.get("top1") is not None]
    acc = max(rs, key=lambda r: r["epoch"])["top1"] if rs else None
    ok = sum(v == "ok" for v in statuses.values())
    seeds = "" if ok == len(statuses) else ", %d of %d seeds" % (ok, len(statuses))
    return "%s (top-1 %s%s)" % (label, "%.1f%%" % (100 * acc) if acc is not None else "n/a",
                                seeds)


def legend(fig, a, results, sty, bound):
    """One legend under the panels: a marker per topology with its accuracy."""
    from matplotlib.lines import Line2D
    handles = [Line2D([], [], marker=sty[t][0], color=sty[t][1], label=legend_label(t, m, st))
               for t, (_, _, m, st) in results.items()]
    if bound:
        handles.append(Line2D([], [], ls="--", color="black", label="mean H(X), the bound"))
    fig.legend(handles=handles, loc="upper center", ncol=min(3, len(handles)), fontsize="small",
               bbox_to_anchor=(0.5, 0.0), title="topology (%s)" % ", ".join(
                   "%s.%s" % (s, k) for s, k, _ in a.sets))


def left_out_note(results):
    bad = ["%s seed %s (%s)" % (t, s, v) for t, (_, _, _, st) in results.items()
           for s, v in sorted(st.items()) if v != "ok"]
    return ("left out of the means: " + ", ".join(bad)) if bad else "no run left out"


def layer_names(results):
    """[(layer, monitor)] over every topology's mean rows, in layer order."""
    seen = {}
    for _, _, means, _ in results.values():
        for r in means:
            if r.get("layer") is not None:
                seen.setdefault(r["layer"], r["monitor"])
    return sorted(seen.items())


def against(ax, results, xs, ticks, xlabel, lay, q, scale, sty):
    """The last epoch's q (times scale) against the swept value, a marker per topology."""
    pts = [(xs[t], last(m, lay, q)) for t, (_, _, m, _) in results.items()]
    pts = [(x, y * scale) for x, y in pts if y is not None]
    if pts:
        pts.sort()
        ax.plot([p[0] for p in pts], [p[1] for p in pts], "-", color="0.6", zorder=1)
    for t, (_, _, m, _) in results.items():
        y = last(m, lay, q)
        if y is not None:
            ax.scatter([xs[t]], [y * scale], marker=sty[t][0], color=sty[t][1], zorder=2)
    if not pts:
        pi.no_data(ax, q)
    if ticks:
        ax.set_xticks(range(len(ticks)))
        ax.set_xticklabels(ticks, fontsize="small")
    else:
        ax.set_xticks(sorted(set(xs.values())))
    ax.set_xlabel(xlabel)


def hx_line(ax, results):
    hx = lr.mean([r["H_X"] for _, _, m, _ in results.values() for r in m
                  if r.get("H_X") is not None])
    if pi.finite(hx):
        ax.axhline(hx, ls="--", color="black", lw=1.0, label="mean H(X) %.2f" % hx)


def plot_mmi(a, results, path):
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator
    lays, sty = layer_names(results), pi.name_styles(list(results))
    xs, ticks, xlabel = x_positions(a, results)
    fig, axes = plt.subplots(2, max(1, len(lays)), figsize=(4.8 * max(1, len(lays)), 8),
                             squeeze=False)
    for c, (lay, mon) in enumerate(lays):
        top, bottom = axes[0][c], axes[1][c]
        for t, (_, _, means, _) in results.items():
            rs = [r for r in means if r.get("layer") == lay and r.get("mmi") is not None]
            top.plot([r["epoch"] for r in rs], [r["mmi"] for r in rs], "-",
                     marker=sty[t][0], color=sty[t][1])
        top.set_title("%s (layer %d): MMI per epoch" % (mon, lay), fontsize="medium")
        top.set_xlabel("epoch")
        top.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=min(a.epochs, 10)))
        hx_line(top, results)
        against(bottom, results, xs, ticks, xlabel, lay, "mmi", 1.0, sty)
        hx_line(bottom, results)
        bottom.set_title("%s: last epoch" % mon, fontsize="medium")
        for ax in (top, bottom):
            ax.set_ylabel("I(X;T), bits")
    if not lays:
        pi.no_data(axes[0][0], "conv MMI")
    legend(fig, a, results, sty, True)
    pi.finish(fig, path, "MMI of the conv layers by topology (seeds %s)\n%s" % (
        ",".join(map(str, a.seeds)), left_out_note(results)))


def plot_pid(a, results, path):
    import matplotlib.pyplot as plt
    lays = [(lay, mon) for lay, mon in layer_names(results)
            if any(last(m, lay, "rs_pct") is not None for _, _, m, _ in results.values())]
    if not lays:
        return
    sty = pi.name_styles(list(results))
    xs, ticks, xlabel = x_positions(a, results)
    fig, axes = plt.subplots(2, len(lays), figsize=(4.8 * len(lays), 7.5), squeeze=False)
    for c, (lay, mon) in enumerate(lays):
        for r, (q, what) in enumerate((("rs_pct", "redundancy-synergy trade-off, %"),
                                       ("wnr_pct", "weighted non-redundant information, %"))):
            against(axes[r][c], results, xs, ticks, xlabel, lay, q, 100.0, sty)
            axes[r][c].set_ylabel(what)
            axes[r][c].set_title("%s (layer %d): last epoch" % (mon, lay), fontsize="medium")
    legend(fig, a, results, sty, False)
    pi.finish(fig, path, "PID percentages by topology (seeds %s)\n%s" % (
        ",".join(map(str, a.seeds)), left_out_note(results)))


def report_failed(runs, results):
    """A line on stderr per failed run (with the last line of its stderr); 1 if any."""
    failed = 0
    for (label, _), seed, (_, _, d) in runs:
        if results[label][3][seed] == "failed":
            p = os.path.join(d, "stderr")
            text = open(p).read().strip().splitlines() if os.path.exists(p) else []
            print("sweep.py: topology %s, seed %d failed (%s): %s" % (
                label, seed, p, text[-1] if text else "no output"), file=sys.stderr)
            failed += 1
    return 1 if failed else 0


def main(argv):
    try:
        a = parse(argv)
        topo = topologies(a)
        runs = prepare(a, topo)
    except UsageError as e:
        print("sweep.py: %s" % e, file=sys.stderr)
        return 2
    lr.run_all(PROG, a.exe, a.jobs, [r[2] for r in runs if not lr.complete(r[2][2], a.epochs)])
    results = collect(a, runs)
    write_csv(a, results)
    print(left_out_note(results))
    import matplotlib
    matplotlib.use("Agg")
    plot_mmi(a, results, os.path.join(a.out, "mmi.png"))
    plot_pid(a, results, os.path.join(a.out, "pid.png"))
    return report_failed(runs, results)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
