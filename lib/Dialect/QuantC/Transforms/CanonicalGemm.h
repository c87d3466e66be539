//===- CanonicalGemm.h - any int8 contraction as a quantc.matmul -*- C++
//-*-===//
//
// How --quantc-fuse maps a QDQ contraction, whatever form it came in
// (linalg.matmul with any indexing maps, batch_matmul, a broadcast weight, a
// 3-D linear as linalg.generic, linalg.contract, a transpose in front of an
// operand), onto one quantc.matmul: the loops are classified by the shared
// granularity analysis (quantc/Analysis/Granularity.h); transposes between a
// quantc.dequantize and the contraction are folded into the operand's access
// (the matmul's transpose_lhs / transpose_rhs) rather than materialized.
//
//===----------------------------------------------------------------------===//
#ifndef QUANTC_LIB_DIALECT_QUANTC_TRANSFORMS_CANONICALGEMM_H
#define QUANTC_LIB_DIALECT_QUANTC_TRANSFORMS_CANONICALGEMM_H

#include "quantc/Analysis/Granularity.h"
#include "quantc/Dialect/QuantC/IR/QuantCOps.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/PatternMatch.h"

#include <string>

namespace quantc {

/// One operand of the canonical GEMM: the integer tensor behind the
/// contraction's float operand and its dequantization scale, with the
/// contraction loop that indexes each of their dimensions (they differ when
/// a transpose sits between the integer tensor and the dequantize).
struct CanonicalOperand {
  mlir::Value quantized, scale;
  /// The dequantize's zero point (shaped like the scale), or null.
  mlir::Value zeroPoint;
  llvm::SmallVector<unsigned> loops, scaleLoops;
};

/// A QDQ contraction as `quantc.matmul` + `quantc.rescale`: loops in the
/// result's order (batch..., m, n), the reduction loop, and the operands.
struct CanonicalGemm {
  CanonicalOperand lhs, rhs;
  /// The result's loops: batch..., m, n.
  llvm::SmallVector<unsigned> resultLoops;
  unsigned kLoop = 0;
  /// The rhs has none of the batch loops (one weight for every batch).
  bool rhsBroadcast = false;
  /// The unit loops given to a contraction without a row (vector-matrix,
  /// dot) or output-channel loop (matrix-vector, dot): numbered after the
  /// op's loops, indexing a unit dimension inserted before the last one of
  /// the operand without them; the result is reshaped back to the op's.
  std::optional<unsigned> virtualM, virtualN;
};

/// Matches `op` (whose verdict is `verdict`, an int8 one) as a canonical GEMM,
/// or fails with the reason in `why` (a sentence fragment for a remark).
mlir::FailureOr<CanonicalGemm> matchCanonicalGemm(mlir::linalg::LinalgOp op,
                                                  const GemmVerdict &verdict,
                                                  std::string &why);

/// Builds the quantc.matmul (i32) and its quantc.rescale (f32 of `op`'s
/// result type) for `gemm`, returning the rescale's result. Operands whose
/// dimensions are not in a layout quantc.matmul reads get a transpose (at
/// compile time for constants).
mlir::Value buildCanonicalGemm(mlir::RewriterBase &rewriter,
                               mlir::linalg::LinalgOp op,
                               const CanonicalGemm &gemm);

/// Reshapes a statically shaped tensor to `shape` (same element count):
/// constants fold, other values go through collapse + expand.
mlir::Value reshapeStatic(mlir::RewriterBase &rewriter, mlir::Location loc,
                          mlir::Value v, llvm::ArrayRef<int64_t> shape);

/// `v` with its dimensions permuted (result dimension i is dimension
/// perm[i] of `v`); constants are permuted at compile time, other values
/// get a linalg.transpose.
mlir::Value permute(mlir::RewriterBase &rewriter, mlir::Location loc,
                    mlir::Value v, llvm::ArrayRef<int64_t> perm);

} // namespace quantc

#endif
