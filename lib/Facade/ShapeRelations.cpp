//===- ShapeRelations.cpp - which argument sizes must agree ---------------===//
#include "ShapeRelations.h"

#include "quantc/Dialect/QuantC/IR/QuantCOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/EquivalenceClasses.h"

#include <map>

using namespace mlir;
using namespace quantc;

namespace {

/// Narrows the range [lo, hi] (hi -1: unbounded) to its intersection with
/// [min, max] (max -1: unbounded).
void intersectRange(int64_t &lo, int64_t &hi, int64_t min, int64_t max) {
  lo = std::max(lo, min);
  if (max >= 0)
    hi = hi < 0 ? max : std::min(hi, max);
}

/// Equivalence classes of (value, dimension) nodes; the loop dimensions of
/// a linalg op are nodes too, keyed by the op.
class Relations {
public:
  using Node = std::tuple<const void *, int64_t, int64_t>;

  void tie(Node a, Node b) { classes.unionSets(a, b); }
  static Node dim(Value v, int64_t d) { return {v.getAsOpaquePointer(), d, 0}; }
  static Node loop(Operation *op, int64_t d) { return {op, d, 1}; }

  /// Ties dimension `d` of every ranked tensor in `vs` of rank `rank`.
  void tieAll(ValueRange vs, int64_t rank) {
    Value first;
    for (Value v : vs) {
      auto t = dyn_cast<RankedTensorType>(v.getType());
      if (!t || t.getRank() != rank)
        continue;
      if (!first) {
        first = v;
        continue;
      }
      for (int64_t d = 0; d < rank; ++d)
        tie(dim(first, d), dim(v, d));
    }
  }

  /// Ties the dimensions along which a broadcast-shaped `operand` varies
  /// element by element to `data`'s (quantc::getBroadcast: size-1
  /// dimensions broadcast, blocks divide).
  void tieBroadcast(Value data, Value operand) {
    if (!operand)
      return;
    auto dt = dyn_cast<RankedTensorType>(data.getType());
    auto ot = dyn_cast<RankedTensorType>(operand.getType());
    if (!dt || !ot || dt.getRank() != ot.getRank())
      return;
    Broadcast bc = getBroadcast(dt, ot);
    for (int64_t d = 0; d < dt.getRank(); ++d)
      if (bc.blockSize[d] == 1)
        tie(dim(data, d), dim(operand, d));
  }

  /// Narrows the range node `n`'s size may take at run time to
  /// [min, max] (max -1: unbounded).
  void bound(Node n, int64_t min, int64_t max) {
    classes.insert(n); // a class of its own until something ties it
    auto [it, inserted] = ranges.try_emplace(n, 0, -1);
    intersectRange(it->second.first, it->second.second, min, max);
  }

  /// Ties dimension `d` of `v` to the tensor `size` reads with tensor.dim,
  /// if it does.
  void tieToDim(Value v, int64_t d, OpFoldResult size) {
    auto sizeValue = dyn_cast<Value>(size);
    auto dimOp = sizeValue ? sizeValue.getDefiningOp<tensor::DimOp>() : nullptr;
    std::optional<int64_t> idx =
        dimOp ? dimOp.getConstantIndex() : std::nullopt;
    if (idx)
      tie(dim(v, d), dim(dimOp.getSource(), *idx));
  }

  /// The bounds a slice `[offset, size, stride]` of a `whole` puts on
  /// `part` (the slice's tensor) and `whole`'s dimension `d`: a dynamic
  /// part of a static whole has at most as many elements as fit, a static
  /// part of a dynamic whole needs the whole to reach its last element.
  /// (Out-of-bounds slices are undefined behaviour: the code reads or
  /// writes past the buffer.) A dynamic offset is at least 0, which bounds
  /// the sizes alike (a KV cache appended at a run-time position); the
  /// position itself is not checked.
  void boundSlice(Value part, Value whole, int64_t d, OpFoldResult offset,
                  OpFoldResult stride) {
    std::optional<int64_t> o = getConstantIntValue(offset),
                           s = getConstantIntValue(stride);
    auto pt = cast<RankedTensorType>(part.getType());
    auto wt = cast<RankedTensorType>(whole.getType());
    if (!o)
      o = 0;
    if (!s || *o < 0 || *s <= 0)
      return;
    int64_t p = pt.getDimSize(d), w = wt.getDimSize(d);
    if (ShapedType::isDynamic(p) && !ShapedType::isDynamic(w))
      bound(dim(part, d), 0, *o >= w ? 0 : (w - *o - 1) / *s + 1);
    else if (!ShapedType::isDynamic(p) && ShapedType::isDynamic(w) && p > 0)
      bound(dim(whole, d), *o + (p - 1) * *s + 1, -1);
  }

  llvm::EquivalenceClasses<Node> classes;
  std::map<Node, std::pair<int64_t, int64_t>> ranges;
};

void collect(Operation *op, Relations &r) {
  using R = Relations;
  if (auto linalgOp = dyn_cast<linalg::LinalgOp>(op)) {
    for (OpOperand &operand : op->getOpOperands()) {
      auto t = dyn_cast<RankedTensorType>(operand.get().getType());
      if (!t)
        continue;
      AffineMap map = linalgOp.getMatchingIndexingMap(&operand);
      for (auto [d, e] : llvm::enumerate(map.getResults()))
        if (auto de = dyn_cast<AffineDimExpr>(e))
          r.tie(R::dim(operand.get(), d), R::loop(op, de.getPosition()));
    }
    for (auto [res, init] : llvm::zip(op->getResults(), linalgOp.getDpsInits()))
      r.tieAll({res, init}, cast<ShapedType>(res.getType()).getRank());
    return;
  }
  if (auto mm = dyn_cast<MatmulOp>(op)) {
    Value operands[] = {mm.getLhs(), mm.getRhs(), mm.getResult()};
    SmallVector<AffineMap, 3> maps = mm.getIndexingMaps();
    for (auto [v, map] : llvm::zip_equal(operands, maps))
      for (auto [d, e] : llvm::enumerate(map.getResults()))
        r.tie(R::dim(v, d), R::loop(op, cast<AffineDimExpr>(e).getPosition()));
    return;
  }
  if (auto q = dyn_cast<QuantizeOp>(op)) {
    r.tieAll({q.getInput(), q.getOutput()}, q.getInput().getType().getRank());
    r.tieBroadcast(q.getInput(), q.getScale());
    r.tieBroadcast(q.getInput(), q.getZeroPoint());
    return;
  }
  if (auto dq = dyn_cast<DequantizeOp>(op)) {
    r.tieAll({dq.getInput(), dq.getOutput()},
             dq.getInput().getType().getRank());
    r.tieBroadcast(dq.getInput(), dq.getScale());
    r.tieBroadcast(dq.getInput(), dq.getZeroPoint());
    return;
  }
  if (auto cs = dyn_cast<ComputeScaleOp>(op)) {
    r.tieBroadcast(cs.getInput(), cs.getScale());
    return;
  }
  if (auto rs = dyn_cast<RescaleOp>(op)) {
    r.tieAll({rs.getAcc(), rs.getResult()}, rs.getAcc().getType().getRank());
    for (Value v : rs->getOperands().drop_front())
      r.tieBroadcast(rs.getAcc(), v);
    return;
  }
  if (isa<SmoothOp, ObserveOp>(op)) {
    r.tieAll({op->getOperand(0), op->getResult(0)},
             cast<ShapedType>(op->getResult(0).getType()).getRank());
    if (auto sm = dyn_cast<SmoothOp>(op))
      r.tieBroadcast(sm.getInput(), sm.getFactor());
    return;
  }
  if (auto empty = dyn_cast<tensor::EmptyOp>(op)) {
    // Sizes read with tensor.dim from another tensor.
    for (int64_t d = 0, e = empty.getType().getRank(); d < e; ++d) {
      if (!empty.getType().isDynamicDim(d))
        continue;
      auto dimOp = empty.getDynamicSize(d).getDefiningOp<tensor::DimOp>();
      std::optional<int64_t> idx =
          dimOp ? dimOp.getConstantIndex() : std::nullopt;
      if (idx)
        r.tie(R::dim(empty.getResult(), d), R::dim(dimOp.getSource(), *idx));
    }
    return;
  }
  // Only a slice that every call runs bounds the sizes (one in an scf.if
  // branch or a loop body may be guarded by the very size it would bound).
  bool everyCall = isa<func::FuncOp>(op->getParentOp());
  if (isa<tensor::ExtractSliceOp, tensor::InsertSliceOp>(op)) {
    // The slice (`part`) of a whole: an extract_slice's result of its
    // source, an insert_slice's source of its destination (and result).
    auto slice = cast<OffsetSizeAndStrideOpInterface>(op);
    auto extract = dyn_cast<tensor::ExtractSliceOp>(op);
    auto insert = dyn_cast<tensor::InsertSliceOp>(op);
    Value part = extract ? extract.getResult() : insert.getSource();
    Value whole = extract ? extract.getSource() : insert.getDest();
    int64_t rank = cast<RankedTensorType>(whole.getType()).getRank();
    if (insert)
      r.tieAll({insert.getDest(), insert.getResult()}, rank);
    if (cast<RankedTensorType>(part.getType()).getRank() != rank)
      return; // rank-reducing: the dimensions do not line up
    for (int64_t d = 0; d < rank; ++d) {
      r.tieToDim(part, d, slice.getMixedSizes()[d]);
      if (everyCall)
        r.boundSlice(part, whole, d, slice.getMixedOffsets()[d],
                     slice.getMixedStrides()[d]);
    }
    return;
  }
  if (isa<tensor::CastOp>(op) ||
      op->hasTrait<OpTrait::SameOperandsAndResultShape>() ||
      op->hasTrait<OpTrait::Elementwise>()) {
    SmallVector<Value> vs(op->getOperands());
    vs.append(op->getResults().begin(), op->getResults().end());
    for (Value v : vs)
      if (auto t = dyn_cast<RankedTensorType>(v.getType())) {
        r.tieAll(vs, t.getRank());
        break;
      }
  }
}

} // namespace

std::vector<facade::DimGroup> facade::computeDimGroups(func::FuncOp fn) {
  Relations r;
  fn.walk([&](Operation *op) { collect(op, r); });
  // Per class: the argument dimensions in it, a static size any member has,
  // and whether an argument dimension is dynamic (else nothing to check).
  struct Class {
    DimGroup group;
    bool dynamicArg = false;
  };
  SmallVector<Class> classes;
  Block &entry = fn.getBody().front();
  for (const auto *ec : r.classes) {
    if (!ec->isLeader())
      continue;
    Class &c = classes.emplace_back();
    for (const Relations::Node &node : r.classes.members(*ec)) {
      auto [ptr, d, kind] = node;
      if (auto it = r.ranges.find(node); it != r.ranges.end())
        intersectRange(c.group.min, c.group.max, it->second.first,
                       it->second.second);
      if (kind != 0)
        continue;
      Value v = Value::getFromOpaquePointer(ptr);
      auto t = dyn_cast<RankedTensorType>(v.getType());
      if (!t)
        continue;
      int64_t s = t.getDimSize(d);
      if (!ShapedType::isDynamic(s))
        c.group.size = s;
      auto arg = dyn_cast<BlockArgument>(v);
      if (arg && arg.getOwner() == &entry) {
        c.group.members.push_back(
            {arg.getArgNumber(), static_cast<unsigned>(d)});
        c.dynamicArg |= ShapedType::isDynamic(s);
      }
    }
  }
  std::vector<DimGroup> out;
  for (Class &c : classes) {
    DimGroup &g = c.group;
    llvm::sort(g.members);
    g.members.erase(std::unique(g.members.begin(), g.members.end()),
                    g.members.end());
    if (g.size >= 0)
      g.min = 0, g.max = -1; // a static size is checked as such
    bool bounded = g.min > 0 || g.max >= 0;
    if (!c.dynamicArg || (g.members.size() < 2 && g.size < 0 && !bounded))
      continue;
    out.push_back(std::move(g));
  }
  llvm::sort(out, [](const DimGroup &a, const DimGroup &b) {
    return a.members < b.members;
  });
  return out;
}

std::vector<facade::IndexBound> facade::computeIndexBounds(func::FuncOp fn) {
  Block &entry = fn.getBody().front();
  std::map<unsigned, int64_t> bounds;
  fn.walk([&](tensor::ExtractOp extract) {
    auto generic = dyn_cast<linalg::GenericOp>(extract->getParentOp());
    if (!generic)
      return;
    RankedTensorType table = extract.getTensor().getType();
    for (auto [d, index] : llvm::enumerate(extract.getIndices())) {
      int64_t size = table.getDimSize(d);
      Operation *toIndex = index.getDefiningOp();
      if (ShapedType::isDynamic(size) ||
          !isa_and_nonnull<arith::IndexCastOp, arith::IndexCastUIOp>(toIndex))
        continue;
      auto element = dyn_cast<BlockArgument>(toIndex->getOperand(0));
      if (!element || element.getOwner() != generic.getBody() ||
          element.getArgNumber() >= generic.getNumDpsInputs())
        continue;
      // Every element of the input is read (a projected permutation over
      // all its dimensions), so every element must be in range.
      OpOperand *input = generic.getDpsInputOperand(element.getArgNumber());
      AffineMap map = generic.getMatchingIndexingMap(input);
      auto inputTy = dyn_cast<ShapedType>(input->get().getType());
      if (!inputTy || !inputTy.hasRank() || !map.isProjectedPermutation() ||
          map.getNumResults() != inputTy.getRank())
        continue;
      // Through ops that keep every element.
      Value src = input->get();
      while (Operation *def = src.getDefiningOp()) {
        if (auto t = dyn_cast<linalg::TransposeOp>(def))
          src = t.getInput();
        else if (isa<tensor::CollapseShapeOp, tensor::ExpandShapeOp,
                     tensor::CastOp>(def))
          src = def->getOperand(0);
        else
          break;
      }
      auto arg = dyn_cast<BlockArgument>(src);
      if (!arg || arg.getOwner() != &entry)
        continue;
      auto [it, inserted] = bounds.try_emplace(arg.getArgNumber(), size);
      if (!inserted)
        it->second = std::min(it->second, size);
    }
  });
  std::vector<IndexBound> out;
  for (auto [arg, size] : bounds)
    out.push_back({arg, size});
  return out;
}
