// quantc-probe writes a target description that the planner and the report
// accept. The measured figures vary from run to run and machine to machine;
// only the file's form and its use are checked here (speed is measured in
// benchmarks, never asserted in tests).
// RUN: quantc-probe --threads 1 --mib 16 --name probed -o %t.json
// RUN: FileCheck %s --check-prefix=FILE < %t.json
// RUN: quantc-opt %s --quantc-select-scheme="target-file=%t.json tokens=1" --quantc-report-cost -o /dev/null 2>&1 | FileCheck %s
// RUN: not quantc-probe --threads 0 2>&1 | FileCheck %s --check-prefix=BAD
// RUN: not quantc-probe --frobnicate 2>&1 | FileCheck %s --check-prefix=USAGE

// FILE: {"name": "probed", "peak_int8": {{[0-9.e+]+}}, "peak_fp16": {{[0-9.e+]+}}, "bandwidth": {{[0-9.e+]+}}, "threads": 1,
// CHECK: remark: quantc scheme: linalg.matmul C=64 D=32 on probed -> {{w4a16|w8a16|w8a8|float}}
// CHECK: note: roofline probed: ridge int8
// BAD: quantc-probe: --threads must be an integer from 1 to {{[0-9]+}} (4 per hardware thread), got '0'
// USAGE: usage: {{.*}}quantc-probe [-o FILE]
func.func @f(%x: tensor<1x64xf32>, %w: tensor<64x32xf32>, %i: tensor<1x32xf32>) -> tensor<1x32xf32> {
  %y = linalg.matmul ins(%x, %w : tensor<1x64xf32>, tensor<64x32xf32>) outs(%i : tensor<1x32xf32>) -> tensor<1x32xf32>
  return %y : tensor<1x32xf32>
}
