// The cpu= option of --quantc-cpu-pipeline picks the GEMM code generator.
// RUN: quantc-opt %s --quantc-cpu-pipeline=cpu=vnni | FileCheck %s --check-prefix=VNNI
// RUN: quantc-opt %s --quantc-cpu-pipeline=cpu=vnni-emulated | FileCheck %s --check-prefix=EMU
// RUN: quantc-opt %s --quantc-cpu-pipeline=cpu=avx2 | FileCheck %s --check-prefix=AVX2
// RUN: quantc-opt %s --quantc-cpu-pipeline=cpu=generic | FileCheck %s --check-prefix=REF
// RUN: quantc-opt %s "--quantc-cpu-pipeline=cpu=vnni vnni-parallel-min-macs=0" | FileCheck %s --check-prefix=PAR
// An unknown cpu is a command-line option error (not an MLIR diagnostic, so
// -verify-diagnostics cannot see it), exit code 1, no crash.
// RUN: not quantc-opt %s --quantc-cpu-pipeline=cpu=bogus -o /dev/null 2>&1 | FileCheck %s --check-prefix=BAD
// BAD: for the --cpu option: Cannot find option named 'bogus'!

// The kernel's plan and intrinsic ops do not reach the LLVM dialect output
// (mlir-translate does not know the quantc dialect).
// VNNI-NOT: quantc.
// VNNI-LABEL: llvm.func internal @__quantc_x86_gemm
// VNNI: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"
// VNNI-NOT: quantc.
// VNNI-NOT: GOMP_parallel
// EMU-LABEL: llvm.func internal @__quantc_x86_gemm
// EMU-NOT: llvm.call_intrinsic
// AVX2-LABEL: llvm.func internal @__quantc_x86_gemm
// AVX2: llvm.call_intrinsic "llvm.x86.avx2.pmadd.wd"
// AVX2-NOT: vpdpbusd
// REF-NOT: __quantc_x86
// REF-NOT: llvm.call_intrinsic
// REF: llvm.mul
// PAR-NOT: quantc.
// PAR: llvm.call @GOMP_parallel
// PAR: llvm.func internal @__quantc_x86_gemm_worker
// PAR-NOT: quantc.
func.func @gemm(%x: tensor<8x32xi8>) -> tensor<8x40xi32> {
  %w = arith.constant dense<3> : tensor<40x32xi8>
  %r = quantc.matmul %x, %w : tensor<8x32xi8>, tensor<40x32xi8> -> tensor<8x40xi32>
  return %r : tensor<8x40xi32>
}
