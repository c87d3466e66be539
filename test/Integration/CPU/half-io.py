# f16 and bf16 models (issue 14 item 1): the fused epilogue computes in f32
# and rounds once to the output type. It converted the i32 accumulator to f16
# first: on this 4x4096 by 64x4096 f16 layer with random normal data, 107 of
# 256 outputs were +-inf. Every CPU code generator must equal a NumPy
# simulation of that order of operations bit for bit: q = quantize in the data
# type, acc = exact integer GEMM, y = out((f32(acc) * f32(xs)) * f32(ws)).
# RUN: %python %s | FileCheck %s
# CHECK-NOT: FAIL
# CHECK: ALL PASSED

import numpy as np

import quantc
from qtest import dense_shaped

rng = np.random.default_rng(14)
M, K, N = 4, 4096, 64


def bf16_bits(a):
    """float32 -> bf16 bit patterns, round to nearest even."""
    u = a.astype(np.float32).view(np.uint32).astype(np.uint64)
    u = (u + 0x7FFF + ((u >> 16) & 1)) >> 16
    return u.astype(np.uint16)


def bf16_to_f32(bits):
    return (bits.astype(np.uint32) << 16).view(np.float32)


def literal(a, ft):
    """A dense literal of `a` (float32 values already representable in ft)."""
    if ft == "f32":
        return dense_shaped(a)
    if ft == "f16":
        bits = a.astype(np.float16).view(np.uint16)
    else:
        bits = bf16_bits(a)
    rows = ", ".join("[" + ", ".join("0x%04X" % v for v in r) + "]" for r in bits)
    return f"dense<[{rows}]> : tensor<{a.shape[0]}x{a.shape[1]}x{ft}>"


def to_ft(a, ft):
    if ft == "f16":
        return a.astype(np.float16).astype(np.float32)
    if ft == "bf16":
        return bf16_to_f32(bf16_bits(a))
    return a.astype(np.float32)


failures = 0
for ft in ["f16", "bf16"]:
    x = to_ft(rng.standard_normal((M, K)).astype(np.float32), ft)
    w = to_ft(rng.standard_normal((N, K)).astype(np.float32) * 0.1, ft)
    xs = to_ft(np.array([[np.abs(x).max() / 127]], np.float32), ft)
    ws = to_ft((np.abs(w).max(axis=1) / 127).reshape(1, N).astype(np.float32), ft)
    # Weights quantized offline (int8 constant), activations at run time.
    wq = np.clip(np.rint(w / ws.T), -127, 127).astype(np.int8)
    # f32 in and out (bf16 cannot cross the Python boundary); the model
    # itself runs in ft.
    ir = f"""
func.func @main(%x32: tensor<{M}x{K}xf32>) -> tensor<{M}x{N}xf32> {{
  %x = arith.truncf %x32 : tensor<{M}x{K}xf32> to tensor<{M}x{K}x{ft}>
  %xs = arith.constant {literal(xs, ft)}
  %ws = arith.constant {literal(ws, ft)}
  %wq = arith.constant {dense_shaped(wq)}
  %q = quantc.quantize %x, %xs : tensor<{M}x{K}x{ft}>, tensor<1x1x{ft}> -> tensor<{M}x{K}xi8>
  %acc = quantc.matmul %q, %wq : tensor<{M}x{K}xi8>, tensor<{N}x{K}xi8> -> tensor<{M}x{N}xi32>
  %y = quantc.rescale %acc, %xs, %ws : (tensor<{M}x{N}xi32>, tensor<1x1x{ft}>, tensor<1x{N}x{ft}>) -> tensor<{M}x{N}x{ft}>
  %y32 = arith.extf %y : tensor<{M}x{N}x{ft}> to tensor<{M}x{N}xf32>
  return %y32 : tensor<{M}x{N}xf32>
}}
"""
    # The quantization divides in the data type (exactly rounded for f16 and
    # bf16 when computed in f32 and rounded once).
    xq = np.clip(np.rint(to_ft(x / xs, ft)), -127, 127).astype(np.int64)
    acc = (xq @ wq.astype(np.int64).T).astype(np.int32)
    y32 = (acc.astype(np.float32) * xs) * ws
    want = to_ft(y32, ft)
    assert np.all(np.isfinite(want)) and np.abs(acc).max() > 65504
    for cpu in ["generic", "avx2", "vnni-emulated", "host"]:
        mod = quantc.compile_cpu(ir, pipeline=f"quantc-cpu-pipeline{{cpu={cpu}}}")
        got = mod.main(x)
        if not np.array_equal(got, want):
            failures += 1
            bad = np.argwhere(got != want)
            print(f"FAIL {ft} cpu={cpu}: {len(bad)} of {got.size} differ, e.g. "
                  f"{got[tuple(bad[0])]} vs {want[tuple(bad[0])]}")
print("ALL PASSED" if failures == 0 else f"{failures} FAILED")
