//===- RowScratch.cpp - one row of scratch for a fused row loop ----------===//
//
// After fuseRowLoops, softmax's scores and exponentials are tensors of
// [H, S, S] that the fused loop over heads and rows carries, each row
// written and read back in the same iteration. Nothing outside reads them,
// yet after bufferization they are buffers of the whole size: every row
// goes out to memory and is never read again (2 x 16 MiB per layer at
// S = 512). shrinkRowScratch gives such a tensor one row per outer
// iteration instead ([H, 1, S]). See RowScratch.h.
//
//===----------------------------------------------------------------------===//
#include "RowScratch.h"
#include "FuseRowLoops.h"

#include "quantc/Conversion/QuantCToX86/QuantCToX86.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;

namespace {
/// What the scratch analysis found for one carried tensor.
struct Scratch {
  tensor::EmptyOp empty;
  /// Every value that holds the tensor, with the position of each of the
  /// allocated tensor's dimensions in it (-1: merged by a reshape). The
  /// tensor itself maps each dimension to itself.
  llvm::MapVector<Value, SmallVector<int64_t>> holders;
  /// The holders that are reshapes of it (read only).
  llvm::DenseSet<Value> reshaped;
  /// Reads and writes: the op and the holder it accesses.
  SmallVector<std::pair<Operation *, Value>> accesses;
  /// Reshapes of holders, in the order found (sources first).
  SmallVector<Operation *> views;
  SmallVector<tensor::DimOp> dims;
};
} // namespace

/// The indices of an access the analysis understands (a vector read or
/// write, an extract or an insert) of `v`.
static std::optional<MutableOperandRange> accessIndices(Operation *op,
                                                        Value v) {
  if (auto r = dyn_cast<vector::TransferReadOp>(op))
    if (r.getBase() == v)
      return r.getIndicesMutable();
  if (auto w = dyn_cast<vector::TransferWriteOp>(op))
    if (w.getBase() == v)
      return w.getIndicesMutable();
  if (auto e = dyn_cast<tensor::ExtractOp>(op))
    if (e.getTensor() == v)
      return e.getIndicesMutable();
  if (auto i = dyn_cast<tensor::InsertOp>(op))
    if (i.getDest() == v)
      return i.getIndicesMutable();
  return std::nullopt;
}

/// The dimensions of the accessed value that a vector transfer covers.
static SmallVector<int64_t> vectorDims(Operation *op) {
  SmallVector<int64_t> dims;
  AffineMap map;
  if (auto r = dyn_cast<vector::TransferReadOp>(op))
    map = r.getPermutationMap();
  else if (auto w = dyn_cast<vector::TransferWriteOp>(op))
    map = w.getPermutationMap();
  else
    return dims;
  for (AffineExpr e : map.getResults())
    if (auto d = dyn_cast<AffineDimExpr>(e))
      dims.push_back(d.getPosition());
  return dims;
}

/// Collects everything that holds iteration argument `k` of the marked loop
/// `outer`, or fails when the tensor escapes (used by an op the analysis
/// does not know, yielded elsewhere than where it is carried, its result
/// used after the loop, not from a tensor.empty).
static FailureOr<Scratch> collect(scf::ForOp outer, unsigned k) {
  Scratch s;
  s.empty = outer.getInitArgs()[k].getDefiningOp<tensor::EmptyOp>();
  if (!s.empty || !outer.getResult(k).use_empty())
    return failure();
  int64_t rank = s.empty.getType().getRank();
  SmallVector<int64_t> identity = llvm::to_vector(llvm::seq<int64_t>(0, rank));
  SmallVector<std::pair<Value, SmallVector<int64_t>>> work;
  work.push_back({outer.getRegionIterArgs()[k], identity});
  while (!work.empty()) {
    auto [v, pos] = work.pop_back_val();
    if (s.holders.contains(v))
      continue;
    s.holders.insert({v, pos});
    bool isView = s.reshaped.contains(v);
    for (OpOperand &use : v.getUses()) {
      Operation *user = use.getOwner();
      if (accessIndices(user, v)) {
        s.accesses.push_back({user, v});
        if (isa<vector::TransferWriteOp, tensor::InsertOp>(user)) {
          if (isView)
            return failure(); // written through a reshape
          work.push_back({user->getResult(0), pos});
        }
        continue;
      }
      if (auto dim = dyn_cast<tensor::DimOp>(user)) {
        if (isView || !dim.getConstantIndex())
          return failure();
        s.dims.push_back(dim);
        continue;
      }
      if (isa<tensor::ExpandShapeOp, tensor::CollapseShapeOp>(user)) {
        SmallVector<int64_t> viewPos;
        for (int64_t p : pos) {
          std::optional<unsigned> at =
              p < 0 ? std::nullopt : quantc::reshapedRowPosition(user, p);
          viewPos.push_back(at ? int64_t(*at) : -1);
        }
        s.views.push_back(user);
        s.reshaped.insert(user->getResult(0));
        work.push_back({user->getResult(0), viewPos});
        continue;
      }
      if (isView)
        return failure(); // carried or yielded as a reshape
      if (auto loop = dyn_cast<scf::ForOp>(user)) {
        work.push_back({loop.getTiedLoopRegionIterArg(&use), pos});
        work.push_back({loop.getTiedLoopResult(&use), pos});
        continue;
      }
      if (isa<scf::YieldOp>(user)) {
        Operation *parent = user->getParentOp();
        unsigned n = use.getOperandNumber();
        if (parent == outer.getOperation()) {
          if (n != k)
            return failure();
          continue;
        }
        if (!isa<scf::ForOp, scf::IfOp>(parent))
          return failure();
        work.push_back({parent->getResult(n), pos});
        continue;
      }
      return failure();
    }
  }
  // The holders must be closed: whatever a loop or a branch carries at a
  // position where one holder flows is a holder too (else a value from
  // outside would be mixed with the scratch).
  for (auto &[v, pos] : s.holders) {
    auto result = dyn_cast<OpResult>(v);
    if (!result)
      continue;
    Operation *op = result.getOwner();
    unsigned n = result.getResultNumber();
    if (auto loop = dyn_cast<scf::ForOp>(op)) {
      if (!s.holders.contains(loop.getInitArgs()[n]) ||
          !s.holders.contains(loop.getRegionIterArgs()[n]) ||
          !s.holders.contains(loop.getYieldedValues()[n]))
        return failure();
    } else if (auto branch = dyn_cast<scf::IfOp>(op)) {
      if (!branch.elseBlock() ||
          !s.holders.contains(branch.thenYield().getOperand(n)) ||
          !s.holders.contains(branch.elseYield().getOperand(n)))
        return failure();
    }
  }
  if (!s.holders.contains(outer.getYieldedValues()[k]))
    return failure();
  return s;
}

/// The dimensions of the allocated tensor of `s` that can become one row:
/// for each loop strictly inside `outer` that carries the tensor and
/// encloses every access, the dimension every access indexes at its
/// induction variable (and no transfer covers with its vector). `outer`'s
/// own induction variable must also index one dimension of every access, so
/// that no position is touched by two iterations.
static SmallVector<int64_t> rowDims(scf::ForOp outer, Scratch &s) {
  if (s.accesses.empty())
    return {};
  int64_t rank = s.empty.getType().getRank();
  // The dimension that `iv` indexes in every access, or -1. Every holder
  // must keep that dimension whole (a reshape that splits or merges it
  // could not be rebuilt with size 1 there).
  auto dimOf = [&](Value iv) -> int64_t {
    for (int64_t d = 0; d < rank; ++d) {
      if (llvm::any_of(s.holders, [&](auto &h) { return h.second[d] < 0; }))
        continue;
      bool all = llvm::all_of(s.accesses, [&](auto &a) {
        int64_t p = s.holders.lookup(a.second)[d];
        if (p < 0 || llvm::is_contained(vectorDims(a.first), p))
          return false;
        std::optional<MutableOperandRange> idx =
            accessIndices(a.first, a.second);
        return p < int64_t(idx->size()) && (*idx)[p].get() == iv;
      });
      if (all)
        return d;
    }
    return -1;
  };
  if (dimOf(outer.getInductionVar()) < 0)
    return {};
  SmallVector<int64_t> dims;
  for (auto &[v, pos] : s.holders) {
    auto arg = dyn_cast<BlockArgument>(v);
    auto loop =
        arg ? dyn_cast<scf::ForOp>(arg.getOwner()->getParentOp()) : nullptr;
    if (!loop || loop == outer || !llvm::all_of(s.accesses, [&](auto &a) {
          return loop->isProperAncestor(a.first);
        }))
      continue;
    // A loop between `outer` and this one that does not give its own
    // dimension would run this loop's rows again: a later run reads what an
    // earlier one wrote (defined), which one row could not keep.
    bool rerun = false;
    for (Operation *p = loop->getParentOp(); p != outer.getOperation();
         p = p->getParentOp()) {
      auto between = dyn_cast<scf::ForOp>(p);
      if (!isa<scf::ForOp, scf::IfOp>(p) ||
          (between && dimOf(between.getInductionVar()) < 0))
        rerun = true;
    }
    int64_t d = dimOf(loop.getInductionVar());
    if (!rerun && d >= 0 && !llvm::is_contained(dims, d))
      dims.push_back(d);
  }
  return dims;
}

/// Gives the tensor of `s` size 1 in `rows`: a new tensor.empty, the index 0
/// there in every access, the types of the holders and reshapes updated.
static void shrink(RewriterBase &rewriter, scf::ForOp outer, unsigned k,
                   Scratch &s, ArrayRef<int64_t> rows) {
  Location loc = s.empty.getLoc();
  auto oldType = s.empty.getType();
  rewriter.setInsertionPoint(outer);
  // Sizes read from the tensor keep reading the full size (loop bounds).
  for (tensor::DimOp dim : s.dims) {
    int64_t d = *dim.getConstantIndex();
    if (!llvm::is_contained(rows, d))
      continue;
    SmallVector<OpFoldResult> sizes = s.empty.getMixedSizes();
    rewriter.replaceOp(
        dim, getValueOrCreateConstantIndexOp(rewriter, dim.getLoc(), sizes[d]));
  }
  SmallVector<int64_t> shape(oldType.getShape());
  SmallVector<Value> dynamic;
  for (int64_t d = 0; d < oldType.getRank(); ++d) {
    if (llvm::is_contained(rows, d))
      shape[d] = 1;
    else if (oldType.isDynamicDim(d))
      dynamic.push_back(s.empty.getDynamicSize(d));
  }
  auto newType = RankedTensorType::get(shape, oldType.getElementType(),
                                       oldType.getEncoding());
  Value row = tensor::EmptyOp::create(rewriter, loc, newType, dynamic);
  Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
  rewriter.modifyOpInPlace(outer,
                           [&] { outer.getInitArgsMutable()[k].set(row); });
  outer.getResult(k).setType(newType);
  for (auto &[v, pos] : s.holders)
    if (!s.reshaped.contains(v))
      v.setType(newType);
  for (auto &[op, v] : s.accesses) {
    SmallVector<int64_t> pos = s.holders.lookup(v);
    rewriter.modifyOpInPlace(op, [&] {
      MutableOperandRange idx = *accessIndices(op, v);
      for (int64_t d : rows)
        idx[pos[d]].set(zero);
    });
  }
  // Reshapes in the order found: each one's source is already rebuilt.
  for (Operation *view : s.views) {
    rewriter.setInsertionPoint(view);
    Value src = view->getOperand(0);
    Value rebuilt;
    if (auto expand = dyn_cast<tensor::ExpandShapeOp>(view)) {
      SmallVector<int64_t> pos = s.holders.lookup(expand.getResult());
      SmallVector<OpFoldResult> out = expand.getMixedOutputShape();
      SmallVector<int64_t> viewShape(expand.getResultType().getShape());
      for (int64_t d : rows) {
        out[pos[d]] = rewriter.getIndexAttr(1);
        viewShape[pos[d]] = 1;
      }
      auto type = RankedTensorType::get(viewShape, newType.getElementType(),
                                        expand.getResultType().getEncoding());
      rebuilt =
          tensor::ExpandShapeOp::create(rewriter, view->getLoc(), type, src,
                                        expand.getReassociationIndices(), out);
    } else {
      auto collapse = cast<tensor::CollapseShapeOp>(view);
      rebuilt = tensor::CollapseShapeOp::create(
          rewriter, view->getLoc(), src, collapse.getReassociationIndices());
    }
    rewriter.replaceAllUsesWith(view->getResult(0), rebuilt);
    rewriter.eraseOp(view);
  }
}

int64_t quantc::shrinkRowScratch(Operation *root) {
  IRRewriter rewriter(root->getContext());
  SmallVector<scf::ForOp> marked;
  root->walk([&](scf::ForOp loop) {
    if (loop->hasAttr(kX86RowsAttrName))
      marked.push_back(loop);
  });
  int64_t shrunk = 0;
  for (scf::ForOp outer : marked)
    for (unsigned k = 0; k < outer.getNumRegionIterArgs(); ++k) {
      FailureOr<Scratch> s = collect(outer, k);
      if (failed(s))
        continue;
      SmallVector<int64_t> rows = rowDims(outer, *s);
      if (rows.empty())
        continue;
      shrink(rewriter, outer, k, *s, rows);
      ++shrunk;
    }
  return shrunk;
}
