//===- OutlineRows.cpp - row loops of elementwise ops on an OpenMP team ---===//
//
// The row loops --quantc-x86-vectorize-elementwise marks (quantc.x86_rows)
// become calls of outlined functions over a row range, split across the
// OpenMP team by --quantc-x86-outline-omp when the loop has enough work. See
// the pass description in Conversion/Passes.td.
//
//===----------------------------------------------------------------------===//
#include "quantc/Conversion/QuantCToX86/QuantCToX86.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "mlir/Transforms/RegionUtils.h"

namespace quantc {
#define GEN_PASS_DEF_QUANTCX86OUTLINEROWS
#include "quantc/Conversion/Passes.h.inc"
} // namespace quantc

using namespace mlir;

/// The buffer and indices of `op` if it is a write the pass understands (a
/// store or a vector write into a memref), else std::nullopt.
static std::optional<std::pair<Value, ValueRange>> writeOf(Operation *op) {
  if (auto s = dyn_cast<memref::StoreOp>(op))
    return std::make_pair(s.getMemRef(), ValueRange(s.getIndices()));
  if (auto w = dyn_cast<vector::TransferWriteOp>(op))
    if (isa<MemRefType>(w.getBase().getType()))
      return std::make_pair(w.getBase(), ValueRange(w.getIndices()));
  if (auto s = dyn_cast<vector::StoreOp>(op))
    return std::make_pair(s.getBase(), ValueRange(s.getIndices()));
  if (auto s = dyn_cast<vector::MaskedStoreOp>(op))
    return std::make_pair(s.getBase(), ValueRange(s.getIndices()));
  return std::nullopt;
}

/// The buffer and indices of `op` if it is a read the pass understands (a
/// load or a vector read of a memref), else std::nullopt.
static std::optional<std::pair<Value, ValueRange>> readOf(Operation *op) {
  if (auto l = dyn_cast<memref::LoadOp>(op))
    return std::make_pair(l.getMemRef(), ValueRange(l.getIndices()));
  if (auto r = dyn_cast<vector::TransferReadOp>(op))
    if (isa<MemRefType>(r.getBase().getType()))
      return std::make_pair(r.getBase(), ValueRange(r.getIndices()));
  if (auto l = dyn_cast<vector::LoadOp>(op))
    return std::make_pair(l.getBase(), ValueRange(l.getIndices()));
  if (auto l = dyn_cast<vector::MaskedLoadOp>(op))
    return std::make_pair(l.getBase(), ValueRange(l.getIndices()));
  return std::nullopt;
}

/// The buffer `v` is a view of (through subviews, casts and reshapes): an
/// allocation, a global, a function argument or another value.
static Value rootBuffer(Value v) {
  while (auto view = v.getDefiningOp<ViewLikeOpInterface>())
    v = view.getViewSource();
  return v;
}

/// Whether the buffers `a` and `b` (rootBuffer) cannot overlap: different
/// roots, one of them an allocation, the other an allocation, a global or
/// an argument of the function (anything else, e.g. an op result that is a
/// view of something rootBuffer does not see through, may be either).
static bool distinctBuffers(Value a, Value b) {
  auto fresh = [](Value v) {
    return v.getDefiningOp<memref::AllocOp>() ||
           v.getDefiningOp<memref::AllocaOp>();
  };
  auto known = [&](Value v) {
    if (fresh(v) || v.getDefiningOp<memref::GetGlobalOp>())
      return true;
    auto arg = dyn_cast<BlockArgument>(v);
    return arg && isa<FunctionOpInterface>(arg.getOwner()->getParentOp());
  };
  return a != b && (fresh(a) || fresh(b)) && known(a) && known(b);
}

/// Whether `v` may be computed from `row` (by ops inside `loop`, or as the
/// induction variable or iteration argument of a loop inside it whose
/// bounds or initial values may be); a chain deeper than 16 ops counts as
/// computed from it.
static bool dependsOn(Value v, Value row, scf::ForOp loop,
                      DenseMap<Value, bool> &memo, unsigned depth = 0) {
  if (v == row || depth > 16)
    return true;
  auto it = memo.find(v);
  if (it != memo.end())
    return it->second;
  Operation *def = v.getDefiningOp();
  if (auto arg = dyn_cast<BlockArgument>(v))
    def = arg.getOwner()->getParentOp();
  bool r = def && def != loop.getOperation() && loop->isProperAncestor(def) &&
           llvm::any_of(def->getOperands(), [&](Value x) {
             return dependsOn(x, row, loop, memo, depth + 1);
           });
  memo[v] = r;
  return r;
}

/// Why the rows of `loop` cannot run on several threads, or "" when they
/// can.
static std::string whyNotParallel(scf::ForOp loop) {
  if (!isConstantIntValue(loop.getLowerBound(), 0) ||
      !isConstantIntValue(loop.getStep(), 1))
    return "the loop does not start at 0 with step 1";
  auto yield = cast<scf::YieldOp>(loop.getBody()->getTerminator());
  for (auto [arg, yielded] :
       llvm::zip(loop.getRegionIterArgs(), yield.getOperands()))
    if (arg != yielded)
      return "the loop carries a value from row to row";
  Value row = loop.getInductionVar();
  std::string why;
  SetVector<Value> written;
  SmallVector<Value> crossRowReads;
  DenseMap<Value, bool> memo;
  loop.getBody()->walk([&](Operation *op) {
    // A GEMM kernel on the row's block (its emitter's promise).
    if (op->hasAttr(quantc::kX86RowCallWorkAttrName)) {
      for (Value v : op->getOperands())
        if (isa<MemRefType>(v.getType()))
          written.insert(rootBuffer(v));
      return WalkResult::advance();
    }
    if (isa<CallOpInterface>(op)) {
      why = "the loop calls " + op->getName().getStringRef().str();
      return WalkResult::interrupt();
    }
    auto effects = dyn_cast<MemoryEffectOpInterface>(op);
    if (!effects) {
      if (op->hasTrait<OpTrait::HasRecursiveMemoryEffects>())
        return WalkResult::advance();
      why = "the loop has " + op->getName().getStringRef().str() +
            ", whose memory effects are unknown";
      return WalkResult::interrupt();
    }
    if (effects.hasEffect<MemoryEffects::Allocate>() ||
        effects.hasEffect<MemoryEffects::Free>()) {
      why = "the loop allocates or frees memory";
      return WalkResult::interrupt();
    }
    if (effects.hasEffect<MemoryEffects::Write>()) {
      std::optional<std::pair<Value, ValueRange>> w = writeOf(op);
      if (!w || !llvm::is_contained(w->second, row)) {
        why = "the loop writes with " + op->getName().getStringRef().str() +
              " other than at its row";
        return WalkResult::interrupt();
      }
      written.insert(rootBuffer(w->first));
    }
    // A read at an index computed from the row (an im2col gather's
    // oh + kh) may read other rows: checked below against the writes. So
    // may a read through a view placed by the row, and any read the pass
    // does not know whose operands depend on the row.
    if (effects.hasEffect<MemoryEffects::Read>()) {
      std::optional<std::pair<Value, ValueRange>> read = readOf(op);
      auto fromRow = [&](Value i) {
        return i != row && dependsOn(i, row, loop, memo);
      };
      bool cross;
      if (read) {
        cross = llvm::any_of(read->second, fromRow);
        for (Value v = read->first; !cross;) {
          auto view = v.getDefiningOp<ViewLikeOpInterface>();
          if (!view)
            break;
          cross = llvm::any_of(view->getOperands(), [&](Value x) {
            return x != view.getViewSource() && dependsOn(x, row, loop, memo);
          });
          v = view.getViewSource();
        }
        if (cross)
          crossRowReads.push_back(rootBuffer(read->first));
      } else if (llvm::any_of(op->getOperands(), fromRow)) {
        for (Value v : op->getOperands())
          if (isa<MemRefType>(v.getType()))
            crossRowReads.push_back(rootBuffer(v));
      }
    }
    return WalkResult::advance();
  });
  if (!why.empty())
    return why;
  // Such a read must be of a buffer no row writes.
  for (Value r : crossRowReads)
    for (Value w : written)
      if (!distinctBuffers(r, w))
        return "the loop reads other rows (at indices computed from its "
               "row) of a buffer it may write";
  return "";
}

/// The work of one iteration of `block` (nested in `outer`): 1 plus, for
/// each scf.for in it whose bounds are defined above `outer`, its trip count
/// times the work of its body (a loop with bounds computed inside counts
/// once). Emitted before `outer`.
static Value workOf(OpBuilder &b, Location loc, Block &block,
                    scf::ForOp outer) {
  Value work = arith::ConstantIndexOp::create(b, loc, 1);
  for (Operation &op : block) {
    if (auto w = op.getAttrOfType<IntegerAttr>(quantc::kX86RowCallWorkAttrName))
      work = arith::AddIOp::create(
          b, loc, work, arith::ConstantIndexOp::create(b, loc, w.getInt()));
    auto f = dyn_cast<scf::ForOp>(op);
    if (!f)
      continue;
    Value body = workOf(b, loc, *f.getBody(), outer);
    auto above = [&](Value v) {
      return v.getParentRegion()->isAncestor(outer->getParentRegion());
    };
    if (above(f.getLowerBound()) && above(f.getUpperBound()) &&
        above(f.getStep())) {
      Value span =
          arith::SubIOp::create(b, loc, f.getUpperBound(), f.getLowerBound());
      Value trips = arith::CeilDivSIOp::create(b, loc, span, f.getStep());
      trips = arith::MaxSIOp::create(b, loc, trips,
                                     arith::ConstantIndexOp::create(b, loc, 0));
      body = arith::MulIOp::create(b, loc, trips, body);
    }
    work = arith::AddIOp::create(b, loc, work, body);
  }
  return work;
}

namespace {
struct OutlineRows : quantc::impl::QuantCX86OutlineRowsBase<OutlineRows> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (minWork < -1) {
      module.emitError() << "quantc-x86-outline-rows: min-work must be >= 0 "
                            "or -1 (never split), got "
                         << static_cast<int64_t>(minWork);
      return signalPassFailure();
    }
    SmallVector<scf::ForOp> loops;
    module.walk([&](scf::ForOp loop) {
      if (loop->removeAttr(quantc::kX86RowsAttrName))
        loops.push_back(loop);
    });
    if (minWork < 0)
      return;
    SymbolTable symbols(module);
    for (scf::ForOp loop : loops) {
      std::string why = whyNotParallel(loop);
      if (!why.empty()) {
        loop.emitRemark() << "the rows of this loop run on one thread: " << why;
        continue;
      }
      outline(loop, symbols);
    }
  }

  /// `loop` -> the row function, its parallel twin, and the call of one of
  /// them by the work.
  void outline(scf::ForOp loop, SymbolTable &symbols) {
    MLIRContext *ctx = &getContext();
    Location loc = loop.getLoc();
    // The iteration arguments are passed through: the loop's results and the
    // body's uses are the initial values.
    for (auto [arg, init, result] : llvm::zip(
             loop.getRegionIterArgs(), loop.getInitArgs(), loop.getResults())) {
      arg.replaceAllUsesWith(init);
      result.replaceAllUsesWith(init);
    }
    SetVector<Value> captured;
    getUsedValuesDefinedAbove(loop.getRegion(), captured);
    // Constants are cloned into the function, the rest passed.
    SmallVector<Value> args;
    SmallVector<Operation *> constants;
    for (Value v : captured) {
      Operation *def = v.getDefiningOp();
      if (def && def->hasTrait<OpTrait::ConstantLike>() &&
          def->getNumOperands() == 0)
        constants.push_back(def);
      else
        args.push_back(v);
    }
    SmallVector<Type> types(ValueRange(args).getTypes());
    Type indexTy = IndexType::get(ctx);
    types.append({indexTy, indexTy});
    auto fnTy = FunctionType::get(ctx, types, {});
    auto makeFn = [&](StringRef name) {
      auto fn = func::FuncOp::create(loc, name, fnTy);
      fn.setPrivate();
      fn->setAttr("llvm.linkage",
                  LLVM::LinkageAttr::get(ctx, LLVM::Linkage::Internal));
      symbols.insert(fn);
      return fn;
    };
    func::FuncOp rows = makeFn("__quantc_x86_rows");
    {
      Block *entry = rows.addEntryBlock();
      OpBuilder fb = OpBuilder::atBlockBegin(entry);
      IRMapping map;
      for (auto [v, a] : llvm::zip(args, entry->getArguments()))
        map.map(v, a);
      for (Operation *c : constants)
        fb.clone(*c, map);
      Value lo = entry->getArgument(args.size());
      Value hi = entry->getArgument(args.size() + 1);
      Value one = arith::ConstantIndexOp::create(fb, loc, 1);
      auto f = scf::ForOp::create(fb, loc, lo, hi, one);
      map.map(loop.getInductionVar(), f.getInductionVar());
      OpBuilder bb = OpBuilder::atBlockBegin(f.getBody());
      for (Operation &op : loop.getBody()->without_terminator())
        bb.clone(op, map);
      func::ReturnOp::create(fb, loc);
    }
    // The twin the OpenMP outlining splits: it calls the row function on
    // the thread's share of [lo, hi).
    func::FuncOp team = makeFn((rows.getName() + "_team").str());
    team->setAttr(quantc::kX86ParallelAttrName, UnitAttr::get(ctx));
    {
      Block *entry = team.addEntryBlock();
      OpBuilder fb = OpBuilder::atBlockBegin(entry);
      func::CallOp::create(fb, loc, rows, entry->getArguments());
      func::ReturnOp::create(fb, loc);
    }
    OpBuilder b(loop);
    Value work = arith::MulIOp::create(b, loc, loop.getUpperBound(),
                                       workOf(b, loc, *loop.getBody(), loop));
    Value enough =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, work,
                              arith::ConstantIndexOp::create(b, loc, minWork));
    Value several = arith::CmpIOp::create(
        b, loc, arith::CmpIPredicate::sge, loop.getUpperBound(),
        arith::ConstantIndexOp::create(b, loc, 2));
    Value split = arith::AndIOp::create(b, loc, enough, several);
    SmallVector<Value> callArgs(args);
    callArgs.append({loop.getLowerBound(), loop.getUpperBound()});
    auto branch = scf::IfOp::create(b, loc, split, /*withElseRegion=*/true);
    OpBuilder tb = branch.getThenBodyBuilder();
    func::CallOp::create(tb, loc, team, callArgs);
    OpBuilder eb = branch.getElseBodyBuilder();
    func::CallOp::create(eb, loc, rows, callArgs);
    loop.erase();
  }
};
} // namespace
