#!/usr/bin/python3
"""One-page summary of a forecast: the fan chart of the station most at risk, the
onset distribution of all stations, the scenario comparison (if any) and the
per-station table; PNG, or PDF when the output ends in .pdf."""
import os
import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

import fan_chart
import onset_ecdf
import scenario_compare
import twincast_h5 as th


def table(ax, d):
    ax.axis("off")
    rows = []
    for i, name in enumerate(d["station"]):
        s = d["summary"][i]
        on = "-" if math.isnan(s["onset_mean"]) else (
            f"{s['onset_mean']:.0f}" + ("" if math.isnan(s["onset_lo"]) else f" [{s['onset_lo']:.0f}, {s['onset_hi']:.0f}]"))
        rows.append([name, f"{100 * s['p_form']:.0f}% [{100 * s['p_form_lo']:.0f}, {100 * s['p_form_hi']:.0f}]", on,
                     f"{s['waiting_mean']:.1f}", f"{s['utilisation_mean']:.2f}"])
    # The table fills its axes (bbox) with fixed column shares, so that neither the header nor the
    # rows spill over the title or each other, however many stations there are.
    t = ax.table(cellText=rows, colLabels=["station", "P(forms) [95% CI]", f"onset, {d['time_unit']} [95% CI]",
                                           "waiting", "util"],
                 colWidths=[0.17, 0.25, 0.32, 0.13, 0.13], bbox=[0, 0, 1, 0.95], cellLoc="center")
    t.auto_set_font_size(False)
    t.set_fontsize(10 if len(rows) <= 8 else 8)
    ax.set_title(f"as of {d['as_of']}, horizon {d['horizon']:g} {d['time_unit']}, {d['replications']} replications",
                 fontsize=9)


def main():
    p = th.arguments(__doc__, "a twincast forecast file (HDF5)", "summary.png")
    a = p.parse_args()
    with th.h5py.File(a.file, "r") as f:
        epoch = a.epoch or th.latest(f)
        d = th.load(f, epoch)
        fig = plt.figure(figsize=(13, 9))
        ax1, ax2 = fig.add_subplot(2, 2, 1), fig.add_subplot(2, 2, 2)
        fan_chart.draw(ax1, d, th.most_at_risk(d))
        ax1.legend(fontsize=7, loc="upper left")
        onset_ecdf.draw(ax2, d)
        if len(th.scenarios(f, epoch)) > 1:
            axp, axd = fig.add_subplot(2, 4, 5), fig.add_subplot(2, 4, 6)
            scenario_compare.draw(axp, axd, f, epoch)
            table(fig.add_subplot(2, 2, 4), d)
        else:
            table(fig.add_subplot(2, 1, 2), d)
    fig.suptitle(f"twincast forecast {os.path.basename(a.file)}, epoch {epoch}", fontsize=13)
    th.save(fig, a.output, dpi=100)


if __name__ == "__main__":
    main()
