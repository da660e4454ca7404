#!/usr/bin/python3
"""Scenario comparison: for each what-if scenario and station, the paired
difference of the onset time to the baseline with its 95% interval (common random
numbers make it sharp), and P(forms) per scenario."""

import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

import twincast_h5 as th


def draw(axp, axd, f, epoch):
    names = th.scenarios(f["forecasts"].file, epoch) if False else th.scenarios(f, epoch)
    data = [th.load(f, epoch, n) for n in names]
    st = data[0]["station"]
    w = 0.8 / len(data)
    for k, d in enumerate(data):
        s = d["summary"]
        x = np.arange(len(st)) + (k - (len(data) - 1) / 2) * w
        axp.bar(x, s["p_form"], w, yerr=[s["p_form"] - s["p_form_lo"], s["p_form_hi"] - s["p_form"]],
                capsize=2, label=d["scenario"])
        if d["scenario"] != "baseline":
            m = s["diff_onset_mean"]
            lo, hi = s["diff_lo"], s["diff_hi"]
            ok = ~np.isnan(m)
            err = np.vstack([np.where(np.isnan(lo), 0, m - lo), np.where(np.isnan(hi), 0, hi - m)])
            axd.errorbar(np.where(ok, m, np.nan), np.arange(len(st)) + (k - len(data) / 2) * 0.12, xerr=err,
                         fmt="o", capsize=3, label=d["scenario"])
    axp.set_xticks(range(len(st)), st)
    axp.set_ylabel("P(bottleneck forms within horizon)")
    axp.set_ylim(0, 1.05)
    axp.legend(fontsize=8)
    axd.axvline(0, color="gray", lw=1)
    axd.set_yticks(range(len(st)), st)
    axd.set_xlabel(f"onset - baseline onset ({data[0]['time_unit']}), paired, 95% CI")
    if len(data) > 1:
        axd.legend(fontsize=8)
    return data


def main():
    p = th.arguments(__doc__, "a twincast forecast file with scenarios (forecast --scenario, or merge)", "scenarios.png")
    a = p.parse_args()
    with th.h5py.File(a.file, "r") as f:
        epoch = a.epoch or th.latest(f)
        fig, (axp, axd) = plt.subplots(1, 2, figsize=(11, 4.2))
        data = draw(axp, axd, f, epoch)
    if len(data) == 1:
        axd.text(0.5, 0.5, "no what-if scenario in this epoch", ha="center", transform=axd.transAxes)
    fig.suptitle(f"{os.path.basename(a.file)}, epoch {epoch}: baseline vs what-if scenarios")
    th.save(fig, a.output)


if __name__ == "__main__":
    main()
