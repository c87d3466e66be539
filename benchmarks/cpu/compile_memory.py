#!/usr/bin/env python3
"""Compile time and peak memory of the PyTorch frontend on a LLaMA-7B-shaped
stack (issue 20 item 2, issue 21 item 1): per layer RMSNorm -> 4096 x 4096
projection (+ residual) -> RMSNorm -> SwiGLU 4096 -> 11008 -> 4096 (+
residual), random weights, 16 tokens; `from_torch` -> `quantize("w8a8",
smoothquant=None)` -> `compile()`, each timed, and the peak RSS above the
process's RSS once the torch module exists (overall and after each stage).
`quantize` is also given as GB/s of f32 weight bytes, by wall-clock and by
the process's CPU time (the weight transforms run on one core: on a shared
machine the CPU figure is the one that does not depend on the load).
`--smoothquant ALPHA` calibrates on one batch first (not timed in quantize)
and quantizes with SmoothQuant at ALPHA: smoothing + quantization.

Transports of the weights, each in its own process, side by side:
  resource  the current frontend: weights bound as dense_resource blobs to a
            module kept in C++ (quantc.Module), never text, and bound at
            load time by compile() (quantc-cpu-pipeline{weights=load}:
            packed once by __quantc_prepare, never in the compiled IR);
  embed     the same, but compile() with the weights as compile-time
            constants (quantc-cpu-pipeline, packed at compile time into the
            code's data: the design before load-time binding);
  materialized  resource, with SmoothQuant's smoothed f32 weight stored as
            a new blob before it is quantized (defer-weights off: the
            design before the smoothing was fused into the quantization);
            only differs from resource with --smoothquant;
  text      the previous design, emulated with the same passes: the module
            printed with its weights (hex) and parsed again at every stage
            (trace -> verify, quantize, fuse, compile), as run_pipeline did.

  PYTHONPATH=build/python /usr/bin/python3 benchmarks/cpu/compile_memory.py \
      [--hidden 4096 --ffn 11008 --layers 2] [--modes resource,embed,text]
      [--smoothquant 0.5]

In resource mode, load_params (rebinding the quantized weights, packed by
__quantc_prepare) is timed too, best of 3, as GB/s of parameter bytes.

Besides the cumulative peak, each stage's own extra peak RSS (the peak
during the stage, VmHWM reset before it through /proc/self/clear_refs,
minus the RSS when it starts) is printed as "stage peaks".
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import time


def _rss_mib():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _peak_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _stage_start():
    """Resets the peak RSS (VmHWM) to the current RSS; returns the RSS."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass
    return _rss_mib()


def _stage_peak(start):
    """The stage's peak RSS above its start (VmHWM since _stage_start)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024 - start
    return float("nan")


def _model(hidden, ffn, layers):
    import torch
    import torch.nn as nn

    class RMSNorm(nn.Module):
        def __init__(self, d):
            super().__init__()
            self.weight = nn.Parameter(1 + 0.1 * torch.randn(d))

        def forward(self, x):
            return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-6) * self.weight

    class Layer(nn.Module):
        def __init__(self):
            super().__init__()
            self.norm1, self.norm2 = RMSNorm(hidden), RMSNorm(hidden)
            self.proj = nn.Linear(hidden, hidden, bias=False)
            self.gate = nn.Linear(hidden, ffn, bias=False)
            self.up = nn.Linear(hidden, ffn, bias=False)
            self.down = nn.Linear(ffn, hidden, bias=False)

        def forward(self, x):
            x = x + self.proj(self.norm1(x))
            h = self.norm2(x)
            return x + self.down(torch.nn.functional.silu(self.gate(h)) * self.up(h))

    torch.manual_seed(0)
    with torch.no_grad():
        return nn.Sequential(*[Layer() for _ in range(layers)]).eval()


def _run_one(mode, hidden, ffn, layers, alpha=None, scheme="w8a8"):
    import numpy as np
    import torch

    import quantc
    from quantc.frontend_torch import _RUNTIME
    from quantc.torch_emit import analyze, check_supported, emit
    from quantc.torch_trace import trace

    if mode == "materialized":
        import quantc.frontend_torch as ft
        ft._DEFER_SMOOTHING = False
        mode = "resource"
    m = _model(hidden, ffn, layers)
    x = torch.randn(16, hidden)
    with torch.no_grad():
        want = m(x).numpy()
    base = _rss_mib()
    t, peaks = {}, []
    stage = {}
    t0 = time.perf_counter()
    if mode in ("resource", "embed"):
        s0 = _stage_start()
        tm = quantc.from_torch(m, (x,))
        t["from_torch"] = time.perf_counter() - t0
        stage["from_torch"] = _stage_peak(s0)
        if alpha is not None:
            t1 = time.perf_counter()
            tm.calibrate([(x.numpy(),)])
            t["calibrate"] = time.perf_counter() - t1
        peaks.append(_peak_mib() - base)
        s0 = _stage_start()
        t0, c0 = time.perf_counter(), time.process_time()
        tm.quantize(scheme, smoothquant=alpha)
        t["quantize"] = time.perf_counter() - t0
        t["quantize_cpu"] = time.process_time() - c0
        stage["quantize"] = _stage_peak(s0)
        peaks.append(_peak_mib() - base)
        s0 = _stage_start()
        t0 = time.perf_counter()
        if mode == "resource":
            exe = tm.compile()
        else:
            libs = [_RUNTIME] if os.path.exists(_RUNTIME) else []
            exe = tm._module.compile("quantc-cpu-pipeline", shared_libs=libs)["forward"]
        t["compile"] = time.perf_counter() - t0
        stage["compile"] = _stage_peak(s0)
        ir_bytes = len(tm.mlir())
        y = exe(x.numpy())
        if mode == "resource":
            # load_params: the bound weights again (random values of the
            # stored dtypes and shapes: the packing does not depend on them),
            # best of 3, as GB/s of parameter bytes.
            rng = np.random.default_rng(0)
            arrays = {}
            for name, dt, shape in exe.params:
                if np.issubdtype(dt, np.integer):
                    # (w4a16: i4 parameters hold int8 values in [-8, 7])
                    lo, hi = (-8, 8) if scheme == "w4a16" else (-127, 128)
                    arrays[name] = rng.integers(lo, hi, shape, dtype=dt)
                else:
                    arrays[name] = (rng.random(shape, dtype=np.float32) + 0.5).astype(dt)
            t["load_bytes"] = sum(a.nbytes for a in arrays.values())
            best = best_cpu = float("inf")
            for _ in range(3):
                t0, c0 = time.perf_counter(), time.process_time()
                exe.load_params(arrays)
                best = min(best, time.perf_counter() - t0)
                best_cpu = min(best_cpu, time.process_time() - c0)
            t["load_params"], t["load_params_cpu"] = best, best_cpu
    else:
        libs = [_RUNTIME] if os.path.exists(_RUNTIME) else []
        g = trace(m, (x,))
        consts, live, layers_ = analyze(g)
        check_supported(g, consts, live)
        text = quantc.Module(*emit(g, consts, live, layers_)).mlir(None)
        text = quantc.run_pipeline(text, "quantc-verify-gemm")
        t["from_torch"] = time.perf_counter() - t0
        if alpha is not None:
            raise SystemExit("--smoothquant: resource mode only")
        peaks.append(_peak_mib() - base)
        t0, c0 = time.perf_counter(), time.process_time()
        text = quantc.run_pipeline(text, "quantc-quantize{activations=per-token}")
        text = quantc.run_pipeline(text, "quantc-verify-gemm,quantc-fuse")
        t["quantize"] = time.perf_counter() - t0
        t["quantize_cpu"] = time.process_time() - c0
        peaks.append(_peak_mib() - base)
        t0 = time.perf_counter()
        exe = quantc.compile_cpu(text, shared_libs=libs)["forward"]
        t["compile"] = time.perf_counter() - t0
        ir_bytes = len(text)
        y = exe(x.numpy())
    err = float(np.linalg.norm(y - want) / np.linalg.norm(want))
    peaks.append(_peak_mib() - base)
    return {"mode": mode, **t, "extra_peak_mib": peaks[-1], "peaks": peaks,
            "stage": stage, "ir_bytes": ir_bytes, "rel_err": err}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hidden", type=int, default=4096)
    ap.add_argument("--ffn", type=int, default=11008)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--modes", default="resource,embed")
    ap.add_argument("--smoothquant", type=float, default=None,
                    help="calibrate, then quantize with SmoothQuant at this alpha")
    ap.add_argument("--scheme", default="w8a8", choices=["w8a8", "w4a16"],
                    help="the quantize scheme (resource and embed modes)")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        print(json.dumps(_run_one(a.child, a.hidden, a.ffn, a.layers, a.smoothquant,
                                  a.scheme)))
        return
    weights = a.layers * (a.hidden * a.hidden + 3 * a.hidden * a.ffn)
    print(f"{a.layers} layers, hidden {a.hidden}, ffn {a.ffn}: "
          f"{weights / 1e6:.0f} M weights ({weights * 4 / 2**20:.0f} MiB f32), 16 tokens, "
          f"quantize: {a.scheme}, smoothquant={a.smoothquant}")
    print(f"{'mode':9} {'from_torch':>10} {'quantize':>9} {'compile':>8} {'total':>7} "
          f"{'extra peak RSS':>15} {'IR text':>10} {'rel err':>8}  peak after each stage")
    rows = {}
    for mode in a.modes.split(","):
        out = subprocess.run([sys.executable, __file__, "--child", mode,
                              "--hidden", str(a.hidden), "--ffn", str(a.ffn),
                              "--layers", str(a.layers), "--scheme", a.scheme]
                             + ([] if a.smoothquant is None
                                else ["--smoothquant", str(a.smoothquant)]),
                             capture_output=True, text=True)
        if out.returncode != 0:
            print(f"{mode:9} failed (exit {out.returncode}): {out.stderr.strip()[-300:]}")
            continue
        r = json.loads(out.stdout.strip().splitlines()[-1])
        rows[mode] = r
        total = r["from_torch"] + r["quantize"] + r["compile"]
        print(f"{mode:9} {r['from_torch']:9.2f}s {r['quantize']:8.2f}s {r['compile']:7.2f}s "
              f"{total:6.2f}s {r['extra_peak_mib']:11.0f} MiB {r['ir_bytes'] / 1024:7.0f} KiB "
              f"{r['rel_err']:8.4f}  " + " / ".join(f"{p:.0f}" for p in r["peaks"]) + " MiB")
        gb = weights * 4 / 1e9
        print(f"{'':9} quantize: {gb / r['quantize']:.2f} GB/s of f32 weights by wall-clock, "
              f"{gb / r['quantize_cpu']:.2f} GB/s by CPU time ({r['quantize_cpu']:.2f} s)"
              + (f"; calibrate {r['calibrate']:.1f} s, not included" if "calibrate" in r else ""))
        if "load_params" in r:
            lb = r["load_bytes"] / 1e9
            print(f"{'':9} load_params ({r['load_bytes'] / 2**20:.0f} MiB of params, best "
                  f"of 3): {r['load_params']:.3f} s, {lb / r['load_params']:.2f} GB/s by "
                  f"wall-clock, {lb / r['load_params_cpu']:.2f} GB/s by CPU time")
        if r.get("stage"):
            print(f"{'':9} stage peaks: " + ", ".join(
                f"{k} +{v:.0f} MiB" for k, v in r["stage"].items()))
    if "resource" in rows and "embed" in rows:
        r, e = rows["resource"], rows["embed"]
        print(f"compile, embed / load: time {e['compile'] / r['compile']:.2f}x, stage peak "
              f"{e['stage']['compile']:.0f} / {r['stage']['compile']:.0f} MiB")
    if "text" in rows and "resource" in rows:
        tot = {k: v["from_torch"] + v["quantize"] + v["compile"] for k, v in rows.items()}
        print(f"text / resource: time {tot['text'] / tot['resource']:.2f}x, extra peak RSS "
              f"{rows['text']['extra_peak_mib'] / rows['resource']['extra_peak_mib']:.2f}x")


if __name__ == "__main__":
    main()
