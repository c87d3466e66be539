// The pipeline's rows-min-work option reaches --quantc-x86-outline-rows:
// the default threshold (2048 vectors), a user threshold, and -1 (no split).
// RUN: quantc-opt %s --quantc-cpu-pipeline="cpu=vnni" --mlir-print-ir-after=quantc-x86-outline-rows -o /dev/null 2>&1 | FileCheck %s --check-prefix=DEFAULT
// RUN: quantc-opt %s --quantc-cpu-pipeline="cpu=vnni rows-min-work=100000" --mlir-print-ir-after=quantc-x86-outline-rows -o /dev/null 2>&1 | FileCheck %s --check-prefix=USER
// RUN: quantc-opt %s --quantc-cpu-pipeline="cpu=vnni rows-min-work=-1" --mlir-print-ir-after=quantc-x86-outline-rows -o /dev/null 2>&1 | FileCheck %s --check-prefix=OFF
// RUN: quantc-opt %s --quantc-cpu-pipeline="cpu=vnni vnni-parallel-min-macs=-1 rows-min-work=16" --mlir-print-ir-after=quantc-x86-outline-rows -o /dev/null 2>&1 | FileCheck %s --check-prefix=OFF
// RUN: not quantc-opt %s --quantc-cpu-pipeline="rows-min-work=-3" 2>&1 | FileCheck %s --check-prefix=BAD

// 512 rows x 16 vectors: work 512 * (16 + 1) = 8704.
// DEFAULT-LABEL: func.func @exp_rows
// DEFAULT: arith.constant 2048 : index
// DEFAULT: call @__quantc_x86_rows_team(
// USER-LABEL: func.func @exp_rows
// USER: arith.constant 100000 : index
// USER: call @__quantc_x86_rows_team(
// OFF-LABEL: func.func @exp_rows
// OFF-NOT: __quantc_x86_rows
// OFF: return
// BAD: error: --quantc-cpu-pipeline: rows-min-work must be a number of vectors >= 0, -1 (never parallel) or -2 (the default), got -3

#map = affine_map<(d0, d1) -> (d0, d1)>
func.func @exp_rows(%x: tensor<512x256xf32>) -> tensor<512x256xf32> {
  %e = tensor.empty() : tensor<512x256xf32>
  %r = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<512x256xf32>) outs(%e : tensor<512x256xf32>) {
  ^bb0(%a: f32, %o: f32):
    %y = math.exp %a : f32
    linalg.yield %y : f32
  } -> tensor<512x256xf32>
  return %r : tensor<512x256xf32>
}
