// Decode (1 token) is memory-bound everywhere: weight bytes decide, W4A16.
// RUN: quantc-opt %s --quantc-select-scheme="target=zen5-2c tokens=1" -mlir-print-op-on-diagnostic=false -o /dev/null 2>&1 | FileCheck %s --check-prefix=CPU-DECODE
// Prefill on the CPU is compute-bound: the int8 peak (4x the f32 FMA peak) wins.
// RUN: quantc-opt %s --quantc-select-scheme="target=zen5-2c tokens=512" -mlir-print-op-on-diagnostic=false -o /dev/null 2>&1 | FileCheck %s --check-prefix=CPU-PREFILL
// RUN: quantc-opt %s --quantc-select-scheme="target=h100 tokens=2048" -mlir-print-op-on-diagnostic=false -o /dev/null 2>&1 | FileCheck %s --check-prefix=H100-PREFILL
// RUN: quantc-opt %s --quantc-select-scheme="target=h100 tokens=1" -mlir-print-op-on-diagnostic=false -o /dev/null 2>&1 | FileCheck %s --check-prefix=H100-DECODE
// RUN: quantc-opt %s --quantc-select-scheme="target=h200 tokens=1" -mlir-print-op-on-diagnostic=false -o /dev/null 2>&1 | FileCheck %s --check-prefix=H200-DECODE
// Several token counts: the least total time (prefill dominates one call each).
// RUN: quantc-opt %s --quantc-select-scheme="target=zen5-2c tokens=512,1" -mlir-print-op-on-diagnostic=false -o /dev/null 2>&1 | FileCheck %s --check-prefix=BOTH
// Without tokens=: the static N of the IR (the default target is zen5-2c).
// RUN: quantc-opt %s --quantc-select-scheme -mlir-print-op-on-diagnostic=false -o /dev/null 2>&1 | FileCheck %s --check-prefix=STATIC
// A machine whose int8 peak is no faster than its float peak: a compute-bound
// GEMM ties FP16, W8A16 and W4A16 and stays float (the most accurate).
// RUN: echo '{"name": "flat", "peak_int8": 1e12, "peak_fp16": 1e12, "bandwidth": 1e12}' > %t.flat.json
// RUN: quantc-opt %s --quantc-select-scheme="target-file=%t.flat.json tokens=4096" -mlir-print-op-on-diagnostic=false -o /dev/null 2>&1 | FileCheck %s --check-prefix=FLAT
// The marks in the IR.
// RUN: quantc-opt %s --quantc-select-scheme="target=zen5-2c tokens=1" 2>/dev/null | FileCheck %s --check-prefix=CPU-DECODE-IR
// RUN: quantc-opt %s --quantc-select-scheme="target=zen5-2c tokens=512" 2>/dev/null | FileCheck %s --check-prefix=CPU-PREFILL-IR
// RUN: quantc-opt %s --quantc-select-scheme 2>/dev/null | FileCheck %s --check-prefix=STATIC-IR
// RUN: quantc-opt %s --quantc-select-scheme="target-file=%t.flat.json tokens=4096" 2>/dev/null | FileCheck %s --check-prefix=FLAT-IR
// The report describes the machine the planner planned for.
// RUN: quantc-opt %s --quantc-select-scheme="target=h200 tokens=1" --quantc-report-cost -mlir-print-op-on-diagnostic=false -o /dev/null 2>&1 | FileCheck %s --check-prefix=REPORT
// Deterministic: the same input gives the same output, byte for byte.
// RUN: quantc-opt %s --quantc-select-scheme="target=zen5-2c tokens=512,1" -mlir-print-op-on-diagnostic=false > %t.a 2>&1
// RUN: quantc-opt %s --quantc-select-scheme="target=zen5-2c tokens=512,1" -mlir-print-op-on-diagnostic=false > %t.b 2>&1
// RUN: diff %t.a %t.b

// zen5-2c: 1736e9 int8 ops/s, 434e9 f32 ops/s, 40e9 B/s. C = D = 4096,
// N = 1: FP16 moves 2(C + CD + D) = 33570816 B: 839 us; W8A16 16793600 B:
// 420 us; W4A16 (CD/2 weight bytes) 8404992 B: 210 us.
// CPU-DECODE: remark: quantc scheme: linalg.matmul C=4096 D=4096 on zen5-2c -> w4a16
// CPU-DECODE: note: tokens=1: FP16 839 us (memory), W8A16 420 us (memory), W8A8 (FP16 I/O) 420 us (memory), W4A16 210 us (memory) -> w4a16
// CPU-DECODE: note: total: float 839 us, w8a16 420 us, w8a8 420 us, w4a16 210 us
// N = 512: 2NCD = 1.718e10 ops: 39.6 ms at the f32 peak, 9.9 ms at int8.
// CPU-PREFILL: remark: quantc scheme: linalg.matmul C=4096 D=4096 on zen5-2c -> w8a8
// CPU-PREFILL: note: tokens=512: FP16 3.96e+04 us (compute), W8A16 3.96e+04 us (compute), W8A8 (FP16 I/O) 9.9e+03 us (compute), W4A16 3.96e+04 us (compute) -> w8a8
// H100-PREFILL: remark: quantc scheme: linalg.matmul C=4096 D=4096 on h100 -> w8a8
// H100-PREFILL: note: tokens=2048: FP16 69.4 us (compute), W8A16 69.4 us (compute), W8A8 (FP16 I/O) 34.7 us (compute), W4A16 69.4 us (compute) -> w8a8
// H100-DECODE: remark: quantc scheme: linalg.matmul C=4096 D=4096 on h100 -> w4a16
// H200-DECODE: remark: quantc scheme: linalg.matmul C=4096 D=4096 on h200 -> w4a16
// H200-DECODE: note: tokens=1: FP16 6.99 us (memory), W8A16 3.5 us (memory), W8A8 (FP16 I/O) 3.5 us (memory), W4A16 1.75 us (memory) -> w4a16
// BOTH: remark: quantc scheme: linalg.matmul C=4096 D=4096 on zen5-2c -> w8a8
// BOTH: note: tokens=512: {{.*}} -> w8a8
// BOTH: note: tokens=1: {{.*}} -> w4a16
// BOTH: note: total: float 4.04e+04 us, w8a16 4e+04 us, w8a8 1.03e+04 us, w4a16 3.98e+04 us
// STATIC: remark: quantc scheme: linalg.matmul C=4096 D=4096 on zen5-2c -> w4a16
// STATIC: note: tokens=1:
// FLAT: remark: quantc scheme: linalg.matmul C=4096 D=4096 on flat -> float
// FLAT: note: tokens=4096: FP16 1.37e+05 us (compute), W8A16 1.37e+05 us (compute), W8A8 (FP16 I/O) 1.37e+05 us (compute), W4A16 1.37e+05 us (compute) -> float
// REPORT: remark: quantc cost: linalg.matmul N=1 C=4096 D=4096
// REPORT: note: roofline h200: ridge int8 412.3, fp16 206.1 ops/byte

// CPU-DECODE-IR-LABEL: func.func @gemv
// CPU-DECODE-IR-SAME: quantc.cost_target = {bandwidth = 4.000000e+10 : f64, name = "zen5-2c", peak_fp16 = 4.340000e+11 : f64, peak_int8 = 1.736000e+12 : f64}
// CPU-DECODE-IR: linalg.matmul {quantc.scheme = "w4a16"}
// CPU-PREFILL-IR-LABEL: func.func @gemv
// CPU-PREFILL-IR: linalg.matmul {quantc.scheme = "w8a8"}
// FLAT-IR-LABEL: func.func @gemv
// FLAT-IR-SAME: name = "flat"
// FLAT-IR: linalg.matmul {quantc.scheme = "float"}
func.func @gemv(%x: tensor<1x4096xf32>, %w: tensor<4096x4096xf32>, %i: tensor<1x4096xf32>) -> tensor<1x4096xf32> {
  %y = linalg.matmul ins(%x, %w : tensor<1x4096xf32>, tensor<4096x4096xf32>) outs(%i : tensor<1x4096xf32>) -> tensor<1x4096xf32>
  return %y : tensor<1x4096xf32>
}

// Transposed weight [D, C] and a batch: the batch multiplies every time,
// the roles come from the indexing maps.
// CPU-DECODE: remark: quantc scheme: linalg.batch_matmul C=64 D=32 batch=2 on zen5-2c -> w4a16
// CPU-DECODE-IR-LABEL: func.func @batched
// CPU-DECODE-IR: linalg.batch_matmul {quantc.scheme = "w4a16"}
// STATIC: remark: quantc scheme: linalg.batch_matmul C=64 D=32 batch=2 on zen5-2c -> w8a8
// STATIC: note: tokens=128:
func.func @batched(%x: tensor<2x128x64xf32>, %w: tensor<2x64x32xf32>, %i: tensor<2x128x32xf32>) -> tensor<2x128x32xf32> {
  %y = linalg.batch_matmul ins(%x, %w : tensor<2x128x64xf32>, tensor<2x64x32xf32>) outs(%i : tensor<2x128x32xf32>) -> tensor<2x128x32xf32>
  return %y : tensor<2x128x32xf32>
}

// CPU-DECODE: remark: quantc scheme: linalg.matmul C=4096 D=11008 on zen5-2c -> w4a16
// CPU-PREFILL: remark: quantc scheme: linalg.matmul C=4096 D=11008 on zen5-2c -> w8a8
func.func @transposed(%x: tensor<16x4096xf16>, %w: tensor<11008x4096xf16>, %i: tensor<16x11008xf16>) -> tensor<16x11008xf16> {
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>] ins(%x, %w : tensor<16x4096xf16>, tensor<11008x4096xf16>) outs(%i : tensor<16x11008xf16>) -> tensor<16x11008xf16>
  return %y : tensor<16x11008xf16>
}

// A dynamic token count needs tokens=; with it, the GEMM is planned.
// STATIC: remark: quantc scheme: none chosen: the token count is dynamic; give tokens=
// CPU-DECODE: remark: quantc scheme: linalg.matmul C=64 D=32 on zen5-2c -> w4a16
// STATIC-IR-LABEL: func.func @dynamic
// STATIC-IR-NOT: quantc.scheme
// STATIC-IR: return
func.func @dynamic(%x: tensor<?x64xf32>, %w: tensor<64x32xf32>, %i: tensor<?x32xf32>) -> tensor<?x32xf32> {
  %y = linalg.matmul ins(%x, %w : tensor<?x64xf32>, tensor<64x32xf32>) outs(%i : tensor<?x32xf32>) -> tensor<?x32xf32>
  return %y : tensor<?x32xf32>
}

// Left alone: an already quantized weight (remark), a GEMM marked
// quantc.keep_float (an explicit request), a dynamic reduction (remark).
// CPU-DECODE: remark: quantc scheme: none chosen: the weight is already quantized
// CPU-DECODE: remark: quantc scheme: none chosen: the reduction, output or batch size is dynamic
// CPU-DECODE-IR-LABEL: func.func @left_alone
// CPU-DECODE-IR-NOT: quantc.scheme
// CPU-DECODE-IR: return
func.func @left_alone(%x: tensor<4x8xf32>, %wq: tensor<8x16xi8>, %ws: tensor<1x16xf32>, %w: tensor<8x16xf32>, %z: tensor<4x16xf32>, %xd: tensor<4x?xf32>, %wd: tensor<?x16xf32>) -> (tensor<4x16xf32>, tensor<4x16xf32>, tensor<4x16xf32>) {
  %wdq = quantc.dequantize %wq, %ws : tensor<8x16xi8>, tensor<1x16xf32> -> tensor<8x16xf32>
  %a = linalg.matmul ins(%x, %wdq : tensor<4x8xf32>, tensor<8x16xf32>) outs(%z : tensor<4x16xf32>) -> tensor<4x16xf32>
  %b = linalg.matmul {quantc.keep_float} ins(%x, %w : tensor<4x8xf32>, tensor<8x16xf32>) outs(%z : tensor<4x16xf32>) -> tensor<4x16xf32>
  %c = linalg.matmul ins(%xd, %wd : tensor<4x?xf32>, tensor<?x16xf32>) outs(%z : tensor<4x16xf32>) -> tensor<4x16xf32>
  return %a, %b, %c : tensor<4x16xf32>, tensor<4x16xf32>, tensor<4x16xf32>
}
