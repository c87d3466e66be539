#!/usr/bin/env python3
"""Where the W8A8 decoder's error comes from: the main job's model
(quantc.llama, examples/llama.py's setup: 4 layers, hidden 1024, outlier
channels, 4 calibration prompts of 64 tokens) compiled by quantc with one
quantization site at a time kept in float ("only float") or quantized alone
("only int8"), every other site the other way. Errors (relative Frobenius
norm of the logits against the float model): the 64-token prompt's prefill,
and 32 decode steps over the int8 (or float) KV cache, teacher-forced with
the float model's greedy tokens (every variant decodes the same tokens).

    PYTHONPATH=build/python /usr/bin/python3 benchmarks/e2e/ablation.py \\
        [--rows all|sites|alpha|...] [--markdown]

Sites: each linear class (q, k, v, o, gate, up, down, lm_head: its layers
in every decoder layer), the attention GEMMs Q·Kᵀ and P·V
(`quantize(attention={"qk": .., "pv": ..})`), and the KV cache's K and V
(`LlamaConfig(k_cache=, v_cache=)`: "float" stores float rows). Extra rows
(`--rows alpha`, `--rows variants`): SmoothQuant alpha per layer class and
other whole-model variants. Deterministic (fixed seeds); ~20 s a row.
"""
import argparse
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

LINEARS = ("q", "k", "v", "o", "gate", "up", "down", "lm_head")
SITES = LINEARS + ("qk", "pv", "k_cache", "v_cache")


def rel(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


def layer_names(cfg, cls):
    """The layer names of linear class `cls` in every decoder layer."""
    if cls == "lm_head":
        return ["m.lm_head"]
    sub = "attn" if cls in ("q", "k", "v", "o") else "mlp"
    return [f"m.layers.{i}.{sub}.{cls}" for i in range(cfg.layers)]


class Setup:
    """The model, calibration prompts, evaluation prompt and decoded tokens
    (the float model's greedy continuation) and the float reference logits."""

    def __init__(self, layers=4, prompt=64, tokens=32):
        torch.manual_seed(0)
        self.kw = dict(layers=layers, hidden=1024, heads=16, ffn=2816, vocab=4096,
                       max_len=max(256, prompt + tokens + 1))
        cfg = llama.LlamaConfig(**self.kw)
        self.model = llama.inject_outliers(llama.Llama(cfg).eval())
        g = torch.Generator().manual_seed(1)
        self.calib = [torch.randint(0, cfg.vocab, (prompt,), generator=g) for _ in range(4)]
        self.prompt = torch.randint(0, cfg.vocab, (prompt,), generator=g).numpy()
        fp32 = llama.TorchDecoder(self.model)
        self.ref_prefill = fp32.prefill(self.prompt).numpy()
        tok, self.gen = int(self.ref_prefill[-1].argmax()), []
        for _ in range(tokens):
            self.gen.append(tok)
            tok = int(fp32.step(tok).numpy().argmax())
        fp32.prefill(self.prompt)
        self.ref_decode = np.stack([fp32.step(t).numpy().reshape(-1) for t in self.gen])
        self.prompt_len = prompt

    def model_with(self, k_cache, v_cache):
        cfg = llama.LlamaConfig(**self.kw, k_cache=k_cache, v_cache=v_cache)
        m = llama.Llama(cfg).eval()
        m.load_state_dict(self.model.state_dict())
        return m

    def run(self, overrides=None, attention=None, k_cache="int8", v_cache="int8",
            scheme="w8a8", smoothquant=0.5, **build):
        """(prefill error, decode error, decode top-1 agreement, seconds)."""
        t0 = time.perf_counter()
        m = self.model_with(k_cache, v_cache)
        dec = llama.QuantcDecoder.build(m, self.calib, scheme=scheme, smoothquant=smoothquant,
                                        overrides=overrides, attention=attention,
                                        prompt_len=self.prompt_len, **build)
        lp = dec.prefill(self.prompt)
        ld = np.stack([np.asarray(dec.step(t)).reshape(-1) for t in self.gen])
        agree = float(np.mean(ld.argmax(-1) == self.ref_decode.argmax(-1)))
        return (rel(lp, self.ref_prefill), rel(ld, self.ref_decode), agree,
                time.perf_counter() - t0)


def site_config(setup, sites_int8):
    """build() arguments with exactly `sites_int8` quantized."""
    cfg = setup.model.cfg
    over = {}
    for cls in LINEARS:
        if cls not in sites_int8:
            for n in layer_names(cfg, cls):
                over[n] = None
    att = {k: "int8" if k in sites_int8 else "float" for k in ("qk", "pv")}
    return dict(overrides=over, attention=att,
                k_cache="int8" if "k_cache" in sites_int8 else "float",
                v_cache="int8" if "v_cache" in sites_int8 else "float")


def rows_sites(setup):
    yield "all int8 (the default scheme)", site_config(setup, set(SITES))
    yield "all float (compiled)", site_config(setup, set())
    for s in SITES:
        yield f"only {s} int8", site_config(setup, {s})
        yield f"only {s} float", site_config(setup, set(SITES) - {s})


def rows_alpha(setup):
    cfg = setup.model.cfg
    for cls in ("q", "gate", "o", "down", "lm_head"):
        # q/k/v share one input (one factor), as do gate/up.
        group = {"q": ("q", "k", "v"), "gate": ("gate", "up")}.get(cls, (cls,))
        for a in (None, 0.3, 0.5, 0.7, 0.85, "search"):
            over = {n: {"smoothquant": a} for c in group for n in layer_names(cfg, c)}
            yield f"{'/'.join(group)} alpha {a}", dict(overrides=over)


def no_smoothing(setup, classes=("o", "down", "lm_head")):
    """Overrides turning SmoothQuant off for the linear `classes` (the
    layers whose inputs have no outlier channels)."""
    return {n: {"smoothquant": None} for c in classes
            for n in layer_names(setup.model.cfg, c)}


def rows_variants(setup):
    yield "smoothquant off", dict(smoothquant=None)
    yield "smoothquant search (every layer)", dict(smoothquant="search")
    yield "w8a8-static (calibrated per-tensor activations)", dict(scheme="w8a8-static")
    yield "alpha 0.5 on q/k/v, gate/up; off on o, down, lm_head", dict(
        overrides=no_smoothing(setup))


def rows_rotate(setup):
    for b in (64, 128, 256):
        yield f"rotate down (Hadamard blocks of {b})", dict(rotate_down=b)
    yield "rotate down 64, only down int8", dict(rotate_down=64, **site_config(setup, {"down"}))
    yield "rotate down 64 + alpha off on o, down, lm_head", dict(
        rotate_down=64, overrides=no_smoothing(setup))
    yield "rotate down 64 + smoothquant search", dict(rotate_down=64, smoothquant="search")


ROWS = {"sites": rows_sites, "alpha": rows_alpha, "variants": rows_variants,
        "rotate": rows_rotate}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", default="sites", help="comma list of " + ", ".join(ROWS))
    ap.add_argument("--only", default="", help="substring filter on row names")
    ap.add_argument("--layers", type=int, default=4)
    args = ap.parse_args()
    setup = Setup(layers=args.layers)
    print("| variant | prefill error | decode error | decode top-1 agreement |")
    print("|---|---|---|---|", flush=True)
    for group in args.rows.split(","):
        for name, kw in ROWS[group](setup):
            if args.only and args.only not in name:
                continue
            try:
                p, d, a, t = setup.run(**kw)
                print(f"| {name} | {100 * p:.2f} % | {100 * d:.2f} % | {100 * a:.1f} % |"
                      f" <!-- {t:.0f} s -->", flush=True)
            except Exception as e:  # noqa: BLE001 — report the row and go on
                print(f"| {name} | failed: {type(e).__name__}: {e} | | |", flush=True)


if __name__ == "__main__":
    main()
