//===- VectorizeElementwise.cpp - vector-width tiles of elementwise ops ---===//
//
// Elementwise and row-reduction linalg.generic ops on tensors (norms,
// softmax, activations, quantization) -> scf loops over tiles of one vector
// of the innermost dimension, each tile vectorized (masked in the tail). See
// the pass description in Conversion/Passes.td.
//
//===----------------------------------------------------------------------===//
#include "quantc/Conversion/QuantCToX86/QuantCToX86.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"

namespace quantc {
#define GEN_PASS_DEF_QUANTCX86VECTORIZEELEMENTWISE
#include "quantc/Conversion/Passes.h.inc"
} // namespace quantc

using namespace mlir;

/// Why the pass does not tile `op`, or an empty string when it does: on
/// tensors, static loop ranges, every loop parallel except possibly the
/// innermost (a row reduction), projected permutation maps (broadcasts), one
/// result, an innermost extent that is a multiple of one vector, and a body
/// the vectorizer takes.
static std::string whyNotVectorized(linalg::GenericOp op, int64_t lanes) {
  if (op->getNumResults() != 1)
    return "it has " + std::to_string(op->getNumResults()) + " results";
  if (op.getNumLoops() == 0)
    return "it has no loops";
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  if (llvm::any_of(ranges, ShapedType::isDynamic))
    return "dynamic shapes";
  SmallVector<utils::IteratorType> iters = op.getIteratorTypesArray();
  for (unsigned i = 0; i + 1 < iters.size(); ++i)
    if (iters[i] != utils::IteratorType::parallel)
      return "a reduction that is not its innermost loop";
  if (!llvm::all_of(op.getIndexingMapsArray(), [](AffineMap m) {
        return m.isProjectedPermutation(/*allowZeroInResults=*/true);
      }))
    return "an indexing map that is not a projected permutation";
  // Whole tiles only: the masked vectorization of a partial reduction tile
  // is rejected by vector.mask's verifier (MLIR 22).
  if (ranges.back() % lanes != 0)
    return "its innermost extent " + std::to_string(ranges.back()) +
           " is not a multiple of " + std::to_string(lanes);
  if (failed(linalg::vectorizeOpPrecondition(op)))
    return "the vectorizer does not take its body";
  return "";
}

namespace {
struct VectorizeElementwise
    : quantc::impl::QuantCX86VectorizeElementwiseBase<VectorizeElementwise> {
  using Base::Base;

  void runOnOperation() override {
    if (lanes < 1) {
      getOperation().emitError()
          << "quantc-x86-vectorize-elementwise: lanes must be >= 1, got "
          << lanes;
      return signalPassFailure();
    }
    SmallVector<linalg::GenericOp> ops;
    getOperation().walk([&](linalg::GenericOp op) {
      if (!op.hasPureTensorSemantics())
        return;
      std::string why = whyNotVectorized(op, lanes);
      if (why.empty())
        ops.push_back(op);
      else
        op.emitRemark() << "runs as scalar loops, not in " << int64_t(lanes)
                        << "-lane vector tiles: " << why;
    });
    IRRewriter rewriter(&getContext());
    for (linalg::GenericOp op : ops) {
      unsigned loops = op.getNumLoops();
      SmallVector<OpFoldResult> sizes(loops, rewriter.getIndexAttr(1));
      sizes.back() = rewriter.getIndexAttr(lanes);
      scf::SCFTilingOptions options;
      options.setTileSizes(sizes);
      rewriter.setInsertionPoint(op);
      FailureOr<scf::SCFTilingResult> tiled = scf::tileUsingSCF(
          rewriter, cast<TilingInterface>(op.getOperation()), options);
      if (failed(tiled)) {
        op.emitRemark() << "runs as scalar loops, not in " << int64_t(lanes)
                        << "-lane vector tiles: it cannot be tiled";
        continue;
      }
      rewriter.replaceOp(op, tiled->replacements);
      for (Operation *t : tiled->tiledOps) {
        rewriter.setInsertionPoint(t);
        FailureOr<linalg::VectorizationResult> v =
            linalg::vectorize(rewriter, t);
        if (succeeded(v))
          rewriter.replaceOp(t, v->replacements);
        else
          t->emitRemark() << "runs as scalar loops in " << int64_t(lanes)
                          << "-element tiles: the vectorizer failed on the "
                             "tile";
      }
    }
  }
};
} // namespace
