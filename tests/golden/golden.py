#!/usr/bin/python3
"""golden.py - a forecast file's results as text, to compare with a golden file.

Usage: golden.py FILE.h5

Prints, for every scenario of the latest epoch, each dataset's shape, type and
SHA-256 of its raw values (little-endian), then the onset times and mean
waiting counts of every replication as exact decimals (Python's repr of a
double reads back to the same bits).  Every line starts with its scenario, so
lines are unique: a golden file's lines must all be found in a new dump (new
datasets may be added; none may change).  Nothing depending on the clock
(as_of, wall_seconds) is printed.
"""
import hashlib
import sys

import h5py
import numpy as np


def digest(data):
    if data.dtype.kind == "O":  # variable-length strings: station names
        raw = "\n".join(x.decode() if isinstance(x, bytes) else str(x) for x in data.ravel()).encode()
    else:
        raw = np.ascontiguousarray(data, dtype=data.dtype.newbyteorder("<")).tobytes()
    return hashlib.sha256(raw).hexdigest()


def main(path):
    with h5py.File(path, "r") as f:
        epoch = f["forecasts/latest"]
        for scenario in sorted(epoch):
            group = epoch[scenario]
            if not isinstance(group, h5py.Group):
                continue
            for name in sorted(group):
                data = group[name][()]
                print(f"{scenario}: {name} {list(data.shape)} {data.dtype.str} sha256 {digest(data)}")
            stations = [s.decode() if isinstance(s, bytes) else s for s in group["station"][()]]
            for name in ("onset_time", "mean_waiting"):
                values = group[name][()]
                print(f"{scenario}: {name} by replication: {' '.join(stations)}")
                for r, row in enumerate(values):
                    print(f"{scenario}: {name} {r} " + " ".join(repr(float(x)) for x in row))


if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        sys.exit(0 if len(sys.argv) == 2 else 2)
    main(sys.argv[1])
