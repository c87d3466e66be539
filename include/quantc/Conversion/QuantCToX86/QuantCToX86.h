//===- QuantCToX86.h - int8 GEMMs to AVX-512 VNNI / AVX2 --------*- C++ -*-===//
//
// quantc.matmul (+ its rescale) -> generated x86 GEMM kernels: the lowering
// (--quantc-lower-matmul-to-x86), the late lowering of the quantc.x86
// intrinsic ops (--quantc-x86-intrinsics-to-llvm) and the OpenMP split of
// parallel kernels (--quantc-x86-outline-omp).
//
//===----------------------------------------------------------------------===//
#ifndef QUANTC_CONVERSION_QUANTCTOX86_QUANTCTOX86_H
#define QUANTC_CONVERSION_QUANTCTOX86_QUANTCTOX86_H

#include "mlir/Pass/Pass.h"
#include "quantc/Dialect/QuantC/IR/QuantCOps.h"

namespace mlir {
class RewritePatternSet;
} // namespace mlir

namespace quantc {
#define GEN_PASS_DECL_QUANTCLOWERMATMULTOX86
#define GEN_PASS_DECL_QUANTCLOWERFLOATCONTRACTIONSTOX86
#define GEN_PASS_DECL_QUANTCLOWERWEIGHTONLYTOX86
#define GEN_PASS_DECL_QUANTCX86VECTORIZEELEMENTWISE
#define GEN_PASS_DECL_QUANTCX86INTRINSICSTOLLVM
#define GEN_PASS_DECL_QUANTCX86OUTLINEOMP
#define GEN_PASS_DECL_QUANTCX86OUTLINEROWS
#define GEN_PASS_DECL_QUANTCX86AMXTOLLVM
#define GEN_PASS_DECL_QUANTCLOWERPARAMS
#define GEN_PASS_DECL_QUANTCEMITPREPARE
#include "quantc/Conversion/Passes.h.inc"

/// The attribute (an X86GemmPlanAttr) that carries a generated kernel
/// function's plan.
inline constexpr llvm::StringLiteral kX86PlanAttrName = "quantc.x86_plan";

/// The unit attribute of a generated float GEMM kernel
/// (--quantc-lower-float-contractions-to-x86) whose panel range (its last two
/// operands) --quantc-x86-outline-omp splits across an OpenMP team.
inline constexpr llvm::StringLiteral kX86ParallelAttrName =
    "quantc.x86_parallel";

/// The unit attribute --quantc-x86-vectorize-elementwise puts on the
/// outermost loop of a vectorized op when that loop runs over a parallel
/// dimension of the result (rows, heads): its iterations write disjoint rows
/// of the output and read nothing another iteration writes, so
/// --quantc-x86-outline-rows may split them across an OpenMP team.
inline constexpr llvm::StringLiteral kX86RowsAttrName = "quantc.x86_rows";

/// An i64 attribute on a call in a quantc.x86_rows loop (a GEMM kernel on one
/// block of rows, --quantc-lower-matmul-to-x86): the call writes only the
/// rows of the loop's iteration, and its work is that many vector
/// instructions. --quantc-x86-outline-rows takes such a call where it takes
/// no other, and counts its work.
inline constexpr llvm::StringLiteral kX86RowCallWorkAttrName =
    "quantc.x86_row_call_work";

/// quantc.x86.vpdpbusd / quantc.x86.pmaddwd -> llvm.call_intrinsic.
void populateQuantCX86ToLLVMPatterns(mlir::RewritePatternSet &patterns);
} // namespace quantc

#endif
