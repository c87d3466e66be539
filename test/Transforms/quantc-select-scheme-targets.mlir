// Each preset is named after the machine it describes and plans with its own
// peaks (CostModel.cpp). One 4096 x 4096 GEMM at 4, 8 and 100 tokens:
//   zen5-2c     (1736e9 int8, 434e9 f32, 40e9 B/s):   w4a16, w8a8,  w8a8
//   zen3-2c     (435e9, 218e9, 32e9; AVX2):           w8a8,  w8a8,  w8a8
//   xeon-amx-2c (1536e9, 384e9, 12e9):                w4a16, w4a16, w8a8
//   h100        (1979e12, 989.5e12, 3.35e12):         w4a16, w4a16, w4a16
//   h200        (1979e12, 989.5e12, 4.8e12):          w4a16, w4a16, w4a16
// (At 4 tokens on zen3-2c the f32 peak makes W8A16 and W4A16 compute-bound,
// 134e6 ops / 218e9 = 615 us, while W8A8 reads its 16.9 MB in 527 us; on
// zen5-2c W4A16's 8.4 MB take 210 us. xeon-amx-2c's low bandwidth keeps
// W4A16 up to ~10 tokens.)
// RUN: quantc-opt %s --quantc-select-scheme="target=zen5-2c tokens=4" -o /dev/null 2>&1 | FileCheck %s --check-prefix=ZEN5-4
// RUN: quantc-opt %s --quantc-select-scheme="target=zen5-2c tokens=8" -o /dev/null 2>&1 | FileCheck %s --check-prefix=ZEN5-8
// RUN: quantc-opt %s --quantc-select-scheme="target=zen3-2c tokens=4" -o /dev/null 2>&1 | FileCheck %s --check-prefix=ZEN3-4
// RUN: quantc-opt %s --quantc-select-scheme="target=xeon-amx-2c tokens=8" -o /dev/null 2>&1 | FileCheck %s --check-prefix=XEON-8
// RUN: quantc-opt %s --quantc-select-scheme="target=xeon-amx-2c tokens=100" -o /dev/null 2>&1 | FileCheck %s --check-prefix=XEON-100
// RUN: quantc-opt %s --quantc-select-scheme="target=h100 tokens=100" -o /dev/null 2>&1 | FileCheck %s --check-prefix=H100-100
// RUN: quantc-opt %s --quantc-select-scheme="target=h200 tokens=100" -o /dev/null 2>&1 | FileCheck %s --check-prefix=H200-100
// host-cpu is the legacy name of zen5-2c (it never described the host).
// RUN: quantc-opt %s --quantc-select-scheme="target=host-cpu tokens=4" -o /dev/null 2>&1 | FileCheck %s --check-prefix=ZEN5-4
// The default target is zen5-2c.
// RUN: quantc-opt %s --quantc-select-scheme="tokens=8" -o /dev/null 2>&1 | FileCheck %s --check-prefix=ZEN5-8
// ZEN5-4: remark: quantc scheme: linalg.matmul C=4096 D=4096 on zen5-2c -> w4a16
// ZEN5-8: remark: quantc scheme: linalg.matmul C=4096 D=4096 on zen5-2c -> w8a8
// ZEN3-4: remark: quantc scheme: linalg.matmul C=4096 D=4096 on zen3-2c -> w8a8
// XEON-8: remark: quantc scheme: linalg.matmul C=4096 D=4096 on xeon-amx-2c -> w4a16
// XEON-100: remark: quantc scheme: linalg.matmul C=4096 D=4096 on xeon-amx-2c -> w8a8
// H100-100: remark: quantc scheme: linalg.matmul C=4096 D=4096 on h100 -> w4a16
// H200-100: remark: quantc scheme: linalg.matmul C=4096 D=4096 on h200 -> w4a16

// The CPU pipeline's report-cost follows its cpu= (the preset recorded on
// the function before the report), unless a planned-for target is recorded.
// RUN: quantc-opt %s --quantc-cpu-pipeline="cpu=avx2 report-cost=true" -o /dev/null 2>&1 | FileCheck %s --check-prefix=PIPE-AVX2
// RUN: quantc-opt %s --quantc-cpu-pipeline="cpu=vnni-emulated report-cost=true" -o /dev/null 2>&1 | FileCheck %s --check-prefix=PIPE-VNNI
// RUN: quantc-opt %s --quantc-select-scheme="target=h200 tokens=8" --quantc-cpu-pipeline="cpu=avx2 report-cost=true" -o /dev/null 2>&1 | FileCheck %s --check-prefix=PIPE-PLANNED
// RUN: quantc-opt %s --quantc-cpu-pipeline="cpu=avx2" -o /dev/null 2>&1 | FileCheck %s --check-prefix=PIPE-QUIET --allow-empty
// PIPE-AVX2: roofline zen3-2c:
// PIPE-VNNI: roofline xeon-amx-2c:
// PIPE-PLANNED: roofline h200:
// PIPE-QUIET-NOT: roofline
// The recording pass keeps a recorded target and records its own otherwise.
// RUN: quantc-opt %s --quantc-record-cost-target="target=xeon-amx-2c" | FileCheck %s --check-prefix=REC
// RUN: quantc-opt %s --quantc-select-scheme="target=h100 tokens=1" --quantc-record-cost-target="target=xeon-amx-2c" 2>/dev/null | FileCheck %s --check-prefix=REC-KEEP
// REC: quantc.cost_target = {bandwidth = 1.200000e+10 : f64, name = "xeon-amx-2c", peak_fp16 = 3.840000e+11 : f64, peak_int8 = 1.536000e+12 : f64}
// REC-KEEP: name = "h100"
func.func @gemm(%x: tensor<8x4096xf32>, %w: tensor<4096x4096xf32>) -> tensor<8x4096xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<8x4096xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<8x4096xf32>) -> tensor<8x4096xf32>
  %r = linalg.matmul ins(%x, %w : tensor<8x4096xf32>, tensor<4096x4096xf32>) outs(%f : tensor<8x4096xf32>) -> tensor<8x4096xf32>
  return %r : tensor<8x4096xf32>
}
