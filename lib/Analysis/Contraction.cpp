//===- Contraction.cpp - the GEMM structure of contractions ---------------===//
//
// getContractionInfo: the loop roles (batch, M, N, reduction) of linalg
// contractions, convolutions (the reduction window-major, as im2col
// flattens it), the zero-point `_q` forms and quantc.matmul, and how a
// scale's granularity reads along them (reductionBlock,
// describeGranularity). Declared in quantc/Analysis/Granularity.h.
//
//===----------------------------------------------------------------------===//
#include "quantc/Analysis/Granularity.h"
#include "quantc/Dialect/QuantC/Utils/Sizes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/IR/AffineExpr.h"
#include "mlir/IR/Matchers.h"
#include "quantc/Dialect/QuantC/IR/QuantCOps.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SetVector.h"

using namespace mlir;
using namespace quantc;

static constexpr int64_t kDyn = ShapedType::kDynamic;

//===----------------------------------------------------------------------===//
// Contractions
//===----------------------------------------------------------------------===//

StringRef quantc::stringifyDimRole(DimRole role) {
  switch (role) {
  case DimRole::Batch:
    return "batch";
  case DimRole::M:
    return "M";
  case DimRole::N:
    return "N";
  case DimRole::K:
    return "reduction";
  }
  llvm_unreachable("unknown DimRole");
}

StringRef quantc::stringifyOperandRole(OperandRole role) {
  return role == OperandRole::Activation ? "activation" : "weight";
}

SmallVector<unsigned> ContractionOperand::reductionDims() const {
  if (!reductionOrder.empty())
    return reductionOrder;
  SmallVector<unsigned> r;
  for (auto [i, role] : llvm::enumerate(dims))
    if (role == DimRole::K)
      r.push_back(i);
  return r;
}

static void setShape(ContractionOperand &o) {
  auto ty = cast<ShapedType>(o.value.getType());
  o.shape.assign(ty.getShape().begin(), ty.getShape().end());
}

/// The reduction loops of a convolution in the order its implicit im2col
/// GEMM flattens them: the window loops (those inside an lhs index sum),
/// then the others (input channels), each in loop order. Empty when no lhs
/// index is a sum (a plain contraction keeps its operands' layout order).
static SmallVector<unsigned>
windowMajorReduction(AffineMap lhsMap,
                     ArrayRef<std::optional<DimRole>> loopRole) {
  llvm::SmallSetVector<unsigned, 4> window;
  for (AffineExpr e : lhsMap.getResults()) {
    if (isa<AffineDimExpr>(e))
      continue;
    e.walk([&](AffineExpr sub) {
      if (auto dim = dyn_cast<AffineDimExpr>(sub))
        if (loopRole[dim.getPosition()] == DimRole::K)
          window.insert(dim.getPosition());
    });
  }
  if (window.empty())
    return {};
  SmallVector<unsigned> order(window.begin(), window.end());
  llvm::sort(order);
  for (auto [loop, role] : llvm::enumerate(loopRole))
    if (role == DimRole::K && !window.contains(loop))
      order.push_back(loop);
  return order;
}

/// The contraction of `op` (two inputs, one init) whose loops have the roles
/// `loopRole`. An operand dimension indexed by a sum of loops (a
/// convolution's output pixel + window offset) is only allowed with
/// `allowWindows`; it takes the role of its reduction loop (else its first)
/// and is marked windowed.
static FailureOr<ContractionInfo>
fromLoopRoles(linalg::LinalgOp op, ArrayRef<std::optional<DimRole>> loopRole,
              bool allowWindows) {
  ContractionInfo info;
  info.op = op;
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  SmallVector<unsigned> kOrder;
  if (allowWindows)
    kOrder = windowMajorReduction(
        op.getMatchingIndexingMap(op.getDpsInputOperand(0)), loopRole);
  info.isConvolution = !kOrder.empty();
  for (unsigned i = 0; i < 2; ++i) {
    OpOperand *operand = op.getDpsInputOperand(i);
    ContractionOperand &o = i == 0 ? info.lhs : info.rhs;
    o.value = operand->get();
    o.operandNumber = operand->getOperandNumber();
    o.role = i == 0 ? OperandRole::Activation : OperandRole::Weight;
    if (!isa<ShapedType>(o.value.getType()))
      return failure();
    for (AffineExpr e : op.getMatchingIndexingMap(operand).getResults()) {
      bool windowed = !isa<AffineDimExpr>(e);
      if (windowed && !allowWindows)
        return failure();
      std::optional<unsigned> first, reduced;
      e.walk([&](AffineExpr sub) {
        if (auto dim = dyn_cast<AffineDimExpr>(sub)) {
          unsigned p = dim.getPosition();
          if (!first)
            first = p;
          if (loopRole[p] == DimRole::K && !reduced)
            reduced = p;
        }
      });
      std::optional<unsigned> loop = reduced ? reduced : first;
      if (!loop || !loopRole[*loop])
        return failure();
      o.dims.push_back(*loopRole[*loop]);
      o.loopDims.push_back(*loop);
      o.loopExtents.push_back(ranges[*loop]);
      if (allowWindows)
        o.windowed.push_back(windowed);
    }
    setShape(o);
    // A convolution's reduction is flattened window-major whatever the
    // operand's layout: a scale varying along the input channels varies
    // element by element along it (per-input-channel), never in blocks of
    // the window size (as a channels-first layout order would suggest).
    if (!kOrder.empty()) {
      for (unsigned loop : kOrder)
        for (auto [d, l] : llvm::enumerate(o.loopDims))
          if (l == loop && o.dims[d] == DimRole::K)
            o.reductionOrder.push_back(d);
    }
  }
  int64_t k = 1;
  for (auto [loop, role] : llvm::enumerate(loopRole))
    if (role == DimRole::K)
      k = mulSizes(k, ranges[loop]);
  info.reductionSize = k;
  return info;
}

static FailureOr<ContractionInfo> getLinalgContraction(linalg::LinalgOp op) {
  if (op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1 ||
      !linalg::isaContractionOpInterface(op))
    return failure();
  FailureOr<linalg::ContractionDimensions> cd =
      linalg::inferContractionDims(op);
  if (failed(cd))
    return failure();
  SmallVector<std::optional<DimRole>> loopRole(op.getNumLoops());
  for (unsigned d : cd->batch)
    loopRole[d] = DimRole::Batch;
  for (unsigned d : cd->m)
    loopRole[d] = DimRole::M;
  for (unsigned d : cd->n)
    loopRole[d] = DimRole::N;
  for (unsigned d : cd->k)
    loopRole[d] = DimRole::K;
  return fromLoopRoles(op, loopRole, /*allowWindows=*/false);
}

/// A convolution as a GEMM (implicit im2col): the batch and output-image
/// loops are rows (M), the output channels columns (N), the filter window
/// and input channels the reduction (K), a depthwise channel a batch
/// dimension. An input dimension indexed by a sum (output pixel + window
/// offset) mixes rows and reduction: it is a reduction dimension for the
/// scale rules (a scale varying along it varies along the window).
static FailureOr<ContractionInfo> getLinalgConvolution(linalg::LinalgOp op) {
  if (op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1 ||
      !linalg::isaConvolutionOpInterface(op))
    return failure();
  FailureOr<linalg::ConvolutionDimensions> cd =
      linalg::inferConvolutionDims(op);
  if (failed(cd))
    return failure();
  SmallVector<std::optional<DimRole>> loopRole(op.getNumLoops());
  for (unsigned d : llvm::concat<unsigned>(cd->batch, cd->outputImage))
    loopRole[d] = DimRole::M;
  for (unsigned d : cd->outputChannel)
    loopRole[d] = DimRole::N;
  for (unsigned d : llvm::concat<unsigned>(cd->filterLoop, cd->inputChannel))
    loopRole[d] = DimRole::K;
  for (unsigned d : cd->depth)
    loopRole[d] = DimRole::Batch;
  return fromLoopRoles(op, loopRole, /*allowWindows=*/true);
}

/// Loop roles from the lhs, rhs and result indexing maps and the iterator
/// types alone: a parallel loop in all three is a batch loop, in the lhs and
/// the result M, in the rhs and the result N; a reduction loop in both
/// inputs (possibly inside an index sum, as a convolution's window) is K.
static FailureOr<SmallVector<std::optional<DimRole>>>
loopRolesFromMaps(linalg::LinalgOp op, AffineMap lhs, AffineMap rhs,
                  AffineMap out) {
  auto uses = [](AffineMap map, unsigned loop) {
    return llvm::any_of(map.getResults(),
                        [&](AffineExpr e) { return e.isFunctionOfDim(loop); });
  };
  SmallVector<utils::IteratorType> iters = op.getIteratorTypesArray();
  SmallVector<std::optional<DimRole>> roles(op.getNumLoops());
  for (unsigned l = 0, e = op.getNumLoops(); l < e; ++l) {
    bool inL = uses(lhs, l), inR = uses(rhs, l), inO = uses(out, l);
    if (iters[l] == utils::IteratorType::reduction) {
      if (!inL || !inR || inO)
        return failure();
      roles[l] = DimRole::K;
    } else if (inL && inR && inO) {
      roles[l] = DimRole::Batch;
    } else if (inL && !inR && inO) {
      roles[l] = DimRole::M;
    } else if (!inL && inR && inO) {
      roles[l] = DimRole::N;
    } else {
      return failure();
    }
  }
  return roles;
}

/// The `_q` forms: integer contractions and convolutions whose inputs 2 and
/// 3 are scalar zero points (upstream's isaContractionOpInterface and
/// inferConvolutionDims take two inputs only).
static bool isZeroPointForm(linalg::LinalgOp op) {
  return isa<linalg::QuantizedMatmulOp, linalg::QuantizedBatchMatmulOp,
             linalg::Conv2DNhwcHwcfQOp, linalg::Conv2DNhwcFhwcQOp,
             linalg::Conv2DNchwFchwQOp, linalg::DepthwiseConv2DNhwcHwcQOp>(op);
}

static FailureOr<ContractionInfo> getZeroPointContraction(linalg::LinalgOp op) {
  if (op.getNumDpsInputs() != 4 || op.getNumDpsInits() != 1)
    return failure();
  for (unsigned i = 2; i < 4; ++i)
    if (isa<ShapedType>(op.getDpsInputs()[i].getType()))
      return failure();
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  FailureOr<SmallVector<std::optional<DimRole>>> roles =
      loopRolesFromMaps(op, maps[0], maps[1], maps[4]);
  if (failed(roles))
    return failure();
  FailureOr<ContractionInfo> info =
      fromLoopRoles(op, *roles, /*allowWindows=*/true);
  if (failed(info))
    return failure();
  info->zeroPoints = {op.getDpsInputs()[2], op.getDpsInputs()[3]};
  info->lhs.zeroPoint = op.getDpsInputs()[2];
  info->rhs.zeroPoint = op.getDpsInputs()[3];
  return info;
}

static ContractionInfo getQuantCContraction(MatmulOp op) {
  ContractionInfo info;
  info.op = op;
  int64_t nb = op.getNumBatchDims();
  // Loops: batch..., n (rows), d (columns), c (reduction).
  auto roleOf = [&](unsigned loop) {
    if (loop < nb)
      return DimRole::Batch;
    if (loop == nb)
      return DimRole::M;
    return loop == nb + 1 ? DimRole::N : DimRole::K;
  };
  SmallVector<AffineMap, 3> maps = op.getIndexingMaps();
  for (unsigned i = 0; i < 2; ++i) {
    ContractionOperand &o = i == 0 ? info.lhs : info.rhs;
    o.value = op->getOperand(i);
    o.operandNumber = i;
    o.role = i == 0 ? OperandRole::Activation : OperandRole::Weight;
    o.zeroPoint = i == 0 ? op.getLhsZeroPoint() : op.getRhsZeroPoint();
    for (AffineExpr e : maps[i].getResults()) {
      unsigned loop = cast<AffineDimExpr>(e).getPosition();
      o.dims.push_back(roleOf(loop));
      o.loopDims.push_back(loop);
    }
    setShape(o);
    o.loopExtents = o.shape;
  }
  info.reductionSize = op.getReductionSize();
  return info;
}

FailureOr<ContractionInfo> quantc::getContractionInfo(Operation *op) {
  if (auto mm = dyn_cast<MatmulOp>(op))
    return getQuantCContraction(mm);
  if (auto linalgOp = dyn_cast<linalg::LinalgOp>(op)) {
    // First: upstream's convolution inference also takes some `_q` forms,
    // without their zero points.
    if (isZeroPointForm(linalgOp))
      return getZeroPointContraction(linalgOp);
    FailureOr<ContractionInfo> info = getLinalgContraction(linalgOp);
    if (succeeded(info))
      return info;
    return getLinalgConvolution(linalgOp);
  }
  return failure();
}

int64_t quantc::reductionBlock(const ScaleGranularity &g,
                               const ContractionOperand &operand) {
  // Flatten the operand's K dimensions in the GEMM's reduction order; the
  // innermost one the scale varies along fixes the block.
  SmallVector<unsigned> kDims = operand.reductionDims();
  std::optional<size_t> inner;
  for (size_t j = 0; j < kDims.size(); ++j)
    if (g.varies[kDims[j]])
      inner = j;
  if (!inner)
    return 0;
  int64_t block = g.blockSize[kDims[*inner]];
  // The reduction runs over the loop extents (a windowed dimension
  // contributes its window, not its size).
  ArrayRef<int64_t> extents =
      operand.loopExtents.empty() ? operand.shape : operand.loopExtents;
  for (size_t j = *inner + 1; j < kDims.size(); ++j)
    block = mulSizes(block, extents[kDims[j]]);
  return block;
}

std::string quantc::describeGranularity(const ScaleGranularity &g,
                                        const ContractionOperand &operand) {
  bool isWeight = operand.role == OperandRole::Weight;
  // A convolution input's pixel dimension mixes output pixels and the
  // window: a scale along it varies along both.
  for (auto [i, windowed] : llvm::enumerate(operand.windowed))
    if (windowed && g.varies[i])
      return "per-pixel";
  bool outer = false, batch = false;
  for (auto [i, role] : llvm::enumerate(operand.dims)) {
    if (!g.varies[i])
      continue;
    if (role == DimRole::Batch)
      batch = true;
    else if (role != DimRole::K)
      outer = true;
  }
  int64_t block = reductionBlock(g, operand);
  if (block == 1)
    return outer ? "per-element"
                 : (isWeight ? "per-input-channel" : "per-channel");
  if (block == kDyn)
    return "per-block(?)";
  if (block > 1)
    return "per-block(" + std::to_string(block) + ")";
  if (outer)
    return isWeight ? "per-output-channel" : "per-token";
  return batch ? "per-batch" : "per-tensor";
}
