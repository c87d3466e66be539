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

#include "mlir/IR/Matchers.h"

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
  SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0)), sizes, strides;
  for (int64_t d = 0; d < rank; ++d) {
    strides.push_back(b.getIndexAttr(1));
    if (d == kDim)
      sizes.push_back(b.getIndexAttr(size));
    else if (ty.isDynamicDim(d))
      sizes.push_back(tensor::DimOp::create(b, loc, v, d).getResult());
    else
      sizes.push_back(b.getIndexAttr(ty.getDimSize(d)));
  }
  offsets[kDim] = b.getIndexAttr(offset);
  return tensor::ExtractSliceOp::create(b, loc, sliceTy, v, offsets, sizes,
                                        strides);
}

struct SplitKPass : quantc::impl::QuantCSplitKBase<SplitKPass> {
  using Base::Base;

  void runOnOperation() override {
    if (maxChunk < 0) {
      getOperation().emitError("--quantc-split-k: max-chunk must be >= 0 "
                               "(0: no kernel limit), got ")
          << maxChunk;
      return signalPassFailure();
    }
    SmallVector<MatmulOp> matmuls;
    getOperation().walk([&](MatmulOp op) { matmuls.push_back(op); });
    for (MatmulOp op : matmuls)
      if (failed(split(op)))
        return signalPassFailure();
  }

  LogicalResult split(MatmulOp op) {
    int64_t k = op.getReductionSize();
    if (ShapedType::isDynamic(k))
      return success();
    FailureOr<ContractionInfo> info = getContractionInfo(op);
    if (failed(info))
      return success();
    // The K tile of the int8 kernels (32: mma.m16n8k32, a multiple of the
    // x86 kernels' 4): chunks stay whole tiles where they can.
    GemmVerdict verdict = classifyGemm(*info, /*kTile=*/32);
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
};

} // namespace
