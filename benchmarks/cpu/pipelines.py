"""The CPU pipeline as text, with or without the elementwise vectorizer, for
the benchmarks that compare both (float_block.py, per_token.py)."""
import os
import re
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
OPT = os.environ.get("QUANTC_OPT",
                     os.path.join(HERE, "../../build/bin/quantc-opt"))


def cpu_pipeline(cpu="host"):
    """--quantc-cpu-pipeline=cpu=`cpu` as a textual pass pipeline."""
    dump = subprocess.run([OPT, f"--quantc-cpu-pipeline=cpu={cpu}",
                           "--dump-pass-pipeline", "-o", "/dev/null", "-"],
                          input="", capture_output=True, text=True,
                          check=True).stderr
    text = dump[dump.index("builtin.module("):]
    return re.sub(r"\s+", " ", text).strip()


def without_vectorize_elementwise(text):
    """`text` less --quantc-x86-vectorize-elementwise: elementwise code as
    the scalar loops of convert-linalg-to-loops."""
    out, n = re.subn(
        r"func\.func\( quantc-x86-vectorize-elementwise\{[^}]*\} \), ", "",
        text)
    if n != 1:
        raise ValueError("the pipeline has no quantc-x86-vectorize-elementwise")
    return out
