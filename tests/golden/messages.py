#!/usr/bin/python3
"""messages.py - do new forecast messages keep every golden key's value?

Usage: messages.py GOLDEN.txt NEW.txt

Both files hold one JSON message per line.  Message k of NEW must have every
key of golden message k with an equal value, recursively (lists item by
item, same length); keys a new feature adds are allowed.  Prints each
difference and exits 1 if there is one.
"""
import json
import sys


def missing(golden, new, path):
    if isinstance(golden, dict):
        if not isinstance(new, dict):
            return [f"{path}: not an object"]
        out = []
        for k, v in golden.items():
            if k not in new:
                out.append(f"{path}.{k}: missing")
            else:
                out += missing(v, new[k], f"{path}.{k}")
        return out
    if isinstance(golden, list):
        if not isinstance(new, list) or len(new) != len(golden):
            return [f"{path}: {new!r} is not {golden!r}"]
        out = []
        for i, (g, n) in enumerate(zip(golden, new)):
            out += missing(g, n, f"{path}[{i}]")
        return out
    return [] if golden == new and type(golden) is type(new) else [f"{path}: {new!r}, golden {golden!r}"]


def main(golden_path, new_path):
    with open(golden_path) as g, open(new_path) as n:
        golden = [json.loads(x) for x in g if x.strip()]
        new = [json.loads(x) for x in n if x.strip()]
    problems = [] if len(golden) == len(new) else [f"{len(new)} messages, golden {len(golden)}"]
    for k, (g, m) in enumerate(zip(golden, new)):
        problems += missing(g, m, f"message {k + 1}")
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(__doc__.strip())
        sys.exit(2)
    sys.exit(main(sys.argv[1], sys.argv[2]))
