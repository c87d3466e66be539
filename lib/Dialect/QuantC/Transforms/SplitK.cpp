//===- SplitK.cpp - int32-safe reductions for int8 GEMMs ------------------===//
//
// A quantc.matmul whose int32 accumulator the granularity analysis proves can
// overflow (or whose K exceeds a target kernel's limit) becomes several
// GEMMs over chunks of K whose partial results are summed exactly in int64.
//
//===----------------------------------------------------------------------===//
#include "quantc/Analysis/Granularity.h"
#include "quantc/Dialect/QuantC/Transforms/Passes.h"
#include "quantc/Dialect/QuantC/Utils/ConstantWeights.h"

#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/ValueBoundsOpInterface.h"

namespace quantc {
#define GEN_PASS_DEF_QUANTCSPLITK
#include "quantc/Dialect/QuantC/Transforms/Passes.h.inc"
} // namespace quantc

using namespace mlir;
using namespace quantc;

namespace {

/// The most chunks one GEMM is split into: each chunk is unrolled (a slice
/// of each operand, a GEMM, a widening and an add), so K = 2^40 (8.4 million
/// chunks) or max-chunk=1 would take minutes and gigabytes. 4096 chunks of
/// the int8 analysis' 131040 cover K up to 5.4e8.
constexpr int64_t kMaxChunks = 4096;

/// tensor.extract_slice of `v` along its reduction dimension `kDim`:
/// [offset, offset + size), either of them possibly a run-time value.
static Value sliceKAt(OpBuilder &b, Location loc, Value v, unsigned kDim,
                      OpFoldResult offset, OpFoldResult size) {
  auto ty = cast<RankedTensorType>(v.getType());
  int64_t rank = ty.getRank();
  SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0)), sizes, strides;
  for (int64_t d = 0; d < rank; ++d) {
    strides.push_back(b.getIndexAttr(1));
    if (d == kDim)
      sizes.push_back(size);
    else if (ty.isDynamicDim(d))
      sizes.push_back(tensor::DimOp::create(b, loc, v, d).getResult());
    else
      sizes.push_back(b.getIndexAttr(ty.getDimSize(d)));
  }
  offsets[kDim] = offset;
  return tensor::ExtractSliceOp::create(b, loc, v, offsets, sizes, strides);
}

/// sliceKAt for an operand the kernels read through its linalg.transposes
/// (a KV cache [L, H, D] viewed as [H, D, L]): the transposes' input is
/// sliced and transposed again, so the original transposes keep the one
/// GEMM that reads them in place (another user would materialize them).
static Value sliceKOperand(OpBuilder &b, Location loc, Value v, unsigned kDim,
                           OpFoldResult offset, OpFoldResult size) {
  auto t = v.getDefiningOp<linalg::TransposeOp>();
  if (!t)
    return sliceKAt(b, loc, v, kDim, offset, size);
  ArrayRef<int64_t> perm = t.getPermutation();
  Value in = sliceKOperand(b, loc, t.getInput(), perm[kDim], offset, size);
  SmallVector<OpFoldResult> sizes;
  for (int64_t d : perm)
    sizes.push_back(tensor::getMixedSize(b, loc, in, d));
  Value init = tensor::EmptyOp::create(b, loc, sizes,
                                       getElementTypeOrSelf(in.getType()));
  return linalg::TransposeOp::create(b, loc, in, init, perm).getResult()[0];
}

/// The value and dimension that dimension `dim` of `v` is read from: the
/// input of the linalg.transposes that produce `v`.
static std::pair<Value, unsigned> beforeTransposes(Value v, unsigned dim) {
  while (auto t = v.getDefiningOp<linalg::TransposeOp>()) {
    dim = t.getPermutation()[dim];
    v = t.getInput();
  }
  return {v, dim};
}

/// Dimension `dim` of `v`, read from the input of the linalg.transposes
/// that produce `v` (a tensor.dim of a transpose would be a second user).
static Value sizeBeforeTransposes(OpBuilder &b, Location loc, Value v,
                                  unsigned dim) {
  auto [src, d] = beforeTransposes(v, dim);
  return tensor::DimOp::create(b, loc, src, d);
}

/// A constant upper bound of dimension `dim` of `v` that the value-bounds
/// analysis does not see: a slice whose size is an arith.minui/minsi with a
/// constant (a chunk of splitDynamic's loop).
static std::optional<int64_t> minSliceBound(Value v, unsigned dim) {
  auto [src, d] = beforeTransposes(v, dim);
  auto slice = src.getDefiningOp<tensor::ExtractSliceOp>();
  if (!slice || slice.getSourceType().getRank() != slice.getType().getRank())
    return std::nullopt;
  auto size = dyn_cast<Value>(slice.getMixedSizes()[d]);
  Operation *min = size ? size.getDefiningOp() : nullptr;
  if (!isa_and_nonnull<arith::MinUIOp, arith::MinSIOp>(min))
    return std::nullopt;
  std::optional<int64_t> bound;
  for (Value operand : min->getOperands())
    if (std::optional<int64_t> c = getConstantIntValue(operand); c && *c >= 0)
      bound = bound ? std::min(*bound, *c) : *c;
  return bound;
}

/// A constant upper bound of K from an enclosing scf.if on `K <= c` (or
/// `K < c`) whose first branch holds `op` (splitDynamic's fits branch).
static std::optional<int64_t> guardBound(MatmulOp op) {
  auto lhsK = beforeTransposes(op.getLhs(), op.getLhsReductionDim());
  auto rhsK = beforeTransposes(op.getRhs(), op.getRhsReductionDim());
  for (auto ifOp = op->getParentOfType<scf::IfOp>(); ifOp;
       ifOp = ifOp->getParentOfType<scf::IfOp>()) {
    if (!ifOp.getThenRegion().isAncestor(op->getParentRegion()))
      continue;
    auto cmp = ifOp.getCondition().getDefiningOp<arith::CmpIOp>();
    if (!cmp)
      continue;
    auto pred = cmp.getPredicate();
    bool le =
        pred == arith::CmpIPredicate::ule || pred == arith::CmpIPredicate::sle;
    bool lt =
        pred == arith::CmpIPredicate::ult || pred == arith::CmpIPredicate::slt;
    auto dim = cmp.getLhs().getDefiningOp<tensor::DimOp>();
    std::optional<int64_t> c = getConstantIntValue(cmp.getRhs());
    std::optional<int64_t> index = dim ? dim.getConstantIndex() : std::nullopt;
    if (!(le || lt) || !c || !index)
      continue;
    std::pair<Value, unsigned> k{dim.getSource(), *index};
    if (k == lhsK || k == rhsK)
      return lt ? *c - 1 : *c;
  }
  return std::nullopt;
}

/// The slice [offset, offset + size) of `v` along its reduction dimension
/// `kDim`: a constant is sliced at compile time (when small enough to
/// materialize), anything else with tensor.extract_slice.
static Value sliceK(OpBuilder &b, Location loc, Value v, unsigned kDim,
                    int64_t offset, int64_t size) {
  auto ty = cast<RankedTensorType>(v.getType());
  int64_t rank = ty.getRank();
  SmallVector<int64_t> shape(ty.getShape());
  shape[kDim] = size;
  auto sliceTy = RankedTensorType::get(shape, ty.getElementType());
  // A resource weight (dense_resource blob) is sliced as bytes into a new
  // blob (ConstantWeights.h).
  if (ElementsAttr cw = getConstantWeight(v);
      cw && isa<DenseResourceElementsAttr>(cw)) {
    if (std::optional<ArrayRef<char>> raw = getRawElements(cw)) {
      int64_t inner = 1, outer = 1;
      for (int64_t d = kDim + 1; d < rank; ++d)
        inner *= ty.getDimSize(d);
      for (int64_t d = 0; d < kDim; ++d)
        outer *= ty.getDimSize(d);
      int64_t k = ty.getDimSize(kDim);
      int64_t bytes = raw->size() / ty.getNumElements();
      std::vector<char> out;
      out.reserve(sliceTy.getNumElements() * bytes);
      for (int64_t o = 0; o < outer; ++o) {
        const char *row = raw->data() + (o * k + offset) * inner * bytes;
        out.insert(out.end(), row, row + size * inner * bytes);
      }
      return arith::ConstantOp::create(
          b, loc,
          cast<TypedAttr>(makeElementsLike(
              cw, sliceTy, out,
              derivedResourceName(cw, "k" + std::to_string(offset)))));
    }
  }
  DenseIntElementsAttr attr;
  if (matchPattern(v, m_Constant(&attr)) && ty.hasStaticShape()) {
    if (attr.isSplat())
      return arith::ConstantOp::create(
          b, loc, DenseElementsAttr::get(sliceTy, attr.getSplatValue<APInt>()));
    if (isFoldableSize(ty)) {
      // Row-major: [outer, k, inner] with k the sliced dimension.
      int64_t inner = 1, outer = 1;
      for (int64_t d = kDim + 1; d < rank; ++d)
        inner *= ty.getDimSize(d);
      for (int64_t d = 0; d < kDim; ++d)
        outer *= ty.getDimSize(d);
      int64_t k = ty.getDimSize(kDim);
      SmallVector<APInt> vals;
      vals.reserve(sliceTy.getNumElements());
      auto all = attr.getValues<APInt>();
      for (int64_t o = 0; o < outer; ++o)
        for (int64_t j = 0; j < size; ++j)
          for (int64_t i = 0; i < inner; ++i)
            vals.push_back(all[(o * k + offset + j) * inner + i]);
      return arith::ConstantOp::create(b, loc,
                                       DenseElementsAttr::get(sliceTy, vals));
    }
  }
  return sliceKAt(b, loc, v, kDim, b.getIndexAttr(offset),
                  b.getIndexAttr(size));
}

struct SplitKPass : quantc::impl::QuantCSplitKBase<SplitKPass> {
  using Base::Base;

  void runOnOperation() override {
    if (maxChunk < 0) {
      getOperation().emitError("--quantc-split-k: max-chunk must be >= 0 "
                               "(0: no kernel limit), got ")
          // A pass option streams as a char into a diagnostic (-1 printed
          // as byte 0xFF): its value does not.
          << static_cast<int64_t>(maxChunk);
      return signalPassFailure();
    }
    SmallVector<MatmulOp> matmuls;
    getOperation().walk([&](MatmulOp op) { matmuls.push_back(op); });
    for (MatmulOp op : matmuls)
      if (failed(split(op)))
        return signalPassFailure();
  }

  LogicalResult split(MatmulOp op) {
    // An empty result (0 rows, columns or batches) sums nothing, and a
    // slice at offset 0 of a 0-size dimension is invalid IR.
    if (llvm::is_contained(op.getResult().getType().getShape(), 0))
      return success();
    int64_t k = op.getReductionSize();
    FailureOr<ContractionInfo> info = getContractionInfo(op);
    if (failed(info))
      return success();
    // The K tile of the int8 kernels (32: mma.m16n8k32, a multiple of the
    // x86 kernels' 4): chunks stay whole tiles where they can.
    GemmVerdict verdict = classifyGemm(*info, /*kTile=*/32);
    if (ShapedType::isDynamic(k))
      return splitDynamic(op, verdict);
    int64_t chunk = verdict.overflow ? verdict.overflow->maxSplit : k;
    if (maxChunk > 0 && chunk > maxChunk)
      chunk = maxChunk >= 64 ? maxChunk / 64 * 64 : maxChunk;
    if (chunk >= k)
      return success();
    if (chunk <= 0)
      return op.emitError("the int32 accumulator overflows even for one "
                          "product of the operands' ranges; quantize them to "
                          "at most 16 bits");
    for (Operation *user : op->getUsers()) {
      auto rescale = dyn_cast<RescaleOp>(user);
      if (rescale && rescale.getAcc() == op.getResult())
        continue;
      // Only a kernel's limit: the GEMM stays whole (and the kernel says
      // in a remark that it does not take it).
      if (!verdict.overflow)
        return success();
      return op.emitError("the int32 accumulator can overflow (K = ")
             << k << ", at most " << verdict.overflow->maxSplit
             << " per int32 sum), and its result is used by '"
             << user->getName()
             << "', which cannot take the int64 sum of a split reduction; "
                "rescale it with quantc.rescale, or quantize the operands "
                "to narrower ranges";
    }
    // ceil(k / chunk) without overflowing for k near INT64_MAX.
    int64_t chunks = (k - 1) / chunk + 1;
    if (chunks > kMaxChunks)
      return op.emitError("splitting the reduction (K = ")
             << k << ") into chunks of at most " << chunk << " takes " << chunks
             << " GEMMs, more than the limit of " << kMaxChunks
             << (maxChunk > 0 && (!verdict.overflow ||
                                  maxChunk < verdict.overflow->maxSplit)
                     ? "; raise max-chunk"
                     : "; quantize the operands to narrower ranges");
    OpBuilder b(op);
    Location loc = op.getLoc();
    auto accTy = op.getResult().getType();
    auto i64Ty = RankedTensorType::get(accTy.getShape(), b.getI64Type());
    Value sum;
    for (int64_t offset = 0; offset < k; offset += chunk) {
      int64_t size = std::min(chunk, k - offset);
      Value l =
          sliceK(b, loc, op.getLhs(), op.getLhsReductionDim(), offset, size);
      Value r =
          sliceK(b, loc, op.getRhs(), op.getRhsReductionDim(), offset, size);
      // Zero points are constant along K: each chunk subtracts them too.
      Value part = MatmulOp::create(b, loc, accTy, l, r, op.getLhsZeroPoint(),
                                    op.getRhsZeroPoint(), op.getTransposeLhs(),
                                    op.getTransposeRhs());
      Value wide = arith::ExtSIOp::create(b, loc, i64Ty, part);
      sum = sum ? Value(arith::AddIOp::create(b, loc, sum, wide)) : wide;
    }
    for (Operation *user : llvm::to_vector(op->getUsers()))
      cast<RescaleOp>(user).getAccMutable().assign(sum);
    op.erase();
    return success();
  }

  /// The longest chunk of K one int32 GEMM may take: the analysis' overflow
  /// bound, lowered to `max-chunk` (a multiple of 64 where it can be).
  int64_t chunkLimit(int64_t overflowBound) {
    int64_t chunk = overflowBound;
    if (maxChunk > 0 && chunk > maxChunk)
      chunk = maxChunk >= 64 ? maxChunk / 64 * 64 : maxChunk;
    return chunk;
  }

  /// A GEMM whose K is known only at run time: unless the IR bounds K within
  /// the limit, each quantc.rescale of it becomes
  ///   scf.if (K <= limit) { the GEMM and the rescale as they were }
  ///   else { the GEMM over chunks of K in an scf.for, summed in int64,
  ///          and the rescale of the sum }.
  LogicalResult splitDynamic(MatmulOp op, const GemmVerdict &verdict) {
    if (!verdict.dynamicMaxAccumulation)
      return success();
    const int64_t overflowBound = *verdict.dynamicMaxAccumulation;
    const int64_t chunk = chunkLimit(overflowBound);
    if (chunk <= 0)
      return op.emitError("the int32 accumulator overflows even for one "
                          "product of the operands' ranges; quantize them to "
                          "at most 16 bits");
    unsigned lhsK = op.getLhsReductionDim(), rhsK = op.getRhsReductionDim();
    // A bound the IR proves (a slice of a static buffer, a min with a
    // constant, this pass's own check or chunk) needs no run-time check.
    for (auto [v, d] : {std::pair<Value, unsigned>{op.getLhs(), lhsK},
                        std::pair<Value, unsigned>{op.getRhs(), rhsK}}) {
      FailureOr<int64_t> ub = ValueBoundsConstraintSet::computeConstantBound(
          presburger::BoundType::UB, ValueBoundsConstraintSet::Variable(v, d),
          /*stopCondition=*/nullptr, /*closedUB=*/true);
      if (succeeded(ub) && *ub <= chunk)
        return success();
      if (std::optional<int64_t> b = minSliceBound(v, d); b && *b <= chunk)
        return success();
    }
    if (std::optional<int64_t> b = guardBound(op); b && *b <= chunk)
      return success();
    SmallVector<RescaleOp> rescales;
    for (Operation *user : op->getUsers()) {
      auto rescale = dyn_cast<RescaleOp>(user);
      if (rescale && rescale.getAcc() == op.getResult()) {
        rescales.push_back(rescale);
        continue;
      }
      op.emitWarning("the reduction size is known only at run time, and the "
                     "int32 accumulator can overflow beyond K = ")
          << overflowBound << "; its result is used by '" << user->getName()
          << "', which cannot take the int64 sum of a split reduction, so "
             "it wraps modulo 2^32 for a longer K: rescale it with "
             "quantc.rescale (checked and split at run time), or bound K";
      return success();
    }
    llvm::SmallDenseSet<Operation *> seen;
    Value wide;
    for (RescaleOp rescale : rescales) {
      if (!seen.insert(rescale).second)
        continue;
      if (rescale->getBlock() == op->getBlock()) {
        guard(op, rescale, chunk);
        continue;
      }
      // In a nested region: one check and one GEMM where the GEMM was.
      if (!wide)
        wide = guardedAccumulator(op, chunk);
      rescale.getAccMutable().assign(wide);
    }
    op.erase();
    return success();
  }

  /// Builds, at `b`'s insertion point, the scf.if of splitDynamic on
  /// `K <= chunk`: `epilogue` maps `op`'s result (the GEMM as it was in the
  /// first branch, the int64 sum of the chunks in the second) to the values
  /// both branches yield.
  scf::IfOp
  buildGuard(OpBuilder &b, MatmulOp op, int64_t chunk, TypeRange types,
             function_ref<SmallVector<Value>(OpBuilder &, Value)> epilogue) {
    Location loc = op.getLoc();
    unsigned lhsK = op.getLhsReductionDim(), rhsK = op.getRhsReductionDim();
    Value k = op.getLhs().getType().isDynamicDim(lhsK)
                  ? sizeBeforeTransposes(b, loc, op.getLhs(), lhsK)
                  : sizeBeforeTransposes(b, loc, op.getRhs(), rhsK);
    Value limit = arith::ConstantIndexOp::create(b, loc, chunk);
    Value fits =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ule, k, limit);
    auto ifOp = scf::IfOp::create(b, loc, types, fits,
                                  /*withElseRegion=*/true);
    // Fits: the GEMM as it was.
    {
      OpBuilder tb = ifOp.getThenBodyBuilder();
      Operation *mm = tb.clone(*op);
      scf::YieldOp::create(tb, loc, epilogue(tb, mm->getResult(0)));
    }
    // Longer: a first chunk of `chunk`, then the rest in chunks, in int64.
    {
      OpBuilder eb = ifOp.getElseBodyBuilder();
      auto accTy = op.getResult().getType();
      auto i64Ty = RankedTensorType::get(accTy.getShape(), eb.getI64Type());
      auto part = [&](OpBuilder &pb, OpFoldResult offset,
                      OpFoldResult size) -> Value {
        Value l = sliceKOperand(pb, loc, op.getLhs(), lhsK, offset, size);
        Value r = sliceKOperand(pb, loc, op.getRhs(), rhsK, offset, size);
        // Zero points are constant along K: each chunk subtracts them too.
        Value p = MatmulOp::create(pb, loc, accTy, l, r, op.getLhsZeroPoint(),
                                   op.getRhsZeroPoint(), op.getTransposeLhs(),
                                   op.getTransposeRhs());
        return arith::ExtSIOp::create(pb, loc, i64Ty, p);
      };
      Value first = part(eb, eb.getIndexAttr(0), eb.getIndexAttr(chunk));
      auto loop = scf::ForOp::create(
          eb, loc, limit, k, limit, ValueRange{first},
          [&](OpBuilder &lb, Location, Value offset, ValueRange iter) {
            Value rest = arith::SubIOp::create(lb, loc, k, offset);
            Value size = arith::MinUIOp::create(lb, loc, rest, limit);
            Value sum =
                arith::AddIOp::create(lb, loc, iter[0], part(lb, offset, size));
            scf::YieldOp::create(lb, loc, sum);
          });
      scf::YieldOp::create(eb, loc, epilogue(eb, loop.getResult(0)));
    }
    return ifOp;
  }

  /// Replaces `rescale` (of `op`'s result, in its block) with the scf.if of
  /// splitDynamic: the GEMM and the rescale in both branches (the first one
  /// the kernels' fused path).
  void guard(MatmulOp op, RescaleOp rescale, int64_t chunk) {
    OpBuilder b(rescale);
    scf::IfOp ifOp =
        buildGuard(b, op, chunk, rescale->getResultTypes(),
                   [&](OpBuilder &rb, Value acc) -> SmallVector<Value> {
                     IRMapping map;
                     map.map(op.getResult(), acc);
                     return llvm::to_vector_of<Value>(
                         rb.clone(*rescale, map)->getResults());
                   });
    rescale->replaceAllUsesWith(ifOp.getResults());
    rescale->erase();
  }

  /// The accumulator of `op` as an int64 scf.if where `op` is: for the
  /// rescales in nested regions (a loop body), which would otherwise run
  /// the GEMM once per iteration.
  Value guardedAccumulator(MatmulOp op, int64_t chunk) {
    OpBuilder b(op);
    auto i64Ty = RankedTensorType::get(op.getResult().getType().getShape(),
                                       b.getI64Type());
    scf::IfOp ifOp = buildGuard(
        b, op, chunk, i64Ty,
        [&](OpBuilder &rb, Value acc) -> SmallVector<Value> {
          if (acc.getType() == i64Ty)
            return {acc};
          return {arith::ExtSIOp::create(rb, op.getLoc(), i64Ty, acc)};
        });
    return ifOp.getResult(0);
  }
};

} // namespace
