//===- LowerWeightOnly.cpp - W8A16/W4A16 GEMMs to fused x86 kernels -------===//
//
// Float contractions whose weight is a quantc.dequantize of int8 or int4
// data -> calls of generated kernels that widen the weight in registers
// (WeightOnlyGemm.h). See the pass description in Conversion/Passes.td.
//
//===----------------------------------------------------------------------===//
#include "quantc/Conversion/QuantCToX86/QuantCToX86.h"
#include "quantc/Dialect/QuantC/Utils/ConstantWeights.h"
#include "quantc/Dialect/QuantC/Utils/LoadTimeParams.h"

#include "FloatGemm.h"
#include "LoadTimeState.h"
#include "Plan.h"
#include "WeightOnlyGemm.h"
#include "WeightOnlyPacking.h"

#include "quantc/Analysis/Granularity.h"
#include "quantc/Dialect/QuantC/IR/QuantCOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/TypeUtilities.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"

namespace quantc {
#define GEN_PASS_DEF_QUANTCLOWERWEIGHTONLYTOX86
#include "quantc/Conversion/Passes.h.inc"
} // namespace quantc

using namespace mlir;
using namespace quantc;
using namespace quantc::x86;

namespace {

/// One contraction that fits a kernel.
struct MatchedWeightOnly {
  /// The register kernel's plan (the rows below the blocked kernels', every
  /// row without them).
  WeightOnlyPlan plan;
  /// One kernel of the GEMM: the register kernel (`plan`, no float plan)
  /// or a blocked one (widening `plan`'s weight into the float kernel of
  /// `floatPlan`), run from `minRows` rows on.
  struct Variant {
    int64_t minRows = 1;
    bool blocked = false;
    FloatGemmPlan floatPlan;
    /// A register kernel's K block and threading when they are not
    /// `plan`'s (0, nullopt).
    int64_t kc = 0;
    std::optional<bool> parallel;
  };
  /// The kernels the GEMM calls, by increasing minRows: one for a static M,
  /// all for a run-time M (chosen per call).
  SmallVector<Variant, 3> variants;
  /// The position of M in the activation's shape.
  unsigned aMPos = 0;
  DequantizeOp dequant;
  /// The int8 / int4 weight, scale and zero point (null without one) when
  /// constants (packed at compile time).
  ElementsAttr weightConst, scaleConst, zpConst;
  /// A run-time i4 weight, widened to i8 per call before the kernel.
  bool widenRuntimeI4 = false;
  /// Operands known at load time (parameters, isLoadTimeValue): packed like
  /// constants, once, by the prepare function.
  bool weightAtLoad = false, scaleAtLoad = false, zpAtLoad = false;
  /// How the weight, scale and zero point are stored (their K and N
  /// positions, shapes).
  WeightOnlySource weightSrc, scaleSrc, zpSrc;
  /// Element strides of the weight over (k, n) in its row-major layout.
  int64_t wStrideK = 0, wStrideN = 0;
  /// The scale's shape and its dimension positions of K and N.
  SmallVector<int64_t, 2> scaleShape;
  unsigned scaleKPos = 0, scaleNPos = 1;
};

} // namespace

static StringRef isaName(X86Isa isa) {
  return isa == X86Isa::avx2 ? "avx2" : "avx512";
}

/// At most this many rows count as a bandwidth-bound (decode) GEMM: a
/// weight read in place is swept in K blocks of 8 rows across all panels,
/// the partial sums kept in the output. Beyond it the output's traffic
/// (M x N f32 per 8 K rows) costs more than the sweep saves: Zen 5, 1
/// thread, 4096^2 run-time W8A16, K blocks of 8 against 256: 8 rows 143-158
/// against 117-118 GFLOPS, 12 rows 76-133 against 153-161, 24 rows 54-87
/// against 147-165 (docs/benchmarks/weight-only.md). It was 32. Measured on
/// AVX-512 only; AVX2 follows without a measurement.
static constexpr int64_t kSmallM = 8;

/// The largest weight packed at compile time or indexed (elements).
static constexpr int64_t kMaxElements = int64_t(1) << 36;

/// The plan of `op`, or failure after a remark on `op` saying why it does
/// not take the weight-only kernel. Fails silently for contractions that are
/// not weight-only (the float pass's).
static FailureOr<MatchedWeightOnly>
matchWeightOnly(linalg::LinalgOp op, X86Isa isa, int64_t mrOpt, int64_t nrOpt,
                int64_t kcOpt, int64_t parallelMinMacs, int64_t blockMinMOpt) {
  FailureOr<ContractionInfo> info = getContractionInfo(op);
  if (failed(info))
    return failure();
  GemmVerdict verdict = classifyGemm(*info, getTargetKTile(GemmTarget::vnni));
  if (verdict.kind != GemmKind::DequantOnLoad || !verdict.rhsScale ||
      verdict.lhsScale)
    return failure();
  auto remark = [&]() {
    return op->emitRemark() << "runs with the weight dequantized to float, "
                               "not on the "
                            << isaName(isa) << " weight-only kernel: ";
  };
  const ScaleGranularity &g = *verdict.rhsScale;
  MatchedWeightOnly mw;
  mw.dequant = op.getDpsInputOperand(1)->get().getDefiningOp<DequantizeOp>();
  if (!mw.dequant || g.source != mw.dequant.getOperation() ||
      !g.smoothFactors.empty()) {
    remark() << "the weight is not the result of a quantc.dequantize (layout "
                "ops or smoothing factors in between)";
    return failure();
  }
  if (!g.storageType || !(g.storageType.isSignlessInteger(8) ||
                          g.storageType.isSignlessInteger(4))) {
    remark() << "weight storage " << g.storageType
             << " (the kernel takes i8 and i4)";
    return failure();
  }
  if (g.hasZeroPoint) {
    Value zp = mw.dequant.getZeroPoint();
    mw.zpConst = getConstantWeight(zp);
    mw.zpAtLoad = !mw.zpConst && isLoadTimeValue(zp);
    if (!mw.zpConst && !mw.zpAtLoad) {
      remark() << "the weight's zero point is neither a constant nor known "
                  "at load time (the kernel takes packed zero points)";
      return failure();
    }
  }
  if (!op.hasPureTensorSemantics() || op.getNumDpsInputs() != 2 ||
      op.getNumDpsInits() != 1 || op.getNumLoops() != 3 ||
      op.getNumReductionLoops() != 1) {
    remark() << "not a 2-D GEMM on tensors (one M, N and K dimension)";
    return failure();
  }
  if (!isMultiplyAccumulate(op)) {
    remark() << "the body is not a multiply-accumulate addf(out, mulf(a, b))";
    return failure();
  }
  OpOperand *aOp = op.getDpsInputOperand(0), *bOp = op.getDpsInputOperand(1);
  OpOperand *cOp = op.getDpsInitOperand(0);
  auto aTy = cast<RankedTensorType>(aOp->get().getType());
  auto bTy = cast<RankedTensorType>(bOp->get().getType());
  auto cTy = cast<RankedTensorType>(cOp->get().getType());
  auto sTy = cast<RankedTensorType>(mw.dequant.getScale().getType());
  if (!bTy.hasStaticShape() || !sTy.hasStaticShape()) {
    remark() << "a dynamic weight or scale shape (the kernel takes a run-time "
                "M only)";
    return failure();
  }
  Type aElem = aTy.getElementType();
  if (!(aElem.isF32() || aElem.isF16() || aElem.isBF16()) ||
      !cTy.getElementType().isF32() || !bTy.getElementType().isF32()) {
    remark() << "activation " << aElem << ", dequantized weight "
             << bTy.getElementType() << " and output " << cTy.getElementType()
             << " (the kernel takes f32 / f16 / bf16 activations and an f32 "
                "weight and output)";
    return failure();
  }
  AffineMap aMap = op.getMatchingIndexingMap(aOp),
            bMap = op.getMatchingIndexingMap(bOp),
            cMap = op.getMatchingIndexingMap(cOp);
  if (!aMap.isProjectedPermutation() || !bMap.isProjectedPermutation() ||
      !cMap.isProjectedPermutation() || aMap.getNumResults() != 2 ||
      bMap.getNumResults() != 2 || cMap.getNumResults() != 2) {
    remark() << "indexing maps that are not 2-D projected permutations";
    return failure();
  }
  unsigned dm = cMap.getDimPosition(0), dn = cMap.getDimPosition(1);
  unsigned dk = 0;
  while (dk == dm || dk == dn)
    ++dk;
  if (!aMap.isFunctionOfDim(dm) || !aMap.isFunctionOfDim(dk) ||
      !bMap.isFunctionOfDim(dn) || !bMap.isFunctionOfDim(dk)) {
    remark() << "the output is not [M, N] of A [M, K] and weight [K, N] in "
                "some layout";
    return failure();
  }
  SmallVector<int64_t> loops = op.getStaticLoopRanges();
  WeightOnlyPlan &p = mw.plan;
  p.m = loops[dm];
  p.n = loops[dn];
  p.k = loops[dk];
  bool dynM = p.isDynamicM();
  // Only M may be a run-time extent, and A must be indexed by static
  // strides (stored [m, k]; [k, m] would need a run-time stride over K).
  auto aShape = aTy.getShape();
  auto cShape = cTy.getShape();
  if (ShapedType::isDynamic(p.n) || ShapedType::isDynamic(p.k) ||
      !isStaticStride(aMap, aShape, dm) || !isStaticStride(aMap, aShape, dk) ||
      !isStaticStride(cMap, cShape, dn)) {
    remark() << "dynamic shapes other than a run-time M of an activation "
                "stored [m, k]";
    return failure();
  }
  mw.aMPos =
      aMap.getResultPosition(getAffineDimExpr(dm, op.getContext())).value();
  if (p.m == 0 || p.n == 0 || p.k == 0) {
    remark() << "an empty GEMM";
    return failure();
  }
  if ((!dynM && (p.m * p.k > kMaxElements || p.m * p.n > kMaxElements)) ||
      p.k * p.n > kMaxElements) {
    remark() << "an operand has more than 2^36 elements";
    return failure();
  }
  p.aStrideM = strideOf(aMap, aTy.getShape(), dm);
  p.aStrideK = strideOf(aMap, aTy.getShape(), dk);
  mw.wStrideK = strideOf(bMap, bTy.getShape(), dk);
  mw.wStrideN = strideOf(bMap, bTy.getShape(), dn);
  p.aElem = aElem;
  p.accumulate = !isZeroInit(cOp->get());

  // The scale along the weight's K and N dimensions (the analysis' blocks).
  unsigned kPos =
      bMap.getResultPosition(getAffineDimExpr(dk, op.getContext())).value();
  unsigned nPos = 1 - kPos;
  int64_t kBlock = reductionBlock(g, info->rhs);
  if (kBlock == 1 || kBlock == ShapedType::kDynamic) {
    remark() << "the weight scale is " << describeGranularity(g, info->rhs)
             << " (the kernel takes per-channel scales and groups along K)";
    return failure();
  }
  if (g.varies[nPos] && g.blockSize[nPos] != 1) {
    remark() << "the weight scale varies in blocks along N";
    return failure();
  }
  p.group = kBlock;
  mw.scaleShape.assign(sTy.getShape().begin(), sTy.getShape().end());
  mw.scaleKPos = kPos;
  mw.scaleNPos = nPos;
  if (!sTy.getElementType().isF32()) {
    remark() << "scale element type " << sTy.getElementType()
             << " (the kernel takes f32 scales)";
    return failure();
  }

  auto readable = [](Value v) {
    ElementsAttr c = getConstantWeight(v);
    return c && isReadableConstant(c) ? c : ElementsAttr();
  };
  if (ElementsAttr c = getConstantWeight(mw.dequant.getInput());
      c && !isReadableConstant(c)) {
    remark() << "the bytes of the constant weight cannot be read (a "
                "dense_resource blob without data)";
    return failure();
  }
  mw.weightConst = readable(mw.dequant.getInput());
  mw.scaleConst = readable(mw.dequant.getScale());
  bool int4 = g.storageType.isSignlessInteger(4);
  mw.weightAtLoad = !mw.weightConst && isLoadTimeValue(mw.dequant.getInput());
  mw.scaleAtLoad = !mw.scaleConst && isLoadTimeValue(mw.dequant.getScale());
  // The operands in the weight's dimensions: [n, k] when K is its second.
  auto sourceOf = [&](Value v) {
    auto t = cast<RankedTensorType>(v.getType());
    return WeightOnlySource{kPos == 1, t.getDimSize(0), t.getDimSize(1)};
  };
  mw.weightSrc = sourceOf(mw.dequant.getInput());
  mw.scaleSrc = sourceOf(mw.dequant.getScale());
  if (g.hasZeroPoint)
    mw.zpSrc = sourceOf(mw.dequant.getZeroPoint());
  bool packed = mw.weightConst || mw.weightAtLoad;
  bool avx2 = isa == X86Isa::avx2;
  // Packed 4-bit weights with groups, 3 rows or more: a 4-row tile whose
  // group sums are added to running sums kept in the output (out = fma(temp,
  // scale, out) once per group: mr * nr temporaries, nr weights and the
  // table fit the registers). It replaced widening each weight straight to
  // its scaled value (an extra fma per weight vector and row tile): 4096^2,
  // M = 4: 120 -> 137 GFLOPS (docs/benchmarks/weight-only.md). Decode (M =
  // 1, 2; and a run-time M, tuned for M = 1) keeps both the sums and the
  // per-group temporaries in registers (3-row tile).
  p.groupSumsInOutput = packed && int4 && p.group && !dynM && p.m > 2;
  // Packed 4-bit panels are read as one stream per panel: prefetch 1 KiB
  // ahead (and the next group's scales) so that weights coming from memory
  // are there in time (4096^2 warm, M = 4: 137 -> 154 GFLOPS; cold M = 1:
  // ~25 -> 30-39; docs/benchmarks/weight-only.md).
  p.prefetchBytes = packed && int4 ? 1024 : 0;
  p.nibbleTable = packed && int4 && !avx2;

  // Tile and blocking.
  p.lanes = avx2 ? 8 : 16;
  p.nr = nrOpt ? nrOpt : (avx2 ? 2 : 4);
  p.mr = mrOpt ? mrOpt
               : (p.groupSumsInOutput
                      ? 4
                      : (p.group ? (avx2 ? 2 : 3) : (avx2 ? 4 : 6)));
  int64_t kc = kcOpt ? kcOpt : 256;
  if (p.group)
    kc = llvm::alignTo(kc, p.group);
  // Few rows: one row tile, nothing to reuse from L1 across tiles.
  p.kc = dynM || p.m <= p.mr ? p.k : kc;

  int64_t cols = p.getPanelCols();
  if (packed && int4) {
    p.weightBits = 4;
    p.wStrideK = p.getPackedRowBytes();
    p.wStridePanel = p.k * p.wStrideK;
  } else if (packed) {
    p.wStridePanel = p.k * cols;
    p.wStrideK = cols;
  } else {
    if (mw.wStrideN != 1) {
      remark() << "a run-time weight stored [n, k] (the kernel reads run-time "
                  "weights stored [k, n] in place)";
      return failure();
    }
    if (int4) {
      // Not packed at run time (yet): widened to i8 per call, one pass over
      // the weight in front of the kernel, which reads it in place.
      op->emitRemark() << "the run-time i4 weight is widened to i8 on every "
                          "call before the "
                       << isaName(isa)
                       << " weight-only kernel (4-bit weights are packed two "
                          "per byte only when constant)";
      mw.widenRuntimeI4 = true;
    }
    p.wStridePanel = cols;
    p.wStrideK = mw.wStrideK;
    // Rows of n bytes: sweep a K block of rows across all panels (a panel
    // alone reads 64 bytes per row, a page apart), partial sums in the
    // output between K blocks.
    // Few rows (decode): blocks of 8 rows, so that each row is read as one
    // sequential stream across the panels (w8a16 1 x 4096 x 4096: 12 -> 48
    // GFLOPS, docs/BENCHMARKS.md).
    p.kBlockOuter = true;
    p.kc = kcOpt ? kc
                 : (dynM || p.m <= kSmallM
                        ? llvm::alignTo(8, std::max<int64_t>(p.group, 1))
                        : kc);
  }
  if (mw.scaleConst || mw.scaleAtLoad) {
    p.sStrideGroup = llvm::alignTo(p.n, cols);
    p.sStrideN = 1;
  } else {
    int64_t sK = mw.scaleShape[kPos], sN = mw.scaleShape[nPos];
    int64_t rowStride[2] = {mw.scaleShape[1], 1};
    p.sStrideN = sN > 1 ? rowStride[nPos] : 0;
    // The scale is in the weight's dimensions: a run-time weight is [k, n],
    // so the scale is contiguous along N (stride 1) or does not vary (0).
    p.sStrideGroup = sK > 1 ? rowStride[kPos] : 0;
  }
  if (g.hasZeroPoint) {
    p.zeroPoint = true;
    p.zStrideGroup = p.group ? llvm::alignTo(p.n, cols) : 0;
  }
  // The least rows each kernel runs with (a run-time M: 1, and blockMinM
  // for the blocked kernel).
  auto parallelAt = [&](int64_t rows) {
    uint64_t macs = uint64_t(rows) * uint64_t(p.n) * uint64_t(p.k);
    return parallelMinMacs >= 0 && p.getNumPanels() > 1 &&
           macs >= uint64_t(parallelMinMacs);
  };
  p.parallel = parallelAt(dynM ? 1 : p.m);

  // Enough rows to amortize the dequantization: the blocked kernels, from
  // 32 rows for every weight (docs/benchmarks/weight-only.md). Grouped 4-bit
  // weights used to switch at 16, chosen when their register kernel still
  // carried the group sums in registers; since it keeps them in the output
  // it is 20-30 % faster than the blocked kernel at 16-24 rows (Zen 5).
  int64_t blockMinM = blockMinMOpt ? blockMinMOpt : 32;
  auto blockedPlan = [&](int64_t minRows, bool narrow) {
    MatchedWeightOnly::Variant v;
    v.minRows = minRows;
    v.blocked = true;
    FloatGemmPlan &fp = v.floatPlan;
    fp.m = p.m;
    fp.n = p.n;
    fp.k = p.k;
    fp.aStrideM = p.aStrideM;
    fp.aStrideK = p.aStrideK;
    fp.aElem = aElem;
    fp.bElem = fp.outElem = Float32Type::get(op.getContext());
    fp.accumulate = p.accumulate;
    fp.lanes = p.lanes;
    fp.nr = p.nr;
    // The float kernel's tile (6 x 4 zmm, 4 x 2 ymm), fewer rows when a
    // wider nr would not fit the registers (accumulators, nr B vectors and
    // a broadcast).
    int64_t registers = avx2 ? 16 : 32;
    fp.mr = std::max<int64_t>(
        1, std::min<int64_t>(avx2 ? 4 : 6, (registers - 1 - p.nr) / p.nr));
    // Narrow (few rows): one panel of 128 K rows at a time (32 KiB of f32,
    // in L1 while the few row tiles read it); wide: 16 panels of 256 rows.
    int64_t kcDefault = narrow ? 128 : 256;
    fp.kc =
        kcOpt ? kc : llvm::alignTo(kcDefault, std::max<int64_t>(p.group, 1));
    fp.panelBlock = narrow ? 1 : 16;
    fp.parallel = parallelAt(dynM ? minRows : p.m);
    return v;
  };
  static constexpr int64_t kWideMinM = 48;
  // A run-time M reading the weight in place: the decode blocks of 8 K rows
  // up to kSmallM rows, then (below the blocked kernels) the plan's K block.
  // Only those plans have a K block (p.kc) other than kc that is shorter
  // than K (packed weights and a kc option leave none).
  auto registerVariants = [&] {
    mw.variants.push_back({});
    int64_t wider = kSmallM + 1;
    if (dynM && kc != p.kc && p.k > p.kc &&
        (blockMinM < 0 || blockMinM > wider)) {
      MatchedWeightOnly::Variant v;
      v.minRows = wider;
      v.kc = kc;
      v.parallel = parallelAt(wider);
      mw.variants.push_back(v);
    }
  };
  if (blockMinM < 0 || (!dynM && p.m < blockMinM)) {
    registerVariants();
  } else if (!dynM) {
    mw.variants.push_back(blockedPlan(blockMinM, p.m < kWideMinM));
  } else {
    registerVariants();
    if (blockMinM < kWideMinM)
      mw.variants.push_back(blockedPlan(blockMinM, true));
    mw.variants.push_back(blockedPlan(std::max(blockMinM, kWideMinM), false));
  }
  return mw;
}

/// `value` (a load-time weight, scale or zero point stored as `src`) packed
/// by the prepare function into a new state global of `stateTy` with
/// `emit` (a WeightOnlyPacking.h packer taking the source memref and the
/// state), once per (value, `layout`, storage); returns the state as a tensor
/// for the model function, at `b`. A weight read transposed is packed from
/// where it lies.
static Value packAtLoad(
    OpBuilder &b, Location loc, Value value, WeightOnlySource src,
    MemRefType stateTy, StringRef layout, LoadTimeState &state,
    llvm::DenseMap<std::tuple<void *, StringRef, unsigned>, memref::GlobalOp>
        &cache,
    llvm::function_ref<void(OpBuilder &, Value, const WeightOnlySource &,
                            Value)>
        emit) {
  if (auto t = value.getDefiningOp<linalg::TransposeOp>();
      t && t.hasPureTensorSemantics() &&
      t.getPermutation() == ArrayRef<int64_t>{1, 0} &&
      isLoadTimeValue(t.getInput())) {
    value = t.getInput();
    src = WeightOnlySource{!src.nFirst, src.cols, src.rows};
  }
  memref::GlobalOp &g = cache[{state.canonical(value).getAsOpaquePointer(),
                               layout, unsigned(src.nFirst)}];
  if (!g) {
    OpBuilder pb = state.atPrepareEnd();
    // An i4 parameter is read as its bytes (one per element, sign-extended:
    // --quantc-lower-params gives them as i8), which the packer loads as
    // vectors; other values as they are.
    Value t;
    auto param = value.getDefiningOp<ParamOp>();
    auto vt = cast<RankedTensorType>(value.getType());
    if (param && vt.getElementType().isSignlessInteger(4))
      t = ParamOp::create(pb, loc, vt.clone(pb.getI8Type()), param.getName(),
                          param.getIndex());
    else
      t = state.materialize(value);
    auto ty = cast<RankedTensorType>(t.getType());
    Value buf = bufferization::ToBufferOp::create(
        pb, loc, MemRefType::get(ty.getShape(), ty.getElementType()), t,
        /*read_only=*/true);
    g = state.createState(stateTy, loc);
    Value dest =
        memref::GetGlobalOp::create(pb, loc, g.getType(), g.getSymName());
    emit(pb, buf, src, dest);
  }
  return LoadTimeState::readState(b, loc, g);
}

namespace {
struct LowerWeightOnly
    : quantc::impl::QuantCLowerWeightOnlyToX86Base<LowerWeightOnly> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    bool avx2 = isa == X86Isa::avx2;
    int64_t registers = avx2 ? 16 : 32;
    int64_t mrEff = mr ? int64_t(mr) : (avx2 ? 4 : 6);
    int64_t nrEff = nr ? int64_t(nr) : (avx2 ? 2 : 4);
    if (failed(checkParallelMinMacs(parallelMinMacs, [&] {
          return module.emitError("quantc-lower-weight-only-to-x86: ");
        })))
      return signalPassFailure();
    if (blockMinM < -1 || blockMinM > (int64_t(1) << 30)) {
      module.emitError() << "quantc-lower-weight-only-to-x86: block-min-m is "
                            "-1 (never blocked), 0 (the default) or in [1, "
                            "2^30]; got "
                         << int64_t(blockMinM);
      return signalPassFailure();
    }
    if (mr < 0 || mr > 64 || nr < 0 || nr > 64 || kc < 0 ||
        kc > (int64_t(1) << 20) || mrEff * nrEff + nrEff + 1 > registers) {
      module.emitError()
          << "quantc-lower-weight-only-to-x86: mr and nr in [0, 64], kc in "
             "[0, 2^20] (0: the default), and mr * nr accumulators + nr "
             "weight vectors + 1 broadcast within the "
          << registers << " " << (avx2 ? "ymm" : "zmm")
          << " registers; got mr = " << int64_t(mr) << ", nr = " << int64_t(nr)
          << ", kc = " << int64_t(kc);
      return signalPassFailure();
    }
    SmallVector<std::pair<linalg::LinalgOp, MatchedWeightOnly>, 4> work;
    module.walk([&](linalg::LinalgOp op) {
      if (linalg::isaConvolutionOpInterface(op) || op.getNumDpsInits() != 1 ||
          !llvm::isa<FloatType>(
              getElementTypeOrSelf(op.getDpsInits()[0].getType())))
        return;
      FailureOr<MatchedWeightOnly> m =
          matchWeightOnly(op, isa, mr, nr, kc, parallelMinMacs, blockMinM);
      if (succeeded(m))
        work.push_back({op, *m});
    });
    SymbolTable symbols(module);
    loadState.reset();
    loadPacked.clear();
    for (auto &[op, m] : work)
      lower(op, m, symbols);
    // It refers to `symbols`.
    loadState.reset();
    loadPacked.clear();
  }

private:
  /// Kernels by their signature and plan: equal GEMMs share one.
  llvm::StringMap<func::FuncOp> kernels;

  /// The next lowered GEMM's quantc.kernel_call (flatBuffer).
  int64_t nextCallId = 0;

  /// The prepare function and state globals (created on first use).
  std::shared_ptr<LoadTimeState> loadState;
  /// Load-time packings: (canonical value, layout) -> state global.
  llvm::DenseMap<std::tuple<void *, StringRef, unsigned>, memref::GlobalOp>
      loadPacked;
  /// The layouts' names (loadPacked's keys refer to them).
  llvm::StringSet<> layouts;

  /// loadState, created on first use.
  LoadTimeState &getLoadState(SymbolTable &symbols) {
    if (!loadState)
      loadState = std::make_shared<LoadTimeState>(getOperation(), symbols);
    return *loadState;
  }

  void lower(linalg::LinalgOp op, const MatchedWeightOnly &m,
             SymbolTable &symbols);
  /// The register kernel of `plan` (floatPlan null) or the blocked kernel
  /// widening `plan`'s weight into the float kernel of `floatPlan`.
  func::FuncOp getOrCreateKernel(const WeightOnlyPlan &plan,
                                 const FloatGemmPlan *floatPlan,
                                 TypeRange argTypes, Location loc,
                                 SymbolTable &symbols);
};

void LowerWeightOnly::lower(linalg::LinalgOp op, const MatchedWeightOnly &m,
                            SymbolTable &symbols) {
  Location loc = op.getLoc();
  const WeightOnlyPlan &p = m.plan;
  OpBuilder b(op);
  DequantizeOp dequant = m.dequant;
  Value weight = dequant.getInput(), scale = dequant.getScale();
  // A layout key of the load-time packings: the plan's fields they depend
  // on.
  auto layout = [&](StringRef kind) {
    std::string key;
    llvm::raw_string_ostream(key)
        << kind << "," << p.n << "," << p.k << "," << p.lanes << "," << p.nr
        << "," << p.weightBits << "," << p.group;
    return layouts.insert(key).first->getKey();
  };
  auto stateOf = [&](int64_t size, Type elem) {
    return MemRefType::get({size}, elem);
  };
  if (m.weightConst)
    weight = arith::ConstantOp::create(
        b, loc,
        cast<TypedAttr>(packWeightOnlyWeight(p, m.weightConst, m.weightSrc)));
  if (m.weightAtLoad)
    weight = packAtLoad(
        b, loc, weight, m.weightSrc,
        stateOf(getPackedWeightBytes(p), b.getI8Type()), layout("w"),
        getLoadState(symbols), loadPacked,
        [&](OpBuilder &pb, Value src, const WeightOnlySource &s, Value dst) {
          emitWeightOnlyWeightPacker(pb, loc, p, src, s, dst);
        });
  if (m.widenRuntimeI4) {
    auto ty = cast<RankedTensorType>(weight.getType());
    weight = arith::ExtSIOp::create(b, loc, ty.clone(b.getI8Type()), weight);
  }
  if (m.scaleConst)
    scale = arith::ConstantOp::create(
        b, loc,
        cast<TypedAttr>(packWeightOnlyScale(p, m.scaleConst, m.scaleSrc)));
  if (m.scaleAtLoad)
    scale = packAtLoad(
        b, loc, scale, m.scaleSrc, stateOf(getTableElements(p), b.getF32Type()),
        layout("s"), getLoadState(symbols), loadPacked,
        [&](OpBuilder &pb, Value src, const WeightOnlySource &s, Value dst) {
          emitWeightOnlyScalePacker(pb, loc, p, src, s, dst);
        });
  Value zp;
  if (m.zpConst)
    zp = arith::ConstantOp::create(
        b, loc,
        cast<TypedAttr>(packWeightOnlyZeroPoint(p, m.zpConst, m.zpSrc)));
  if (m.zpAtLoad)
    zp = packAtLoad(
        b, loc, dequant.getZeroPoint(), m.zpSrc,
        stateOf(getTableElements(p), b.getI32Type()), layout("z"),
        getLoadState(symbols), loadPacked,
        [&](OpBuilder &pb, Value src, const WeightOnlySource &s, Value dst) {
          emitWeightOnlyZeroPointPacker(pb, loc, p, src, s, dst);
        });
  // Tagged with this call, so that CSE cannot merge them with another
  // call's reads of the same tensors (flatBuffer).
  int64_t callId = ++nextCallId;
  SmallVector<Value> args;
  args.push_back(flatBuffer(b, loc, op.getDpsInputOperand(0)->get(), callId));
  args.push_back(flatBuffer(b, loc, weight, callId));
  args.push_back(flatBuffer(b, loc, scale, callId));
  if (p.zeroPoint)
    args.push_back(flatBuffer(b, loc, zp, callId));
  if (p.accumulate)
    args.push_back(flatBuffer(b, loc, op.getDpsInitOperand(0)->get(), callId));
  auto resultTy = cast<RankedTensorType>(op->getResult(0).getType());
  // The run-time M: the activation's extent.
  Value mV;
  SmallVector<Value, 1> outSizes;
  if (p.isDynamicM()) {
    mV = tensor::DimOp::create(b, loc, op.getDpsInputOperand(0)->get(),
                               int64_t(m.aMPos));
    outSizes.push_back(mV);
  }
  Value out = memref::AllocOp::create(
      b, loc, MemRefType::get(resultTy.getShape(), resultTy.getElementType()),
      outSizes, b.getI64IntegerAttr(64));
  args.push_back(memref::CollapseShapeOp::create(
      b, loc, out, ArrayRef<ReassociationIndices>{{0, 1}}));
  if (mV)
    args.push_back(mV);
  args.push_back(arith::ConstantIndexOp::create(b, loc, 0));
  args.push_back(arith::ConstantIndexOp::create(b, loc, p.getNumPanels()));
  SmallVector<Type> types(ValueRange(args).getTypes());
  // The variants from the most rows down: if (M >= minRows) call it, else
  // the next (a static M has one).
  OpBuilder cb = b;
  for (size_t i = m.variants.size(); i-- > 0;) {
    const MatchedWeightOnly::Variant &v = m.variants[i];
    WeightOnlyPlan wp = p;
    if (v.blocked)
      wp.groupSumsInOutput = false;
    if (v.kc)
      wp.kc = v.kc;
    if (v.parallel)
      wp.parallel = *v.parallel;
    func::FuncOp kernel = getOrCreateKernel(
        wp, v.blocked ? &v.floatPlan : nullptr, types, loc, symbols);
    if (i == 0) {
      func::CallOp::create(cb, loc, kernel, args);
      break;
    }
    Value many = arith::CmpIOp::create(
        cb, loc, arith::CmpIPredicate::sge, mV,
        arith::ConstantIndexOp::create(cb, loc, v.minRows));
    auto ifOp = scf::IfOp::create(cb, loc, many, /*withElse=*/true);
    OpBuilder tb = ifOp.getThenBodyBuilder();
    func::CallOp::create(tb, loc, kernel, args);
    cb = ifOp.getElseBodyBuilder();
  }
  op->getResult(0).replaceAllUsesWith(bufferization::ToTensorOp::create(
      b, loc, resultTy, out, /*restrict=*/true, /*writable=*/true));
  op->erase();
  if (dequant->use_empty())
    dequant->erase();
}

func::FuncOp LowerWeightOnly::getOrCreateKernel(const WeightOnlyPlan &p,
                                                const FloatGemmPlan *fp,
                                                TypeRange argTypes,
                                                Location loc,
                                                SymbolTable &symbols) {
  std::string key;
  llvm::raw_string_ostream os(key);
  for (Type t : argTypes)
    os << t << ";";
  os << p.m << "," << p.n << "," << p.k << "," << p.aStrideM << ","
     << p.aStrideK << "," << p.accumulate << "," << p.group << ","
     << p.wStridePanel << "," << p.wStrideK << "," << p.sStrideGroup << ","
     << p.sStrideN << "," << p.lanes << "," << p.mr << "," << p.nr << ","
     << p.kc << "," << p.kBlockOuter << "," << p.kunroll << "," << p.parallel
     << "," << p.weightBits << "," << p.zeroPoint << "," << p.zStrideGroup
     << "," << p.nibbleTable << "," << p.groupSumsInOutput << ","
     << p.prefetchBytes;
  if (fp)
    os << ";blocked " << fp->mr << "," << fp->kc << "," << fp->mc << ","
       << fp->panelBlock << "," << fp->kunroll << "," << fp->parallel;
  bool parallel = fp ? fp->parallel : p.parallel;
  auto it = kernels.find(key);
  if (it != kernels.end())
    return it->second;

  MLIRContext *ctx = loc.getContext();
  std::string name =
      p.weightBits == 4 ? "__quantc_x86_w4a16_gemm" : "__quantc_x86_w8a16_gemm";
  if (fp)
    name += "_blocked";
  auto fn =
      func::FuncOp::create(loc, name, FunctionType::get(ctx, argTypes, {}));
  fn.setPrivate();
  // Internal linkage: kernels of separately compiled modules never clash.
  fn->setAttr("llvm.linkage",
              LLVM::LinkageAttr::get(ctx, LLVM::Linkage::Internal));
  if (parallel)
    fn->setAttr(kX86ParallelAttrName, UnitAttr::get(ctx));
  // The output is a fresh buffer: it aliases no input.
  for (auto [i, t] : llvm::enumerate(argTypes))
    if (llvm::isa<MemRefType>(t))
      fn.setArgAttr(i, LLVM::LLVMDialect::getNoAliasAttrName(),
                    UnitAttr::get(ctx));
  Block *entry = fn.addEntryBlock();
  ValueRange args = entry->getArguments();
  WeightOnlyKernelOperands ops;
  unsigned i = 0;
  ops.a = args[i++];
  ops.w = args[i++];
  ops.scale = args[i++];
  if (p.zeroPoint)
    ops.zp = args[i++];
  if (p.accumulate)
    ops.c = args[i++];
  ops.out = args[i++];
  if (p.isDynamicM())
    ops.m = args[i++];
  ops.panelBegin = args[i++];
  ops.panelEnd = args[i++];
  OpBuilder kb = OpBuilder::atBlockBegin(entry);
  if (fp)
    emitWeightOnlyBlockedKernel(kb, loc, p, *fp, ops);
  else
    emitWeightOnlyKernel(kb, loc, p, ops);
  func::ReturnOp::create(kb, loc);
  symbols.insert(fn);
  kernels[key] = fn;
  return fn;
}

} // namespace
