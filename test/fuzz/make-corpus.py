#!/usr/bin/env python3
"""Writes the libFuzzer seed corpus for tools/quantc-fuzz: every test/**/*.mlir
split at `// -----`, each chunk prefixed with the byte that selects a pipeline
(see quantc-fuzz.cpp): the pipeline the file's RUN lines use where one
matches, else parse-only and each pipeline in turn. Every chunk is written
twice: as it is (mostly bare functions, which the harness wraps in a module as
quantc-opt does) and inside an explicit `module { ... }`.

    make-corpus.py OUT_DIR
"""
import hashlib
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "test", "lib"))
from pipelines import PIPELINES  # noqa: E402


def selector(run_lines, counter):
    """0 = parse only, i = PIPELINES[i - 1]."""
    for i, flags in enumerate(PIPELINES, 1):
        if flags[-1].split("=")[0] in run_lines:
            return i
    return counter % (len(PIPELINES) + 1)


def main(out):
    os.makedirs(out, exist_ok=True)
    n = 0
    for dirpath, _, files in sorted(os.walk(os.path.join(ROOT, "test"))):
        for f in sorted(files):
            if not f.endswith(".mlir"):
                continue
            text = open(os.path.join(dirpath, f), encoding="utf-8").read()
            runs = " ".join(l for l in text.splitlines() if "RUN:" in l)
            for chunk in text.split("// -----"):
                if not chunk.strip():
                    continue
                sel = bytes([selector(runs, n)])
                forms = [chunk]
                if not chunk.lstrip().startswith("module"):
                    forms.append("module {\n" + chunk + "\n}\n")
                for form in forms:
                    data = sel + form.encode()
                    name = hashlib.sha1(data).hexdigest()
                    with open(os.path.join(out, name), "wb") as fh:
                        fh.write(data)
                    n += 1
    print(f"quantc-fuzz corpus: {n} seeds in {out}")


if __name__ == "__main__":
    main(sys.argv[1])
