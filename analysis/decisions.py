#!/usr/bin/python3
"""A decision `twincast decide -o` kept (/decisions/NNNNNN): left, each response's
MCB interval for theta_i - min of the others (lower is better: an interval at or
below zero is a candidate for the best, one above zero is beaten), the selected
response marked; right, each response's running mean of the objective over the
stages it stayed in the race, ending where it was eliminated."""
import argparse
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import h5py
import numpy as np

import twincast_h5 as th


def load(f, number):
    if "decisions" not in f or not len(f["decisions"]):
        raise SystemExit("no /decisions in this file (twincast decide -o writes them)")
    names = sorted(f["decisions"])
    name = f"{number:06d}" if number else names[-1]
    if name not in f["decisions"]:
        raise SystemExit(f"no decision {name} (the file has {', '.join(names)})")
    g = f["decisions"][name]
    d = {k: g[k][()] for k in g}
    d["response"] = [th.text(s) for s in d["response"]]
    d["attrs"] = {k: (th.text(v) if isinstance(v, (bytes, np.bytes_, str)) else v) for k, v in g.attrs.items()}
    d["name"] = name
    return d


def mcb_panel(ax, d):
    names, lo, hi = d["response"], d["mcb_lo"], d["mcb_hi"]
    best = d["attrs"]["selected"]
    y = np.arange(len(names))
    for i, n in enumerate(names):
        colour = "tab:green" if n == best else "tab:gray"
        ax.plot([lo[i], hi[i]], [y[i], y[i]], color=colour, lw=5, solid_capstyle="butt")
        ax.plot([lo[i], hi[i]], [y[i], y[i]], "|", color="black", ms=12)
    ax.axvline(0, color="black", lw=1)
    ax.set_yticks(y, [f"{n} (best)" if n == best else n for n in names])
    ax.invert_yaxis()
    ax.set_xlabel("theta_i - min of the others (objective units; lower is better)")
    a = d["attrs"]
    ax.set_title(f"MCB intervals, delta {a['delta']:g}, P(correct) >= {a['confidence']:g}"
                 + ("" if a["guaranteed"] else " (NO guarantee: cap reached)"), fontsize=9)


def race_panel(ax, d):
    obj = d["objective"]
    for i, n in enumerate(d["response"]):
        x = obj[:, i]
        used = ~np.isnan(x)
        stages = np.arange(1, len(x) + 1)[used]
        running = np.cumsum(x[used]) / np.arange(1, used.sum() + 1)
        line, = ax.plot(stages, running, lw=1.5, label=n)
        if d["eliminated_at"][i]:
            ax.plot(stages[-1], running[-1], "x", color=line.get_color(), ms=8)
    ax.axvline(d["attrs"]["n0"], color="black", lw=0.8, ls=":", label="first stage")
    ax.set_xlabel("stage (replications of each response)")
    ax.set_ylabel("running mean of the objective")
    ax.set_title("the race: x marks an elimination", fontsize=9)
    ax.legend(fontsize=7)


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("file", help="an HDF5 file with /decisions (twincast decide -o)")
    p.add_argument("--decision", type=int, default=0, help="its number (default: the latest)")
    p.add_argument("-o", "--output", default="decisions.png", help="the figure (PNG, PDF, SVG)")
    a = p.parse_args()
    f = h5py.File(a.file, "r")
    d = load(f, a.decision)
    fig, axes = plt.subplots(1, 2, figsize=(13, 0.5 * len(d["response"]) + 3.5))
    mcb_panel(axes[0], d)
    race_panel(axes[1], d)
    at = d["attrs"]
    fig.suptitle(f"{os.path.basename(a.file)}: decision {d['name']} as of {at['as_of']}: {at['selected']}")
    fig.tight_layout()
    fig.savefig(a.output, dpi=120)
    print(f"wrote {a.output}")


if __name__ == "__main__":
    main()
