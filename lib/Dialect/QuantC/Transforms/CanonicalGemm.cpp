//===- CanonicalGemm.cpp - any int8 contraction as a quantc.matmul --------===//
#include "CanonicalGemm.h"
#include "quantc/Dialect/QuantC/Utils/ConstantWeights.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/ReshapeOpsUtils.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/TypeUtilities.h"
#include "quantc/Dialect/QuantC/Utils/Arithmetic.h"

using namespace mlir;
using namespace quantc;

/// True if `v` is a tensor filled with zero (`linalg.fill 0` or a zero splat).
static bool isZeroTensor(Value v) {
  if (auto fill = v.getDefiningOp<linalg::FillOp>())
    return matchPattern(fill.getInputs()[0], m_AnyZeroFloat()) ||
           matchPattern(fill.getInputs()[0], m_Zero());
  return matchPattern(v, m_AnyZeroFloat()) || matchPattern(v, m_Zero());
}

static StringRef roleName(unsigned i) {
  return i == 0 ? "activation" : "weight";
}

namespace {
/// An operand traced back to its quantc.dequantize: the loops of the
/// dequantize's result (which the scale is shaped like) and of the integer
/// tensor behind it (after transposes on the integer side).
struct Peeled {
  DequantizeOp dq;
  Value quantized;
  SmallVector<unsigned> scaleLoops, loops;
};
} // namespace

/// Follows `v` (indexed by `loops`) through transposes and casts to the
/// quantc.dequantize that defines it, and from its input through transposes
/// to the integer tensor.
static FailureOr<Peeled> peel(Value v, SmallVector<unsigned> loops,
                              unsigned role, std::string &why) {
  auto throughTranspose = [&](Value &x) {
    auto tr = x.getDefiningOp<linalg::TransposeOp>();
    if (!tr || !tr.hasPureTensorSemantics())
      return false;
    // Result dimension i is input dimension perm[i].
    SmallVector<unsigned> in(loops.size());
    for (auto [i, p] : llvm::enumerate(tr.getPermutation()))
      in[p] = loops[i];
    loops = std::move(in);
    x = tr.getInput();
    return true;
  };
  while (true) {
    if (auto dq = v.getDefiningOp<DequantizeOp>()) {
      Peeled p;
      p.dq = dq;
      p.scaleLoops = loops;
      Value q = dq.getInput();
      while (throughTranspose(q)) {
      }
      p.quantized = q;
      p.loops = loops;
      return p;
    }
    if (throughTranspose(v))
      continue;
    if (auto cast = v.getDefiningOp<tensor::CastOp>()) {
      v = cast.getSource();
      continue;
    }
    why = (Twine("the ") + roleName(role) +
           " is not a quantc.dequantize of an integer tensor (through "
           "transposes and casts)")
              .str();
    return failure();
  }
}

FailureOr<CanonicalGemm> quantc::matchCanonicalGemm(linalg::LinalgOp op,
                                                    const GemmVerdict &verdict,
                                                    std::string &why) {
  const ContractionInfo &info = verdict.info;
  if (!op.hasPureTensorSemantics() || op.getNumDpsInits() != 1) {
    why = "it is not a contraction on tensors with one result";
    return failure();
  }
  if (!isZeroTensor(op.getDpsInits()[0])) {
    why = "its accumulator (outs) does not start at zero";
    return failure();
  }
  // Loop roles, from the shared analysis.
  unsigned numLoops = op.getNumLoops();
  SmallVector<std::optional<DimRole>> role(numLoops);
  for (const ContractionOperand *o : {&info.lhs, &info.rhs})
    for (auto [d, loop] : llvm::zip(o->dims, o->loopDims))
      role[loop] = d;
  SmallVector<unsigned> kLoops, nLoops;
  for (unsigned l = 0; l < numLoops; ++l) {
    if (role[l] == DimRole::K)
      kLoops.push_back(l);
    if (role[l] == DimRole::N)
      nLoops.push_back(l);
  }
  if (kLoops.size() != 1) {
    why = "it reduces over " + std::to_string(kLoops.size()) +
          " loops (a convolution window or a multi-dimensional reduction); "
          "quantc.matmul has one reduction dimension";
    return failure();
  }
  if (nLoops.size() > 1) {
    why = "its weight has " + std::to_string(nLoops.size()) +
          " output-channel dimensions";
    return failure();
  }
  CanonicalGemm g;
  g.kLoop = kLoops.front();
  AffineMap out = op.getIndexingMapsArray().back();
  for (AffineExpr e : out.getResults()) {
    auto d = dyn_cast<AffineDimExpr>(e);
    if (!d) {
      why = "its result is not indexed by loops alone";
      return failure();
    }
    g.resultLoops.push_back(d.getPosition());
  }
  // A matrix-vector product (no N loop), vector-matrix product (no M loop)
  // or dot product (neither) gets unit loops of its own: the operand without
  // the loop and the result are reshaped around a quantc.matmul.
  bool hasM = llvm::is_contained(role, DimRole::M);
  if (nLoops.empty() || !hasM) {
    if (!op.hasDynamicShape() && op.getNumLoops() > 0) {
      role.resize(numLoops + 2);
      if (nLoops.empty()) {
        g.virtualN = numLoops;
        role[numLoops] = DimRole::N;
        nLoops.push_back(numLoops);
        g.resultLoops.push_back(numLoops);
      }
      if (!hasM) {
        g.virtualM = numLoops + 1;
        role[numLoops + 1] = DimRole::M;
        g.resultLoops.insert(g.resultLoops.end() - 1, numLoops + 1);
      }
    } else {
      why = "it is a matrix-vector or dot product with a dynamic shape";
      return failure();
    }
  }
  int64_t r = g.resultLoops.size();
  if (r < 2 || g.resultLoops.back() != nLoops.front() ||
      role[g.resultLoops[r - 2]] != DimRole::M) {
    why = "its result is not laid out [..., rows, output channels] (the "
          "output channels last)";
    return failure();
  }
  bool trueBatch = false, extraM = false;
  for (int64_t i = 0; i < r - 2; ++i) {
    trueBatch |= role[g.resultLoops[i]] == DimRole::Batch;
    extraM |= role[g.resultLoops[i]] == DimRole::M;
  }
  if (trueBatch && extraM) {
    why = "its weight has some of the batch dimensions but not all";
    return failure();
  }
  g.rhsBroadcast = extraM;

  for (unsigned i = 0; i < 2; ++i) {
    const ContractionOperand &o = i == 0 ? info.lhs : info.rhs;
    FailureOr<Peeled> p =
        peel(o.value, SmallVector<unsigned>(o.loopDims), i, why);
    if (failed(p))
      return failure();
    const std::optional<ScaleGranularity> &scale =
        i == 0 ? verdict.lhsScale : verdict.rhsScale;
    if (!scale || scale->source != p->dq.getOperation()) {
      why = (Twine("the ") + roleName(i) +
             "'s quantization is reached through an op the fusion does not "
             "look through (e.g. a reshape or quantc.smooth)")
                .str();
      return failure();
    }
    if (Value zp = p->dq.getZeroPoint()) {
      // The zero point must leave the sum over K like the scale: constant
      // along the reduction dimension.
      auto zpTy = cast<ShapedType>(zp.getType());
      for (auto [d, loop] : llvm::enumerate(p->scaleLoops))
        if (loop == g.kLoop && zpTy.getDimSize(d) != 1) {
          why = (Twine("the ") + roleName(i) +
                 "'s zero point varies along the reduction dimension")
                    .str();
          return failure();
        }
    }
    CanonicalOperand &c = i == 0 ? g.lhs : g.rhs;
    c.quantized = p->quantized;
    c.scale = p->dq.getScale();
    c.zeroPoint = p->dq.getZeroPoint();
    c.loops = p->loops;
    c.scaleLoops = p->scaleLoops;
  }
  // FP8 operands make an FP8 GEMM (f32 accumulator) only in pairs.
  if (isFp8Storage(g.lhs.quantized.getType()) !=
      isFp8Storage(g.rhs.quantized.getType())) {
    why = "it mixes an FP8 (f8E4M3FN) and an integer operand; quantc.matmul "
          "takes two of one kind";
    return failure();
  }
  // (Zero points widen (q - z) to the storage's span, 255 for i8: the
  // analysis' int32 overflow bound counts them, and --quantc-split-k splits
  // a K beyond it, at run time for a dynamic K.)
  // The unit loops index a unit dimension inserted before the last one of
  // the operand that lacks them ([K] -> [1, K], the kernels' layout; the
  // scale keeps its shape: it does not vary along them).
  if (g.virtualN)
    g.rhs.loops.insert(g.rhs.loops.end() - 1, *g.virtualN);
  if (g.virtualM)
    g.lhs.loops.insert(g.lhs.loops.end() - 1, *g.virtualM);
  return g;
}

Value quantc::reshapeStatic(RewriterBase &rewriter, Location loc, Value v,
                            ArrayRef<int64_t> shape) {
  auto ty = cast<RankedTensorType>(v.getType());
  if (ty.getShape() == shape)
    return v;
  auto newTy = RankedTensorType::get(shape, ty.getElementType());
  DenseElementsAttr attr;
  if (matchPattern(v, m_Constant(&attr)))
    return arith::ConstantOp::create(rewriter, loc,
                                     cast<TypedAttr>(attr.reshape(newTy)));
  // A resource constant is reshaped by sharing its blob.
  DenseResourceElementsAttr res;
  if (matchPattern(v, m_Constant(&res)))
    return arith::ConstantOp::create(
        rewriter, loc,
        DenseResourceElementsAttr::get(newTy, res.getRawHandle()));
  ReassociationIndices all;
  for (int64_t i = 0; i < ty.getRank(); ++i)
    all.push_back(i);
  Value flat = tensor::CollapseShapeOp::create(
      rewriter, loc, v, ArrayRef<ReassociationIndices>{all});
  ReassociationIndices allNew;
  for (int64_t i = 0, e = shape.size(); i < e; ++i)
    allNew.push_back(i);
  return tensor::ExpandShapeOp::create(rewriter, loc, newTy, flat,
                                       ArrayRef<ReassociationIndices>{allNew});
}

Value quantc::permute(RewriterBase &rw, Location loc, Value v,
                      ArrayRef<int64_t> perm) {
  auto ty = cast<RankedTensorType>(v.getType());
  if (llvm::equal(perm, llvm::seq<int64_t>(0, ty.getRank())))
    return v;
  SmallVector<int64_t> shape;
  for (int64_t p : perm)
    shape.push_back(ty.getDimSize(p));
  auto newTy = RankedTensorType::get(shape, ty.getElementType());
  // Model weights (dense_resource blobs) are permuted as bytes and stay
  // blobs (ConstantWeights.h).
  if (ElementsAttr cw = getConstantWeight(v);
      cw && isa<DenseResourceElementsAttr>(cw))
    if (ElementsAttr permuted = permuteElements(cw, perm))
      return arith::ConstantOp::create(rw, loc, cast<TypedAttr>(permuted));
  DenseElementsAttr attr;
  if (isFoldableSize(ty) && matchPattern(v, m_Constant(&attr))) {
    if (attr.isSplat())
      return arith::ConstantOp::create(rw, loc, attr.reshape(newTy));
    SmallVector<Attribute> src(attr.getValues<Attribute>());
    SmallVector<Attribute> dst(src.size());
    int64_t rank = ty.getRank();
    SmallVector<int64_t> srcStrides(rank, 1);
    for (int64_t d = rank - 2; d >= 0; --d)
      srcStrides[d] = srcStrides[d + 1] * ty.getDimSize(d + 1);
    SmallVector<int64_t> idx(rank, 0);
    for (int64_t lin = 0, e = dst.size(); lin < e; ++lin) {
      int64_t s = 0;
      for (int64_t i = 0; i < rank; ++i)
        s += idx[i] * srcStrides[perm[i]];
      dst[lin] = src[s];
      for (int64_t i = rank - 1; i >= 0; --i) {
        if (++idx[i] < shape[i])
          break;
        idx[i] = 0;
      }
    }
    return arith::ConstantOp::create(rw, loc,
                                     DenseElementsAttr::get(newTy, dst));
  }
  SmallVector<Value> dyn;
  for (int64_t i = 0; i < newTy.getRank(); ++i)
    if (newTy.isDynamicDim(i))
      dyn.push_back(tensor::DimOp::create(rw, loc, v, perm[i]));
  Value init =
      tensor::EmptyOp::create(rw, loc, shape, ty.getElementType(), dyn);
  return linalg::TransposeOp::create(rw, loc, v, init, perm).getResult()[0];
}

/// The scale `scale` (indexed by `loops`) as an epilogue operand of the
/// result (indexed by `resultLoops`): the same values, dimensions of loops
/// the result does not have dropped (they are of size 1), the others in the
/// result's order, size 1 where the result's loop is not the scale's.
static Value resultScale(RewriterBase &rw, Location loc, Value scale,
                         ArrayRef<unsigned> loops,
                         ArrayRef<unsigned> resultLoops) {
  auto ty = cast<RankedTensorType>(scale.getType());
  int64_t r = resultLoops.size();
  SmallVector<int64_t> shape(r, 1);
  // For each result dimension, the scale dimension that feeds it (or -1).
  SmallVector<int64_t> from(r, -1);
  for (int64_t i = 0; i < r; ++i)
    for (auto [j, l] : llvm::enumerate(loops))
      if (l == resultLoops[i] && ty.getDimSize(j) != 1) {
        from[i] = j;
        shape[i] = ty.getDimSize(j);
      }
  bool same = ty.getRank() == r;
  for (int64_t i = 0; same && i < r; ++i)
    same = ty.getDimSize(i) == shape[i] && (from[i] < 0 || from[i] == i);
  if (same)
    return scale;
  // Only unit dimensions move: a reshape.
  bool ordered = ty.hasStaticShape();
  for (int64_t i = 0, last = -1; ordered && i < r; ++i)
    if (from[i] >= 0) {
      ordered = from[i] > last;
      last = from[i];
    }
  if (ordered)
    return reshapeStatic(rw, loc, scale, shape);
  auto newTy = RankedTensorType::get(shape, ty.getElementType());
  DenseElementsAttr attr;
  if (ty.hasStaticShape() && isFoldableSize(ty) &&
      matchPattern(scale, m_Constant(&attr))) {
    if (attr.isSplat())
      return arith::ConstantOp::create(rw, loc, attr.resizeSplat(newTy));
    SmallVector<Attribute> src(attr.getValues<Attribute>());
    SmallVector<int64_t> srcStrides(ty.getRank(), 1);
    for (int64_t d = ty.getRank() - 2; d >= 0; --d)
      srcStrides[d] = srcStrides[d + 1] * ty.getDimSize(d + 1);
    SmallVector<Attribute> dst;
    SmallVector<int64_t> idx(r, 0);
    for (int64_t lin = 0, e = newTy.getNumElements(); lin < e; ++lin) {
      int64_t s = 0;
      for (int64_t i = 0; i < r; ++i)
        if (from[i] >= 0)
          s += idx[i] * srcStrides[from[i]];
      dst.push_back(src[s]);
      for (int64_t i = r - 1; i >= 0; --i) {
        if (++idx[i] < shape[i])
          break;
        idx[i] = 0;
      }
    }
    return arith::ConstantOp::create(rw, loc,
                                     DenseElementsAttr::get(newTy, dst));
  }
  // At run time: a copy whose input map reads the scale's varying
  // dimensions at the result's indices and its unit dimensions at 0.
  MLIRContext *ctx = rw.getContext();
  SmallVector<Value> dyn;
  for (int64_t i = 0; i < r; ++i)
    if (ShapedType::isDynamic(shape[i]))
      dyn.push_back(tensor::DimOp::create(rw, loc, scale, from[i]));
  SmallVector<AffineExpr> in(ty.getRank(), getAffineConstantExpr(0, ctx));
  for (int64_t i = 0; i < r; ++i)
    if (from[i] >= 0)
      in[from[i]] = getAffineDimExpr(i, ctx);
  Value init =
      tensor::EmptyOp::create(rw, loc, shape, ty.getElementType(), dyn);
  SmallVector<AffineMap> maps = {AffineMap::get(r, 0, in, ctx),
                                 AffineMap::getMultiDimIdentityMap(r, ctx)};
  SmallVector<utils::IteratorType> iters(r, utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             rw, loc, TypeRange{newTy}, ValueRange{scale}, ValueRange{init},
             maps, iters,
             [](OpBuilder &b, Location l, ValueRange args) {
               linalg::YieldOp::create(b, l, args[0]);
             })
      .getResult(0);
}

Value quantc::buildCanonicalGemm(RewriterBase &rw, linalg::LinalgOp op,
                                 const CanonicalGemm &g) {
  Location loc = op.getLoc();
  int64_t r = g.resultLoops.size(), nb = r - 2;
  SmallVector<unsigned> batch(g.resultLoops.begin(),
                              g.resultLoops.begin() + nb);
  unsigned m = g.resultLoops[nb], n = g.resultLoops[nb + 1], k = g.kLoop;
  // An operand in [batch..., inner, k] or [batch..., k, inner] is read as it
  // lies (transposed for the latter); any other order is permuted to the
  // former. A constant weight is always brought to [..., n, k] at compile
  // time, the layout the kernels pack from.
  auto arrange = [&](const CanonicalOperand &o, unsigned inner, bool hasBatch,
                     bool foldConstant, bool &transposed) {
    SmallVector<unsigned> plain = hasBatch ? batch : SmallVector<unsigned>();
    SmallVector<unsigned> swapped = plain;
    plain.append({inner, k});
    swapped.append({k, inner});
    transposed = false;
    if (o.loops == plain)
      return o.quantized;
    if (o.loops == swapped &&
        !(foldConstant && matchPattern(o.quantized, m_Constant()) &&
          isFoldableSize(cast<ShapedType>(o.quantized.getType())))) {
      transposed = true;
      return o.quantized;
    }
    SmallVector<int64_t> perm;
    for (unsigned l : plain)
      perm.push_back(llvm::find(o.loops, l) - o.loops.begin());
    return permute(rw, loc, o.quantized, perm);
  };
  // A unit loop indexes a unit dimension inserted before the operand's last.
  auto reshape = [&](Value v, ArrayRef<int64_t> shape) -> Value {
    auto ty = cast<RankedTensorType>(v.getType());
    auto newTy = RankedTensorType::get(shape, ty.getElementType());
    bool expand = newTy.getRank() > ty.getRank();
    auto assoc = getReassociationIndicesForCollapse(
        expand ? newTy.getShape() : ty.getShape(),
        expand ? ty.getShape() : newTy.getShape());
    assert(assoc && "unit dimensions always reassociate");
    if (expand)
      return tensor::ExpandShapeOp::create(rw, loc, newTy, v, *assoc);
    return tensor::CollapseShapeOp::create(rw, loc, newTy, v, *assoc);
  };
  auto withUnitDim = [&](CanonicalOperand o, bool add) {
    if (add) {
      auto ty = cast<RankedTensorType>(o.quantized.getType());
      SmallVector<int64_t> shape(ty.getShape());
      shape.insert(shape.end() - 1, 1);
      o.quantized = reshape(o.quantized, shape);
    }
    return o;
  };
  CanonicalOperand lhsOp = withUnitDim(g.lhs, g.virtualM.has_value());
  CanonicalOperand rhsOp = withUnitDim(g.rhs, g.virtualN.has_value());
  bool tl, tr;
  Value lhs = arrange(lhsOp, m, /*hasBatch=*/true, /*foldConstant=*/false, tl);
  Value rhs = arrange(rhsOp, n, !g.rhsBroadcast, /*foldConstant=*/true, tr);
  auto opResTy = cast<RankedTensorType>(op->getResult(0).getType());
  auto resTy = opResTy;
  if (g.virtualM || g.virtualN) {
    SmallVector<int64_t> ranges = op.getStaticLoopRanges(), shape;
    for (unsigned l : g.resultLoops)
      shape.push_back(l < ranges.size() ? ranges[l] : 1);
    resTy = RankedTensorType::get(shape, opResTy.getElementType());
  }
  // FP8 operands accumulate in f32, integers in i32.
  auto accTy = RankedTensorType::get(
      resTy.getShape(),
      isFp8Storage(lhs.getType()) ? Type(rw.getF32Type()) : rw.getI32Type());
  // Zero points become the matmul's, shaped over the result: the kernels
  // fold their corrections into compensation and epilogue.
  auto zeroPointOf = [&](const CanonicalOperand &o) -> Value {
    if (!o.zeroPoint)
      return Value();
    Value z = resultScale(rw, loc, o.zeroPoint, o.scaleLoops, g.resultLoops);
    auto zt = cast<RankedTensorType>(z.getType());
    if (zt.getElementType().isInteger(32))
      return z;
    auto i32Ty = RankedTensorType::get(zt.getShape(), rw.getI32Type());
    return arith::ExtSIOp::create(rw, loc, i32Ty, z);
  };
  Value acc = MatmulOp::create(rw, loc, accTy, lhs, rhs, zeroPointOf(g.lhs),
                               zeroPointOf(g.rhs), tl, tr);
  Value xs = resultScale(rw, loc, g.lhs.scale, g.lhs.scaleLoops, g.resultLoops);
  Value ws = resultScale(rw, loc, g.rhs.scale, g.rhs.scaleLoops, g.resultLoops);
  Value y =
      RescaleOp::create(rw, loc, resTy, acc, xs, ws, /*bias=*/Value(),
                        /*output_scale=*/Value(), /*residual=*/Value(),
                        ActivationAttr::get(op.getContext(), Activation::none),
                        /*qmin=*/IntegerAttr(), /*qmax=*/IntegerAttr());
  return resTy == opResTy ? y : reshape(y, opResTy.getShape());
}
