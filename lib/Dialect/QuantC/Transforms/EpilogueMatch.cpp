//===- EpilogueMatch.cpp - what a GEMM epilogue absorbs -------------------===//
//
// Normalization of the elementwise chains after quantc.rescale ops, and the
// activation matchers --quantc-fuse folds into the epilogue. See
// EpilogueMatch.h.
//
//===----------------------------------------------------------------------===//
#include "EpilogueMatch.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Linalg/Utils/Utils.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include "llvm/ADT/SetVector.h"

#include <cmath>

using namespace mlir;
using namespace quantc;

//===----------------------------------------------------------------------===//
// Activation matching
//===----------------------------------------------------------------------===//

namespace {
using OpSet = llvm::SmallPtrSetImpl<Operation *>;

/// A float constant, or the block argument of a linalg.generic input that
/// is a splat constant (`arith.addf %x, %ones` on tensors becomes such an
/// input).
std::optional<double> floatConst(Value v) {
  FloatAttr attr;
  if (matchPattern(v, m_Constant(&attr)))
    return attr.getValueAsDouble();
  auto arg = dyn_cast<BlockArgument>(v);
  if (!arg)
    return std::nullopt;
  auto generic = dyn_cast<linalg::GenericOp>(arg.getOwner()->getParentOp());
  if (!generic || arg.getArgNumber() >= generic.getNumDpsInputs())
    return std::nullopt;
  DenseFPElementsAttr splat;
  if (!matchPattern(generic.getDpsInputs()[arg.getArgNumber()],
                    m_Constant(&splat)) ||
      !splat.isSplat())
    return std::nullopt;
  return splat.getSplatValue<APFloat>().convertToDouble();
}

bool near(double got, double want) {
  return std::abs(got - want) <= 1e-6 * std::abs(want);
}

bool isConst(Value v, double want) {
  std::optional<double> c = floatConst(v);
  return c && near(*c, want);
}

bool isZero(Value v) {
  std::optional<double> c = floatConst(v);
  return c && *c == 0.0;
}

/// A value as a product: a constant coefficient times non-constant factors,
/// read through mulf, negf and division by a constant.
struct Product {
  double coef = 1.0;
  SmallVector<Value, 4> factors;
  SmallVector<Operation *, 4> ops;
};

void flatten(Value v, Product &p) {
  if (std::optional<double> c = floatConst(v)) {
    p.coef *= *c;
    return;
  }
  Operation *def = v.getDefiningOp();
  if (auto mul = dyn_cast_or_null<arith::MulFOp>(def)) {
    p.ops.push_back(mul);
    flatten(mul.getLhs(), p);
    flatten(mul.getRhs(), p);
    return;
  }
  if (auto neg = dyn_cast_or_null<arith::NegFOp>(def)) {
    p.ops.push_back(neg);
    p.coef = -p.coef;
    flatten(neg.getOperand(), p);
    return;
  }
  if (auto sub = dyn_cast_or_null<arith::SubFOp>(def)) {
    // 0 - t = -1 * t.
    if (isZero(sub.getLhs())) {
      p.ops.push_back(sub);
      p.coef = -p.coef;
      flatten(sub.getRhs(), p);
      return;
    }
  }
  if (auto div = dyn_cast_or_null<arith::DivFOp>(def)) {
    std::optional<double> c = floatConst(div.getRhs());
    if (c && *c != 0.0) {
      p.ops.push_back(div);
      p.coef /= *c;
      flatten(div.getLhs(), p);
      return;
    }
  }
  p.factors.push_back(v);
}

Product productOf(Value v) {
  Product p;
  flatten(v, p);
  return p;
}

/// `coef * t` exactly (one factor, t).
bool isScaled(Value v, Value t, double coef, OpSet &ops) {
  Product p = productOf(v);
  if (p.factors.size() != 1 || p.factors[0] != t || !near(p.coef, coef))
    return false;
  ops.insert(p.ops.begin(), p.ops.end());
  return true;
}

/// `coef * t^3` (t * t * t, or powf(t, 3), in any grouping).
bool isCubeOf(Value v, Value t, double coef, OpSet &ops) {
  Product p = productOf(v);
  if (!near(p.coef, coef))
    return false;
  bool ok = false;
  if (p.factors.size() == 3)
    ok = llvm::all_of(p.factors, [&](Value f) { return f == t; });
  if (p.factors.size() == 1)
    if (auto pow = p.factors[0].getDefiningOp<math::PowFOp>())
      if (pow.getLhs() == t && isConst(pow.getRhs(), 3.0)) {
        ok = true;
        ops.insert(pow);
      }
  if (ok)
    ops.insert(p.ops.begin(), p.ops.end());
  return ok;
}

/// `1 + f(x)` in either order: returns the other operand.
Value onePlus(Value v, Operation *&add) {
  auto a = v.getDefiningOp<arith::AddFOp>();
  if (!a)
    return {};
  add = a;
  if (isConst(a.getLhs(), 1.0))
    return a.getRhs();
  if (isConst(a.getRhs(), 1.0))
    return a.getLhs();
  return {};
}

/// 1 + exp(-t): returns true.
bool isOnePlusExpNeg(Value v, Value t, OpSet &ops) {
  Operation *add;
  Value e = onePlus(v, add);
  auto exp = e ? e.getDefiningOp<math::ExpOp>() : math::ExpOp();
  llvm::SmallPtrSet<Operation *, 4> inner;
  if (!exp || !isScaled(exp.getOperand(), t, -1.0, inner))
    return false;
  ops.insert(inner.begin(), inner.end());
  ops.insert({add, exp});
  return true;
}

/// sigmoid(t) = 1 / (1 + exp(-t)): returns t, or null.
Value matchSigmoid(Value v, OpSet &ops) {
  auto div = v.getDefiningOp<arith::DivFOp>();
  if (!div || !isConst(div.getLhs(), 1.0))
    return {};
  Operation *add;
  Value e = onePlus(div.getRhs(), add);
  auto exp = e ? e.getDefiningOp<math::ExpOp>() : math::ExpOp();
  if (!exp)
    return {};
  Product p = productOf(exp.getOperand());
  if (p.factors.size() != 1 || !near(p.coef, -1.0))
    return {};
  ops.insert(p.ops.begin(), p.ops.end());
  ops.insert({div, add, exp});
  return p.factors[0];
}

std::optional<MatchedActivation> matchRelu(Value v, OpSet &ops) {
  Operation *def = v.getDefiningOp();
  if (isa_and_nonnull<arith::MaximumFOp, arith::MaxNumFOp>(def)) {
    Value a = def->getOperand(0), b = def->getOperand(1);
    if (isZero(b) || isZero(a)) {
      ops.insert(def);
      return MatchedActivation{Activation::relu, isZero(b) ? a : b};
    }
  }
  // select(t > 0, t, 0), select(t < 0, 0, t), and with 0 on the left.
  auto sel = dyn_cast_or_null<arith::SelectOp>(def);
  if (!sel)
    return std::nullopt;
  auto cmp = sel.getCondition().getDefiningOp<arith::CmpFOp>();
  if (!cmp)
    return std::nullopt;
  using P = arith::CmpFPredicate;
  P pred = cmp.getPredicate();
  Value t = cmp.getLhs();
  if (isZero(cmp.getLhs())) {
    t = cmp.getRhs();
    pred = [&] {
      // Swap the operands: 0 < t is t > 0.
      switch (pred) {
      case P::OGT:
        return P::OLT;
      case P::OGE:
        return P::OLE;
      case P::OLT:
        return P::OGT;
      case P::OLE:
        return P::OGE;
      case P::UGT:
        return P::ULT;
      case P::UGE:
        return P::ULE;
      case P::ULT:
        return P::UGT;
      case P::ULE:
        return P::UGE;
      default:
        return pred;
      }
    }();
  } else if (!isZero(cmp.getRhs())) {
    return std::nullopt;
  }
  bool greater = llvm::is_contained({P::OGT, P::OGE, P::UGT, P::UGE}, pred);
  bool less = llvm::is_contained({P::OLT, P::OLE, P::ULT, P::ULE}, pred);
  Value keep = greater ? sel.getTrueValue() : sel.getFalseValue();
  Value zero = greater ? sel.getFalseValue() : sel.getTrueValue();
  if ((!greater && !less) || keep != t || !isZero(zero))
    return std::nullopt;
  ops.insert({sel, cmp});
  return MatchedActivation{Activation::relu, t};
}

/// 0.5 * t * (1 + erf(t / sqrt 2)) and the tanh form.
std::optional<MatchedActivation> matchGelu(Value v, OpSet &ops) {
  Product p = productOf(v);
  if (p.factors.size() != 2 || !near(p.coef, 0.5))
    return std::nullopt;
  for (int i = 0; i < 2; ++i) {
    Value t = p.factors[i];
    Operation *add;
    Value inner = onePlus(p.factors[1 - i], add);
    if (!inner)
      continue;
    llvm::SmallPtrSet<Operation *, 16> m;
    m.insert(p.ops.begin(), p.ops.end());
    m.insert(add);
    if (auto erf = inner.getDefiningOp<math::ErfOp>()) {
      if (!isScaled(erf.getOperand(), t, 0.70710678118654752, m))
        continue;
      m.insert(erf);
      ops.insert(m.begin(), m.end());
      return MatchedActivation{Activation::gelu, t};
    }
    auto tanh = inner.getDefiningOp<math::TanhOp>();
    if (!tanh)
      continue;
    m.insert(tanh);
    const double c = 0.79788456080286536, a = 0.044715;
    Value u = tanh.getOperand();
    // c * (t + a t^3), or c t + c a t^3.
    Product up = productOf(u);
    bool ok = false;
    if (up.factors.size() == 1 && near(up.coef, c)) {
      if (auto sum = up.factors[0].getDefiningOp<arith::AddFOp>()) {
        for (int j = 0; j < 2 && !ok; ++j)
          ok = sum->getOperand(j) == t &&
               isCubeOf(sum->getOperand(1 - j), t, a, m);
        if (ok)
          m.insert(sum);
      }
      if (ok)
        m.insert(up.ops.begin(), up.ops.end());
    }
    if (!ok)
      if (auto sum = u.getDefiningOp<arith::AddFOp>()) {
        for (int j = 0; j < 2 && !ok; ++j)
          ok = isScaled(sum->getOperand(j), t, c, m) &&
               isCubeOf(sum->getOperand(1 - j), t, c * a, m);
        if (ok)
          m.insert(sum);
      }
    if (!ok)
      continue;
    ops.insert(m.begin(), m.end());
    return MatchedActivation{Activation::gelu_tanh, t};
  }
  return std::nullopt;
}

/// t * sigmoid(t), t / (1 + exp(-t)).
std::optional<MatchedActivation> matchSilu(Value v, OpSet &ops) {
  if (auto div = v.getDefiningOp<arith::DivFOp>()) {
    llvm::SmallPtrSet<Operation *, 8> m;
    Value t = div.getLhs();
    if (isOnePlusExpNeg(div.getRhs(), t, m)) {
      m.insert(div);
      ops.insert(m.begin(), m.end());
      return MatchedActivation{Activation::silu, t};
    }
  }
  Product p = productOf(v);
  if (p.factors.size() != 2 || !near(p.coef, 1.0))
    return std::nullopt;
  for (int i = 0; i < 2; ++i) {
    llvm::SmallPtrSet<Operation *, 8> m;
    Value t = p.factors[i];
    if (matchSigmoid(p.factors[1 - i], m) != t)
      continue;
    m.insert(p.ops.begin(), p.ops.end());
    ops.insert(m.begin(), m.end());
    return MatchedActivation{Activation::silu, t};
  }
  return std::nullopt;
}
} // namespace

std::optional<MatchedActivation>
quantc::matchActivation(Value root,
                        llvm::SmallPtrSetImpl<Operation *> &matched) {
  for (auto match : {matchRelu, matchGelu, matchSilu}) {
    llvm::SmallPtrSet<Operation *, 16> ops;
    if (std::optional<MatchedActivation> m = match(root, ops)) {
      matched.insert(ops.begin(), ops.end());
      return m;
    }
  }
  return std::nullopt;
}

//===----------------------------------------------------------------------===//
// Normalization
//===----------------------------------------------------------------------===//

/// Whether `op` is an elementwise op on ranked tensors that normalization
/// turns into (or keeps as) a linalg.generic.
static bool isTensorElementwise(Operation *op) {
  if (auto linalgOp = dyn_cast<linalg::LinalgOp>(op))
    return linalgOp.hasPureTensorSemantics() && linalg::isElementwise(linalgOp);
  return OpTrait::hasElementwiseMappableTraits(op) &&
         op->getNumResults() == 1 &&
         isa<RankedTensorType>(op->getResult(0).getType()) &&
         llvm::all_of(op->getOperandTypes(), [&](Type t) {
           return t == op->getResult(0).getType() ||
                  (isa<RankedTensorType>(t) &&
                   cast<RankedTensorType>(t).getShape() ==
                       cast<RankedTensorType>(op->getResult(0).getType())
                           .getShape());
         });
}

/// A generic that only broadcasts its one input (a generalized
/// linalg.broadcast).
static bool isBroadcast(linalg::GenericOp op) {
  if (op.getNumDpsInputs() != 1 || op.getNumDpsInits() != 1 ||
      op.getNumParallelLoops() != op.getNumLoops() ||
      !op.hasPureTensorSemantics())
    return false;
  Block &body = op.getRegion().front();
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  return body.getOperations().size() == 1 && yield.getNumOperands() == 1 &&
         yield.getOperand(0) == body.getArgument(0);
}

/// The elementwise ops downstream of a non-requantizing rescale.
static llvm::SetVector<Operation *> collectChains(Operation *root) {
  llvm::SetVector<Operation *> chain;
  SmallVector<Value> worklist;
  root->walk([&](RescaleOp r) {
    if (!r.getOutputScale())
      worklist.push_back(r.getResult());
  });
  while (!worklist.empty()) {
    Value v = worklist.pop_back_val();
    for (Operation *user : v.getUsers()) {
      if (chain.contains(user) || !isTensorElementwise(user))
        continue;
      chain.insert(user);
      llvm::append_range(worklist, user->getResults());
    }
  }
  return chain;
}

void quantc::normalizeEpilogueChains(Operation *root) {
  MLIRContext *ctx = root->getContext();
  llvm::SetVector<Operation *> chain = collectChains(root);
  if (chain.empty())
    return;
  // Broadcasts feeding the chain (a bias as linalg.broadcast + linalg.add)
  // fuse into it as well (collected before any op of the chain is
  // replaced).
  SmallVector<linalg::BroadcastOp> broadcasts;
  for (Operation *op : chain)
    for (Value v : op->getOperands())
      if (auto bc = v.getDefiningOp<linalg::BroadcastOp>())
        if (bc->hasOneUse() && bc.hasPureTensorSemantics() &&
            !chain.contains(bc) && !llvm::is_contained(broadcasts, bc))
          broadcasts.push_back(bc);
  // arith/math ops on tensors -> linalg.generic; named ops -> generic.
  SmallVector<Operation *> mappable;
  IRRewriter rewriter(ctx);
  for (Operation *op : chain) {
    if (!isa<linalg::LinalgOp>(op)) {
      mappable.push_back(op);
      continue;
    }
    if (isa<linalg::GenericOp>(op))
      continue;
    rewriter.setInsertionPoint(op);
    (void)linalg::generalizeNamedOp(rewriter, cast<linalg::LinalgOp>(op));
  }
  for (linalg::BroadcastOp bc : broadcasts) {
    rewriter.setInsertionPoint(bc);
    (void)linalg::generalizeNamedOp(rewriter,
                                    cast<linalg::LinalgOp>(bc.getOperation()));
  }
  if (!mappable.empty()) {
    RewritePatternSet patterns(ctx);
    linalg::populateElementwiseToLinalgConversionPatterns(patterns);
    GreedyRewriteConfig config;
    config.setStrictness(GreedyRewriteStrictness::ExistingOps);
    (void)applyOpPatternsGreedily(mappable, std::move(patterns), config);
  }
  // An init whose value the body does not read (elementwise-to-linalg
  // reuses an operand as the init) becomes a tensor.empty, so that it is no
  // use of the value.
  auto dropInitUses = [&] {
    for (Operation *op : collectChains(root)) {
      auto g = dyn_cast<linalg::GenericOp>(op);
      if (!g)
        continue;
      for (OpOperand &init : g.getDpsInitsMutable()) {
        if (!g.getMatchingBlockArgument(&init).use_empty() ||
            init.get().getDefiningOp<tensor::EmptyOp>())
          continue;
        rewriter.setInsertionPoint(g);
        auto ty = cast<RankedTensorType>(init.get().getType());
        Value empty = tensor::EmptyOp::create(
            rewriter, g.getLoc(),
            tensor::getMixedSizes(rewriter, g.getLoc(), init.get()),
            ty.getElementType());
        rewriter.modifyOpInPlace(g, [&] { init.set(empty); });
      }
    }
  };
  dropInitUses();
  // Fuse each single-use producer of the chain into its consumer of the
  // chain, until none is left.
  for (bool changed = true; changed;) {
    changed = false;
    llvm::SetVector<Operation *> generics = collectChains(root);
    for (Operation *op : generics) {
      auto consumer = dyn_cast<linalg::GenericOp>(op);
      if (!consumer)
        continue;
      for (OpOperand *operand : consumer.getDpsInputOperands()) {
        auto producer = operand->get().getDefiningOp<linalg::GenericOp>();
        if (!producer ||
            (!generics.contains(producer) && !isBroadcast(producer)) ||
            !producer->hasOneUse() ||
            !linalg::areElementwiseOpsFusable(operand))
          continue;
        rewriter.setInsertionPoint(consumer);
        FailureOr<linalg::ElementwiseOpFusionResult> fused =
            linalg::fuseElementwiseOps(rewriter, operand);
        if (failed(fused))
          continue;
        for (auto [orig, replacement] : fused->replacements)
          rewriter.replaceUsesWithIf(orig, replacement, [&](OpOperand &use) {
            return use.getOwner() != producer.getOperation();
          });
        rewriter.eraseOp(consumer);
        if (producer->use_empty())
          rewriter.eraseOp(producer);
        changed = true;
        break;
      }
      if (changed)
        break;
    }
  }
  // An input read twice (the rescale's result by two ops of the chain) is
  // one input; unused inputs go.
  SmallVector<Operation *> generics;
  for (Operation *op : collectChains(root))
    if (isa<linalg::GenericOp>(op))
      generics.push_back(op);
  RewritePatternSet dedup(ctx);
  linalg::populateEraseUnusedOperandsAndResultsPatterns(dedup);
  GreedyRewriteConfig config;
  config.setStrictness(GreedyRewriteStrictness::ExistingAndNewOps);
  (void)applyOpPatternsGreedily(generics, std::move(dedup), config);
  dropInitUses();
}
