#!/usr/bin/python3
"""layout_test.py - the architecture's rules, checked on the #include lines.

Usage: layout_test.py ROOT              check the tree at ROOT
       layout_test.py ROOT --self-test  plant one bad include of each kind in
                                        a copy of the tree; each must be caught

src/ holds one folder per stage (README, "Code map").  A public header
include/twincast/NAME.h belongs to the folder that holds NAME.c (or to the
one HEADER_ONLY names); an internal header belongs to its own folder.  The
rules, each reported with the file and line that breaks it:
  - every source file sits in a stage folder; a quoted include is either
    "twincast/NAME.h" (public) or a header beside the including file;
  - a folder includes only from the folders MAY_USE lists (and itself);
  - MPI, librdkafka and HDF5 headers only where SYSTEM_ONLY_IN allows them,
    also through our own headers: the engine and the statistics know
    nothing of them;
  - nothing in stats/ or live/ reaches an engine header, even through other
    headers: the statistics know nothing of the engine, and events reach the
    engine only as twin state;
  - nothing outside cli/ includes from cli/ (tests included);
  - no include cycle between folders, and none between headers.
Exit status: 0 clean, 1 a rule is broken, 2 bad usage.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

STAGES = ["model", "live", "sim", "ensemble", "stats", "store", "cli"]
MAY_USE = {
    "model": set(),
    "live": {"model", "ensemble", "stats", "store"},
    "sim": {"model"},
    "ensemble": {"model", "sim", "stats", "store"},
    "stats": set(),
    "store": {"model", "stats"},
    "cli": {"model", "live", "ensemble", "stats", "store"},
}
# header-only public headers: their owner (None: shared by all, like status.h)
HEADER_ONLY = {"status": None, "version": None, "rng": "model", "utf8": "model"}
SYSTEM_ONLY_IN = {
    r"mpi\.h": {"ensemble", "live", "cli"},
    r"librdkafka/.*": {"live"},
    r"(hdf5|hdf5_hl|H5[A-Za-z]*)\.h": {"store"},
}
NO_ENGINE = {"stats", "live"}

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


def scan(path):
    """The includes of a file: (line number, kind '<' or '"', name)."""
    out = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for n, line in enumerate(f, 1):
            m = INCLUDE.match(line)
            if m:
                out.append((n, m.group(1), m.group(2)))
    return out


def check(root):
    errors = []
    src, inc = os.path.join(root, "src"), os.path.join(root, "include", "twincast")
    files = {}  # relative path -> owner folder (None for shared public headers)
    owner_of_public = {}
    for dirpath, _, names in os.walk(src):
        for name in sorted(names):
            if not name.endswith((".c", ".h")):
                continue
            rel = os.path.relpath(os.path.join(dirpath, name), root)
            parts = rel.split(os.sep)
            if len(parts) != 3 or parts[1] not in STAGES:
                errors.append(f"{rel}: not in a stage folder (src/{{{','.join(STAGES)}}}/)")
                continue
            files[rel] = parts[1]
            if name.endswith(".c"):
                owner_of_public.setdefault(name[:-2], set()).add(parts[1])
    for name in sorted(os.listdir(inc)):
        base = re.sub(r"\.h(\.in)?$", "", name)
        if base == name:
            continue
        rel = os.path.join("include", "twincast", name)
        if base in HEADER_ONLY:
            owner = HEADER_ONLY[base]
        elif len(owner_of_public.get(base, ())) == 1:
            owner = next(iter(owner_of_public[base]))
        else:
            errors.append(f"{rel}: no module owns it (no src/*/{base}.c, or several)")
            continue
        if not name.endswith(".in"):
            files[rel] = owner

    def resolve(frm, name):
        """The file a quoted include names, or None with an error."""
        if name.startswith("twincast/"):
            rel = os.path.join("include", name)
            if rel in files or name == "twincast/version.h":
                return rel if rel in files else None
            return False
        if "/" in name or ".." in name:
            return False
        rel = os.path.join(os.path.dirname(frm), name)
        return rel if rel in files else False

    deps = {}  # file -> [(line, target file)]
    system = {}  # file -> [(line, system header)]
    for rel in files:
        deps[rel], system[rel] = [], []
        for n, kind, name in scan(os.path.join(root, rel)):
            if kind == "<":
                system[rel].append((n, name))
                continue
            target = resolve(rel, name)
            if target is False:
                errors.append(f'{rel}:{n}: "{name}": neither a public header (twincast/...) '
                              f"nor a header beside it")
            elif target:
                deps[rel].append((n, target))

    # direct edges between folders
    graph = {s: set() for s in STAGES}
    for rel, targets in deps.items():
        a = files[rel]
        for n, t in targets:
            b = files[t]
            if a is None or b is None or a == b:
                continue
            if b == "cli":
                errors.append(f"{rel}:{n}: includes {t} from cli/: nothing includes the command line")
            elif b not in MAY_USE[a]:
                errors.append(f"{rel}:{n}: {a}/ may not include {t} ({b}/); "
                              f"{a}/ may use {', '.join(sorted(MAY_USE[a])) or 'nothing else'}")
            graph[a].add(b)

    # what each file reaches through our headers
    def closure(rel):
        seen, stack = set(), [rel]
        while stack:
            for _, t in deps[stack.pop()]:
                if t not in seen:
                    seen.add(t)
                    stack.append(t)
        return seen

    for rel in sorted(files):
        folder = files[rel]
        if folder is None:
            continue
        reach = closure(rel)
        for via in [rel] + sorted(reach):
            for n, name in system[via]:
                for pattern, allowed in SYSTEM_ONLY_IN.items():
                    if re.fullmatch(pattern, name) and folder not in allowed:
                        how = "" if via == rel else f" through {via}:{n}"
                        errors.append(f"{rel}: {folder}/ must know nothing of <{name}>{how}")
        if folder in NO_ENGINE:
            for t in sorted(reach):
                if files[t] == "sim":
                    errors.append(f"{rel}: {folder}/ reaches the engine's {t}: "
                                  + ("the statistics know nothing of the engine" if folder == "stats"
                                     else "events reach the engine only as twin state"))

    # cycles between folders, then between headers
    def find_cycle(nodes, edges):
        state = {}

        def visit(v, path):
            state[v] = 1
            for w in sorted(edges(v)):
                if state.get(w) == 1:
                    return path[path.index(w):] + [w] if w in path else [v, w]
                if w not in state:
                    c = visit(w, path + [w])
                    if c:
                        return c
            state[v] = 2
            return None

        for v in nodes:
            if v not in state:
                c = visit(v, [v])
                if c:
                    return c
        return None

    c = find_cycle(STAGES, lambda v: graph[v])
    if c:
        errors.append("include cycle between folders: " + " -> ".join(c))
    headers = sorted(f for f in files if f.endswith(".h"))
    c = find_cycle(headers, lambda v: {t for _, t in deps[v]})
    if c:
        errors.append("include cycle between headers: " + " -> ".join(c))

    # tests may use the library, never the command line's headers
    for dirpath, _, names in os.walk(os.path.join(root, "tests")):
        for name in sorted(names):
            if name.endswith((".c", ".h")):
                rel = os.path.relpath(os.path.join(dirpath, name), root)
                for n, kind, inc_name in scan(os.path.join(root, rel)):
                    if kind == '"' and (inc_name.startswith("cli") or "/cli/" in inc_name):
                        errors.append(f'{rel}:{n}: includes "{inc_name}": nothing includes the command line')
    return errors, graph


# Each planted include must be caught, with a message containing the text.
PLANTS = [
    ("src/sim/engine.c", "#include <mpi.h>", "sim/ must know nothing of <mpi.h>"),
    ("src/model/model.c", "#include <librdkafka/rdkafka.h>", "must know nothing of <librdkafka/rdkafka.h>"),
    ("src/stats/summary.c", '#include "twincast/engine.h"', "the statistics know nothing of the engine"),
    ("src/live/twin.c", '#include "twincast/ensemble.h"', "events reach the engine only as twin state"),
    ("src/sim/engine.c", '#include "twincast/broadcast.h"', "must know nothing of <mpi.h> through"),
    ("src/store/store.c", '#include "../cli/cli.h"', "neither a public header"),
    ("tests/test_model.c", '#include "cli.h"', "nothing includes the command line"),
    ("src/model/model.c", '#include "twincast/forecast.h"', "include cycle between folders"),
    ("include/twincast/sample.h", '#include "twincast/summary.h"', "include cycle between headers"),
    ("src/flat.c", "int tc_flat;", "not in a stage folder"),
]


def self_test(root):
    failed = 0
    for path, line, expect in PLANTS:
        with tempfile.TemporaryDirectory() as tmp:
            for d in ("src", "include", "tests"):
                shutil.copytree(os.path.join(root, d), os.path.join(tmp, d),
                                ignore=shutil.ignore_patterns("*.h5", "corpus", "regressions", "golden"))
            target = os.path.join(tmp, path)
            text = open(target).read() if os.path.exists(target) else ""
            with open(target, "w") as f:
                f.write(line + "\n" + text)
            errors, _ = check(tmp)
            hit = [e for e in errors if expect in e]
            print(f"planted {line!r} in {path}: " + (f"caught: {hit[0]}" if hit else "NOT CAUGHT"))
            failed += not hit
    return failed


def main(argv):
    if len(argv) < 2 or argv[1] in ("-h", "--help") or (len(argv) == 3 and argv[2] != "--self-test"):
        print(__doc__.strip())
        return 0 if len(argv) >= 2 and argv[1] in ("-h", "--help") else 2
    root = argv[1]
    errors, graph = check(root)
    for e in errors:
        print("layout: " + e)
    if len(argv) == 3:
        if errors:
            print("layout: the tree itself breaks the rules; no self-test")
            return 1
        failed = self_test(root)
        print(f"layout self-test: {len(PLANTS) - failed} of {len(PLANTS)} planted violations caught")
        return 1 if failed else 0
    if not errors:
        for s in STAGES:
            print(f"layout: {s + '/':10} uses {', '.join(sorted(graph[s])) or '-'}")
        print("layout: clean")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
