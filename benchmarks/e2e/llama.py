#!/usr/bin/env python3
"""End to end: the LLaMA-style decoder (quantc.llama) compiled by quantc
(W8A8 + SmoothQuant, W8A16; int8 KV cache) against PyTorch fp32 and PyTorch
dynamic int8 (`torch.quantization.quantize_dynamic`, nn.Linear -> qint8), in
one process, at 1 and 2 threads (torch.set_num_threads, which also sets the
OpenMP team of quantc's kernels: both use the process's libgomp).

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE PYTHONPATH=build/python \\
        /usr/bin/python3 benchmarks/e2e/llama.py [--config small|7b2] \\
        [--prefill 128,512] [--kv 2048] [--threads 1,2] [--steps 16] [--static-prefill]
        [--rotate-down 64] [--torch-blas system|pthread|openmp]

quantc: W8A8 with SmoothQuant 0.5 on q/k/v and gate/up (the inputs with
outlier channels, llama.smoothing_overrides) and the down projections' input
rotated in Hadamard blocks of 64 (`--rotate-down`, llama.rotate_down; a list
such as `0,64` gives one side per block size, 0 = the previous scheme:
not rotated, alpha 0.5 on every layer); one compiled module per scheme (QuantcDecoder.build: a prefill of
any prompt length and the decode step, weights bound and packed once);
`--static-prefill` compiles one prefill per prompt length instead.

Prefill: tokens/s of one prompt of each length (fastest of 5: the machine is
shared). Decode: tokens/s of `--steps` steps (fastest of 3 runs) at KV length
= the longest prompt and at `--kv` (the cache holds the real prefill of the
longest prompt, its rows repeated up to `--kv`: the speed does not depend on
the values). Relative error (Frobenius, logits) against fp32:
prefill logits of the longest prompt; decode logits of `--steps` steps after
that prompt (teacher forcing: every side decodes the same tokens).
Configs: `small` = the main job's model (4 layers, hidden 1024, 16 heads,
FFN 2816, vocab 4096); `7b2` = two LLaMA-7B-shaped layers (hidden 4096, 32
heads, FFN 11008, vocab 4096).
"""
import argparse
import ctypes
import os
import sys
import time

import numpy as np
import torch

try:
    from quantc import llama
except ImportError:
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "build", "python"))
    from quantc import llama

CONFIGS = {
    "small": dict(layers=4, hidden=1024, heads=16, ffn=2816, vocab=4096),
    "7b2": dict(layers=2, hidden=4096, heads=32, ffn=11008, vocab=4096),
}


def set_threads(n):
    torch.set_num_threads(n)
    try:
        ctypes.CDLL("libgomp.so.1").omp_set_num_threads(n)
    except OSError:
        pass


def rel(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


def best_time(fn, repeat=5):
    """Fastest of `repeat` calls (the machine is shared: the minimum is the
    least disturbed run)."""
    ts = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return float(np.min(ts))


class Side:
    """One implementation: the decoder per prompt length (the same one for
    every length unless --static-prefill) + the decoder for decode."""

    def __init__(self, name, prefill, decode):
        self.name, self.prefill, self.decode = name, prefill, decode


def fill_cache(dec, s, kv):
    """Repeats rows [0, s) of every cache buffer up to kv rows; the cache
    then holds kv rows."""
    if isinstance(dec, llama.QuantcDecoder):
        bufs = dec.k + dec.ks + dec.v
    else:
        bufs = [dec.k[i] for i in range(dec.cfg.layers)] + \
            [dec.v[i] for i in range(dec.cfg.layers)]
    for b in bufs:
        for start in range(s, kv, s):
            n = min(s, kv - start)
            b[start:start + n] = b[:n]
    dec.len = kv


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", default="small", choices=sorted(CONFIGS))
    ap.add_argument("--prefill", default="128,512")
    ap.add_argument("--kv", type=int, default=2048)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--steps", type=int, default=16)
    ap.add_argument("--schemes", default="w8a8,w8a16")
    ap.add_argument("--rotate-down", default="64",
                    help="comma list of Hadamard block sizes for the W8A8 down projections' "
                    "input (llama.rotate_down; 0: none): one W8A8 side each")
    ap.add_argument("--static-prefill", action="store_true",
                    help="one prefill compiled per prompt length (the default is one "
                    "module: a dynamic-length prefill and the decode step)")
    ap.add_argument("--torch-blas", default="system",
                    choices=llama.TORCH_BLAS_CHOICES,
                    help="the OpenBLAS build PyTorch's float matmuls use (Debian's "
                    "libopenblas0-pthread / libopenblas0-openmp): the process re-executes "
                    "itself with that build first on LD_LIBRARY_PATH; 'system' keeps "
                    "libblas.so.3's alternative (see docs/benchmarks/e2e.md: at 2 threads "
                    "the pthread build's threads compete with PyTorch's OpenMP team)")
    args = ap.parse_args()
    llama.select_torch_blas(args.torch_blas)
    lens = [int(x) for x in args.prefill.split(",")]
    threads = [int(x) for x in args.threads.split(",")]
    rotations = [int(x) for x in args.rotate_down.split(",")]
    schemes = []
    for s in args.schemes.split(","):
        schemes += [(s, r) for r in rotations] if s == "w8a8" else [(s, 0)]

    torch.manual_seed(0)
    cfg = llama.LlamaConfig(**CONFIGS[args.config], max_len=args.kv + args.steps + 1)
    model = llama.inject_outliers(llama.Llama(cfg).eval())
    g = torch.Generator().manual_seed(1)
    prompts = {s: torch.randint(0, cfg.vocab, (s,), generator=g).numpy() for s in lens}
    print(f"# {args.config}: {cfg}; OPENBLAS_CORETYPE="
          f"{os.environ.get('OPENBLAS_CORETYPE', 'unset')}; PyTorch's BLAS: {llama.torch_blas()}",
          flush=True)

    set_threads(max(threads))
    calib = {s: [torch.randint(0, cfg.vocab, (s,), generator=g) for _ in range(2)]
             for s in lens}
    llama.calibrate_v_scales(model, [p for s in lens for p in calib[s]])
    sides = []
    for scheme, rot in schemes:
        pre = {}
        label = f"quantc {scheme.upper()}" + (f" rot{rot}" if rot else "")
        # The chosen scheme (docs/ACCURACY.md) rotates and smooths only the
        # inputs with outlier channels; rotation 0 is the previous scheme
        # (alpha 0.5 on every layer), for before/after runs.
        opts = dict(scheme=scheme, smoothquant=0.5, calibrate_v=False,
                    rotate_down=rot or None,
                    overrides=llama.smoothing_overrides(cfg) if rot else None)
        if not args.static_prefill:
            # One module: a prefill of any length and the decode step,
            # weights bound and packed once.
            t = {}
            d = llama.QuantcDecoder.build(model, [p for s in lens for p in calib[s]],
                                          prompt_len=None, timings=t, **opts)
            print(f"# {label} prefill (any length) + decode, one module: " +
                  ", ".join(f"{k} {v:.1f} s" for k, v in t.items()), flush=True)
            sides.append(Side(label, {s: d for s in lens}, d))
            continue
        for s in lens:
            t = {}
            pre[s] = llama.QuantcDecoder.build(model, calib[s], prompt_len=s,
                                               decode=s == max(lens), timings=t, **opts)
            print(f"# {label} prefill {s}" +
                  (" + decode" if s == max(lens) else "") + ": " +
                  ", ".join(f"{k} {v:.1f} s" for k, v in t.items()), flush=True)
        sides.append(Side(label, pre, pre[max(lens)]))
    fp32 = llama.TorchDecoder(model)
    dyn = llama.TorchDecoder(model, dynamic_int8=True)
    sides += [Side("torch fp32", {s: fp32 for s in lens}, fp32),
              Side("torch dynamic int8", {s: dyn for s in lens}, dyn)]

    # Accuracy (thread count does not change it).
    smax = max(lens)
    ref_pre = fp32.prefill(prompts[smax]).numpy()
    toks = [int(x) for x in np.random.default_rng(2).integers(0, cfg.vocab, args.steps)]
    ref_dec = [np.asarray(fp32.step(t)) for t in toks]
    err = {}
    for side in sides:
        lp = np.asarray(side.prefill[smax].prefill(prompts[smax]))
        side.decode.prefill(prompts[smax])
        ld = [np.asarray(side.decode.step(t)) for t in toks]
        err[side.name] = (rel(lp, ref_pre), rel(np.concatenate(ld), np.concatenate(ref_dec)))

    print("\n| side | threads | " + " | ".join(f"prefill {s} tok/s" for s in lens) +
          f" | decode tok/s @ KV {max(lens)} | decode tok/s @ KV {args.kv} | prefill err"
          " | decode err |")
    print("|---|---|" + "---|" * len(lens) + "---|---|---|---|")
    results = {}
    for n in threads:
        set_threads(n)
        for side in sides:
            row = []
            for s in lens:
                d = side.prefill[s]
                row.append(s / best_time(lambda: d.prefill(prompts[s])))
            d = side.decode
            for kv in (smax, args.kv):
                d.prefill(prompts[smax])

                def steps():
                    fill_cache(d, smax, kv)
                    for t in toks:
                        d.step(t)
                steps()  # warm-up at this length
                row.append(args.steps / best_time(steps, 3))
            results[(side.name, n)] = row
            e = err[side.name]
            print(f"| {side.name} | {n} | " + " | ".join(f"{v:.1f}" for v in row) +
                  f" | {100 * e[0]:.2f} % | {100 * e[1]:.2f} % |", flush=True)
    print()
    for n in threads:
        base = results[("torch dynamic int8", n)]
        for side in sides[:len(schemes)]:
            r = results[(side.name, n)]
            print(f"{n} thread(s), {side.name} / torch dynamic int8: " + ", ".join(
                [f"prefill {s} {a / b:.2f}x" for s, a, b in zip(lens, r, base)] +
                [f"decode @ KV {max(lens)} {r[-2] / base[-2]:.2f}x",
                 f"decode @ KV {args.kv} {r[-1] / base[-1]:.2f}x"]))


if __name__ == "__main__":
    main()
