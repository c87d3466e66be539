//===- EpilogueMatch.h - what a GEMM epilogue absorbs ----------*- C++ -*-===//
//
// What --quantc-fuse folds into a quantc.rescale after a GEMM is recognised
// by what it computes, not by how a frontend spelled it: the elementwise ops
// downstream of a rescale are first normalized into one linalg.generic per
// chain (arith/math ops on tensors, named and `linalg.elementwise` ops), and
// the activation at the root of its body is matched over the common
// spellings of ReLU, exact and tanh GELU and SiLU.
//
//===----------------------------------------------------------------------===//
#ifndef QUANTC_LIB_DIALECT_QUANTC_TRANSFORMS_EPILOGUEMATCH_H
#define QUANTC_LIB_DIALECT_QUANTC_TRANSFORMS_EPILOGUEMATCH_H

#include "quantc/Dialect/QuantC/IR/QuantCOps.h"

#include "llvm/ADT/SmallPtrSet.h"

#include <optional>

namespace quantc {

/// An activation found at the root of a scalar elementwise body, and the
/// value it is applied to.
struct MatchedActivation {
  Activation kind;
  mlir::Value input;
};

/// Matches the activation that `root` (a value of a linalg.generic body)
/// computes, the same function as emitActivation of its kind:
/// - ReLU: max(t, 0) (maximumf, maxnumf, either operand order) or
///   select(t > 0, t, 0) and its mirrored comparisons;
/// - exact GELU: 0.5 * t * (1 + erf(t / sqrt 2)), the factors and constants
///   in any order and grouping (t * (1/sqrt 2), t / sqrt 2);
/// - tanh GELU: 0.5 * t * (1 + tanh(sqrt(2/pi) * (t + 0.044715 * t^3))),
///   t^3 as products or powf(t, 3), the inner product distributed or not;
/// - SiLU: t * sigmoid(t) with sigmoid(t) = 1 / (1 + exp(-t)), or
///   t / (1 + exp(-t)); -t as negf, 0 - t or -1 * t.
/// Constants match within a relative 1e-6. On success, the ops of the match
/// are added to `matched`.
std::optional<MatchedActivation>
matchActivation(mlir::Value root,
                llvm::SmallPtrSetImpl<mlir::Operation *> &matched);

/// Rewrites the elementwise ops on tensors that consume a quantc.rescale
/// without requantization (directly or through other such ops) into
/// linalg.generic ops, and fuses each single-use chain of them into one
/// generic, so that the epilogue patterns see one body whatever the spelling.
/// Other ops are left alone.
void normalizeEpilogueChains(mlir::Operation *root);

} // namespace quantc

#endif
