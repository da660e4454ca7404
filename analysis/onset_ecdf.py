#!/usr/bin/python3
"""Onset distribution per station: the probability that the bottleneck has formed
by each time of the horizon (the ECDF of onset times over all replications), with
P(forms by the horizon) and its Wilson interval marked at the end."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

import twincast_h5 as th


def draw(ax, d):
    R = d["onset"].shape[0]
    for i, name in enumerate(d["station"]):
        on = np.sort(d["onset"][:, i][~np.isnan(d["onset"][:, i])])
        s = d["summary"][i]
        x = np.concatenate([[0], on, [d["horizon"]]])
        y = np.concatenate([[0], np.arange(1, len(on) + 1) / R, [len(on) / R]])
        line, = ax.step(x, y, where="post", label=f"{name}: {100 * s['p_form']:.0f}%")
        ax.errorbar([d["horizon"]], [s["p_form"]], yerr=[[s["p_form"] - s["p_form_lo"]], [s["p_form_hi"] - s["p_form"]]],
                    color=line.get_color(), capsize=4, fmt="o", ms=3)
    ax.set_xlim(0, d["horizon"] * 1.03)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel(f"time from {d['as_of']} ({d['time_unit']})")
    ax.set_ylabel("P(bottleneck formed by then)")
    ax.legend(fontsize=8, title="P(forms by horizon)", title_fontsize=8)


def main():
    p = th.arguments(__doc__, "a twincast forecast file (HDF5)", "onset.png")
    p.add_argument("--scenario", default="baseline")
    a = p.parse_args()
    with th.h5py.File(a.file, "r") as f:
        d = th.load(f, a.epoch, a.scenario)
    if d["onset"] is None:
        raise SystemExit(f"{a.file}: epoch {d['epoch']} was written with --keep none: it has no onset times")
    fig, ax = plt.subplots(figsize=(7, 4.2))
    draw(ax, d)
    ax.set_title(f"Onset of the bottleneck, {d['scenario']} ({d['replications']} replications)")
    th.save(fig, a.output)


if __name__ == "__main__":
    main()
