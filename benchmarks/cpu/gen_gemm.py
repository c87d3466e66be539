#!/usr/bin/env python3
"""Writes the MLIR the CPU benchmark compiles with quantc: for one constant
weight W [N, K] (deterministic pattern, shared with the C++ harness),

  @q_gemm_<M>x<N>x<K>(x: memref<MxKxi8>, xs: memref<1x1xf32>, y: memref<MxNxf32>)
      static W8A8: y = (x . W^T) * xs * ws[n]   (per-column weight scale)
  @q_linear_<M>x<N>x<K>(x: memref<MxKxf32>, y: memref<MxNxf32>)
      dynamic per-token W8A8: xs = absmax(x)/127 per row, xq = quantize(x),
      y = (xq . W^T) * xs[m] * ws[n]

  @q_bgemm_<B>x<M>x<N>x<K>(x: memref<BxMxKxi8>, w: memref<BxNxKxi8>,
                           y: memref<BxMxNxi32>)
      batched int8 GEMM, both operands arguments (attention's Q . K^T, or
      P . V with V given transposed, [D, S] per head); spec bgemm:BxM
  @q_bgemmnn_<B>x<M>x<N>x<K>(x: memref<BxMxKxi8>, w: memref<BxKxNxi8>,
                             y: memref<BxMxNxi32>)
      the same with the rhs [B, K, N] (transpose_rhs: P . V with V [S, D]
      per head, as a KV cache stores it); spec bgemmnn:BxM

  @q_rgemm_<M>x<N>x<K>(x: memref<MxKxi8>, w: memref<NxKxi8>,
                        xs: memref<1x1xf32>, y: memref<MxNxf32>)
      the static W8A8 GEMM with a run-time weight (a plain [N, K] argument,
      packed by the kernel on each call), same scales

  @q_sgemm_<M>x<N>x<K>(x: memref<MxKxf32>, w: memref<KxNxf32>, y: memref<MxNxf32>)
      float GEMM y = x . w (linalg.matmul), the weight a run-time [K, N]
      argument (the float FMA kernels, --quantc-lower-float-contractions-to-x86)
  @q_sgemmt_<M>x<N>x<K>(x: memref<MxKxf32>, w: memref<NxKxf32>, y: memref<MxNxf32>)
      the same with the weight [N, K] (y = x . w^T, PyTorch's Linear layout)

  @q_w8a16_<M>x<N>x<K>(x: memref<MxKxf32>, w: memref<KxNxi8>, y: memref<MxNxf32>)
      weight-only W8A16 y = x . dequantize(w, ws) (per-column scale ws as
      in gemm), the int8 weight a run-time [K, N] argument read in place
      (--quantc-lower-weight-only-to-x86)
  @q_w8a16c_<M>x<N>x<K>(x: memref<MxKxf32>, y: memref<MxNxf32>)
      the same with the constant weight W [N, K] (packed at compile time)
  @q_w4a16_<M>x<N>x<K>(x: memref<MxKxf32>, y: memref<MxNxf32>)
      W4A16: the constant i4 weight w4 [N, K] in [-7, 7] with f32 scales
      gscale per output channel and group of 128 along K ([N, K / 128]),
      packed two per byte at compile time

All write into the caller's buffer (destination passing) and carry
llvm.emit_c_interface. Usage: gen_gemm.py OUT.mlir N K gemm:M... linear:M... sgemm:M...

QUANTC_BENCH_DYNAMIC_M=1: the weight-only functions (w8a16, w8a16c, w4a16)
take x and y with a run-time row count (memref<?xKxf32>, a dynamic token
count as a traced model has it; same name and C interface, the harness
passes M rows), so the lowering chooses its kernel per call.
"""
import os
import sys

import numpy as np


def weight(n, k):
    # Must match weight() in bench.cpp.
    nn = np.arange(n, dtype=np.int64)[:, None]
    kk = np.arange(k, dtype=np.int64)[None, :]
    return (((nn * 7 + kk * 13) % 255) - 127).astype(np.int8)


def weight4(n, k):
    # Must match weight4() in bench.cpp.
    nn = np.arange(n, dtype=np.int64)[:, None]
    kk = np.arange(k, dtype=np.int64)[None, :]
    return (((nn * 7 + kk * 13) % 15) - 7).astype(np.int8)


def gscale(n, groups):
    # Must match gscale() in bench.cpp: [n, groups].
    nn = np.arange(n)[:, None]
    gg = np.arange(groups)[None, :]
    return (0.001 * (1 + (nn + gg) % 7)).astype(np.float32)


def wscale(n):
    return (0.001 * (1 + np.arange(n) % 7)).astype(np.float32)


def main():
    out, n, k = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    w = weight(n, k)
    ws = wscale(n)
    wty, wsty = f"tensor<{n}x{k}xi8>", f"tensor<1x{n}xf32>"
    # Only functions with a constant weight embed it.
    wconst = (f'dense<"0x{w.tobytes().hex().upper()}"> : {wty}'
              if any(s.split(":")[0] in ("gemm", "linear", "w8a16c")
                     for s in sys.argv[4:]) else "")
    wsconst = ("dense<[[" + ", ".join("0x%08X" % v for v in ws.view(np.uint32))
               + f"]]> : {wsty}")
    wscol = ("dense<[" + ", ".join("[0x%08X]" % v for v in ws.view(np.uint32))
             + f"]> : tensor<{n}x1xf32>")
    dynamic_m = os.environ.get("QUANTC_BENCH_DYNAMIC_M") == "1"
    fns = []
    for spec in sys.argv[4:]:
        kind, m = spec.split(":")
        m = int(m.split("x")[-1])
        name = f"q_{kind}_{m}x{n}x{k}"
        acc = f"tensor<{m}x{n}xi32>"
        yty, ymr = f"tensor<{m}x{n}xf32>", f"memref<{m}x{n}xf32>"
        # The weight-only kinds' rows: M, or `?` (QUANTC_BENCH_DYNAMIC_M).
        xm = "?" if dynamic_m else m
        wyty, wymr = f"tensor<{xm}x{n}xf32>", f"memref<{xm}x{n}xf32>"
        empty = (f"  %c0 = arith.constant 0 : index\n"
                 f"  %rows = tensor.dim %x, %c0 : tensor<?x{k}xf32>\n"
                 f"  %e = tensor.empty(%rows) : {wyty}") if dynamic_m else \
            f"  %e = tensor.empty() : {wyty}"
        if kind == "gemm":
            fns.append(f"""
func.func @{name}(%xm: memref<{m}x{k}xi8>, %xsm: memref<1x1xf32>, %y: {ymr}) attributes {{llvm.emit_c_interface}} {{
  %x = bufferization.to_tensor %xm restrict : memref<{m}x{k}xi8> to tensor<{m}x{k}xi8>
  %xs = bufferization.to_tensor %xsm restrict : memref<1x1xf32> to tensor<1x1xf32>
  %w = arith.constant {wconst}
  %ws = arith.constant {wsconst}
  %acc = quantc.matmul %x, %w : tensor<{m}x{k}xi8>, {wty} -> {acc}
  %r = quantc.rescale %acc, %xs, %ws : ({acc}, tensor<1x1xf32>, {wsty}) -> {yty}
  bufferization.materialize_in_destination %r in restrict writable %y : ({yty}, {ymr}) -> ()
  return
}}""")
        elif kind == "rgemm":
            fns.append(f"""
func.func @{name}(%xm: memref<{m}x{k}xi8>, %wm: memref<{n}x{k}xi8>, %xsm: memref<1x1xf32>, %y: {ymr}) attributes {{llvm.emit_c_interface}} {{
  %x = bufferization.to_tensor %xm restrict : memref<{m}x{k}xi8> to tensor<{m}x{k}xi8>
  %w = bufferization.to_tensor %wm restrict : memref<{n}x{k}xi8> to {wty}
  %xs = bufferization.to_tensor %xsm restrict : memref<1x1xf32> to tensor<1x1xf32>
  %ws = arith.constant {wsconst}
  %acc = quantc.matmul %x, %w : tensor<{m}x{k}xi8>, {wty} -> {acc}
  %r = quantc.rescale %acc, %xs, %ws : ({acc}, tensor<1x1xf32>, {wsty}) -> {yty}
  bufferization.materialize_in_destination %r in restrict writable %y : ({yty}, {ymr}) -> ()
  return
}}""")
        elif kind == "linear":
            fns.append(f"""
func.func @{name}(%xm: memref<{m}x{k}xf32>, %y: {ymr}) attributes {{llvm.emit_c_interface}} {{
  %x = bufferization.to_tensor %xm restrict : memref<{m}x{k}xf32> to tensor<{m}x{k}xf32>
  %xs = quantc.compute_scale %x {{dims = array<i64: 1>}} : tensor<{m}x{k}xf32> -> tensor<{m}x1xf32>
  %xq = quantc.quantize %x, %xs : tensor<{m}x{k}xf32>, tensor<{m}x1xf32> -> tensor<{m}x{k}xi8>
  %w = arith.constant {wconst}
  %ws = arith.constant {wsconst}
  %acc = quantc.matmul %xq, %w : tensor<{m}x{k}xi8>, {wty} -> {acc}
  %r = quantc.rescale %acc, %xs, %ws : ({acc}, tensor<{m}x1xf32>, {wsty}) -> {yty}
  bufferization.materialize_in_destination %r in restrict writable %y : ({yty}, {ymr}) -> ()
  return
}}""")
        elif kind in ("sgemm", "sgemmt"):
            t = kind == "sgemmt"
            wshape = f"{n}x{k}" if t else f"{k}x{n}"
            maps = ("indexing_maps = [affine_map<(m, n, k) -> (m, k)>, "
                    "affine_map<(m, n, k) -> (n, k)>, "
                    "affine_map<(m, n, k) -> (m, n)>] ") if t else ""
            fns.append(f"""
func.func @{name}(%xm: memref<{m}x{k}xf32>, %wm: memref<{wshape}xf32>, %y: {ymr}) attributes {{llvm.emit_c_interface}} {{
  %x = bufferization.to_tensor %xm restrict : memref<{m}x{k}xf32> to tensor<{m}x{k}xf32>
  %w = bufferization.to_tensor %wm restrict : memref<{wshape}xf32> to tensor<{wshape}xf32>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : {yty}
  %f = linalg.fill ins(%z : f32) outs(%e : {yty}) -> {yty}
  %r = linalg.matmul {maps}ins(%x, %w : tensor<{m}x{k}xf32>, tensor<{wshape}xf32>) outs(%f : {yty}) -> {yty}
  bufferization.materialize_in_destination %r in restrict writable %y : ({yty}, {ymr}) -> ()
  return
}}""")
        elif kind == "bgemm":
            # Batched, both operands arguments (attention): spec bgemm:BxM.
            bt, m = (int(v) for v in spec.split(":")[1].split("x"))
            name = f"q_bgemm_{bt}x{m}x{n}x{k}"
            xty, wty3 = f"{bt}x{m}x{k}xi8", f"{bt}x{n}x{k}xi8"
            yty3 = f"{bt}x{m}x{n}xi32"
            fns.append(f"""
func.func @{name}(%xm: memref<{xty}>, %wm: memref<{wty3}>, %y: memref<{yty3}>) attributes {{llvm.emit_c_interface}} {{
  %x = bufferization.to_tensor %xm restrict : memref<{xty}> to tensor<{xty}>
  %w = bufferization.to_tensor %wm restrict : memref<{wty3}> to tensor<{wty3}>
  %acc = quantc.matmul %x, %w : tensor<{xty}>, tensor<{wty3}> -> tensor<{yty3}>
  bufferization.materialize_in_destination %acc in restrict writable %y : (tensor<{yty3}>, memref<{yty3}>) -> ()
  return
}}""")
        elif kind == "bgemmnn":
            # Batched with the rhs [B, K, N] (transpose_rhs: attention's V
            # [S, D] per head, as a cache stores it): spec bgemmnn:BxM.
            bt, m = (int(v) for v in spec.split(":")[1].split("x"))
            name = f"q_bgemmnn_{bt}x{m}x{n}x{k}"
            xty, wty3 = f"{bt}x{m}x{k}xi8", f"{bt}x{k}x{n}xi8"
            yty3 = f"{bt}x{m}x{n}xi32"
            fns.append(f"""
func.func @{name}(%xm: memref<{xty}>, %wm: memref<{wty3}>, %y: memref<{yty3}>) attributes {{llvm.emit_c_interface}} {{
  %x = bufferization.to_tensor %xm restrict : memref<{xty}> to tensor<{xty}>
  %w = bufferization.to_tensor %wm restrict : memref<{wty3}> to tensor<{wty3}>
  %acc = quantc.matmul %x, %w {{transpose_rhs}} : tensor<{xty}>, tensor<{wty3}> -> tensor<{yty3}>
  bufferization.materialize_in_destination %acc in restrict writable %y : (tensor<{yty3}>, memref<{yty3}>) -> ()
  return
}}""")
        elif kind == "w8a16":
            fns.append(f"""
func.func @{name}(%xm: memref<{xm}x{k}xf32>, %wm: memref<{k}x{n}xi8>, %y: {wymr}) attributes {{llvm.emit_c_interface}} {{
  %x = bufferization.to_tensor %xm restrict : memref<{xm}x{k}xf32> to tensor<{xm}x{k}xf32>
  %w = bufferization.to_tensor %wm restrict : memref<{k}x{n}xi8> to tensor<{k}x{n}xi8>
  %ws = arith.constant {wsconst}
  %wd = quantc.dequantize %w, %ws : tensor<{k}x{n}xi8>, {wsty} -> tensor<{k}x{n}xf32>
  %z = arith.constant 0.0 : f32
{empty}
  %f = linalg.fill ins(%z : f32) outs(%e : {wyty}) -> {wyty}
  %r = linalg.matmul ins(%x, %wd : tensor<{xm}x{k}xf32>, tensor<{k}x{n}xf32>) outs(%f : {wyty}) -> {wyty}
  bufferization.materialize_in_destination %r in restrict writable %y : ({wyty}, {wymr}) -> ()
  return
}}""")
        elif kind == "w4a16":
            g = k // 128
            w4 = (weight4(n, k) & 0xF).astype(np.uint8)
            w4ty, gsty = f"tensor<{n}x{k}xi4>", f"tensor<{n}x{g}xf32>"
            gs = gscale(n, g)
            fns.append(f"""
func.func @{name}(%xm: memref<{xm}x{k}xf32>, %y: {wymr}) attributes {{llvm.emit_c_interface}} {{
  %x = bufferization.to_tensor %xm restrict : memref<{xm}x{k}xf32> to tensor<{xm}x{k}xf32>
  %w = arith.constant dense<"0x{w4.tobytes().hex().upper()}"> : {w4ty}
  %ws = arith.constant dense<"0x{gs.tobytes().hex().upper()}"> : {gsty}
  %wd = quantc.dequantize %w, %ws : {w4ty}, {gsty} -> tensor<{n}x{k}xf32>
  %z = arith.constant 0.0 : f32
{empty}
  %f = linalg.fill ins(%z : f32) outs(%e : {wyty}) -> {wyty}
  %r = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>] ins(%x, %wd : tensor<{xm}x{k}xf32>, tensor<{n}x{k}xf32>) outs(%f : {wyty}) -> {wyty}
  bufferization.materialize_in_destination %r in restrict writable %y : ({wyty}, {wymr}) -> ()
  return
}}""")
        elif kind == "w8a16c":
            fns.append(f"""
func.func @{name}(%xm: memref<{xm}x{k}xf32>, %y: {wymr}) attributes {{llvm.emit_c_interface}} {{
  %x = bufferization.to_tensor %xm restrict : memref<{xm}x{k}xf32> to tensor<{xm}x{k}xf32>
  %w = arith.constant {wconst}
  %ws = arith.constant {wscol}
  %wd = quantc.dequantize %w, %ws : {wty}, tensor<{n}x1xf32> -> tensor<{n}x{k}xf32>
  %z = arith.constant 0.0 : f32
{empty}
  %f = linalg.fill ins(%z : f32) outs(%e : {wyty}) -> {wyty}
  %r = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>] ins(%x, %wd : tensor<{xm}x{k}xf32>, tensor<{n}x{k}xf32>) outs(%f : {wyty}) -> {wyty}
  bufferization.materialize_in_destination %r in restrict writable %y : ({wyty}, {wymr}) -> ()
  return
}}""")
        else:
            raise SystemExit(f"unknown kind {kind}")
    with open(out, "w") as f:
        f.write("\n".join(fns) + "\n")


if __name__ == "__main__":
    main()
