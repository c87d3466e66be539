"""Cost of the Python embedding: compile_cpu (pipeline + LLVM JIT) time and
per-call latency of a compiled MLP against NumPy, for examples/calibrate_mlp.py's
model (tokens x 64 -> 256 -> 64, ReLU).

    PYTHONPATH=build/python /usr/bin/python3 benchmarks/python_jit.py [tokens]
"""
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "examples"))
import quantc  # noqa: E402
import calibrate_mlp as ex  # noqa: E402


def best_of(fn, repeat=5, number=20):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - t) / number)
    return min(times)


def main():
    tokens = int(sys.argv[1]) if len(sys.argv) > 1 else ex.TOKENS
    x = ex.batch(tokens)
    q = quantc.quantize_layers(ex.layers, 0.5)
    forms = {"float": quantc.mlp_ir(ex.layers, tokens),
             "W8A8 qdq": quantc.mlp_ir(q, tokens, form="qdq"),
             "W8A8 int": quantc.mlp_ir(q, tokens, form="int")}
    print(f"tokens={tokens}  C={ex.C} H={ex.H} D={ex.D}")
    for name, ir in forms.items():
        t = time.perf_counter()
        mod = quantc.compile_cpu(ir)
        compile_s = time.perf_counter() - t
        call = best_of(lambda: mod.forward(x))
        print(f"{name:10s} compile_cpu {compile_s * 1e3:7.1f} ms   forward {call * 1e6:8.1f} us")
    ref = best_of(lambda: quantc.mlp_reference(ex.layers, x))
    print(f"{'NumPy':10s} float reference              forward {ref * 1e6:8.1f} us")


if __name__ == "__main__":
    main()
