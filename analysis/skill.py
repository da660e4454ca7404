#!/usr/bin/python3
"""How good a twin's forecasts were, from the /skill table `serve` and `replay`
write: per station, the PIT histogram (forecasts spaced at least --spacing apart,
with the band a calibrated twin stays in 95% of the time), the reliability diagram
of "forms within the horizon" (forecast probability against how often it formed),
and the CRPS of each forecast over time with its running mean."""
import datetime as dt
import math
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

import twincast_h5 as th


def when(iso):
    return dt.datetime.fromisoformat(iso.replace("Z", "+00:00"))


def load(f):
    if "skill" not in f:
        raise SystemExit("no /skill table yet (serve and replay write one once a forecast's horizon has passed)")
    g = f["skill"]
    d = {k: g[k][()] for k in g if k not in ("score",)}
    d["station"] = np.array([th.text(s) for s in d["station"]])
    d["as_of"] = [when(th.text(s)) for s in d["as_of"]]
    d["unit"] = th.text(g["lead"].attrs["units"])
    return d


def spaced(times, apart):
    """Greedy: the first forecast, then each one at least `apart` after the last taken."""
    keep, last = [], None
    for i, t in enumerate(times):
        if last is None or (t - last).total_seconds() >= apart:
            keep.append(i)
            last = t
    return keep


def pit_panel(ax, pit, bins):
    n = len(pit)
    ax.hist(pit, bins=bins, range=(0, 1), color="tab:blue", alpha=0.7, edgecolor="white")
    e = n / bins
    half = 1.96 * math.sqrt(e * (1 - 1 / bins)) if n else 0
    ax.axhline(e, color="black", lw=1, label="uniform")
    ax.axhspan(max(e - half, 0), e + half, color="black", alpha=0.08, label="95% band")
    ax.set_xlabel("PIT")
    ax.set_ylabel("forecasts")
    ax.set_title(f"PIT, {n} spaced forecasts", fontsize=9)
    ax.legend(fontsize=7)


def reliability_panel(ax, p, o, bins=10):
    ax.plot([0, 1], [0, 1], color="black", lw=1, ls="--", label="perfect")
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(p, edges) - 1, 0, bins - 1)
    xs, ys, ns = [], [], []
    for b in range(bins):
        m = which == b
        if m.sum():
            xs.append(p[m].mean())
            ys.append(o[m].mean())
            ns.append(m.sum())
    ax.scatter(xs, ys, s=[10 + 200 * n / max(ns) for n in ns], color="tab:orange", zorder=3, label="forecasts")
    ax.plot(xs, ys, color="tab:orange", lw=1)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("forecast P(forms within the horizon)")
    ax.set_ylabel("how often it formed")
    ax.set_title(f"reliability, {len(p)} forecasts", fontsize=9)
    ax.legend(fontsize=7, loc="upper left")


def crps_panel(ax, t, crps, unit):
    ax.plot(t, crps, ".", ms=3, color="tab:green", alpha=0.5, label="each forecast")
    run = np.cumsum(crps) / np.arange(1, len(crps) + 1)
    ax.plot(t, run, color="tab:green", lw=1.5, label="running mean")
    ax.set_ylabel(f"CRPS ({unit})")
    ax.set_title("CRPS over time", fontsize=9)
    ax.tick_params(axis="x", labelsize=7, rotation=30)
    ax.legend(fontsize=7)


def main():
    p = th.arguments(__doc__, "a twincast file with a /skill table (serve, replay)", "skill.png", epoch=False)
    p.add_argument("--station", action="append", help="only these stations (default: those that formed at least once)")
    p.add_argument("--spacing", type=float, help="PIT on forecasts this far apart, in the file's time unit "
                                                  "(default: the horizon)")
    p.add_argument("--bins", type=int, default=10, help="PIT histogram bins (default 10)")
    a = p.parse_args()
    with th.h5py.File(a.file, "r") as f:
        d = load(f)
    known = d["outcome"] >= 0
    names = list(dict.fromkeys(d["station"]))
    if a.station:
        for s in a.station:
            if s not in names:
                raise SystemExit(f"{a.file}: no station '{s}' in /skill (it has {', '.join(names)})")
        names = a.station
    else:
        names = [s for s in names if (d["outcome"][d["station"] == s] == 1).any()] or names[:1]
    seconds = {"s": 1, "min": 60, "h": 3600}.get(d["unit"], 60)
    apart = (a.spacing if a.spacing is not None else float(d["lead"][-1])) * seconds
    fig, axes = plt.subplots(len(names), 3, figsize=(13, 3.4 * len(names)), squeeze=False)
    for row, s in zip(axes, names):
        idx = np.where((d["station"] == s) & known)[0]
        t = [d["as_of"][i] for i in idx]
        keep = idx[spaced(t, apart)]
        pit_panel(row[0], d["pit"][keep], a.bins)
        reliability_panel(row[1], d["p_form"][idx], (d["outcome"][idx] == 1).astype(float))
        crps_panel(row[2], t, d["crps"][idx], d["unit"])
        row[0].set_title(f"{s}: " + row[0].get_title(), fontsize=9)
    fig.suptitle(f"{os.path.basename(a.file)}: forecast skill, {int(known.sum())} forecasts scored")
    th.save(fig, a.output)


if __name__ == "__main__":
    main()
