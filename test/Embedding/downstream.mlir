// `cmake --install` quantc to a fresh prefix, build a downstream opt tool
// against it with find_package(QuantC) + QuantC::QuantC, and run a quantc pass.
// RUN: rm -rf %t && mkdir -p %t
// RUN: %cmake --install %quantc_obj_root --prefix %t/prefix > %t/install.log
// RUN: test -f %t/prefix/lib/cmake/QuantC/QuantCConfig.cmake
// RUN: test -f %t/prefix/include/quantc/InitAll.h
// RUN: test -f %t/prefix/include/quantc/Dialect/QuantC/IR/QuantCOps.h.inc
// RUN: %cmake -G Ninja -S %S/downstream -B %t/build -DCMAKE_PREFIX_PATH=%t/prefix \
// RUN:   %downstream_cmake_flags > %t/configure.log
// RUN: %cmake --build %t/build > %t/build.log
// RUN: %t/build/downstream-opt %s --quantc-import-quant | FileCheck %s
// The two registration calls are enough for quantc's pipelines too (they
// bufferize and lower to LLVM with upstream passes and interfaces).
// RUN: %t/build/downstream-opt %s --quantc-cpu-pipeline | FileCheck %s --check-prefix=LLVM
// The installed quantc-opt runs too (its RUNPATH finds libMLIR.so).
// RUN: %t/prefix/bin/quantc-opt %s --quantc-import-quant | FileCheck %s
// The installed Python package imports from the prefix alone and compiles.
// RUN: env PYTHONPATH=%t/prefix/python %python -c "import sys, quantc; \
// RUN:   assert quantc.__file__.startswith('%t/prefix/'), quantc.__file__; \
// RUN:   print(quantc.run_pipeline(open(sys.argv[1]).read(), 'quantc-import-quant'))" %s \
// RUN:   | FileCheck %s

// CHECK-LABEL: func.func @per_tensor
// CHECK:         %[[S:.+]] = arith.constant dense<2.500000e-01> : tensor<1xf32>
// CHECK:         %[[Q:.+]] = quantc.quantize %{{.+}}, %[[S]] {qmax = 127 : i64, qmin = -128 : i64}
// CHECK:         return %[[Q]] : tensor<4xi8>

// LLVM-LABEL: llvm.func @per_tensor
// LLVM-NOT:     quantc.
// LLVM-NOT:     unrealized_conversion_cast
// LLVM:         llvm.intr.roundeven
func.func @per_tensor(%x: tensor<4xf32>) -> tensor<4x!quant.uniform<i8:f32, 0.25>> {
  %q = quant.qcast %x : tensor<4xf32> to tensor<4x!quant.uniform<i8:f32, 0.25>>
  return %q : tensor<4x!quant.uniform<i8:f32, 0.25>>
}
