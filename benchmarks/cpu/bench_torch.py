#!/usr/bin/env python3
"""Side-by-side benchmark for machines where oneDNN is only available inside
PyTorch (torch.ops.onednn: oneDNN's matmul primitive, s8 weights prepacked,
per-column weight scales, f32 output). quantc's compiled GEMMs are loaded
from a shared library built from build_objects.sh's objects (PIC):

  g++ -shared -o libquantc_bench.so OUT/*.o -lgomp
  python3 bench_torch.py libquantc_bench.so OUT/bench_shapes.inc THREADS...

Both sides run in this process on the same data; GOPS = 2*M*N*K / best time.
"""
import ctypes
import re
import sys
import time

import numpy as np

try:
    import torch
except ImportError:  # quantc-only run (no comparison)
    torch = None


class MemRef2D(ctypes.Structure):
    _fields_ = [("allocated", ctypes.c_void_p), ("aligned", ctypes.c_void_p),
                ("offset", ctypes.c_int64), ("sizes", ctypes.c_int64 * 2),
                ("strides", ctypes.c_int64 * 2)]


def desc(a):
    assert a.flags["C_CONTIGUOUS"] and a.ndim == 2
    p = a.ctypes.data
    return MemRef2D(p, p, 0, (a.shape[0], a.shape[1]), (a.shape[1], 1))


def weight(n, k):  # must match gen_gemm.py
    nn = np.arange(n, dtype=np.int64)[:, None]
    kk = np.arange(k, dtype=np.int64)[None, :]
    return (((nn * 7 + kk * 13) % 255) - 127).astype(np.int8)


def wscale(n):
    return (0.001 * (1 + np.arange(n) % 7)).astype(np.float32)


def best(f, budget=1.0, reps=20):
    f()
    t_best, start = 1e30, time.perf_counter()
    for i in range(reps):
        t0 = time.perf_counter()
        f()
        t_best = min(t_best, time.perf_counter() - t0)
        if time.perf_counter() - start > budget and i >= 2:
            break
    return t_best


def onednn_linear(w, ws, m):
    """oneDNN (via torch.ops.onednn): prepacked s8 weights, f32 output."""
    n, k = w.shape
    wt = torch.from_numpy(w)
    packed = torch.ops.onednn.qlinear_prepack(wt, [m, k])
    wst = torch.from_numpy(ws.astype(np.float32))
    wzp = torch.zeros(n, dtype=torch.int64)

    def run(xq, xs):
        return torch.ops.onednn.qlinear_pointwise(
            xq, xs, 0, packed, wst, wzp, None, 1.0, 0, torch.float32, "none",
            [], "")
    return run


def main():
    lib = ctypes.CDLL(sys.argv[1])
    cases = re.findall(r"QUANTC_(GEMM|LINEAR)\((\d+), (\d+), (\d+)\)",
                       open(sys.argv[2]).read())
    threads = [int(t) for t in sys.argv[3:]] or [1]
    only = None
    print(f"{'kind':7} {'M':>5} {'N':>6} {'K':>5} {'thr':>3} | {'quantc':>8} "
          f"{'oneDNN':>8} | {'ratio':>6} | check")
    ok_all = True
    for t in threads:
        if torch is not None:
            torch.set_num_threads(t)  # also the OpenMP default team size
        for kind, m, n, k in cases:
            m, n, k = int(m), int(n), int(k)
            ops = 2.0 * m * n * k
            w, ws = weight(n, k), wscale(n)
            y = np.zeros((m, n), np.float32)
            rng = np.random.default_rng(0)
            if kind == "GEMM":
                fn = getattr(lib, f"_mlir_ciface_q_gemm_{m}x{n}x{k}")
                x = rng.integers(-128, 128, (m, k)).astype(np.int8)
                xs = np.array([[0.02]], np.float32)
                dx, dxs, dy = desc(x), desc(xs), desc(y)
                tq = best(lambda: fn(ctypes.byref(dx), ctypes.byref(dxs),
                                     ctypes.byref(dy)))
                # Exact check of sampled rows against int64 arithmetic.
                rows = np.unique(np.linspace(0, m - 1, 4).astype(int))
                acc = (x[rows].astype(np.int64) @ w.T.astype(np.int64))
                want = (acc.astype(np.int32).astype(np.float32) * xs[0, 0]
                        ).astype(np.float32) * ws[None, :]
                ok = np.array_equal(y[rows], want.astype(np.float32))
            else:
                fn = getattr(lib, f"_mlir_ciface_q_linear_{m}x{n}x{k}")
                x = (rng.standard_normal((m, k)) *
                     rng.uniform(0.5, 4, (m, 1))).astype(np.float32)
                dx, dy = desc(x), desc(y)
                tq = best(lambda: fn(ctypes.byref(dx), ctypes.byref(dy)))
                s = np.abs(x).max(1, keepdims=True) / np.float32(127)
                s = np.where(s == 0, np.float32(1), s).astype(np.float32)
                xq = np.clip(np.rint(x / s), -127, 127).astype(np.int8)
                acc = xq.astype(np.int64) @ w.T.astype(np.int64)
                want = ((acc.astype(np.int32).astype(np.float32) * s
                         ).astype(np.float32) * ws[None, :]).astype(np.float32)
                ok = np.array_equal(y, want)
            td, impl = float("nan"), "no torch"
            if torch is not None:
                try:
                    run = onednn_linear(w, ws, m)
                    if kind == "GEMM":
                        xt = torch.from_numpy(x)
                        td = best(lambda: run(xt, 0.02))
                        yd = run(xt, 0.02).numpy()
                    else:
                        xt = torch.from_numpy(x)

                        def dyn():
                            s_ = xt.abs().amax(1, keepdim=True) / 127.0
                            q_ = torch.clamp(torch.round(xt / s_), -127,
                                             127).to(torch.int8)
                            return run(q_, 1.0) * s_
                        td = best(dyn)
                        yd = dyn().numpy()
                    rel = np.abs(yd - y).max() / (np.abs(y).max() + 1e-30)
                    impl = f"oneDNN rel.diff {rel:.1e}"
                    ok = ok and rel < 1e-4
                except Exception as e:  # report, keep quantc's figure
                    impl = f"oneDNN failed: {str(e).splitlines()[0][:60]}"
            ok_all &= bool(ok)
            print(f"{kind.lower():7} {m:5} {n:6} {k:5} {t:3} | "
                  f"{ops / tq * 1e-9:8.1f} {ops / td * 1e-9:8.1f} | "
                  f"{td / tq:6.3f} | {'exact' if ok else 'MISMATCH'}; {impl}",
                  flush=True)
    return 0 if ok_all else 1


if __name__ == "__main__":
    sys.exit(main())
