"""Every quantc pipeline as a quantc-opt argument list, read from
pipelines.txt next to this file (the one list the robustness tests, the fuzz
corpus script and the libFuzzer harness share)."""
import os

_HERE = os.path.dirname(os.path.abspath(__file__))


def _read():
    with open(os.path.join(_HERE, "pipelines.txt")) as f:
        return [line.split() for line in f
                if line.strip() and not line.lstrip().startswith("#")]


PIPELINES = _read()
