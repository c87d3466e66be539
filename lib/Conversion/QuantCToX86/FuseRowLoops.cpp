//===- FuseRowLoops.cpp - one pass over the rows for a chain of ops -------===//
//
// After --quantc-x86-vectorize-elementwise has written each op as loops on
// tensors, a loop over the rows of one op and the loop over the same rows of
// the next op that reads its result become one loop: each row is read back
// while it is still in L1 instead of after the whole [H, S, S] tensor went
// through the caches (softmax's scores -> max -> exp -> sum -> absmax ->
// quantize). Applied level by level (heads, then rows). See the pass
// description in Conversion/Passes.td.
//
//===----------------------------------------------------------------------===//
#include "FuseRowLoops.h"

#include "quantc/Conversion/QuantCToX86/QuantCToX86.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

using namespace mlir;

namespace {
/// A loop bound as far as it can be traced: a constant, dimension `dim` of
/// the shaped value `base` (through the tensors that share its shape), or
/// an opaque index value (`dim` = -1).
struct Extent {
  Value base;
  int64_t dim = -1;
  int64_t constant = ShapedType::kDynamic;
  bool operator==(const Extent &o) const {
    return base == o.base && dim == o.dim && constant == o.constant;
  }
};
} // namespace

static Extent extentOfValue(Value v, unsigned depth);

/// Dimension `dim` of `shaped`, traced back through the ops whose result has
/// the shape of one of their operands (loops' iteration arguments and
/// results, destination-style ops, vector writes) to a static size, the
/// dynamic size operand of its allocation, or the shaped value it starts
/// from.
static Extent extentOfDim(Value shaped, int64_t dim, unsigned depth) {
  auto type = cast<ShapedType>(shaped.getType());
  if (!type.isDynamicDim(dim))
    return {Value(), -1, type.getDimSize(dim)};
  if (depth > 32)
    return {shaped, dim};
  if (auto arg = dyn_cast<BlockArgument>(shaped)) {
    if (auto loop = dyn_cast<scf::ForOp>(arg.getOwner()->getParentOp()))
      if (OpOperand *init = loop.getTiedLoopInit(arg))
        return extentOfDim(init->get(), dim, depth + 1);
    return {shaped, dim};
  }
  auto result = cast<OpResult>(shaped);
  Operation *op = result.getOwner();
  unsigned n = result.getResultNumber();
  if (auto loop = dyn_cast<scf::ForOp>(op))
    return extentOfDim(loop.getInitArgs()[n], dim, depth + 1);
  if (auto write = dyn_cast<vector::TransferWriteOp>(op))
    return extentOfDim(write.getBase(), dim, depth + 1);
  if (auto dps = dyn_cast<DestinationStyleOpInterface>(op))
    return extentOfDim(dps.getDpsInitOperand(n)->get(), dim, depth + 1);
  if (auto empty = dyn_cast<tensor::EmptyOp>(op))
    return extentOfValue(empty.getDynamicSize(dim), depth + 1);
  if (auto alloc = dyn_cast<memref::AllocOp>(op))
    return extentOfValue(
        alloc.getDynamicSizes()[alloc.getType().getDynamicDimIndex(dim)],
        depth + 1);
  if (auto toTensor = dyn_cast<bufferization::ToTensorOp>(op))
    return extentOfDim(toTensor.getBuffer(), dim, depth + 1);
  return {shaped, dim};
}

static Extent extentOfValue(Value v, unsigned depth) {
  if (std::optional<int64_t> c = getConstantIntValue(v))
    return {Value(), -1, *c};
  if (auto d = v.getDefiningOp<tensor::DimOp>())
    if (std::optional<int64_t> i = d.getConstantIndex())
      return extentOfDim(d.getSource(), *i, depth + 1);
  if (auto d = v.getDefiningOp<memref::DimOp>())
    if (std::optional<int64_t> i = d.getConstantIndex())
      return extentOfDim(d.getSource(), *i, depth + 1);
  return {v};
}

static bool sameExtent(Value a, Value b) {
  return a == b || extentOfValue(a, 0) == extentOfValue(b, 0);
}

/// The indices with which `op` reads the tensor `t`, if it is a read the
/// fusion understands (a vector read or an extract).
static std::optional<ValueRange> readIndices(Operation *op, Value t) {
  if (auto r = dyn_cast<vector::TransferReadOp>(op))
    if (r.getBase() == t)
      return ValueRange(r.getIndices());
  if (auto e = dyn_cast<tensor::ExtractOp>(op))
    if (e.getTensor() == t)
      return ValueRange(e.getIndices());
  return std::nullopt;
}

/// The position of the dimension that `loop` writes at its induction
/// variable: every op in its body that writes a tensor is a vector write or
/// an insert at index `iv` in that position (or a loop or an `scf.if` around
/// such writes), and the loop carries nothing but tensors. std::nullopt when
/// the loop is not of that form.
static std::optional<unsigned> rowPosition(scf::ForOp loop) {
  if (!llvm::all_of(loop.getInitArgs().getTypes(),
                    [](Type t) { return isa<RankedTensorType>(t); }))
    return std::nullopt;
  Value iv = loop.getInductionVar();
  std::optional<unsigned> pos;
  bool ok = true;
  loop.getBody()->walk([&](Operation *op) {
    if (!llvm::any_of(op->getResultTypes(),
                      [](Type t) { return isa<TensorType>(t); }))
      return WalkResult::advance();
    // Loops and branches around writes, and the reshapes that fusion moved
    // into the body (views that `second` reads).
    if (isa<scf::ForOp, scf::IfOp, scf::YieldOp, tensor::ExpandShapeOp,
            tensor::CollapseShapeOp>(op))
      return WalkResult::advance();
    std::optional<ValueRange> idx;
    if (auto w = dyn_cast<vector::TransferWriteOp>(op))
      idx = ValueRange(w.getIndices());
    else if (auto i = dyn_cast<tensor::InsertOp>(op))
      idx = ValueRange(i.getIndices());
    if (!idx) {
      ok = false;
      return WalkResult::interrupt();
    }
    auto at = llvm::find(*idx, iv);
    if (at == idx->end() || (pos && *pos != unsigned(at - idx->begin()))) {
      ok = false;
      return WalkResult::interrupt();
    }
    pos = at - idx->begin();
    return WalkResult::advance();
  });
  if (!ok || !pos)
    return std::nullopt;
  return pos;
}

std::optional<unsigned> quantc::reshapedRowPosition(Operation *op,
                                                    unsigned pos) {
  if (auto expand = dyn_cast<tensor::ExpandShapeOp>(op)) {
    ArrayRef<int64_t> shape = expand.getResultType().getShape();
    SmallVector<ReassociationIndices> groups = expand.getReassociationIndices();
    if (pos >= groups.size())
      return std::nullopt;
    std::optional<unsigned> at;
    for (int64_t d : groups[pos]) {
      if (shape[d] == 1)
        continue;
      if (at)
        return std::nullopt;
      at = d;
    }
    return at;
  }
  auto collapse = cast<tensor::CollapseShapeOp>(op);
  ArrayRef<int64_t> shape = collapse.getSrcType().getShape();
  for (auto [g, group] : llvm::enumerate(collapse.getReassociationIndices()))
    if (llvm::is_contained(group, int64_t(pos)))
      return llvm::all_of(
                 group,
                 [&](int64_t d) { return d == int64_t(pos) || shape[d] == 1; })
                 ? std::optional<unsigned>(g)
                 : std::nullopt;
  return std::nullopt;
}

/// Whether `second`, the next loop after `first` in the same block, can be
/// merged into it: the same bounds; both write their tensors only in the
/// row of their induction variable (the same dimension); `second` reads
/// `first`'s results (or expand_shapes of them that keep the row dimension
/// whole, `reshapes`) only in that row, by vector reads and extracts, and
/// does not write them; nothing between them uses `first`'s results or has
/// memory effects.
static bool canFuse(scf::ForOp first, scf::ForOp second,
                    SmallVectorImpl<Operation *> &reshapes) {
  reshapes.clear();
  if (first->hasAttr(quantc::kX86RowsAttrName) !=
      second->hasAttr(quantc::kX86RowsAttrName))
    return false;
  if (!sameExtent(first.getLowerBound(), second.getLowerBound()) ||
      !sameExtent(first.getUpperBound(), second.getUpperBound()) ||
      !sameExtent(first.getStep(), second.getStep()))
    return false;
  std::optional<unsigned> p1 = rowPosition(first);
  std::optional<unsigned> p2 = rowPosition(second);
  if (!p1 || !p2 || *p1 != *p2)
    return false;
  // The values `second` may read, with the position of the row in each.
  SmallVector<std::pair<Value, unsigned>> read;
  for (Value r : first.getResults())
    read.push_back({r, *p1});
  // `first` moves down to `second`: nothing in between may use its results
  // (but expand_shapes that `second` alone reads, which move with it) or
  // touch memory it could read.
  for (Operation *op = first->getNextNode(); op != second;
       op = op->getNextNode()) {
    if (!isMemoryEffectFree(op))
      return false;
    if (isa<tensor::ExpandShapeOp, tensor::CollapseShapeOp>(op)) {
      auto src = llvm::find_if(
          read, [&](auto &r) { return r.first == op->getOperand(0); });
      if (src != read.end()) {
        std::optional<unsigned> at =
            quantc::reshapedRowPosition(op, src->second);
        if (!at)
          return false;
        reshapes.push_back(op);
        read.push_back({op->getResult(0), *at});
        continue;
      }
    }
    for (Value operand : op->getOperands())
      if (operand.getDefiningOp() == first)
        return false;
  }
  for (auto [r, pos] : read)
    for (OpOperand &use : r.getUses()) {
      Operation *user = use.getOwner();
      if (llvm::is_contained(reshapes, user))
        continue;
      if (user == second)
        return false; // an initial value of `second`: written in place
      if (!second->isProperAncestor(user)) {
        // Read after `second` (it gets the fused loop's result), unless it
        // is a reshape that moves into the loop.
        if (r.getDefiningOp() != first.getOperation())
          return false;
        continue;
      }
      std::optional<ValueRange> idx = readIndices(user, r);
      if (!idx || idx->size() <= pos || (*idx)[pos] != second.getInductionVar())
        return false;
    }
  return true;
}

/// `first` and `second` as one loop at `second`'s place: `first`'s body,
/// then `second`'s reading the row `first`'s body just wrote.
static scf::ForOp fuse(RewriterBase &rewriter, scf::ForOp first,
                       scf::ForOp second, ArrayRef<Operation *> reshapes) {
  SmallVector<Value> inits(first.getInitArgs());
  llvm::append_range(inits, second.getInitArgs());
  rewriter.setInsertionPoint(second);
  auto fused =
      scf::ForOp::create(rewriter, second.getLoc(), second.getLowerBound(),
                         second.getUpperBound(), second.getStep(), inits);
  for (NamedAttribute a : second->getDiscardableAttrs())
    fused->setAttr(a.getName(), a.getValue());
  Block *body = fused.getBody();
  rewriter.setInsertionPointToStart(body);
  if (!body->empty())
    rewriter.eraseOp(body->getTerminator());
  IRMapping map;
  unsigned n1 = first.getNumRegionIterArgs();
  map.map(first.getInductionVar(), fused.getInductionVar());
  map.map(second.getInductionVar(), fused.getInductionVar());
  for (auto [i, arg] : llvm::enumerate(first.getRegionIterArgs()))
    map.map(arg, fused.getRegionIterArgs()[i]);
  for (auto [i, arg] : llvm::enumerate(second.getRegionIterArgs()))
    map.map(arg, fused.getRegionIterArgs()[n1 + i]);
  SmallVector<Value> yielded;
  for (Operation &op : first.getBody()->without_terminator())
    rewriter.clone(op, map);
  for (Value v : first.getBody()->getTerminator()->getOperands())
    yielded.push_back(map.lookupOrDefault(v));
  // In `second`, `first`'s results are the tensors as this iteration left
  // them: the row `second` reads is written.
  for (auto [r, y] : llvm::zip(first.getResults(), ArrayRef(yielded)))
    map.map(r, y);
  for (Operation *reshape : reshapes)
    rewriter.clone(*reshape, map);
  for (Operation &op : second.getBody()->without_terminator())
    rewriter.clone(op, map);
  for (Value v : second.getBody()->getTerminator()->getOperands())
    yielded.push_back(map.lookupOrDefault(v));
  scf::YieldOp::create(rewriter, second.getLoc(), yielded);
  // The reshapes were read only by `second`'s body, which is gone with it.
  rewriter.replaceOp(second, fused.getResults().drop_front(n1));
  for (Operation *reshape : llvm::reverse(reshapes))
    rewriter.eraseOp(reshape);
  rewriter.replaceOp(first, fused.getResults().take_front(n1));
  return fused;
}

/// Fuses the loops of `block` pairwise, in order, then the loops inside each
/// fused loop's body.
static void fuseInBlock(RewriterBase &rewriter, Block &block,
                        int64_t &fusions) {
  // The sizes of a loop's results are those of its initial values: read them
  // there, so that the next op's loop bounds do not use the loop.
  // Likewise the sizes of an expand_shape are its output shape.
  SmallVector<Operation *> shaped;
  for (Operation &op : block)
    if (isa<scf::ForOp, tensor::ExpandShapeOp, tensor::CollapseShapeOp>(op))
      shaped.push_back(&op);
  // Last first: a dim of a reshape becomes a dim of its source, then (the
  // source being a loop) a dim of the loop's initial value.
  for (Operation *op : llvm::reverse(shaped)) {
    if (auto loop = dyn_cast<scf::ForOp>(op))
      for (auto [r, init] : llvm::zip(loop.getResults(), loop.getInitArgs()))
        for (OpOperand &use : llvm::make_early_inc_range(r.getUses()))
          if (auto dim = dyn_cast<tensor::DimOp>(use.getOwner()))
            rewriter.modifyOpInPlace(dim,
                                     [&] { dim.getSourceMutable().set(init); });
    if (auto collapse = dyn_cast<tensor::CollapseShapeOp>(op)) {
      SmallVector<ReassociationIndices> groups =
          collapse.getReassociationIndices();
      ArrayRef<int64_t> src = collapse.getSrcType().getShape();
      for (OpOperand &use :
           llvm::make_early_inc_range(collapse.getResult().getUses())) {
        auto dim = dyn_cast<tensor::DimOp>(use.getOwner());
        std::optional<int64_t> i = dim ? dim.getConstantIndex() : std::nullopt;
        if (!i || *i < 0 || *i >= int64_t(groups.size()))
          continue;
        // A group of one dynamic dimension and static 1s: that dimension.
        SmallVector<int64_t> dynamic;
        for (int64_t d : groups[*i])
          if (src[d] != 1)
            dynamic.push_back(d);
        if (dynamic.size() != 1)
          continue;
        rewriter.setInsertionPoint(dim);
        Value index =
            arith::ConstantIndexOp::create(rewriter, dim.getLoc(), dynamic[0]);
        rewriter.modifyOpInPlace(dim, [&] {
          dim.getSourceMutable().set(collapse.getSrc());
          dim.getIndexMutable().set(index);
        });
      }
    }
    if (auto reshape = dyn_cast<tensor::ExpandShapeOp>(op)) {
      SmallVector<OpFoldResult> shape = reshape.getMixedOutputShape();
      for (OpOperand &use :
           llvm::make_early_inc_range(reshape.getResult().getUses())) {
        auto dim = dyn_cast<tensor::DimOp>(use.getOwner());
        std::optional<int64_t> i = dim ? dim.getConstantIndex() : std::nullopt;
        if (!i || *i < 0 || *i >= int64_t(shape.size()))
          continue;
        rewriter.setInsertionPoint(dim);
        rewriter.replaceOp(dim, getValueOrCreateConstantIndexOp(
                                    rewriter, dim.getLoc(), shape[*i]));
      }
    }
  }
  scf::ForOp prev;
  SmallVector<scf::ForOp> fusedLoops;
  SmallVector<Operation *> reshapes;
  for (Operation &op : llvm::make_early_inc_range(block)) {
    auto loop = dyn_cast<scf::ForOp>(&op);
    if (!loop)
      continue;
    if (prev && canFuse(prev, loop, reshapes)) {
      bool again = !fusedLoops.empty() && fusedLoops.back() == prev;
      prev = fuse(rewriter, prev, loop, reshapes);
      ++fusions;
      if (again)
        fusedLoops.back() = prev;
      else
        fusedLoops.push_back(prev);
      continue;
    }
    prev = loop;
  }
  for (scf::ForOp loop : fusedLoops)
    if (loop->getBlock())
      fuseInBlock(rewriter, *loop.getBody(), fusions);
}

int64_t quantc::fuseRowLoops(Operation *root) {
  IRRewriter rewriter(root->getContext());
  int64_t fusions = 0;
  SmallVector<Block *> blocks;
  root->walk([&](Block *b) {
    // Outermost blocks that hold marked row loops.
    if (llvm::any_of(*b, [](Operation &op) {
          return isa<scf::ForOp>(op) && op.hasAttr(kX86RowsAttrName);
        }))
      blocks.push_back(b);
  });
  for (Block *b : blocks)
    fuseInBlock(rewriter, *b, fusions);
  return fusions;
}
