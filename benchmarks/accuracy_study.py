#!/usr/bin/env python3
"""Accuracy study: every quantization scheme compiled by quantc-opt and run
by mlir-runner (not simulated in NumPy) on an LLM-like block

    LayerNorm -> linear (C -> H) -> GELU -> linear (H -> D)

whose LayerNorm output has a few outlier channels `--factor` times larger
than the rest (outlier gammas, as in OPT/LLaMA activations). Statistics are
calibrated on a separate calibration batch; errors are measured on an
evaluation batch against the block computed in float64.

Usage (from the repository root, after building):
    /usr/bin/python3 benchmarks/accuracy_study.py [--markdown]
"""
import argparse
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [os.path.join(ROOT, "test", "lib"), os.path.join(ROOT, "python")]
os.environ.setdefault("QUANTC_OPT", os.path.join(ROOT, "build", "bin", "quantc-opt"))
os.environ.setdefault("MLIR_RUNNER", "/usr/lib/llvm-22/bin/mlir-runner")
os.environ.setdefault("MLIR_RUNNER_LIBS", ",".join(
    f"/usr/lib/llvm-22/lib/{n}.so"
    for n in ("libmlir_runner_utils", "libmlir_c_runner_utils")))

import numpy as np  # noqa: E402

import llm_block  # noqa: E402
import qtest  # noqa: E402

CPU = "--quantc-cpu-pipeline"
VARIANTS = [
    ("fp32 (compiled, no quantization)", ()),
    ("W8A8 per-tensor (naive)", ("--quantc-quantize=activations=per-tensor",)),
    ("W8A8 per-token", ("--quantc-quantize",)),
    ("SmoothQuant a=0.5 + W8A8 per-tensor",
     ("--quantc-smoothquant=alpha=0.5", "--quantc-quantize=activations=per-tensor")),
    ("SmoothQuant a=0.5 + W8A8 per-token",
     ("--quantc-smoothquant=alpha=0.5", "--quantc-quantize")),
    ("SmoothQuant a=0.8 + W8A8 per-tensor",
     ("--quantc-smoothquant=alpha=0.8", "--quantc-quantize=activations=per-tensor")),
    ("SmoothQuant a=0.8 + W8A8 per-token",
     ("--quantc-smoothquant=alpha=0.8", "--quantc-quantize")),
    ("LLM.int8() (threshold 6.0)",
     ("--quantc-outlier-split=threshold=6.0", "--quantc-quantize")),
    ("W8A16 (weight-only)", ("--quantc-quantize=activations=none",)),
]


def rel(a, b):
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


def run(a, seed, verbose=True):
    """Compiles and runs every variant for one seed; returns rows of
    (name, layer-1 rel. error, block rel. error, block max abs error,
    passes, seconds)."""
    rng = np.random.default_rng(seed)
    n_all = a.tokens + a.calib_tokens
    x, gamma, beta, w1, w2, idx = llm_block.llm_like(
        rng, n_all, a.channels, a.hidden, a.out, a.outliers, a.factor)
    xcal, xev = x[:a.calib_tokens], x[a.calib_tokens:]
    if a.calibrate_on_eval:  # oracle statistics: no calibration mismatch
        xcal = np.concatenate([xcal, xev])
    _, hcal, acal = llm_block.block_fp(xcal, gamma, beta, w1, w2)
    absmax1 = np.max(np.abs(hcal), axis=0).astype(np.float32)
    absmax2 = np.max(np.abs(acal), axis=0).astype(np.float32)
    ref_y, ref_h, _ = llm_block.block_fp(xev, gamma, beta, w1, w2)
    ref_h1 = ref_h @ w1.astype(np.float64)
    others = np.delete(absmax1, idx)
    if verbose:
        print(f"# seed {seed}: {a.tokens} tokens (calibrated on "
              f"{a.calib_tokens} others"
              f"{' + themselves' if a.calibrate_on_eval else ''}), C={a.channels}, H={a.hidden}, "
              f"D={a.out}; LayerNorm-output outlier channels "
              f"{sorted(idx.tolist())}: calibrated absmax "
              f"{np.min(absmax1[idx]):.1f}..{np.max(absmax1[idx]):.1f} vs "
              f"median {np.median(others):.2f} for the others; LLM.int8() "
              f"keeps {int(np.sum(absmax1 > 6.0))}/{a.channels} (first linear) "
              f"and {int(np.sum(absmax2 > 6.0))}/{a.hidden} (second) channels "
              f"in float", flush=True)
    mlir = llm_block.block_mlir(xev, gamma, beta, w1, w2, absmax1, absmax2,
                                print_hidden=True)
    rows = []
    for name, passes in VARIANTS:
        t0 = time.time()
        h1, y = qtest.compile_and_run(mlir, pipeline=(*passes, CPU))
        dt = time.time() - t0
        rows.append((name, rel(h1, ref_h1), rel(y, ref_y),
                     float(np.max(np.abs(y - ref_y))), " ".join(passes), dt))
        if verbose:
            print(f"  {name:38s} layer-1 {rows[-1][1]:.3e}  block "
                  f"{rows[-1][2]:.3e}  ({dt:.1f} s)", flush=True)
    return rows


PAIRS = [("per-tensor", "W8A8 per-tensor (naive)",
          "SmoothQuant a=0.5 + W8A8 per-tensor"),
         ("per-token", "W8A8 per-token", "SmoothQuant a=0.5 + W8A8 per-token")]


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--tokens", type=int, default=64)
    p.add_argument("--calib-tokens", type=int, default=256)
    p.add_argument("--channels", type=int, default=256)
    p.add_argument("--hidden", type=int, default=512)
    p.add_argument("--out", type=int, default=256)
    p.add_argument("--outliers", type=int, default=5)
    p.add_argument("--factor", type=float, default=80.0)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--seeds", type=int, default=1,
                   help="also summarise seeds seed..seed+N-1")
    p.add_argument("--calibrate-on-eval", action="store_true",
                   help="include the evaluation tokens in the calibration "
                   "batch (static scales then never clip)")
    p.add_argument("--markdown", action="store_true")
    a = p.parse_args()

    rows = run(a, a.seed)
    if a.markdown:
        print("\n| scheme | rel. error, first linear | rel. error, block output "
              "| max abs error, block | quantc-opt passes (+ --quantc-cpu-pipeline) |")
        print("|---|---|---|---|---|")
        for name, e1, e2, m, passes, _ in rows:
            print(f"| {name} | {e1:.2e} | {e2:.2e} | {m:.3g} | `{passes}` |")
    per_seed = {a.seed: rows}
    for seed in range(a.seed + 1, a.seed + a.seeds):
        per_seed[seed] = run(a, seed, verbose=False)
    print("\nError of W8A8 without / with SmoothQuant a=0.5 (first linear; "
          "block output):\n")
    print("| seed | scheme | first linear: without | with | reduction "
          "| block: without | with | reduction |")
    print("|---|---|---|---|---|---|---|---|")
    for seed, rs in per_seed.items():
        by = {r[0]: r for r in rs}
        for scheme, plain, sq in PAIRS:
            p_, q_ = by[plain], by[sq]
            print(f"| {seed} | {scheme} | {p_[1]:.2e} | {q_[1]:.2e} | "
                  f"{p_[1] / q_[1]:.1f}x | {p_[2]:.2e} | {q_[2]:.2e} | "
                  f"{p_[2] / q_[2]:.1f}x |")


if __name__ == "__main__":
    main()
