//===- KernelLayout.cpp - quantc.matmul in the kernels' operand layout ----===//
#include "quantc/Dialect/QuantC/Utils/KernelLayout.h"
#include "quantc/Dialect/QuantC/Utils/Arithmetic.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "quantc/Dialect/QuantC/Utils/LoadTimeParams.h"
#include "quantc/Dialect/QuantC/Utils/Sizes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/ReshapeOpsUtils.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace quantc;

/// `v` with its last two dimensions swapped (a linalg.transpose, a copy).
static Value transposeLast2(OpBuilder &b, Location loc, Value v) {
  auto ty = cast<RankedTensorType>(v.getType());
  int64_t rank = ty.getRank();
  SmallVector<int64_t> perm = llvm::to_vector(llvm::seq<int64_t>(0, rank));
  std::swap(perm[rank - 1], perm[rank - 2]);
  SmallVector<int64_t> shape(ty.getShape());
  std::swap(shape[rank - 1], shape[rank - 2]);
  SmallVector<Value> dyn;
  for (int64_t i = 0; i < rank; ++i)
    if (ShapedType::isDynamic(shape[i]))
      dyn.push_back(tensor::DimOp::create(b, loc, v, perm[i]));
  Value init = tensor::EmptyOp::create(b, loc, shape, ty.getElementType(), dyn);
  return linalg::TransposeOp::create(b, loc, v, init, perm).getResult()[0];
}

/// The i32 sum of the operand `v` over its reduction dimension `kDim` (one
/// of its last two), as a tensor of the result's rank `rank`: [..., n, 1]
/// (`perRow`, the lhs) or [..., 1, d] (the rhs); leading batch dimensions
/// are kept, or added as 1 for a broadcast rhs.
static Value sumOverReduction(OpBuilder &b, Location loc, Value v, int64_t kDim,
                              int64_t rank, bool perRow) {
  MLIRContext *ctx = b.getContext();
  auto ty = cast<RankedTensorType>(v.getType());
  int64_t r = ty.getRank();
  SmallVector<int64_t> shape(ty.getShape());
  shape[kDim] = 1;
  SmallVector<Value> dyn;
  for (int64_t d = 0; d < r; ++d)
    if (ShapedType::isDynamic(shape[d]))
      dyn.push_back(tensor::DimOp::create(b, loc, v, d));
  Type i32 = b.getI32Type();
  Value init = tensor::EmptyOp::create(b, loc, shape, i32, dyn);
  Value zero = arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(0));
  init = linalg::FillOp::create(b, loc, zero, init).getResult(0);
  SmallVector<AffineExpr> out;
  SmallVector<utils::IteratorType> iters;
  for (int64_t d = 0; d < r; ++d) {
    out.push_back(d == kDim ? getAffineConstantExpr(0, ctx)
                            : getAffineDimExpr(d, ctx));
    iters.push_back(d == kDim ? utils::IteratorType::reduction
                              : utils::IteratorType::parallel);
  }
  SmallVector<AffineMap> maps = {AffineMap::getMultiDimIdentityMap(r, ctx),
                                 AffineMap::get(r, 0, out, ctx)};
  Value sum = linalg::GenericOp::create(
                  b, loc, TypeRange{init.getType()}, ValueRange{v},
                  ValueRange{init}, maps, iters,
                  [&](OpBuilder &nb, Location l, ValueRange args) {
                    Value x = arith::ExtSIOp::create(nb, l, i32, args[0]);
                    Value sum = arith::AddIOp::create(nb, l, args[1], x);
                    linalg::YieldOp::create(nb, l, sum);
                  })
                  .getResult(0);
  // [..., inner, 1] or [..., 1, inner] -> the result's [..., n, 1] (per row)
  // or [..., 1, d] (per column): only unit dimensions move.
  SmallVector<int64_t> target(rank - r, 1);
  target.append(shape.begin(), shape.end() - 2);
  int64_t inner = kDim == r - 1 ? shape[r - 2] : shape[r - 1];
  target.append(perRow ? SmallVector<int64_t>{inner, 1}
                       : SmallVector<int64_t>{1, inner});
  auto targetTy = RankedTensorType::get(target, i32);
  if (targetTy == sum.getType())
    return sum;
  // Collapse to the non-unit dimensions, expand to the target.
  auto sumTy = cast<RankedTensorType>(sum.getType());
  SmallVector<int64_t> core;
  for (int64_t d : sumTy.getShape())
    if (d != 1)
      core.push_back(d);
  auto coreTy = RankedTensorType::get(core, i32);
  auto collapse = getReassociationIndicesForCollapse(sumTy.getShape(), core);
  auto expand = getReassociationIndicesForCollapse(target, core);
  assert(collapse && expand && "unit dimensions always reassociate");
  Value c = tensor::CollapseShapeOp::create(b, loc, coreTy, sum, *collapse);
  return tensor::ExpandShapeOp::create(b, loc, targetTy, c, *expand);
}

MatmulOp quantc::expandZeroPoints(MatmulOp op) {
  OpBuilder b(op);
  Location loc = op.getLoc();
  MLIRContext *ctx = op.getContext();
  auto accTy = op.getResult().getType();
  int64_t rank = accTy.getRank();
  auto mm = MatmulOp::create(b, loc, accTy, op.getLhs(), op.getRhs(),
                             op.getTransposeLhs(), op.getTransposeRhs());
  Value zx = op.getLhsZeroPoint(), zw = op.getRhsZeroPoint(), sumW, sumX;
  if (zx)
    sumW = sumOverReduction(b, loc, op.getRhs(), op.getRhsReductionDim(), rank,
                            /*perRow=*/false);
  if (zw)
    sumX = sumOverReduction(b, loc, op.getLhs(), op.getLhsReductionDim(), rank,
                            /*perRow=*/true);
  SmallVector<Value> operands = {mm.getResult()};
  for (Value v : {zx, sumW, zw, sumX})
    if (v)
      operands.push_back(v);
  SmallVector<AffineMap> maps;
  for (Value v : operands)
    maps.push_back(getBroadcastMap(ctx, accTy, cast<ShapedType>(v.getType())));
  maps.push_back(AffineMap::getMultiDimIdentityMap(rank, ctx));
  SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
  Value init = emptyLike(b, loc, mm.getResult(), b.getI32Type());
  Value k = arith::IndexCastOp::create(
      b, loc, b.getI32Type(),
      tensor::DimOp::create(b, loc, op.getLhs(), op.getLhsReductionDim()));
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{accTy}, operands, ValueRange{init}, maps, iters,
      [&](OpBuilder &nb, Location l, ValueRange args) {
        unsigned a = 1;
        Value zxV = zx ? args[a++] : Value(), sw = zx ? args[a++] : Value();
        Value zwV = zw ? args[a++] : Value(), sx = zw ? args[a++] : Value();
        linalg::YieldOp::create(
            nb, l,
            emitZeroPointCorrection(nb, l, args[0], zxV, sw, zwV, sx, k));
      });
  op.getResult().replaceAllUsesWith(generic.getResult(0));
  op.erase();
  return mm;
}

/// [B, M, K] `lhs` as [B * M, K] `flatTy`, a view. A slice of whole
/// batches (rowsCollapseInPlace) is the slice of the collapsed source, rows
/// [b0 * M, (b0 + B) * M) and the slice's columns: collapsing the slice itself
/// would copy it when M is dynamic (its batch stride is then dynamic in the
/// memref type, and bufferization only collapses layouts it can prove
/// contiguous).
static Value collapseRows(OpBuilder &b, Location loc, Value lhs,
                          RankedTensorType flatTy) {
  SmallVector<ReassociationIndices> assoc = {{0, 1}, {2}};
  auto slice = lhs.getDefiningOp<tensor::ExtractSliceOp>();
  std::string why;
  if (!slice || slice.getSourceType().getRank() != 3 ||
      !rowsCollapseInPlace(lhs, why))
    return tensor::CollapseShapeOp::create(b, loc, flatTy, lhs, assoc);
  Value src = slice.getSource();
  auto srcTy = slice.getSourceType();
  auto srcFlatTy = RankedTensorType::get(
      {mulSizes(srcTy.getDimSize(0), srcTy.getDimSize(1)), srcTy.getDimSize(2)},
      srcTy.getElementType());
  Value srcFlat = collapseRows(b, loc, src, srcFlatTy);
  // Batch offset and count times M.
  AffineExpr s0, s1;
  bindSymbols(b.getContext(), s0, s1);
  OpFoldResult mSize = tensor::getMixedSize(b, loc, src, 1);
  OpFoldResult row0 = affine::makeComposedFoldedAffineApply(
      b, loc, s0 * s1, {slice.getMixedOffsets()[0], mSize});
  OpFoldResult rows = affine::makeComposedFoldedAffineApply(
      b, loc, s0 * s1, {slice.getMixedSizes()[0], mSize});
  // The slice's columns (a chunk of K, --quantc-split-k) stay its own.
  SmallVector<OpFoldResult> offsets = {row0, slice.getMixedOffsets()[2]};
  SmallVector<OpFoldResult> sizes = {rows, slice.getMixedSizes()[2]};
  SmallVector<OpFoldResult> strides(2, b.getIndexAttr(1));
  return tensor::ExtractSliceOp::create(b, loc, flatTy, srcFlat, offsets, sizes,
                                        strides);
}

KernelLayout quantc::toKernelLayout(MatmulOp op, StringRef kernelName,
                                    bool takesZeroPoints,
                                    bool readsRuntimeRhsKN,
                                    bool flattensDynamicBatch) {
  KernelLayout result;
  result.matmul = op;
  bool broadcast =
      op.isRhsBroadcast() && op.getLhs().getType().getRank() == 3 &&
      (op.getLhs().getType().hasStaticShape() || flattensDynamicBatch);
  if (op.hasZeroPoints() && (!takesZeroPoints || broadcast)) {
    op.emitRemark() << "the " << kernelName
                    << " kernel does not take the zero points of "
                    << (takesZeroPoints ? "a GEMM whose weight is broadcast "
                                          "over the batch"
                                        : "this GEMM")
                    << ": they are corrected in i32 after it (row and "
                       "column sums of the operands)";
    op = expandZeroPoints(op);
    result.matmul = op;
  }
  // A [..., C, D] rhs the kernel packs as it lies.
  bool keepRhsKN = readsRuntimeRhsKN && op.getTransposeRhs() &&
                   !isLoadTimeValue(op.getRhs()) &&
                   !matchPattern(op.getRhs(), m_Constant());
  if (!op.getTransposeLhs() && (!op.getTransposeRhs() || keepRhsKN) &&
      !broadcast)
    return result;
  OpBuilder b(op);
  Location loc = op.getLoc();
  Value lhs = op.getLhs(), rhs = op.getRhs();
  result.copiedLhs = op.getTransposeLhs();
  result.copiedRhs = op.getTransposeRhs() && !keepRhsKN;
  // A load-time operand (a parameter) is copied once, by the prepare
  // function, not per call: no remark for it.
  bool perCallLhs = result.copiedLhs && !isLoadTimeValue(lhs);
  bool perCallRhs = result.copiedRhs && !isLoadTimeValue(rhs);
  if (perCallLhs || perCallRhs)
    op.emitRemark() << "the " << kernelName
                    << " kernel reads a [..., N, C] lhs and a [..., D, C] "
                       "rhs: the transposed "
                    << (perCallLhs && perCallRhs ? "operands are"
                        : perCallLhs             ? "lhs is"
                                                 : "rhs is")
                    << " copied into that layout on every call";
  if (op.getTransposeLhs())
    lhs = transposeLast2(b, loc, lhs);
  if (result.copiedRhs)
    rhs = transposeLast2(b, loc, rhs);
  auto accTy = op.getResult().getType();
  Value acc;
  if (broadcast) {
    // [B, M, K] -> [B * M, K]; the result [B * M, N] -> [B, M, N]. Sizes
    // may be dynamic (flattensDynamicBatch): B * M is then dynamic too.
    auto lt = cast<RankedTensorType>(lhs.getType());
    SmallVector<ReassociationIndices> assoc = {{0, 1}, {2}};
    auto flatTy = RankedTensorType::get(
        {mulSizes(lt.getDimSize(0), lt.getDimSize(1)), lt.getDimSize(2)},
        lt.getElementType());
    Value flat = collapseRows(b, loc, lhs, flatTy);
    // The [B, M, N] sizes of the expanded result: B and M those of the lhs,
    // N that of the rhs; here, before the GEMM and its rescale.
    SmallVector<OpFoldResult> outShape = {
        tensor::getMixedSize(b, loc, lhs, 0),
        tensor::getMixedSize(b, loc, lhs, 1),
        tensor::getMixedSize(b, loc, rhs, keepRhsKN ? 1 : 0)};
    // The flat [B * M, N] `v` as `ty` ([B, M, N]): a tensor.expand_shape, or
    // where B and M are both dynamic a tensor.reshape (memref.expand_shape
    // of two dynamic sizes in one group crashes LLVM 22's
    // --expand-strided-metadata).
    auto expand = [&](OpBuilder &ob, RankedTensorType ty, Value v) -> Value {
      if (!ty.isDynamicDim(0) || !ty.isDynamicDim(1))
        return tensor::ExpandShapeOp::create(ob, loc, ty, v, assoc, outShape);
      SmallVector<Value> sizes =
          llvm::map_to_vector(outShape, [&](OpFoldResult s) {
            return getValueOrCreateConstantIndexOp(ob, loc, s);
          });
      Value shape = tensor::FromElementsOp::create(ob, loc, sizes);
      return tensor::ReshapeOp::create(ob, loc, ty, v, shape);
    };
    auto flatAccTy = RankedTensorType::get(
        {flatTy.getDimSize(0), accTy.getDimSize(2)}, accTy.getElementType());
    auto mm = MatmulOp::create(b, loc, flatAccTy, flat, rhs,
                               /*transpose_lhs=*/false, keepRhsKN);
    // A rescale that is the only user, with operands that vary along both
    // the batch and the rows or along neither, is flattened with the GEMM
    // (its kernel fuses it); any other runs after it.
    auto rescale =
        op->hasOneUse() ? dyn_cast<RescaleOp>(*op->user_begin()) : RescaleOp();
    auto flattenable = [&](Value v) {
      auto t = cast<RankedTensorType>(v.getType());
      bool batch = t.getDimSize(0) != 1, rows = t.getDimSize(1) != 1;
      return (t.hasStaticShape() || flattensDynamicBatch) &&
             (batch == rows || (batch && accTy.getDimSize(1) == 1) ||
              (rows && accTy.getDimSize(0) == 1));
    };
    bool fuse = rescale && rescale.getAcc() == op.getResult() &&
                llvm::all_of(rescale->getOperands().drop_front(), flattenable);
    if (fuse) {
      OpBuilder rb(rescale);
      auto flatten = [&](Value v) -> Value {
        if (!v)
          return v;
        auto t = cast<RankedTensorType>(v.getType());
        auto ft = RankedTensorType::get(
            {mulSizes(t.getDimSize(0), t.getDimSize(1)), t.getDimSize(2)},
            t.getElementType());
        return tensor::CollapseShapeOp::create(rb, loc, ft, v, assoc);
      };
      auto resTy = rescale.getResult().getType();
      auto flatResTy = RankedTensorType::get(
          {flatAccTy.getDimSize(0), flatAccTy.getDimSize(1)},
          resTy.getElementType());
      auto flatRescale = RescaleOp::create(
          rb, rescale.getLoc(), flatResTy, mm, flatten(rescale.getXScale()),
          flatten(rescale.getWScale()), flatten(rescale.getBias()),
          flatten(rescale.getOutputScale()), flatten(rescale.getResidual()),
          rescale.getActivationAttr(), rescale.getQminAttr(),
          rescale.getQmaxAttr());
      Value y = expand(rb, resTy, flatRescale);
      rescale.getResult().replaceAllUsesWith(y);
      rescale.erase();
      op.erase();
      result.matmul = mm;
      return result;
    }
    acc = expand(b, accTy, mm);
    for (Operation *user : op->getUsers())
      if (auto rescale = dyn_cast<RescaleOp>(user)) {
        rescale.emitRemark()
            << "runs after the " << kernelName
            << " GEMM, not fused into its kernel: the GEMM's weight is "
               "broadcast over the batch, which runs as one 2-D GEMM over "
               "the batch's rows, and the rescale's operands do not "
               "flatten with it (they vary along the batch or the rows "
               "alone)";
        result.unfusedRescales.push_back(rescale);
      }
    op.getResult().replaceAllUsesWith(acc);
    op.erase();
    result.matmul = mm;
    return result;
  }
  auto mm = MatmulOp::create(b, loc, accTy, lhs, rhs, op.getLhsZeroPoint(),
                             op.getRhsZeroPoint(), false, keepRhsKN);
  op.getResult().replaceAllUsesWith(mm.getResult());
  op.erase();
  result.matmul = mm;
  return result;
}

bool quantc::rowsCollapseInPlace(Value lhs, std::string &why) {
  SmallVector<ReassociationIndices> assoc = {{0, 1}, {2}};
  if (auto slice = lhs.getDefiningOp<tensor::ExtractSliceOp>()) {
    auto srcTy = slice.getSourceType();
    bool unitStrides = llvm::all_of(slice.getMixedStrides(), [](auto s) {
      return isConstantIntValue(s, 1);
    });
    // M whole: offset 0 and the source's size, static or its tensor.dim.
    OpFoldResult size = slice.getMixedSizes()[1];
    bool wholeM = false;
    if (std::optional<int64_t> c = getConstantIntValue(size))
      wholeM = *c == srcTy.getDimSize(1);
    else if (auto dim = cast<Value>(size).getDefiningOp<tensor::DimOp>())
      wholeM =
          dim.getSource() == slice.getSource() && dim.getConstantIndex() == 1;
    if (srcTy.getRank() != 3 || !unitStrides ||
        !isConstantIntValue(slice.getMixedOffsets()[1], 0) || !wholeM) {
      why = "it is a tensor.extract_slice that does not take whole rows "
            "(all M) of every batch with unit strides";
      return false;
    }
    return quantc::rowsCollapseInPlace(slice.getSource(), why);
  }
  if (auto toTensor = lhs.getDefiningOp<bufferization::ToTensorOp>()) {
    auto bufTy = cast<MemRefType>(toTensor.getBuffer().getType());
    if (!memref::CollapseShapeOp::isGuaranteedCollapsible(bufTy, assoc)) {
      llvm::raw_string_ostream os(why);
      os << "its buffer's layout (" << bufTy << ") does not collapse B x M";
      return false;
    }
  }
  return true;
}
