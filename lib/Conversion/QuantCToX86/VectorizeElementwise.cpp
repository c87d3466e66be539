//===- VectorizeElementwise.cpp - vector loops for elementwise ops --------===//
//
// Elementwise and reduction linalg.generic ops on tensors (norms, softmax,
// activations, the per-token quantization) -> scf loops whose innermost loop
// walks the innermost dimension one vector at a time, with a masked tail;
// transcendental functions on the vectors become polynomial approximations.
// See the pass description in Conversion/Passes.td.
//
//===----------------------------------------------------------------------===//
#include "quantc/Conversion/QuantCToX86/QuantCToX86.h"

#include "FuseRowLoops.h"
#include "RowScratch.h"

#include "mlir/Analysis/SliceAnalysis.h"
#include "mlir/Dialect/Affine/Utils.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Linalg/Utils/Utils.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace quantc {
#define GEN_PASS_DEF_QUANTCX86VECTORIZEELEMENTWISE
#include "quantc/Conversion/Passes.h.inc"
} // namespace quantc

using namespace mlir;

namespace {
/// How one linalg.generic is vectorized: its loops split into the innermost
/// (walked one vector at a time), the other parallel loops (outermost, scalar)
/// and the other reduction loops (scalar, inside the parallel ones, carrying
/// a vector accumulator).
struct Plan {
  unsigned inner = 0;
  SmallVector<unsigned> outerParallel;
  SmallVector<unsigned> outerReduction;
  /// The innermost loop is a reduction: per-lane partial results in a vector
  /// accumulator that starts at `identity`, reduced horizontally by `kind`
  /// once per output element.
  bool innerReduction = false;
  vector::CombiningKind kind = vector::CombiningKind::ADD;
  TypedAttr identity;
};
} // namespace

/// Integer division and remainder: x86 has no vector form, LLVM divides lane
/// by lane, and a divisor of 0 traps.
static bool isIntegerDivision(Operation &op) {
  return isa<arith::DivSIOp, arith::DivUIOp, arith::RemSIOp, arith::RemUIOp,
             arith::CeilDivSIOp, arith::CeilDivUIOp, arith::FloorDivSIOp>(op);
}

/// Whether `op` is one the body vectorizer clones onto vectors: a constant,
/// a `linalg.index`, or an elementwise-mappable op on scalars without
/// regions.
static bool isVectorizableBodyOp(Operation &op) {
  auto scalar = [](Type t) { return t.isIntOrIndexOrFloat(); };
  if (isa<linalg::IndexOp>(op))
    return true;
  if (op.getNumRegions() != 0 || op.getNumResults() != 1 ||
      !scalar(op.getResult(0).getType()))
    return false;
  if (op.hasTrait<OpTrait::ConstantLike>())
    return op.getNumOperands() == 0;
  return OpTrait::hasElementwiseMappableTraits(&op) &&
         llvm::all_of(op.getOperandTypes(), scalar);
}

/// Why the emitter cannot read an input through `m`, or an empty string:
/// each index is a loop, 0 (a broadcast dimension of extent 1) or an affine
/// expression of loops other than `inner` (a convolution's window position
/// `o * stride + w * dilation`, an im2col gather); `inner`, if read at all,
/// only in the last index, alone or plus such an expression, so that a
/// vector walks the operand's innermost dimension one element per lane.
static std::string checkReadMap(AffineMap m, unsigned inner) {
  AffineExpr innerExpr = getAffineDimExpr(inner, m.getContext());
  for (auto [i, e] : llvm::enumerate(m.getResults())) {
    bool division = false;
    e.walk([&](AffineExpr x) {
      division |= x.getKind() == AffineExprKind::FloorDiv ||
                  x.getKind() == AffineExprKind::CeilDiv ||
                  x.getKind() == AffineExprKind::Mod;
    });
    if (!e.isPureAffine() || division)
      return "reads an index that is not a sum of multiples of the loops";
    if (!e.isFunctionOfDim(inner))
      continue;
    if (i + 1 != m.getNumResults())
      return "reads the innermost loop along a dimension that is not its "
             "innermost (a transpose)";
    AffineExpr rest =
        simplifyAffineExpr(e - innerExpr, m.getNumDims(), m.getNumSymbols());
    if (rest.isFunctionOfDim(inner))
      return "reads its innermost dimension with a stride along the "
             "innermost loop";
  }
  return "";
}

/// Why the pass does not vectorize `op`, or an empty string when it does (and
/// then `plan` says how): one result; a result map that is a projected
/// permutation and input maps that checkReadMap takes, all reading
/// the innermost loop, if at all, along an operand's innermost dimension; a
/// result that varies along the innermost loop unless it is a reduction
/// (then along no reduction loop); a body of constants, `linalg.index` and
/// elementwise ops; an innermost reduction by one combining op with a
/// neutral element.
static std::string planVectorization(linalg::GenericOp op, Plan &plan) {
  if (op->getNumResults() != 1 || op.getNumDpsInits() != 1)
    return "it has " + std::to_string(op->getNumResults()) + " results";
  unsigned loops = op.getNumLoops();
  if (loops == 0)
    return "it has no loops";
  MLIRContext *ctx = op.getContext();
  plan.inner = loops - 1;
  SmallVector<utils::IteratorType> iters = op.getIteratorTypesArray();
  for (unsigned d = 0; d + 1 < loops; ++d)
    (iters[d] == utils::IteratorType::parallel ? plan.outerParallel
                                               : plan.outerReduction)
        .push_back(d);
  plan.innerReduction = iters.back() == utils::IteratorType::reduction;
  AffineExpr inner = getAffineDimExpr(plan.inner, ctx);
  for (OpOperand &o : op->getOpOperands()) {
    Type t = o.get().getType();
    if (!getElementTypeOrSelf(t).isIntOrFloat())
      return "operand #" + std::to_string(o.getOperandNumber()) +
             " has elements that are neither integers nor floats";
    if (isa<ShapedType>(t) && !isa<RankedTensorType>(t))
      return "operand #" + std::to_string(o.getOperandNumber()) +
             " is not a ranked tensor";
    // A buffer holds one byte per i1 or i4 element; a vector of them is
    // read and written bit-packed.
    if (isa<ShapedType>(t) &&
        getElementTypeOrSelf(t).getIntOrFloatBitWidth() % 8 != 0)
      return "operand #" + std::to_string(o.getOperandNumber()) + " has " +
             std::to_string(getElementTypeOrSelf(t).getIntOrFloatBitWidth()) +
             "-bit elements, stored one per byte (a vector of them would be "
             "read packed)";
    AffineMap m = op.getMatchingIndexingMap(&o);
    if (op.isDpsInit(&o)) {
      if (!m.isProjectedPermutation(/*allowZeroInResults=*/true))
        return "its result's indexing map is not a projected permutation";
      std::optional<unsigned> pos = m.getResultPosition(inner);
      if (pos && *pos + 1 != m.getNumResults())
        return "it writes the innermost loop along a dimension that is not "
               "its result's innermost (a transpose)";
      continue;
    }
    std::string why = checkReadMap(m, plan.inner);
    if (!why.empty())
      return "operand #" + std::to_string(o.getOperandNumber()) + " " + why;
  }
  AffineMap out = op.getIndexingMapMatchingResult(op->getResult(0));
  if (!plan.innerReduction && !out.isFunctionOfDim(plan.inner))
    return "its result does not vary along its innermost loop";
  for (unsigned d = 0; d < loops; ++d)
    if (iters[d] == utils::IteratorType::reduction && out.isFunctionOfDim(d))
      return "its result varies along a reduction loop";
  for (Operation &b : op.getBody()->without_terminator())
    if (!isVectorizableBodyOp(b))
      return "its body has " + b.getName().getStringRef().str() +
             ", which has no vector form here";
  if (plan.innerReduction) {
    SmallVector<Operation *> combiners;
    Value reduced = matchReduction(op.getRegionOutputArgs(), 0, combiners);
    if (!reduced || combiners.size() != 1)
      return "its innermost reduction is not one combining op of the "
             "accumulator";
    std::optional<vector::CombiningKind> kind =
        linalg::getCombinerOpKind(combiners[0]);
    std::optional<TypedAttr> identity = arith::getNeutralElement(combiners[0]);
    if (!kind || !identity)
      return "its reduction by " +
             combiners[0]->getName().getStringRef().str() +
             " has no vector reduction";
    plan.kind = *kind;
    plan.identity = *identity;
  }
  return "";
}

/// Independent vector accumulators of a reduction along the innermost loop:
/// an add or max has a latency of about 4 cycles and a throughput of 1 or 2
/// per cycle, so one accumulator would leave the loop latency-bound.
static constexpr int64_t kReductionUnroll = 4;

namespace {
/// Emits the vector loops of one planned linalg.generic at the builder's
/// insertion point (before the op).
class Emitter {
public:
  Emitter(OpBuilder &b, linalg::GenericOp op, const Plan &plan, int64_t lanes)
      : b(b), op(op), plan(plan), lanes(lanes), loc(op.getLoc()),
        ivs(op.getNumLoops()) {}

  /// The vectorized op's result.
  Value emit();

  /// The math ops it created, for the polynomial approximations.
  SmallVector<Operation *> mathOps;

private:
  using BodyFn = function_ref<SmallVector<Value>(ValueRange)>;
  /// One vector of the innermost loop at `ivs`: masked unless `mask` is
  /// null, `u`-th of its group of unrolled vectors; returns the new values
  /// of the loop-carried `iters`.
  using ChunkFn =
      function_ref<SmallVector<Value>(Value mask, ValueRange iters, int64_t u)>;

  VectorType vectorOf(Type t) const { return VectorType::get({lanes}, t); }
  Value index(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  SmallVector<Value> nest(ArrayRef<unsigned> dims, ValueRange iters,
                          BodyFn body);
  SmallVector<Value> chunks(ValueRange iters, int64_t unroll, ChunkFn body);
  SmallVector<Value> indices(AffineMap m);
  Value broadcast(Value v);
  Value readScalar(OpOperand &o);
  Value readVector(Value source, AffineMap m, bool inBounds);
  void classify();
  Value lookup(const DenseMap<Value, Value> &map, Value v);
  void emitOp(Operation &o, DenseMap<Value, Value> &map, Value mask);
  void emitUniform(DenseMap<Value, Value> &map);
  Value emitVarying(DenseMap<Value, Value> map, Value tensor, Value acc,
                    Value mask);

  OpBuilder &b;
  linalg::GenericOp op;
  const Plan &plan;
  int64_t lanes;
  Location loc;
  /// The current induction variables, by loop (the innermost: the vector's
  /// first index).
  SmallVector<Value> ivs;
  SmallVector<Value> sizes;
  /// The innermost extent rounded down to whole vectors.
  Value whole;
  /// Body values that vary along the innermost or a reduction loop; the
  /// others are computed once per point of the outer parallel loops.
  DenseSet<Value> varying;
  /// The loop marked quantc.x86_rows (emit() decides), if any.
  std::optional<unsigned> rowDim;
};
} // namespace

SmallVector<Value> Emitter::nest(ArrayRef<unsigned> dims, ValueRange iters,
                                 BodyFn body) {
  if (dims.empty())
    return body(iters);
  unsigned d = dims.front();
  // A dimension of extent 1 gets no loop: the loops inside it stay in the
  // block of the ops around (a marked row loop inside a 1-trip loop would
  // not be fused with its neighbours by fuseRowLoops).
  if (isConstantIntValue(sizes[d], 1)) {
    ivs[d] = index(0);
    return nest(dims.drop_front(), iters, body);
  }
  auto loop = scf::ForOp::create(
      b, loc, index(0), sizes[d], index(1), iters,
      [&](OpBuilder &nb, Location, Value iv, ValueRange args) {
        OpBuilder::InsertionGuard guard(b);
        b.restoreInsertionPoint(nb.saveInsertionPoint());
        ivs[d] = iv;
        scf::YieldOp::create(b, loc, nest(dims.drop_front(), args, body));
      });
  if (rowDim == d)
    loop->setAttr(quantc::kX86RowsAttrName, b.getUnitAttr());
  return loop.getResults();
}

/// The innermost loop: groups of `unroll` whole vectors (the body called
/// for each with its position in the group), whole vectors up to the largest
/// multiple of `lanes`, then one masked vector for the rest (when there is
/// one; decided at run time for a dynamic extent).
SmallVector<Value> Emitter::chunks(ValueRange iters, int64_t unroll,
                                   ChunkFn body) {
  Value n = sizes[plan.inner];
  std::optional<int64_t> staticN = getConstantIntValue(n);
  SmallVector<Value> results(iters);
  auto loop = [&](Value from, Value to, int64_t group) {
    auto f = scf::ForOp::create(
        b, loc, from, to, index(lanes * group), results,
        [&](OpBuilder &nb, Location, Value j, ValueRange args) {
          OpBuilder::InsertionGuard guard(b);
          b.restoreInsertionPoint(nb.saveInsertionPoint());
          SmallVector<Value> next(args);
          for (int64_t u = 0; u < group; ++u) {
            ivs[plan.inner] =
                u == 0
                    ? j
                    : Value(arith::AddIOp::create(b, loc, j, index(u * lanes)));
            next = body(Value(), next, u);
          }
          scf::YieldOp::create(b, loc, next);
        });
    results = f.getResults();
  };
  // Whole vectors [0, grouped) in groups, [grouped, whole) one by one.
  Value grouped = index(0);
  int64_t groupedN = 0;
  if (unroll > 1) {
    grouped = arith::MulIOp::create(
        b, loc, arith::DivUIOp::create(b, loc, n, index(lanes * unroll)),
        index(lanes * unroll));
    if (staticN)
      groupedN = *staticN / (lanes * unroll) * (lanes * unroll);
    if (!staticN || groupedN > 0)
      loop(index(0), grouped, unroll);
  }
  if (!staticN || *staticN / lanes * lanes > groupedN)
    loop(grouped, whole, 1);
  if (staticN && *staticN % lanes == 0)
    return results;
  auto tail = [&](ValueRange args) {
    ivs[plan.inner] = whole;
    Value rest = arith::SubIOp::create(b, loc, n, whole);
    Value mask = vector::CreateMaskOp::create(b, loc, vectorOf(b.getI1Type()),
                                              ValueRange{rest});
    return body(mask, args, 0);
  };
  if (staticN)
    return tail(results);
  Value any =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, whole, n);
  auto ifOp = scf::IfOp::create(b, loc, TypeRange(ValueRange(results)), any,
                                /*withElseRegion=*/true);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(ifOp.thenBlock());
    scf::YieldOp::create(b, loc, tail(results));
    b.setInsertionPointToStart(ifOp.elseBlock());
    scf::YieldOp::create(b, loc, results);
  }
  return ifOp.getResults();
}

SmallVector<Value> Emitter::indices(AffineMap m) {
  SmallVector<Value> idx;
  for (AffineExpr e : m.getResults()) {
    if (auto d = dyn_cast<AffineDimExpr>(e))
      idx.push_back(ivs[d.getPosition()]);
    else if (auto c = dyn_cast<AffineConstantExpr>(e))
      idx.push_back(index(c.getValue())); // 0: a broadcast dimension
    else
      idx.push_back(affine::expandAffineExpr(b, loc, e, ivs, ValueRange()));
  }
  return idx;
}

Value Emitter::broadcast(Value v) {
  if (isa<VectorType>(v.getType()))
    return v;
  return vector::BroadcastOp::create(b, loc, vectorOf(v.getType()), v);
}

/// Operand `o` at the current point as a scalar (it does not vary along the
/// innermost loop).
Value Emitter::readScalar(OpOperand &o) {
  if (!isa<ShapedType>(o.get().getType()))
    return o.get();
  return tensor::ExtractOp::create(b, loc, o.get(),
                                   indices(op.getMatchingIndexingMap(&o)));
}

/// `lanes` elements of `source` from the current point along its innermost
/// dimension; out-of-bounds lanes (the tail) read zero.
Value Emitter::readVector(Value source, AffineMap m, bool inBounds) {
  auto type = cast<RankedTensorType>(source.getType());
  Value pad = arith::ConstantOp::create(
      b, loc, cast<TypedAttr>(b.getZeroAttr(type.getElementType())));
  return vector::TransferReadOp::create(
      b, loc, vectorOf(type.getElementType()), source, indices(m), pad,
      AffineMap::getMinorIdentityMap(type.getRank(), 1, b.getContext()),
      ArrayRef<bool>{inBounds});
}

void Emitter::classify() {
  auto variesWith = [&](AffineMap m) {
    if (m.isFunctionOfDim(plan.inner))
      return true;
    return llvm::any_of(plan.outerReduction,
                        [&](unsigned d) { return m.isFunctionOfDim(d); });
  };
  for (OpOperand *in : op.getDpsInputOperands())
    if (variesWith(op.getMatchingIndexingMap(in)))
      varying.insert(op.getMatchingBlockArgument(in));
  varying.insert(op.getRegionOutputArgs()[0]);
  for (Operation &o : op.getBody()->without_terminator()) {
    bool v;
    if (auto idx = dyn_cast<linalg::IndexOp>(o))
      v = idx.getDim() == plan.inner ||
          llvm::is_contained(plan.outerReduction, idx.getDim());
    else
      // An integer division is not hoisted to the row: the scalar loops run
      // it only for rows that have elements (a divisor of 0 traps).
      v = isIntegerDivision(o) || llvm::any_of(o.getOperands(), [&](Value x) {
            return varying.contains(x);
          });
    if (v)
      varying.insert(o.getResult(0));
  }
}

/// `v` as a vector: its vectorized value, or a value from above the body
/// broadcast.
Value Emitter::lookup(const DenseMap<Value, Value> &map, Value v) {
  auto it = map.find(v);
  return it != map.end() ? it->second : broadcast(v);
}

/// Body op `o` on vectors (every value a vector of `lanes`); under `mask`
/// (the tail), an integer division divides the lanes outside it by 1.
void Emitter::emitOp(Operation &o, DenseMap<Value, Value> &map, Value mask) {
  Value r;
  if (auto idx = dyn_cast<linalg::IndexOp>(o)) {
    Value iv = broadcast(ivs[idx.getDim()]);
    r = idx.getDim() == plan.inner
            ? Value(arith::AddIOp::create(
                  b, loc, iv,
                  vector::StepOp::create(b, loc, vectorOf(b.getIndexType()))))
            : iv;
  } else if (o.hasTrait<OpTrait::ConstantLike>()) {
    r = broadcast(b.clone(o)->getResult(0));
  } else {
    OperationState state(o.getLoc(), o.getName());
    for (Value x : o.getOperands())
      state.operands.push_back(lookup(map, x));
    if (mask && isIntegerDivision(o)) {
      Type t = vectorOf(o.getResult(0).getType());
      Value one = arith::ConstantOp::create(
          b, loc,
          DenseElementsAttr::get(
              cast<ShapedType>(t),
              b.getIntegerAttr(o.getResult(0).getType(), 1)));
      state.operands[1] =
          arith::SelectOp::create(b, loc, mask, state.operands[1], one);
    }
    state.types.push_back(vectorOf(o.getResult(0).getType()));
    state.attributes = o.getAttrs();
    Operation *created = b.create(state);
    if (isa<math::MathDialect>(created->getDialect()))
      mathOps.push_back(created);
    r = created->getResult(0);
  }
  map[o.getResult(0)] = r;
}

/// The body's values that do not vary along the innermost or a reduction
/// loop, at the current point of the outer parallel loops.
void Emitter::emitUniform(DenseMap<Value, Value> &map) {
  for (OpOperand *in : op.getDpsInputOperands()) {
    BlockArgument arg = op.getMatchingBlockArgument(in);
    if (!varying.contains(arg))
      map[arg] = broadcast(readScalar(*in));
  }
  for (Operation &o : op.getBody()->without_terminator())
    if (!varying.contains(o.getResult(0)))
      emitOp(o, map, Value());
}

/// The body on one vector at the current point: the varying inputs read
/// (masked when `mask` is not null), the output block argument bound to
/// `acc`, or else read from `tensor`; returns the yielded vector.
Value Emitter::emitVarying(DenseMap<Value, Value> map, Value tensor, Value acc,
                           Value mask) {
  bool inBounds = !mask;
  for (OpOperand *in : op.getDpsInputOperands()) {
    BlockArgument arg = op.getMatchingBlockArgument(in);
    if (!varying.contains(arg))
      continue;
    AffineMap m = op.getMatchingIndexingMap(in);
    map[arg] = m.isFunctionOfDim(plan.inner)
                   ? readVector(in->get(), m, inBounds)
                   : broadcast(readScalar(*in));
  }
  BlockArgument out = op.getRegionOutputArgs()[0];
  if (acc)
    map[out] = acc;
  else if (!out.use_empty())
    map[out] = readVector(
        tensor, op.getMatchingIndexingMap(op.getDpsInitOperand(0)), inBounds);
  for (Operation &o : op.getBody()->without_terminator())
    if (varying.contains(o.getResult(0)))
      emitOp(o, map, mask);
  return lookup(map, op.getBody()->getTerminator()->getOperand(0));
}

Value Emitter::emit() {
  for (Range r :
       cast<linalg::LinalgOp>(op.getOperation()).createLoopRanges(b, loc))
    sizes.push_back(getValueOrCreateConstantIndexOp(b, loc, r.size));
  whole = arith::MulIOp::create(
      b, loc, arith::DivUIOp::create(b, loc, sizes[plan.inner], index(lanes)),
      index(lanes));
  classify();
  AffineMap outMap = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  Type elem = getElementTypeOrSelf(op->getResult(0).getType());
  auto rows = [&](ValueRange t) -> SmallVector<Value> {
    DenseMap<Value, Value> uniform;
    emitUniform(uniform);
    if (plan.innerReduction) {
      // Per-lane partial results over the reduction loops in
      // `kReductionUnroll` independent accumulators (the innermost loop's
      // groups of vectors do not wait on one another), combined, then one
      // horizontal reduction into the output element.
      Value init = tensor::ExtractOp::create(b, loc, t[0], indices(outMap));
      Value identity = arith::ConstantOp::create(
          b, loc, DenseElementsAttr::get(vectorOf(elem), plan.identity));
      SmallVector<Value> accs0(kReductionUnroll, identity);
      SmallVector<Value> accs =
          nest(plan.outerReduction, accs0, [&](ValueRange accs) {
            return chunks(accs, kReductionUnroll,
                          [&](Value mask, ValueRange accs, int64_t u) {
                            SmallVector<Value> next(accs);
                            next[u] =
                                emitVarying(uniform, Value(), accs[u], mask);
                            if (mask)
                              next[u] = arith::SelectOp::create(
                                  b, loc, mask, next[u], accs[u]);
                            return next;
                          });
          });
      Value acc = accs[0];
      for (Value other : ArrayRef<Value>(accs).drop_front())
        acc = vector::makeArithReduction(b, loc, plan.kind, acc, other);
      arith::FastMathFlags fm = isa<FloatType>(elem)
                                    ? arith::FastMathFlags::reassoc
                                    : arith::FastMathFlags::none;
      Value r = vector::ReductionOp::create(b, loc, plan.kind, acc, init, fm);
      return {tensor::InsertOp::create(b, loc, r, t[0], indices(outMap))};
    }
    return chunks(t, /*unroll=*/1, [&](Value mask, ValueRange t, int64_t) {
      Value y;
      if (plan.outerReduction.empty()) {
        y = emitVarying(uniform, t[0], Value(), mask);
      } else {
        // Reductions along outer loops: vertical, in a vector accumulator
        // that starts from the output.
        Value acc0 = readVector(t[0], outMap, !mask);
        y = nest(plan.outerReduction, acc0, [&](ValueRange acc) {
          return SmallVector<Value>{
              emitVarying(uniform, Value(), acc[0], mask)};
        })[0];
      }
      auto write = vector::TransferWriteOp::create(
          b, loc, y, t[0], indices(outMap),
          AffineMap::getMinorIdentityMap(
              cast<RankedTensorType>(t[0].getType()).getRank(), 1,
              b.getContext()),
          ArrayRef<bool>{!mask});
      return SmallVector<Value>{write.getResult()};
    });
  };
  // The row loop: the outermost parallel loop but those of extent 1 in
  // front of it (a single image's [1, H, W, C]: its H), over a dimension of
  // the result: its iterations write disjoint rows (the result's elements at
  // that index). An input that varies along it is read at the same position,
  // so that even an input bufferized in place of the result is read only in
  // the iteration's own row; or at indices computed from it (an im2col
  // gather's oh + kh), which --quantc-x86-outline-rows allows only from a
  // buffer that the loop does not write.
  auto rowLoopDim = [&]() -> std::optional<unsigned> {
    if (plan.outerParallel.empty())
      return std::nullopt;
    unsigned i = 0;
    while (i + 1 < plan.outerParallel.size() &&
           isConstantIntValue(sizes[plan.outerParallel[i]], 1))
      ++i;
    unsigned d = plan.outerParallel[i];
    AffineExpr row = getAffineDimExpr(d, op.getContext());
    std::optional<unsigned> at = outMap.getResultPosition(row);
    if (!at)
      return std::nullopt;
    bool independent =
        llvm::all_of(op.getDpsInputOperands(), [&](OpOperand *in) {
          AffineMap m = op.getMatchingIndexingMap(in);
          if (!m.isFunctionOfDim(d))
            return true;
          return llvm::all_of(llvm::enumerate(m.getResults()), [&](auto e) {
            return e.value() != row || e.index() == *at;
          });
        });
    return independent ? std::optional<unsigned>(d) : std::nullopt;
  };
  rowDim = rowLoopDim();
  Value result =
      nest(plan.outerParallel, op.getDpsInitOperand(0)->get(), rows)[0];
  return result;
}

/// Transcendental functions on vectors -> polynomial approximations
/// (upstream's, f16/bf16 through f32), not per-lane libm calls; sqrt and
/// rsqrt stay (LLVM has vector instructions for them).
static void approximate(MLIRContext *ctx, ArrayRef<Operation *> ops) {
  if (ops.empty())
    return;
  auto which = [](StringRef name) {
    return name != math::SqrtOp::getOperationName() &&
           name != math::RsqrtOp::getOperationName();
  };
  RewritePatternSet patterns(ctx);
  populateMathF32ExpansionPatterns(patterns, which);
  populateMathPolynomialApproximationPatterns(patterns, which);
  GreedyRewriteConfig config;
  config.setStrictness(GreedyRewriteStrictness::ExistingAndNewOps);
  (void)applyOpPatternsGreedily(ops, std::move(patterns), config);
}

/// Whether `use` (an operand of a linalg.generic) should get its producer
/// fused in: an elementwise producer with one use (as
/// --linalg-fuse-elementwise-ops), or one with several whose body is cheap
/// arithmetic (no math functions) and whose users are all linalg.generic
/// ops on tensors, recomputed in each of them: e.g. softmax's rescaled and
/// masked scores, read by the row maximum and by the exponential, and its
/// quotient, read by the absmax of the quantization and by the
/// quantization. Each fusion saves a write and a read of the producer's
/// whole result ([H, S, S] floats in attention). Never into a consumer that
/// broadcasts the producer's result: there it would be recomputed along the
/// broadcast dimensions.
static bool shouldFuseProducer(OpOperand *use) {
  auto producer = use->get().getDefiningOp<linalg::GenericOp>();
  if (!producer || !producer.hasPureTensorSemantics() ||
      producer.getNumReductionLoops() != 0)
    return false;
  // A consumer that broadcasts the producer's result would recompute it for
  // every position along the broadcast dimensions (a per-key scale's
  // `absmax / 127` once per score instead of once per key).
  if (auto consumer = dyn_cast<linalg::GenericOp>(use->getOwner()))
    if (!consumer.getMatchingIndexingMap(use).isPermutation())
      return false;
  if (producer->hasOneUse())
    return true;
  constexpr int64_t kMaxCheapOps = 8;
  int64_t count = 0;
  for (Operation &op : producer.getBody()->without_terminator()) {
    if (op.getDialect()->getNamespace() != "arith" || isIntegerDivision(op) ||
        ++count > kMaxCheapOps)
      return false;
  }
  return llvm::all_of(producer->getUsers(), [](Operation *user) {
    auto g = dyn_cast<linalg::GenericOp>(user);
    return g && g.hasPureTensorSemantics();
  });
}

/// Named linalg ops the pass takes as generics: linalg.reduce, linalg.map,
/// the elementwise ones (linalg.elementwise, linalg.exp, linalg.add, ...)
/// and a linalg.transpose that keeps the innermost dimension (attention's
/// [S, H, D] <-> [H, S, D]: whole vectors copied), not fill, copy,
/// broadcast or another transpose.
static bool isGeneralized(linalg::LinalgOp op) {
  if (!op.hasPureTensorSemantics())
    return false;
  if (auto t = dyn_cast<linalg::TransposeOp>(op.getOperation())) {
    ArrayRef<int64_t> perm = t.getPermutation();
    return !perm.empty() && perm.back() == int64_t(perm.size()) - 1;
  }
  if (isa<linalg::GenericOp, linalg::FillOp, linalg::CopyOp,
          linalg::BroadcastOp>(op.getOperation()))
    return false;
  return isa<linalg::ReduceOp, linalg::MapOp>(op.getOperation()) ||
         linalg::isElementwise(op);
}

namespace {
struct VectorizeElementwise
    : quantc::impl::QuantCX86VectorizeElementwiseBase<VectorizeElementwise> {
  using Base::Base;

  void runOnOperation() override {
    if (lanes < 1) {
      getOperation().emitError()
          << "quantc-x86-vectorize-elementwise: lanes must be >= 1, got "
          << static_cast<int64_t>(lanes); // the option streams as a char
      return signalPassFailure();
    }
    IRRewriter rewriter(&getContext());
    SmallVector<linalg::LinalgOp> named;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (isGeneralized(op))
        named.push_back(op);
    });
    for (linalg::LinalgOp op : named) {
      rewriter.setInsertionPoint(op);
      (void)linalg::generalizeNamedOp(rewriter, op);
    }
    {
      RewritePatternSet fusion(&getContext());
      linalg::populateElementwiseOpsFusionPatterns(fusion, shouldFuseProducer);
      (void)applyPatternsGreedily(getOperation(), std::move(fusion));
    }
    SmallVector<std::pair<linalg::GenericOp, Plan>> ops;
    getOperation().walk([&](linalg::GenericOp op) {
      if (!op.hasPureTensorSemantics())
        return;
      Plan plan;
      std::string why = planVectorization(op, plan);
      if (why.empty())
        ops.push_back({op, std::move(plan)});
      else
        op.emitRemark() << "runs as scalar loops, not on " << int64_t(lanes)
                        << "-lane vectors: " << why;
    });
    SmallVector<Operation *> mathOps;
    for (auto &[op, plan] : ops) {
      rewriter.setInsertionPoint(op);
      Emitter emitter(rewriter, op, plan, lanes);
      Value result = emitter.emit();
      llvm::append_range(mathOps, emitter.mathOps);
      rewriter.replaceOp(op, result);
    }
    // Vector exponentials emitted before this pass (a GEMM kernel's fused
    // SiLU epilogue) get the same approximation: LLVM would otherwise call
    // libm's expf once per lane. (erf stays libm's: a fused GELU is
    // bit-exact against the reference lowering.)
    llvm::SmallPtrSet<Operation *, 16> seen(mathOps.begin(), mathOps.end());
    getOperation().walk([&](math::ExpOp op) {
      if (!seen.contains(op) && isa<VectorType>(op.getType()))
        mathOps.push_back(op);
    });
    approximate(&getContext(), mathOps);
    // Last: the fusion clones the loops' bodies (mathOps would dangle).
    if (fuseRows) {
      (void)quantc::fuseRowLoops(getOperation());
      if (rowScratch)
        (void)quantc::shrinkRowScratch(getOperation());
    }
  }
};
} // namespace
