"""twincast_h5 - reading twincast forecast files (HDF5) for the analysis scripts.

Uses Debian's python3-h5py and numpy; run the scripts with /usr/bin/python3.
"""
import argparse
import json

import h5py
import numpy as np


def text(value):
    """An attribute as str, whether h5py hands over bytes or str."""
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, np.ndarray) and value.shape == ():
        return text(value[()])
    return str(value)


def epochs(f, completed_only=True):
    """Epoch names in order, e.g. ['000001', '000002'] (completed ones only by default)."""
    names = sorted(k for k in f["forecasts"] if k != "latest")
    if completed_only:
        names = [k for k in names if text(f["forecasts"][k].attrs.get("status", "completed")) == "completed"]
    return names


def latest(f):
    """The epoch /forecasts/latest points to."""
    link = f["forecasts"].get("latest", getlink=True)
    return link.path.rsplit("/", 1)[-1]


def scenarios(f, epoch):
    g = f["forecasts"][epoch]
    names = [k for k in g if isinstance(g[k], h5py.Group)]
    return sorted(names, key=lambda n: (n != "baseline", n))


def load(f, epoch=None, scenario="baseline"):
    """One scenario of one epoch as a dict of numpy arrays and attributes."""
    epoch = epoch or latest(f)
    e = f["forecasts"][epoch]
    g = e[scenario]
    d = {
        "epoch": epoch,
        "scenario": scenario,
        "as_of": text(e.attrs.get("as_of", "")),
        "time_unit": text(e.attrs.get("time_unit", "")),
        "horizon": float(e.attrs.get("horizon", np.nan)),
        "replications": int(e.attrs.get("replications", 0)),
        "trigger": text(e.attrs.get("trigger", "")),
        "station": [s.decode() if isinstance(s, bytes) else str(s) for s in g["station"][...]],
        "time": g["time"][...],
        "quantile": g["quantile"][...],
        "onset": g["onset_time"][...] if "onset_time" in g else None,  # None: written with --keep none
        "waiting_quantiles": g["waiting_quantiles"][...],
        "bottleneck_probability": g["bottleneck_probability"][...],
        "summary": g["summary"][...],
        "threshold": g["threshold"][...] if "threshold" in g else None,
        "timezone": text(e.attrs.get("timezone", "UTC")),
        "scheduled_servers": g["scheduled_servers"][...] if "scheduled_servers" in g else None,
    }
    if "event_counters" in e.attrs:
        d["event_counters"] = json.loads(text(e.attrs["event_counters"]))
    return d


def local_clock(d):
    """Model time -> the plant's local datetime (the epoch's as_of and timezone), or None without as_of."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    if not d["as_of"]:
        return None
    start = datetime.fromisoformat(d["as_of"].replace("Z", "+00:00"))
    unit = {"s": 1, "min": 60, "h": 3600}.get(d["time_unit"], 60)
    zone = ZoneInfo(d["timezone"])
    return lambda x: (start + timedelta(seconds=float(x) * unit)).astimezone(zone)


def station_index(d, name):
    if name not in d["station"]:
        raise SystemExit(f"no station {name!r} (stations: {', '.join(d['station'])})")
    return d["station"].index(name)


def most_at_risk(d):
    """The station most likely to become the bottleneck (then the earliest)."""
    s = d["summary"]
    order = sorted(range(len(d["station"])), key=lambda i: (-s["p_form"][i], np.nan_to_num(s["onset_mean"][i], nan=1e300)))
    return order[0]


def arguments(doc, what, default_output, epoch=True):
    """The command line every script shares: FILE, -o/--output and (mostly) --epoch."""
    p = argparse.ArgumentParser(description=doc)
    p.add_argument("file", help=what)
    p.add_argument("-o", "--output", default=default_output, help=f"PNG or PDF to write (default {default_output})")
    if epoch:
        p.add_argument("--epoch", help="epoch, e.g. 000003 (default: latest)")
    return p


def save(fig, path, dpi=110):
    """Writes the figure (PNG or PDF by the name) and prints the path, for scripts that chain."""
    fig.tight_layout()
    fig.savefig(path, dpi=dpi)
    print(path)
