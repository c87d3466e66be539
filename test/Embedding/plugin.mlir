// Debian's stock mlir-opt runs quantc's passes from the plugin. mlir-opt
// builds its --<pass> flags before plugins load, so plugin passes are named in
// --pass-pipeline (as upstream's own plugin tests do).
// RUN: %mlir_opt_stock --load-dialect-plugin=%quantc_plugin --load-pass-plugin=%quantc_plugin \
// RUN:   --pass-pipeline='builtin.module(quantc-import-quant,convert-quantc-to-linalg)' %s \
// RUN:   | FileCheck %s
// The dialect plugin alone parses and prints quantc ops (round trip).
// RUN: %mlir_opt_stock --load-dialect-plugin=%quantc_plugin %s \
// RUN:   --pass-pipeline='builtin.module(quantc-import-quant)' \
// RUN:   | %mlir_opt_stock --load-dialect-plugin=%quantc_plugin | FileCheck %s --check-prefix=IMPORT
// The pipeline registered by the plugin lowers to the LLVM dialect.
// RUN: %mlir_opt_stock --load-pass-plugin=%quantc_plugin \
// RUN:   --pass-pipeline='builtin.module(quantc-cpu-pipeline)' %s | FileCheck %s --check-prefix=LLVM

// IMPORT-LABEL: func.func @per_axis
// IMPORT-DAG:     %[[S:.+]] = arith.constant dense<{{\[\[}}5.000000e-01, 2.500000e-01]]> : tensor<1x2xf32>
// IMPORT:         %[[Q:.+]] = quantc.quantize %{{.+}}, %[[S]] {qmax = 127 : i64, qmin = -127 : i64} : tensor<3x2xf32>, tensor<1x2xf32> -> tensor<3x2xi8>
// IMPORT:         return %[[Q]] : tensor<3x2xi8>

// CHECK-LABEL: func.func @per_axis
// CHECK-NOT:     quant.
// CHECK-NOT:     quantc.
// CHECK:         linalg.generic
// CHECK:         math.roundeven
// CHECK:         arith.fptosi

// LLVM-LABEL: llvm.func @per_axis
// LLVM-NOT:     quantc.
func.func @per_axis(%x: tensor<3x2xf32>) -> tensor<3x2x!quant.uniform<i8<-127:127>:f32:1, {0.5, 0.25}>> {
  %q = quant.qcast %x : tensor<3x2xf32> to tensor<3x2x!quant.uniform<i8<-127:127>:f32:1, {0.5, 0.25}>>
  return %q : tensor<3x2x!quant.uniform<i8<-127:127>:f32:1, {0.5, 0.25}>>
}
