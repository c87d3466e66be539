//===- Granularity.cpp - which dimensions a scale varies along ------------===//
//
// Scale tracing (traceScale) and the GEMM verdict (classifyGemm); the loop
// structure of contractions is in Contraction.cpp.
//
//===----------------------------------------------------------------------===//
#include "quantc/Analysis/Granularity.h"

#include "quantc/Dialect/QuantC/Utils/Sizes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/AffineExpr.h"
#include "mlir/IR/Matchers.h"
#include "quantc/Dialect/QuantC/IR/QuantCOps.h"
#include "llvm/ADT/STLExtras.h"
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
  if (isZeroPad(def)) {
    // Zero padding of a quantized tensor (a padded convolution's input):
    // the scale is the source's wherever it does not vary along a padded
    // dimension.
    auto pad = cast<tensor::PadOp>(def);
    FailureOr<ScaleGranularity> g = traceImpl(pad.getSource(), depth + 1, st);
    if (failed(g) || g->rank() != pad.getResultType().getRank())
      return failure();
    RankedTensorType resTy = pad.getResultType();
    SmallVector<OpFoldResult> low = pad.getMixedLowPad(),
                              high = pad.getMixedHighPad();
    for (int64_t i = 0, e = g->rank(); i < e; ++i) {
      bool padded = !isZeroInteger(low[i]) || !isZeroInteger(high[i]);
      if (padded && g->varies[i])
        return failure();
      if (!g->varies[i])
        g->blockSize[i] = resTy.getDimSize(i);
    }
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

bool quantc::isZeroPad(Operation *op) {
  auto pad = dyn_cast_or_null<tensor::PadOp>(op);
  Value value = pad ? pad.getConstantPaddingValue() : Value();
  return value && matchPattern(value, m_AnyZeroFloat());
}

FailureOr<ScaleGranularity> quantc::traceScale(Value v) {
  TraceState st;
  return traceImpl(v, 0, st);
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
  case GemmKind::Fp8:
    return "fp8";
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

/// The largest |q - z| of a factor of the products: q in the operand's
/// quantized range, z its zero point (0 without one; the constant's values;
/// else any value of the storage type, the range a zero point must lie in).
static int64_t maxAbsOf(const OperandAnalysis &a,
                        const ContractionOperand &operand) {
  ScaleGranularity range;
  if (a.scale)
    range = *a.scale;
  else
    setFullStorageRange(range, a.storageType);
  if (!operand.zeroPoint)
    return range.maxAbs();
  int64_t zmin, zmax;
  APInt scalar;
  DenseIntElementsAttr dense;
  if (matchPattern(operand.zeroPoint, m_ConstantInt(&scalar))) {
    zmin = zmax = scalar.getSExtValue();
  } else if (matchPattern(operand.zeroPoint, m_Constant(&dense)) &&
             !dense.empty()) {
    zmin = INT64_MAX;
    zmax = INT64_MIN;
    for (const APInt &z : dense.getValues<APInt>()) {
      zmin = std::min(zmin, z.getSExtValue());
      zmax = std::max(zmax, z.getSExtValue());
    }
  } else {
    ScaleGranularity storage;
    setFullStorageRange(storage, a.storageType);
    zmin = storage.qmin;
    zmax = storage.qmax;
  }
  // The operands are at most 8 bits and a zero point an i32 (|q - z| < 2^32);
  // 2^31 already overflows one product.
  int64_t worst =
      std::max(std::abs(range.qmin - zmax), std::abs(range.qmax - zmin));
  return std::min<int64_t>(worst, int64_t(1) << 31);
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
  const bool fp8 = isa_and_nonnull<Float8E4M3FNType>(lhs.storageType) &&
                   isa_and_nonnull<Float8E4M3FNType>(rhs.storageType);
  v.kind = kBlock ? GemmKind::Int8KBlocked
           : fp8  ? GemmKind::Fp8
                  : GemmKind::Int8;
  v.kBlock = kBlock;

  // int32 overflow of one integer accumulation (an FP8 GEMM accumulates in
  // f32).
  int64_t len = kBlock ? kBlock : info.reductionSize;
  if (len <= 0 && len != kDyn)
    return v;
  // An empty result (0 rows, columns or batches) accumulates nothing.
  auto emptyOutput = [](const ContractionOperand &o) {
    for (auto [d, role] : llvm::enumerate(o.dims))
      if (role != DimRole::K && o.shape[d] == 0)
        return true;
    return false;
  };
  if (emptyOutput(info.lhs) || emptyOutput(info.rhs))
    return v;
  if (isa_and_nonnull<Float8E4M3FNType>(lhs.storageType) ||
      isa_and_nonnull<Float8E4M3FNType>(rhs.storageType))
    return v;
  int64_t a = maxAbsOf(lhs, info.lhs), b = maxAbsOf(rhs, info.rhs);
  // The longest accumulation that cannot overflow, a multiple of the K tile
  // where it can be.
  int64_t prod = a * b;
  int64_t maxLen = prod > 0 ? (((int64_t)1 << 31) - 1) / prod : 0;
  if (maxLen >= kTile)
    maxLen -= maxLen % kTile;
  if (len == kDyn) {
    v.dynamicMaxAccumulation = maxLen;
    return v;
  }
  __int128 worst = (__int128)len * a * b;
  if (worst >= ((__int128)1 << 31)) {
    GemmOverflow of;
    of.accumulationLength = len;
    of.maxAbsLhs = a;
    of.maxAbsRhs = b;
    of.maxSplit = maxLen;
    of.numChunks = maxLen > 0 ? (len + maxLen - 1) / maxLen : 0;
    v.overflow = of;
  }
  return v;
}
