#!/usr/bin/python3
"""Fan chart per station: the waiting count's quantile bands over the forecast
horizon, with the threshold line and the onset median and its interval marked.
For a plant with a calendar the time axis is the plant's local clock, and the
calendar is shaded: closed (no server scheduled) dark, reduced capacity light."""
import os
import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np

import twincast_h5 as th


def shade_calendar(ax, d, i, x):
    """Bins where the station's scheduled servers are below their most: closed dark, reduced light."""
    sched = d["scheduled_servers"][:, i]
    t = d["time"]
    width = t[1] - t[0] if len(t) > 1 else d["horizon"]
    top = np.nanmax(sched)
    labels = set()
    for b, v in enumerate(sched):
        if not v < top:
            continue
        kind = "closed" if v == 0 else "fewer servers"
        lo, hi = max(t[b] - width / 2, 0), min(t[b] + width / 2, d["horizon"])
        ax.axvspan(x(lo), x(hi), color="tab:purple" if v == 0 else "tab:orange", alpha=0.16 if v == 0 else 0.1, lw=0,
                   label=f"calendar: {kind}" if kind not in labels else None)
        labels.add(kind)


def draw(ax, d, i, local=None):
    x = local or (lambda v: v)
    if local and d["scheduled_servers"] is not None:
        shade_calendar(ax, d, i, x)
    t, wq = [x(v) for v in d["time"]], d["waiting_quantiles"][:, i, :]
    ax.fill_between(t, wq[:, 0], wq[:, 4], color="tab:blue", alpha=0.18, label="5-95%")
    ax.fill_between(t, wq[:, 1], wq[:, 3], color="tab:blue", alpha=0.35, label="25-75%")
    ax.plot(t, wq[:, 2], color="tab:blue", lw=1.5, label="median")
    s = d["summary"][i]
    if d["threshold"] is not None:
        ax.axhline(d["threshold"][i], color="tab:red", ls="--", lw=1, label="threshold")
    if not math.isnan(s["onset_q50"]):
        ax.axvline(x(s["onset_q50"]), color="black", lw=1, label="onset median")
        if not math.isnan(s["onset_q50_lo"]):
            ax.axvspan(x(s["onset_q50_lo"]), x(s["onset_q50_hi"]), color="black", alpha=0.12, label="its 95% CI")
    ax.set_title(f"{d['station'][i]}: forms in {100 * s['p_form']:.0f}% "
                 f"[{100 * s['p_form_lo']:.0f}, {100 * s['p_form_hi']:.0f}]", fontsize=10)
    if local:
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%a %H:%M", tz=x(0).tzinfo))
        ax.set_xlabel(f"{d['timezone']} local time, from {x(0):%a %d %b %H:%M}")
    else:
        ax.set_xlabel(f"time from {d['as_of']} ({d['time_unit']})")
    ax.set_ylabel("jobs waiting (time-average per bin)")
    ax.set_xlim(x(0), x(d["horizon"]))


def main():
    p = th.arguments(__doc__, "a twincast forecast file (HDF5)", "fan.png")
    p.add_argument("--scenario", default="baseline")
    p.add_argument("--station", action="append", help="only these stations (repeatable)")
    p.add_argument("--clock", choices=["local", "elapsed"], default="local",
                   help="time axis: the plant's local clock (default, when the epoch has a start) or time elapsed")
    a = p.parse_args()
    with th.h5py.File(a.file, "r") as f:
        d = th.load(f, a.epoch, a.scenario)
    idx = [th.station_index(d, s) for s in a.station] if a.station else range(len(d["station"]))
    idx = list(idx)
    cols = min(2, len(idx))
    rows = math.ceil(len(idx) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(6 * cols, 3.6 * rows), squeeze=False)
    local = th.local_clock(d) if a.clock == "local" else None
    for ax, i in zip(axes.flat, idx):
        draw(ax, d, i, local)
        if local:
            ax.tick_params(axis="x", labelsize=7)
    for ax in list(axes.flat)[len(idx):]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=7, loc="upper left")
    fig.suptitle(f"{os.path.basename(a.file)}: epoch {d['epoch']}, {d['scenario']}, {d['replications']} replications")
    th.save(fig, a.output)


if __name__ == "__main__":
    main()
