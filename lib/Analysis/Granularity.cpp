//===- Granularity.cpp - which dimensions a scale varies along ------------===//
#include "quantc/Analysis/Granularity.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/AffineExpr.h"
#include "mlir/IR/Matchers.h"
#include "quantc/Dialect/QuantC/IR/QuantCOps.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/Support/MathExtras.h"

#include <numeric>

using namespace mlir;
using namespace quantc;

static constexpr int64_t kDyn = ShapedType::kDynamic;

//===----------------------------------------------------------------------===//
// ScaleGranularity
//===----------------------------------------------------------------------===//

int64_t ScaleGranularity::maxAbs() const {
  return std::max(std::abs(qmin), std::abs(qmax));
}

unsigned ScaleGranularity::storageBits() const {
  return storageType ? storageType.getIntOrFloatBitWidth() : 0;
}

/// Multiplies sizes, propagating kDynamic.
static int64_t mulSizes(int64_t a, int64_t b) {
  int64_t r;
  // A product that overflows int64 is as unknown as a dynamic one.
  if (a == kDyn || b == kDyn || llvm::MulOverflow(a, b, r))
    return kDyn;
  return r;
}

/// Granularity of `scale` applied to `data` by broadcasting (DESIGN.md §2).
static ScaleGranularity fromScaleShape(ShapedType data, Value scale) {
  ScaleGranularity g;
  g.scale = scale;
  auto scaleTy = cast<ShapedType>(scale.getType());
  // The dialect's one broadcast rule says how many elements share a value.
  Broadcast bc = getBroadcast(data, scaleTy);
  for (int64_t i = 0, e = data.getRank(); i < e; ++i) {
    g.varies.push_back(scaleTy.getDimSize(i) != 1 && data.getDimSize(i) != 1);
    g.blockSize.push_back(bc.blockSize[i]);
  }
  g.isConstant = matchPattern(scale, m_Constant());
  return g;
}

static void setFullStorageRange(ScaleGranularity &g, Type storage) {
  g.storageType = storage;
  unsigned w = storage.getIntOrFloatBitWidth();
  if (w >= 64) {
    g.qmin = INT64_MIN + 1;
    g.qmax = INT64_MAX;
    return;
  }
  g.qmin = -(int64_t(1) << (w - 1));
  g.qmax = (int64_t(1) << (w - 1)) - 1;
}

namespace {
/// Outcome of a trace: whether a quantize/dequantize was reached at all, so
/// that "not quantized" and "quantized but untraceable" stay distinct.
struct TraceState {
  bool foundQuantOp = false;
  Type storageType;
};
} // namespace

static FailureOr<ScaleGranularity> traceImpl(Value v, unsigned depth,
                                             TraceState &st);

/// Maps a granularity through tensor.collapse_shape: a collapsed dimension
/// varies if one of its source dimensions does; its block comes from the
/// innermost varying source dimension times the sizes inside it.
static ScaleGranularity collapse(const ScaleGranularity &src,
                                 tensor::CollapseShapeOp op) {
  ScaleGranularity g = src;
  g.varies.clear();
  g.blockSize.clear();
  ArrayRef<int64_t> srcShape = op.getSrcType().getShape();
  ArrayRef<int64_t> resShape = op.getResultType().getShape();
  for (auto [resDim, group] : llvm::enumerate(op.getReassociationIndices())) {
    std::optional<size_t> inner;
    for (size_t j = 0; j < group.size(); ++j)
      if (src.varies[group[j]])
        inner = j;
    if (!inner) {
      g.varies.push_back(false);
      g.blockSize.push_back(resShape[resDim]);
      continue;
    }
    int64_t block = src.blockSize[group[*inner]];
    for (size_t j = *inner + 1; j < group.size(); ++j)
      block = mulSizes(block, srcShape[group[j]]);
    g.varies.push_back(true);
    g.blockSize.push_back(block);
  }
  return g;
}

/// Maps a granularity through tensor.expand_shape. Fails when the blocks of a
/// source dimension do not align with the expanded dimensions.
static FailureOr<ScaleGranularity> expand(const ScaleGranularity &src,
                                          tensor::ExpandShapeOp op) {
  ScaleGranularity g = src;
  ArrayRef<int64_t> resShape = op.getResultType().getShape();
  int64_t resRank = resShape.size();
  g.varies.assign(resRank, false);
  g.blockSize.assign(resShape.begin(), resShape.end());
  for (auto [srcDim, group] : llvm::enumerate(op.getReassociationIndices())) {
    if (!src.varies[srcDim])
      continue;
    int64_t b = src.blockSize[srcDim];
    SmallVector<int64_t> nonUnit;
    for (int64_t r : group)
      if (resShape[r] != 1)
        nonUnit.push_back(r);
    if (nonUnit.size() <= 1) {
      // Only unit dimensions were added: the scale moves to the one dimension
      // that carries the data.
      int64_t r = nonUnit.empty() ? group.back() : nonUnit.front();
      g.varies[r] = resShape[r] != 1;
      g.blockSize[r] = b;
      continue;
    }
    if (llvm::any_of(group, [&](int64_t r) { return resShape[r] == 0; }))
      continue; // no elements: nothing varies
    if (b == kDyn ||
        llvm::any_of(group, [&](int64_t r) { return resShape[r] == kDyn; }))
      return failure();
    // Scale index = flat / b; a step along dimension r moves the flat index
    // by the product of the sizes inside it.
    int64_t inner = 1;
    for (int64_t r : llvm::reverse(group)) {
      int64_t size = resShape[r];
      if (size != 1) {
        if (b % (inner * size) == 0) {
          g.varies[r] = false; // the whole extent sits inside one block
        } else if (b % inner == 0 && size % (b / inner) == 0) {
          g.varies[r] = true;
          g.blockSize[r] = b / inner;
        } else if (inner % b == 0) {
          g.varies[r] = true;
          g.blockSize[r] = 1;
        } else {
          return failure();
        }
      }
      inner *= size;
    }
  }
  return g;
}

static FailureOr<ScaleGranularity> traceImpl(Value v, unsigned depth,
                                             TraceState &st) {
  // Producer chains are short; the bound only guards against pathological IR.
  if (depth > 64 || !isa<RankedTensorType>(v.getType()))
    return failure();
  Operation *def = v.getDefiningOp();
  if (!def)
    return failure();

  if (auto dq = dyn_cast<DequantizeOp>(def)) {
    st.foundQuantOp = true;
    ScaleGranularity g = fromScaleShape(dq.getInput().getType(), dq.getScale());
    g.source = dq;
    g.hasZeroPoint = static_cast<bool>(dq.getZeroPoint());
    Type storage = dq.getInput().getType().getElementType();
    st.storageType = storage;
    if (auto q = dq.getInput().getDefiningOp<QuantizeOp>()) {
      g.storageType = storage;
      g.qmin = q.getQuantMin();
      g.qmax = q.getQuantMax();
    } else {
      // Nothing bounds the integers but their type.
      setFullStorageRange(g, storage);
    }
    return g;
  }
  if (auto q = dyn_cast<QuantizeOp>(def)) {
    st.foundQuantOp = true;
    ScaleGranularity g = fromScaleShape(q.getInput().getType(), q.getScale());
    g.source = q;
    g.hasZeroPoint = static_cast<bool>(q.getZeroPoint());
    g.storageType = q.getOutput().getType().getElementType();
    st.storageType = g.storageType;
    g.qmin = q.getQuantMin();
    g.qmax = q.getQuantMax();
    return g;
  }
  if (auto obs = dyn_cast<ObserveOp>(def))
    return traceImpl(obs.getInput(), depth + 1, st);
  if (auto sm = dyn_cast<SmoothOp>(def)) {
    FailureOr<ScaleGranularity> g = traceImpl(sm.getInput(), depth + 1, st);
    if (failed(g))
      return failure();
    // (q · s) / f: the factor varies along the channel (last) dimension.
    int64_t last = g->rank() - 1;
    int64_t channels = sm.getInput().getType().getDimSize(last);
    if (channels != 1) {
      g->varies[last] = true;
      g->blockSize[last] = 1;
    }
    g->smoothFactors.push_back(sm.getFactor());
    g->isConstant &= matchPattern(sm.getFactor(), m_Constant());
    return g;
  }
  if (auto cast = dyn_cast<tensor::CastOp>(def)) {
    FailureOr<ScaleGranularity> g = traceImpl(cast.getSource(), depth + 1, st);
    if (failed(g) || g->rank() != cast.getType().getRank())
      return failure();
    auto resTy = cast.getType();
    for (int64_t i = 0, e = g->rank(); i < e; ++i)
      if (!g->varies[i])
        g->blockSize[i] = resTy.getDimSize(i);
    return g;
  }
  if (auto tr = dyn_cast<linalg::TransposeOp>(def)) {
    if (!tr.hasPureTensorSemantics())
      return failure();
    FailureOr<ScaleGranularity> g = traceImpl(tr.getInput(), depth + 1, st);
    if (failed(g))
      return failure();
    // Result dimension i is input dimension perm[i].
    ScaleGranularity r = *g;
    for (auto [i, p] : llvm::enumerate(tr.getPermutation())) {
      r.varies[i] = g->varies[p];
      r.blockSize[i] = g->blockSize[p];
    }
    return r;
  }
  if (auto col = dyn_cast<tensor::CollapseShapeOp>(def)) {
    FailureOr<ScaleGranularity> g = traceImpl(col.getSrc(), depth + 1, st);
    if (failed(g))
      return failure();
    return collapse(*g, col);
  }
  if (auto exp = dyn_cast<tensor::ExpandShapeOp>(def)) {
    FailureOr<ScaleGranularity> g = traceImpl(exp.getSrc(), depth + 1, st);
    if (failed(g))
      return failure();
    return expand(*g, exp);
  }
  return failure();
}

FailureOr<ScaleGranularity> quantc::traceScale(Value v) {
  TraceState st;
  return traceImpl(v, 0, st);
}

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

//===----------------------------------------------------------------------===//
// The verdict
//===----------------------------------------------------------------------===//

StringRef quantc::stringifyGemmKind(GemmKind kind) {
  switch (kind) {
  case GemmKind::NotQuantized:
    return "float";
  case GemmKind::Int8:
    return "int8";
  case GemmKind::Int8KBlocked:
    return "int8-kblocked";
  case GemmKind::DequantOnLoad:
    return "dequant-on-load";
  case GemmKind::Illegal:
    return "illegal";
  }
  llvm_unreachable("unknown GemmKind");
}

StringRef quantc::stringifyGemmTarget(GemmTarget target) {
  switch (target) {
  case GemmTarget::generic:
    return "generic";
  case GemmTarget::vnni:
    return "vnni";
  case GemmTarget::nvvm:
    return "nvvm";
  }
  llvm_unreachable("unknown GemmTarget");
}

int64_t quantc::getTargetKTile(GemmTarget target) {
  switch (target) {
  case GemmTarget::generic:
  case GemmTarget::nvvm:
    return 32; // mma.sync.m16n8k32 consumes K in steps of 32
  case GemmTarget::vnni:
    return 4; // one vpdpbusd lane sums 4 u8 x s8 products
  }
  llvm_unreachable("unknown GemmTarget");
}

namespace {
/// How an operand can enter a GEMM.
enum class OperandKind {
  Float, // plain float, or dequantized from wider than 8 bits
  Int8,  // integers of at most 8 bits, or dequantized from them
};

struct OperandAnalysis {
  OperandKind kind = OperandKind::Float;
  std::optional<ScaleGranularity> scale;
  bool untraceable = false;
  Type storageType; // for int operands
};
} // namespace

static OperandAnalysis analyzeOperand(const ContractionOperand &o) {
  OperandAnalysis a;
  TraceState st;
  FailureOr<ScaleGranularity> g = traceImpl(o.value, 0, st);
  if (succeeded(g)) {
    a.scale = *g;
    a.storageType = g->storageType;
  } else if (st.foundQuantOp) {
    a.untraceable = true;
    a.storageType = st.storageType;
  }
  Type elem = getElementTypeOrSelf(o.value.getType());
  if (isa<IntegerType>(elem))
    a.storageType = elem;
  if (isa_and_nonnull<Float8E4M3FNType>(elem))
    a.storageType = elem;
  // FP8 E4M3 storage obeys the integer rule: its scales must leave the sum
  // over K (only the accumulator differs, f32).
  if (a.storageType && ((a.storageType.isIntOrIndex() &&
                         a.storageType.getIntOrFloatBitWidth() <= 8) ||
                        isa<Float8E4M3FNType>(a.storageType)))
    a.kind = OperandKind::Int8;
  return a;
}

static int64_t maxAbsOf(const OperandAnalysis &a) {
  if (a.scale)
    return a.scale->maxAbs();
  ScaleGranularity tmp;
  setFullStorageRange(tmp, a.storageType);
  return tmp.maxAbs();
}

GemmVerdict quantc::classifyGemm(const ContractionInfo &info, int64_t kTile) {
  GemmVerdict v;
  v.info = info;
  OperandAnalysis lhs = analyzeOperand(info.lhs);
  OperandAnalysis rhs = analyzeOperand(info.rhs);
  v.lhsScale = lhs.scale;
  v.rhsScale = rhs.scale;

  if (lhs.kind != OperandKind::Int8 && rhs.kind != OperandKind::Int8) {
    // Float x float (possibly dequantized from wide integers): nothing to
    // prove about an integer GEMM.
    v.kind = (lhs.scale || rhs.scale || lhs.untraceable || rhs.untraceable)
                 ? GemmKind::DequantOnLoad
                 : GemmKind::NotQuantized;
    return v;
  }
  if (lhs.kind != OperandKind::Int8) {
    // W8A16 / W4A16: any weight granularity works once dequantized on load.
    v.kind = GemmKind::DequantOnLoad;
    return v;
  }
  if (rhs.kind != OperandKind::Int8) {
    GemmViolation viol;
    viol.kind = GemmViolation::Kind::FloatWeightWithIntActivation;
    viol.operand = info.rhs;
    viol.storageType = rhs.storageType;
    v.violations.push_back(viol);
    v.kind = GemmKind::Illegal;
    return v;
  }

  // int8 x int8: every scale must leave the sum over K.
  int64_t kBlock = 0;
  SmallVector<int64_t, 2> blocked; // operands with block scales along K
  auto check = [&](const ContractionOperand &o, const OperandAnalysis &a) {
    GemmViolation viol;
    viol.operand = o;
    if (a.untraceable) {
      viol.kind = GemmViolation::Kind::UntraceableScale;
      v.violations.push_back(viol);
      return;
    }
    if (!a.scale)
      return;
    const ScaleGranularity &g = *a.scale;
    for (auto [d, windowed] : llvm::enumerate(o.windowed))
      if (windowed && g.varies[d]) {
        viol.kind = GemmViolation::Kind::ScaleVariesAlongReduction;
        viol.granularity = describeGranularity(g, o);
        viol.scaleType = g.scale.getType();
        viol.dim = d;
        v.violations.push_back(viol);
        return;
      }
    int64_t block = reductionBlock(g, o);
    if (block == 0)
      return;
    viol.granularity = describeGranularity(g, o);
    viol.block = block;
    viol.scaleType = g.scale.getType();
    // The innermost varying K dimension is the one to report.
    for (unsigned d : o.reductionDims())
      if (g.varies[d])
        viol.dim = d;
    if (block == 1) {
      viol.kind = GemmViolation::Kind::ScaleVariesAlongReduction;
      v.violations.push_back(viol);
      return;
    }
    if (block == kDyn || block % kTile != 0) {
      viol.kind = GemmViolation::Kind::BlockNotMultipleOfKTile;
      v.violations.push_back(viol);
      return;
    }
    kBlock = kBlock ? std::gcd(kBlock, block) : block;
    blocked.push_back(o.operandNumber);
  };
  check(info.lhs, lhs);
  check(info.rhs, rhs);
  // Blocks of the two operands must cover the same K elements: both flatten
  // K in the same loop order.
  if (v.violations.empty() && kBlock) {
    auto kLoops = [](const ContractionOperand &o) {
      SmallVector<unsigned> r;
      for (unsigned d : o.reductionDims())
        r.push_back(o.loopDims[d]);
      return r;
    };
    if (kLoops(info.lhs) != kLoops(info.rhs)) {
      GemmViolation viol;
      viol.kind = GemmViolation::Kind::KLayoutMismatch;
      viol.operand =
          blocked.front() == info.lhs.operandNumber ? info.lhs : info.rhs;
      viol.block = kBlock;
      v.violations.push_back(viol);
    }
  }
  if (!v.violations.empty()) {
    v.kind = GemmKind::Illegal;
    return v;
  }
  v.kind = kBlock ? GemmKind::Int8KBlocked : GemmKind::Int8;
  v.kBlock = kBlock;

  // int32 overflow of one integer accumulation (an FP8 GEMM accumulates in
  // f32).
  int64_t len = kBlock ? kBlock : info.reductionSize;
  if (len == kDyn || len <= 0 ||
      isa_and_nonnull<Float8E4M3FNType>(lhs.storageType) ||
      isa_and_nonnull<Float8E4M3FNType>(rhs.storageType))
    return v;
  int64_t a = maxAbsOf(lhs), b = maxAbsOf(rhs);
  __int128 worst = (__int128)len * a * b;
  if (worst >= ((__int128)1 << 31)) {
    GemmOverflow of;
    of.accumulationLength = len;
    of.maxAbsLhs = a;
    of.maxAbsRhs = b;
    int64_t prod = a * b;
    int64_t maxLen = prod > 0 ? (((int64_t)1 << 31) - 1) / prod : 0;
    if (maxLen >= kTile)
      maxLen -= maxLen % kTile;
    of.maxSplit = maxLen;
    of.numChunks = maxLen > 0 ? (len + maxLen - 1) / maxLen : 0;
    v.overflow = of;
  }
  return v;
}
