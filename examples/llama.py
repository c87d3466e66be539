"""quantc's main job (`./quantc.sh example`): a LLaMA-style decoder built in
PyTorch (4 layers, hidden 1024, 16 heads, SwiGLU FFN 2816, RoPE, RMSNorm,
vocab 4096, random weights with outlier activation channels), calibrated,
quantized W8A8 with SmoothQuant (alpha 0.5 on the inputs with outlier
channels) and the down projections' input rotated in Hadamard blocks of 64
(docs/ACCURACY.md), compiled by quantc, then a prompt is
prefilled and tokens are decoded greedily with the int8 KV cache. Prints the
accuracy against the float model (logits relative error, top-1 agreement of
the decoded tokens, the float model fed the same tokens) and tokens/s against
PyTorch fp32 and PyTorch dynamic int8 (`torch.quantization.quantize_dynamic`)
measured in the same run.

    PYTHONPATH=build/python /usr/bin/python3 examples/llama.py [--tokens 32] [--layers 4]
"""
import argparse
import os
import sys
import time

import numpy as np
import torch

try:
    from quantc import llama
except ImportError:  # run from the repository without PYTHONPATH=build/python
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "build", "python"))
    from quantc import llama


def rel(a, b):
    return float(np.linalg.norm(np.asarray(a) - np.asarray(b)) / np.linalg.norm(np.asarray(b)))


def timed(fn, repeat):
    """Median seconds of `repeat` calls of fn()."""
    ts = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return float(np.median(ts))


def decode_run(dec, prompt, tokens):
    """Prefill, then decode `tokens` given tokens (teacher forcing); returns
    the logits of every step and the seconds spent decoding."""
    dec.prefill(prompt)
    out = []
    t0 = time.perf_counter()
    for tok in tokens:
        out.append(np.asarray(dec.step(int(tok))).reshape(-1))
    return out, time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--hidden", type=int, default=1024)
    ap.add_argument("--heads", type=int, default=16)
    ap.add_argument("--ffn", type=int, default=2816)
    ap.add_argument("--vocab", type=int, default=4096)
    ap.add_argument("--prompt", type=int, default=64, help="prompt tokens")
    ap.add_argument("--tokens", type=int, default=32, help="tokens to decode")
    ap.add_argument("--alpha", type=float, default=0.5,
                    help="SmoothQuant alpha of q/k/v and gate/up (the inputs with outlier "
                    "channels; o, down and lm_head are not smoothed)")
    ap.add_argument("--rotate-down", type=int, default=64,
                    help="Hadamard block size rotating the down projections' input "
                    "(llama.rotate_down; 0: none)")
    ap.add_argument("--torch-blas", default="auto",
                    choices=llama.TORCH_BLAS_CHOICES,
                    help="OpenBLAS build for PyTorch's float matmuls (llama.select_torch_blas; "
                    "auto: the OpenMP build where installed, which does not compete with the "
                    "OpenMP team for the cores)")
    args = ap.parse_args()
    llama.select_torch_blas(args.torch_blas)

    torch.manual_seed(0)
    cfg = llama.LlamaConfig(layers=args.layers, hidden=args.hidden, heads=args.heads,
                            ffn=args.ffn, vocab=args.vocab,
                            max_len=max(256, args.prompt + args.tokens + 1))
    model = llama.inject_outliers(llama.Llama(cfg).eval())
    print(f"model: {cfg}, outlier channels x20/x35/x50 in the RMSNorm outputs")
    g = torch.Generator().manual_seed(1)
    calib = [torch.randint(0, cfg.vocab, (args.prompt,), generator=g) for _ in range(4)]
    prompt = torch.randint(0, cfg.vocab, (args.prompt,), generator=g).numpy()

    t = {}
    dec = llama.QuantcDecoder.build(model, calib, scheme="w8a8", smoothquant=args.alpha,
                                    overrides=llama.smoothing_overrides(cfg),
                                    rotate_down=args.rotate_down or None,
                                    prompt_len=None, timings=t)
    print("quantc: " + ", ".join(f"{k} {v:.1f} s" for k, v in t.items())
          + " (one module: prefill of any length and decode, weights packed once)")
    print(dec.models[0].report().splitlines()[-1])

    fp32 = llama.TorchDecoder(model)
    dyn = llama.TorchDecoder(model, dynamic_int8=True)

    # Accuracy: prefill logits, then greedy decoding by quantc with the float
    # model fed the same tokens.
    lq = dec.prefill(prompt)
    lf = fp32.prefill(prompt).numpy()
    gen, tok = [], int(lq[-1].argmax())
    for _ in range(args.tokens):
        gen.append(tok)
        tok = int(np.asarray(dec.step(tok)).argmax())
    # quantc's and the float model's logits for the same decoded tokens
    q_logits, tq = decode_run(dec, prompt, gen)
    f_logits, tf = decode_run(fp32, prompt, gen)
    d_logits, td = decode_run(dyn, prompt, gen)
    ld = dyn.prefill(prompt).numpy()
    agree_q = np.mean([a.argmax() == b.argmax() for a, b in zip(q_logits, f_logits)])
    agree_d = np.mean([a.argmax() == b.argmax() for a, b in zip(d_logits, f_logits)])
    err_q = rel(np.stack(q_logits), np.stack(f_logits))
    err_d = rel(np.stack(d_logits), np.stack(f_logits))
    print(f"\naccuracy against the float model ({args.prompt}-token prompt, "
          f"{args.tokens} decoded tokens):")
    rot = f"+rot{args.rotate_down}" if args.rotate_down else ""
    print(f"  quantc W8A8+SQ{args.alpha:g}{rot}, int8 KV: prefill logits error "
          f"{100 * rel(lq, lf):.2f} %, decode logits error {100 * err_q:.2f} %, "
          f"top-1 agreement {100 * agree_q:.1f} %")
    print(f"  torch dynamic int8:                prefill logits error "
          f"{100 * rel(ld, lf):.2f} %, decode logits error {100 * err_d:.2f} %, "
          f"top-1 agreement {100 * agree_d:.1f} %")

    # Speed, same process, same prompt and tokens.
    pre = {name: timed(lambda d=d: d.prefill(prompt), 3)
           for name, d in (("quantc", dec), ("fp32", fp32), ("dyn", dyn))}
    step = {"quantc": tq, "fp32": tf, "dyn": td}
    print(f"\nspeed (OMP/torch threads {torch.get_num_threads()}; PyTorch's BLAS "
          f"{llama.torch_blas()}; prefill {args.prompt} "
          f"tokens, decode {args.tokens} tokens at KV length {args.prompt}..):")
    print(f"  {'':28s} {'prefill tok/s':>14s} {'decode tok/s':>13s}")
    names = {"quantc": "quantc W8A8 + int8 KV", "fp32": "torch fp32",
             "dyn": "torch dynamic int8"}
    for k in ("quantc", "fp32", "dyn"):
        print(f"  {names[k]:28s} {args.prompt / pre[k]:14.1f} {args.tokens / step[k]:13.1f}")
    print(f"  quantc / torch dynamic int8: prefill {pre['dyn'] / pre['quantc']:.2f}x, "
          f"decode {step['dyn'] / step['quantc']:.2f}x; quantc / torch fp32: prefill "
          f"{pre['fp32'] / pre['quantc']:.2f}x, decode {step['fp32'] / step['quantc']:.2f}x")


if __name__ == "__main__":
    main()
