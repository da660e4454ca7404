#!/usr/bin/python3
"""How the forecast evolved in a `serve` (or `replay`) file: for each station, the
onset mean and its 95% interval and P(forms) across the completed epochs, against
the plant time each epoch started from, with the events that triggered epochs marked."""
import datetime as dt
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np

import twincast_h5 as th


def when(iso):
    return dt.datetime.fromisoformat(iso.replace("Z", "+00:00"))


def main():
    p = th.arguments(__doc__, "a twincast file with several epochs (serve, replay)", "epochs.png", epoch=False)
    p.add_argument("--station", action="append", help="only these stations (default: all)")
    a = p.parse_args()
    with th.h5py.File(a.file, "r") as f:
        eps = th.epochs(f)
        if not eps:
            raise SystemExit(f"{a.file}: no completed epoch")
        data = [th.load(f, e) for e in eps]
    st = data[0]["station"]
    idx = [th.station_index(data[0], s) for s in a.station] if a.station else range(len(st))
    t = [when(d["as_of"]) for d in data]
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(9, 6.5), sharex=True)
    top = 0.0
    for i in idx:
        m = np.array([d["summary"]["onset_mean"][i] for d in data])
        lo = np.array([d["summary"]["onset_lo"][i] for d in data])
        hi = np.array([d["summary"]["onset_hi"][i] for d in data])
        pf = np.array([d["summary"]["p_form"][i] for d in data])
        n = np.array([d["summary"]["n_formed"][i] for d in data])
        line, = ax1.plot(t, m, "o-", ms=3, label=st[i])
        # An interval only where it is defined (two or more futures formed) and says something: one
        # that reaches below 0 or past the horizon (a Student-t interval from a few onsets) would only
        # draw a bar across the whole axis.
        h = data[0]["horizon"]
        ok = (n >= 2) & np.isfinite(lo) & np.isfinite(hi) & (lo >= 0) & (hi <= h)
        if ok.any():
            c = m[ok]
            ax1.errorbar(np.array(t)[ok], c, yerr=[c - lo[ok], hi[ok] - c], fmt="none", ecolor=line.get_color(),
                         alpha=0.6, capsize=2, lw=1)
            top = max(top, np.nanmax(hi[ok]))
        if np.isfinite(m).any():
            top = max(top, np.nanmax(m))
        ax2.plot(t, pf, "o-", ms=3, color=line.get_color(), label=st[i])
    for d, x in zip(data, t):
        if d["trigger"] and d["trigger"] != "interval":
            for ax in (ax1, ax2):
                ax.axvline(x, color="tab:red", lw=0.8, ls=":")
            ax2.annotate(d["trigger"].split(" at ")[0], (x, 1.02), fontsize=7, color="tab:red", rotation=0,
                         xycoords=("data", "axes fraction"), ha="center")
    ax1.set_ylabel(f"onset mean, 95% CI ({data[0]['time_unit']} from then)")
    ax1.set_ylim(0, min(1.08 * top, data[0]["horizon"]) if top > 0 else data[0]["horizon"])
    ax1.text(0.99, 0.02, "intervals where 2+ futures formed and the interval lies within the horizon",
             transform=ax1.transAxes, ha="right", va="bottom", fontsize=7, color="0.4")
    ax2.set_ylabel("P(forms within horizon)")
    ax2.set_ylim(0, 1.05)
    ax2.set_xlabel("plant time of the epoch's state (UTC)")
    ax2.xaxis.set_major_formatter(mdates.DateFormatter("%H:%M"))
    ax1.legend(fontsize=8, ncol=len(st), loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False)
    fig.suptitle(f"{os.path.basename(a.file)}: {len(data)} epochs", y=0.995)
    th.save(fig, a.output)


if __name__ == "__main__":
    main()
