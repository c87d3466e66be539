// quantc-capi-test (test/CAPI/quantc-capi-test.c) uses only the C API in
// libQuantC-C.so: quantcRegisterAllDialects, mlirGetDialectHandle__quantc__,
// quantcRegisterAllPasses, then mlirParsePassPipeline + mlirPassManagerRunOnOp.
// RUN: quantc-capi-test %s 'builtin.module(quantc-import-quant)' | FileCheck %s
// RUN: quantc-capi-test %s 'builtin.module(quantc-cpu-pipeline)' | FileCheck %s --check-prefix=LLVM
// An unknown pass is an error, not a crash.
// RUN: not quantc-capi-test %s 'builtin.module(quantc-no-such-pass)'

// CHECK:       // dialect: quantc
// CHECK-LABEL: func.func @qdq
// CHECK:         %[[S:.+]] = arith.constant dense<5.000000e-01> : tensor<1x1xf32>
// CHECK:         %[[Q:.+]] = quantc.quantize %{{.+}}, %[[S]] {qmax = 127 : i64, qmin = -128 : i64}
// CHECK:         %[[D:.+]] = quantc.dequantize %[[Q]], %[[S]]
// CHECK:         return %[[D]]

// LLVM-LABEL: llvm.func @qdq
// LLVM-NOT:     quantc.
// LLVM:         llvm.intr.roundeven
func.func @qdq(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %q = quant.qcast %x : tensor<2x4xf32> to tensor<2x4x!quant.uniform<i8:f32, 0.5>>
  %y = quant.dcast %q : tensor<2x4x!quant.uniform<i8:f32, 0.5>> to tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}
