//===- LowerFloatContractions.cpp - float GEMMs to x86 FMA kernels --------===//
//
// Float linalg contractions on tensors -> calls of generated,
// shape-specialised FMA kernels (FloatGemm.h). See the pass description in
// Conversion/Passes.td.
//
//===----------------------------------------------------------------------===//
#include "quantc/Conversion/QuantCToX86/QuantCToX86.h"

#include "FloatGemm.h"
#include "Plan.h"

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
#include "llvm/Support/MathExtras.h"

namespace quantc {
#define GEN_PASS_DEF_QUANTCLOWERFLOATCONTRACTIONSTOX86
#include "quantc/Conversion/Passes.h.inc"
} // namespace quantc

using namespace mlir;
using namespace quantc;
using namespace quantc::x86;

namespace {

/// One contraction that fits a kernel: the plan of one batch and how the
/// batches lie in the flat operands.
struct MatchedContraction {
  FloatGemmPlan plan;
  /// Batches (1: none; ShapedType::kDynamic: a run-time count) and their
  /// element strides in A, B and the output (0: the operand is shared by
  /// all batches; kDynamic: a run-time stride, computed at the call).
  int64_t batch = 1, aStrideBatch = 0, bStrideBatch = 0;
  /// The loop dimensions of the batch (when batch != 1 or folded), of M, N
  /// and K.
  unsigned batchDim = 0, mDim = 0, nDim = 0, kDim = 0;
  /// The batches continue A's rows and are folded into M (M = batch * rows).
  bool foldedBatch = false;
  /// Multiply-adds from which a call runs on the OpenMP team (-1: never):
  /// a static M decides in plan.parallel, a dynamic one at the call.
  int64_t parallelMinMacs = -1;
  /// For a dynamic M: calls of at most this many rows take the dot-product
  /// kernel (0: never).
  int64_t dotMaxM = 0;
};

/// The tile and blocking knobs with their defaults resolved.
struct FloatOptions {
  X86Isa isa;
  int64_t lanes, mr, nr, kc, mc, kunroll, blockKib, parallelMinMacs;
  /// The dot-product kernel: at most dotMaxM rows (0: never), its tile.
  int64_t dotMaxM, dotMr, dotNr, dotKc;
  /// kc was not set: small GEMMs with a B stored [n, k] take longer ones.
  bool kcDefault;
};

} // namespace

static StringRef isaName(X86Isa isa) {
  return isa == X86Isa::avx2 ? "avx2" : "avx512";
}

/// The largest operand the kernels index (flat offsets stay far from
/// overflow).
static constexpr uint64_t kMaxOperandElements = uint64_t(1) << 40;

/// At most this many rows of A count as a bandwidth-bound GEMM.
static constexpr int64_t kSmallM = 32;

/// Whether `t` is a float type the kernels read (and widen to f32).
static bool isKernelFloat(Type t) {
  return t.isF32() || t.isF16() || t.isBF16();
}

/// `v` without an arith.extf.
static Value stripExt(Value v) {
  if (auto ext = v.getDefiningOp<arith::ExtFOp>())
    return ext.getIn();
  return v;
}

// Declared in FloatGemm.h.
bool x86::isMultiplyAccumulate(linalg::LinalgOp op) {
  Block *body = op.getBlock();
  if (body->getNumArguments() != 3)
    return false;
  auto yield = dyn_cast<linalg::YieldOp>(body->getTerminator());
  if (!yield || yield.getValues().size() != 1)
    return false;
  auto addOp = yield.getValues()[0].getDefiningOp<arith::AddFOp>();
  if (!addOp)
    return false;
  Value acc = body->getArgument(2), prod;
  if (addOp.getLhs() == acc)
    prod = addOp.getRhs();
  else if (addOp.getRhs() == acc)
    prod = addOp.getLhs();
  else
    return false;
  auto mulOp = prod.getDefiningOp<arith::MulFOp>();
  if (!mulOp)
    return false;
  Value x = stripExt(mulOp.getLhs()), y = stripExt(mulOp.getRhs());
  Value a = body->getArgument(0), b = body->getArgument(1);
  return (x == a && y == b) || (x == b && y == a);
}

// Declared in FloatGemm.h.
int64_t x86::strideOf(AffineMap map, ArrayRef<int64_t> shape, unsigned dim) {
  int64_t stride = 1;
  for (int64_t i = map.getNumResults() - 1; i >= 0; --i) {
    if (map.getDimPosition(i) == dim)
      return stride;
    stride *= shape[i];
  }
  return 0;
}

// Declared in FloatGemm.h.
bool x86::isStaticStride(AffineMap map, ArrayRef<int64_t> shape, unsigned dim) {
  for (int64_t i = map.getNumResults() - 1; i >= 0; --i) {
    if (map.getDimPosition(i) == dim)
      return true;
    if (ShapedType::isDynamic(shape[i]))
      return false;
  }
  return true;
}

/// The position of loop dimension `dim` among the results of `map`, or -1.
static int64_t positionOf(AffineMap map, unsigned dim) {
  for (unsigned i = 0; i < map.getNumResults(); ++i)
    if (map.getDimPosition(i) == dim)
      return i;
  return -1;
}

/// Whether the stride of loop dimension `dim` in an operand of `shape` read
/// through `map` involves a dynamic extent of one of the loop dimensions
/// `of` (the run-time M or batch count).
static bool strideInvolves(AffineMap map, ArrayRef<int64_t> shape, unsigned dim,
                           ArrayRef<unsigned> of) {
  for (int64_t i = map.getNumResults() - 1; i >= 0; --i) {
    if (map.getDimPosition(i) == dim)
      return false;
    if (ShapedType::isDynamic(shape[i]) &&
        llvm::is_contained(of, map.getDimPosition(i)))
      return true;
  }
  return false;
}

/// strideOf, or ShapedType::kDynamic when the stride involves a dynamic
/// extent (a kernel operand).
static int64_t planStride(AffineMap map, ArrayRef<int64_t> shape,
                          unsigned dim) {
  return isStaticStride(map, shape, dim) ? strideOf(map, shape, dim)
                                         : ShapedType::kDynamic;
}

// Declared in FloatGemm.h.
bool x86::isZeroInit(Value init) {
  if (auto fill = init.getDefiningOp<linalg::FillOp>())
    return matchPattern(fill.getInputs()[0], m_PosZeroFloat());
  return matchPattern(init, m_PosZeroFloat());
}

/// The contraction's plan, or failure after a remark on `op` saying why it
/// does not fit a kernel.
static FailureOr<MatchedContraction>
matchContraction(linalg::LinalgOp op, const FloatOptions &o,
                 const linalg::ContractionDimensions &dims) {
  auto remark = [&]() {
    return op->emitRemark() << "runs on the reference lowering, not the "
                            << isaName(o.isa) << " FMA kernel: ";
  };
  if (!op.hasPureTensorSemantics()) {
    remark() << "the kernels take contractions on tensors";
    return failure();
  }
  if (op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1) {
    remark() << "not two inputs and one init";
    return failure();
  }
  OpOperand *aOp = op.getDpsInputOperand(0), *bOp = op.getDpsInputOperand(1);
  OpOperand *cOp = op.getDpsInitOperand(0);
  auto aTy = dyn_cast<RankedTensorType>(aOp->get().getType());
  auto bTy = dyn_cast<RankedTensorType>(bOp->get().getType());
  auto cTy = dyn_cast<RankedTensorType>(cOp->get().getType());
  if (!aTy || !bTy || !cTy) {
    remark() << "unranked operands";
    return failure();
  }
  for (RankedTensorType t : {aTy, bTy, cTy}) {
    uint64_t elements = 1;
    for (int64_t d : t.getShape())
      if (!ShapedType::isDynamic(d))
        elements = llvm::SaturatingMultiply(elements, uint64_t(d));
    if (elements > kMaxOperandElements) {
      remark() << "an operand of " << t << " has more than 2^40 elements";
      return failure();
    }
  }
  for (RankedTensorType t : {aTy, bTy, cTy})
    if (!isKernelFloat(t.getElementType())) {
      remark() << "element type " << t.getElementType()
               << " (the kernels take f32, f16 and bf16)";
      return failure();
    }
  if (!isMultiplyAccumulate(op)) {
    remark() << "the body is not a multiply-accumulate addf(out, mulf(a, b))";
    return failure();
  }
  // Exactly one M, N and K dimension, plus at most one outer (batch)
  // dimension: a batch of all three, or an M or N dimension that one input
  // does not use (a broadcast operand, read at stride 0).
  AffineMap aMap = op.getMatchingIndexingMap(aOp),
            bMap = op.getMatchingIndexingMap(bOp),
            cMap = op.getMatchingIndexingMap(cOp);
  if (!aMap.isProjectedPermutation() || !bMap.isProjectedPermutation() ||
      !cMap.isProjectedPermutation()) {
    remark() << "an indexing map that is not a projected permutation";
    return failure();
  }
  if (dims.k.size() != 1 || op.getNumLoops() > 4 || cMap.getNumResults() < 2 ||
      cMap.getNumResults() != op.getNumLoops() - 1) {
    remark() << "not one M, N and K dimension and at most one batch "
                "dimension";
    return failure();
  }
  unsigned rank = cMap.getNumResults();
  unsigned dm = cMap.getDimPosition(rank - 2),
           dn = cMap.getDimPosition(rank - 1);
  unsigned dk = dims.k.front();
  if (!llvm::is_contained(dims.m, dm) || !llvm::is_contained(dims.n, dn)) {
    remark() << "the output is not [(batch,) M, N] (a transposed output)";
    return failure();
  }
  // Every extent may be a run-time value (M, N, K and the batch count).
  // A stride that involves a run-time N or K is a kernel operand; one that
  // involves a run-time M or batch count is not taken.
  std::optional<unsigned> db;
  if (rank == 3)
    db = cMap.getDimPosition(0);
  SmallVector<unsigned> mOrBatch{dm};
  if (db)
    mOrBatch.push_back(*db);
  if (strideInvolves(aMap, aTy.getShape(), dm, mOrBatch) ||
      strideInvolves(aMap, aTy.getShape(), dk, mOrBatch) ||
      strideInvolves(bMap, bTy.getShape(), dk, mOrBatch) ||
      strideInvolves(bMap, bTy.getShape(), dn, mOrBatch)) {
    remark() << "a dynamic M inside the M or K stride of an operand (A "
                "stored [K, M], or a batched operand laid out [M, batch, K], "
                "with a run-time M or batch)";
    return failure();
  }
  SmallVector<int64_t> loops = op.getStaticLoopRanges();
  MatchedContraction mc;
  FloatGemmPlan &p = mc.plan;
  mc.mDim = dm;
  mc.nDim = dn;
  mc.kDim = dk;
  p.m = loops[dm];
  p.n = loops[dn];
  p.k = loops[dk];
  if (p.m == 0 || p.n == 0 || p.k == 0) {
    remark() << "an empty GEMM";
    return failure();
  }
  if (ShapedType::isDynamic(p.k) && !cTy.getElementType().isF32()) {
    remark() << "a dynamic K with an " << cTy.getElementType()
             << " output (its partial sums stay in f32 registers over all "
                "of K, which must then be static)";
    return failure();
  }
  p.aStrideM = planStride(aMap, aTy.getShape(), dm);
  p.aStrideK = planStride(aMap, aTy.getShape(), dk);
  p.bStrideK = planStride(bMap, bTy.getShape(), dk);
  p.bStrideN = planStride(bMap, bTy.getShape(), dn);
  if (db) {
    mc.batchDim = *db;
    mc.batch = loops[*db];
    auto batchStride = [&](AffineMap map, RankedTensorType t) {
      return isStaticStride(map, t.getShape(), *db)
                 ? strideOf(map, t.getShape(), *db)
                 : ShapedType::kDynamic;
    };
    mc.aStrideBatch = batchStride(aMap, aTy);
    mc.bStrideBatch = batchStride(bMap, bTy);
    // A shared B and batches of A that continue its rows (the batch
    // dimension right before M in A's layout): one GEMM of batch * M rows
    // (e.g. [batch, tokens, hidden] x [hidden, out]).
    int64_t posB = positionOf(aMap, *db), posM = positionOf(aMap, dm);
    bool continues =
        (!ShapedType::isDynamic(mc.aStrideBatch) && !p.isDynamicM() &&
         !ShapedType::isDynamic(p.aStrideM) &&
         mc.aStrideBatch == p.m * p.aStrideM) ||
        (posB >= 0 && posM == posB + 1 && !ShapedType::isDynamic(p.aStrideM));
    if (mc.bStrideBatch == 0 && continues) {
      p.m = ShapedType::isDynamic(p.m) || ShapedType::isDynamic(mc.batch)
                ? ShapedType::kDynamic
                : p.m * mc.batch;
      mc.batch = 1;
      mc.foldedBatch = true;
    }
  }
  p.aElem = aTy.getElementType();
  p.bElem = bTy.getElementType();
  p.outElem = cTy.getElementType();
  p.accumulate = !isZeroInit(cOp->get());
  p.lanes = o.lanes;
  p.mr = o.mr;
  p.nr = o.nr;
  p.kunroll = o.kunroll;
  p.mc = o.mc;
  // Partial sums live in the output between K blocks: an f16 / bf16 output
  // is written once, from the f32 sums of all of K.
  p.kc = p.outElem.isF32() ? o.kc : p.k;
  // A B stored [n, k] and few rows (bandwidth-bound: each packed panel is
  // used by few row tiles): longer runs along K per B row stream better
  // (sgemmt 16 x 4096 x 4096: 30 -> 33 GFLOPS, docs/BENCHMARKS.md).
  if (p.bStrideK == 1 && p.bStrideN != 1 && !p.isDynamicM() &&
      !p.isDynamicK() && p.m <= kSmallM && o.kcDefault)
    p.kc = std::max(p.kc, std::min<int64_t>(p.k, 4096));
  int64_t panelBytes =
      (p.isDynamicK() ? p.kc : std::min(p.kc, p.k)) * p.getPanelCols() * 4;
  p.panelBlock = std::max<int64_t>(1, o.blockKib * 1024 / panelBytes);
  mc.parallelMinMacs = o.parallelMinMacs;
  // Few rows against a B stored [n, k] (and A contiguous along K): the
  // dot-product kernel reads both where they lie, without packing B.
  p.dotMr = o.dotMr;
  p.dotNr = o.dotNr;
  p.dotKc = o.dotKc;
  p.dotMaxM = o.dotMaxM;
  // The dot-product kernel is specialised to N and K.
  bool dotLayout = p.aStrideK == 1 && p.bStrideK == 1 && p.bStrideN != 1 &&
                   o.dotMaxM > 0 && !p.isDynamicN() && !p.isDynamicK();
  if (p.isDynamicM() || p.isDynamicN() || p.isDynamicK()) {
    mc.dotMaxM = dotLayout ? o.dotMaxM : 0;
    return mc;
  }
  p.dot = dotLayout && p.m <= o.dotMaxM;
  uint64_t macs = llvm::SaturatingMultiply(
      llvm::SaturatingMultiply(uint64_t(p.m), uint64_t(p.n)), uint64_t(p.k));
  p.parallel = o.parallelMinMacs >= 0 && p.getNumPanels() > 1 &&
               macs >= uint64_t(o.parallelMinMacs);
  return mc;
}

// Declared in FloatGemm.h.
Value x86::flatBuffer(OpBuilder &b, Location loc, Value tensor,
                      std::optional<int64_t> callId) {
  auto tt = cast<RankedTensorType>(tensor.getType());
  // Identity layout (row-major), dynamic extents included.
  auto buf = bufferization::ToBufferOp::create(
      b, loc, MemRefType::get(tt.getShape(), tt.getElementType()), tensor,
      /*read_only=*/true);
  if (callId)
    buf->setAttr("quantc.kernel_call", b.getI64IntegerAttr(*callId));
  return memref::CollapseShapeOp::create(
      b, loc, buf,
      ArrayRef<ReassociationIndices>{
          llvm::to_vector(llvm::seq<int64_t>(0, tt.getRank()))});
}

namespace {
struct LowerFloatContractions
    : quantc::impl::QuantCLowerFloatContractionsToX86Base<
          LowerFloatContractions> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    bool avx2 = isa == X86Isa::avx2;
    FloatOptions o{isa,
                   avx2 ? 8 : 16,
                   mr ? int64_t(mr) : 6,
                   nr ? int64_t(nr) : (avx2 ? 2 : 4),
                   kc ? int64_t(kc) : 256,
                   mc ? int64_t(mc) : 480,
                   kunroll ? int64_t(kunroll) : 4,
                   blockKib ? int64_t(blockKib) : 1024,
                   parallelMinMacs,
                   dotMaxM,
                   dotMr ? int64_t(dotMr) : (avx2 ? 3 : 4),
                   dotNr ? int64_t(dotNr) : (avx2 ? 3 : 6),
                   dotKc ? int64_t(dotKc) : 256,
                   kc == 0};
    int64_t registers = avx2 ? 16 : 32;
    if (failed(checkParallelMinMacs(parallelMinMacs, [&] {
          return module.emitError("quantc-lower-float-contractions-to-x86: ");
        })))
      return signalPassFailure();
    if (o.mr < 1 || o.mr > 64 || o.nr < 1 || o.kc < 1 || o.mc < 1 ||
        o.kunroll < 1 || o.kunroll > 64 || o.kc > (int64_t(1) << 20) ||
        o.blockKib < 1 || o.blockKib > (int64_t(1) << 20) ||
        o.mc > (int64_t(1) << 20) || o.mr * o.nr + o.nr + 1 > registers ||
        o.dotMaxM < 0 || o.dotMaxM > 4096 || o.dotKc < 1 ||
        o.dotKc > (int64_t(1) << 20) || o.dotMr < 1 || o.dotMr > 64 ||
        o.dotNr < 1 || o.dotMr * o.dotNr + o.dotNr + 1 > registers) {
      module.emitError()
          << "quantc-lower-float-contractions-to-x86: mr in [1, 64], nr >= 1, "
             "kunroll in [1, 64], kc, mc and block-kib in [1, 2^20] (0: the "
             "default), "
             "and mr * nr accumulators + nr panel vectors + 1 broadcast "
             "within the "
          << registers << " " << (avx2 ? "ymm" : "zmm")
          << " registers; dot-max-m in [0, 4096], dot-kc in [1, 2^20], "
             "dot-mr in [1, 64], dot-nr >= 1 "
             "and dot-mr * dot-nr + dot-nr + 1 within them too; got mr = "
          << o.mr << ", nr = " << o.nr << ", kunroll = " << o.kunroll
          << ", kc = " << o.kc << ", mc = " << o.mc
          << ", block-kib = " << o.blockKib << ", dot-max-m = " << o.dotMaxM
          << ", dot-mr = " << o.dotMr << ", dot-nr = " << o.dotNr
          << ", dot-kc = " << o.dotKc;
      return signalPassFailure();
    }
    SmallVector<std::pair<linalg::LinalgOp, linalg::ContractionDimensions>>
        work;
    module.walk([&](linalg::LinalgOp op) {
      if (linalg::isaConvolutionOpInterface(op)) {
        op->emitRemark() << "runs on the reference lowering, not the "
                         << isaName(o.isa)
                         << " FMA kernel: convolutions are not lowered to "
                            "the GEMM kernels";
        return;
      }
      FailureOr<linalg::ContractionDimensions> dims =
          linalg::inferContractionDims(op);
      if (failed(dims) || op.getNumDpsInits() != 1 ||
          op.getNumReductionLoops() == 0)
        return;
      // Integer contractions are the int8 path's (or the reference's).
      if (!llvm::isa<FloatType>(
              getElementTypeOrSelf(op.getDpsInits()[0].getType())))
        return;
      work.push_back({op, *dims});
    });
    SymbolTable symbols(module);
    for (auto [op, dims] : work) {
      FailureOr<MatchedContraction> m = matchContraction(op, o, dims);
      if (succeeded(m))
        lower(op, *m, symbols);
    }
  }

private:
  /// Kernels by their signature and plan: equal GEMMs share one.
  llvm::StringMap<func::FuncOp> kernels;
  /// The next lowered contraction's quantc.kernel_call (flatBuffer).
  int64_t nextCallId = 0;

  void lower(linalg::LinalgOp op, const MatchedContraction &m,
             SymbolTable &symbols);
  func::FuncOp getOrCreateKernel(const FloatGemmPlan &plan, TypeRange argTypes,
                                 Location loc, SymbolTable &symbols);
};

/// The element stride of loop dimension `dim` in the row-major `tensor`
/// read through `map`, as an index value: a constant, or the product of
/// the run-time extents (tensor.dim) after the dimension's position.
static Value strideValue(OpBuilder &b, Location loc, Value tensor,
                         AffineMap map, unsigned dim) {
  auto shape = cast<RankedTensorType>(tensor.getType()).getShape();
  if (isStaticStride(map, shape, dim))
    return arith::ConstantIndexOp::create(b, loc, strideOf(map, shape, dim));
  int64_t pos = positionOf(map, dim);
  int64_t fixed = 1;
  Value stride;
  for (int64_t i = pos + 1; i < int64_t(shape.size()); ++i) {
    if (!ShapedType::isDynamic(shape[i])) {
      fixed *= shape[i];
      continue;
    }
    Value d = tensor::DimOp::create(b, loc, tensor, i);
    stride = stride ? arith::MulIOp::create(b, loc, stride, d) : d;
  }
  return arith::MulIOp::create(b, loc, stride,
                               arith::ConstantIndexOp::create(b, loc, fixed));
}

void LowerFloatContractions::lower(linalg::LinalgOp op,
                                   const MatchedContraction &m,
                                   SymbolTable &symbols) {
  Location loc = op.getLoc();
  const FloatGemmPlan &p = m.plan;
  OpBuilder b(op);
  Value aTensor = op.getDpsInputOperand(0)->get();
  Value bTensor = op.getDpsInputOperand(1)->get();
  Value init = op.getDpsInitOperand(0)->get();
  // Tagged with this call: not merged with another call's (flatBuffer).
  int64_t callId = nextCallId++;
  SmallVector<Value> args;
  args.push_back(flatBuffer(b, loc, aTensor, callId));
  args.push_back(flatBuffer(b, loc, bTensor, callId));
  if (p.accumulate)
    args.push_back(flatBuffer(b, loc, init, callId));
  // The result has the init's (run-time) extents.
  auto resultTy = cast<RankedTensorType>(op->getResult(0).getType());
  SmallVector<Value> sizes;
  for (int64_t i = 0; i < resultTy.getRank(); ++i)
    if (resultTy.isDynamicDim(i))
      sizes.push_back(tensor::DimOp::create(b, loc, init, i));
  Value out = memref::AllocOp::create(
      b, loc, MemRefType::get(resultTy.getShape(), resultTy.getElementType()),
      sizes, b.getI64IntegerAttr(64));
  args.push_back(memref::CollapseShapeOp::create(
      b, loc, out,
      ArrayRef<ReassociationIndices>{
          llvm::to_vector(llvm::seq<int64_t>(0, resultTy.getRank()))}));
  Value c0 = arith::ConstantIndexOp::create(b, loc, 0);
  // The rows of one call: the output's M extent (times its batch extent
  // when the batches are folded into M).
  int64_t rank = resultTy.getRank();
  Value rows;
  if (p.isDynamicM()) {
    rows = tensor::DimOp::create(b, loc, init, rank - 2);
    if (m.foldedBatch)
      rows = arith::MulIOp::create(b, loc, rows,
                                   tensor::DimOp::create(b, loc, init, 0));
    args.push_back(rows);
  } else {
    rows = arith::ConstantIndexOp::create(b, loc, p.m);
  }
  // A run-time N (the output's last extent) and K (A's extent along it),
  // then the run-time strides.
  AffineMap aMap = op.getMatchingIndexingMap(op.getDpsInputOperand(0));
  AffineMap bMap = op.getMatchingIndexingMap(op.getDpsInputOperand(1));
  Value nV = p.isDynamicN()
                 ? Value(tensor::DimOp::create(b, loc, init, rank - 1))
                 : Value(arith::ConstantIndexOp::create(b, loc, p.n));
  Value kV = p.isDynamicK()
                 ? Value(tensor::DimOp::create(b, loc, aTensor,
                                               positionOf(aMap, m.kDim)))
                 : Value(arith::ConstantIndexOp::create(b, loc, p.k));
  if (p.isDynamicN())
    args.push_back(nV);
  if (p.isDynamicK())
    args.push_back(kV);
  for (auto [stride, tensor, map, dim] :
       {std::tuple{p.aStrideM, aTensor, aMap, m.mDim},
        {p.aStrideK, aTensor, aMap, m.kDim},
        {p.bStrideK, bTensor, bMap, m.kDim},
        {p.bStrideN, bTensor, bMap, m.nDim}})
    if (ShapedType::isDynamic(stride))
      args.push_back(strideValue(b, loc, tensor, map, dim));
  // The panels: ceil(N / panel width) (the dot kernel's are static).
  Value numPanels =
      p.isDynamicN()
          ? Value(arith::CeilDivUIOp::create(
                b, loc, nV,
                arith::ConstantIndexOp::create(b, loc, p.getPanelCols())))
          : Value();
  SmallVector<Type> types(ValueRange(args).getTypes());
  types.append(5, b.getIndexType());
  Value aStride, bStride, outStride;
  if (m.batch != 1) {
    aStride = strideValue(b, loc, aTensor,
                          op.getMatchingIndexingMap(op.getDpsInputOperand(0)),
                          m.batchDim);
    bStride = strideValue(b, loc, bTensor,
                          op.getMatchingIndexingMap(op.getDpsInputOperand(1)),
                          m.batchDim);
    outStride = arith::MulIOp::create(b, loc, rows, nV);
  }
  // The call(s) of `plan`'s kernel for batch i: static extents call the one
  // kernel of their plan; a run-time M, N or K the parallel kernel from
  // ceil(parallel-min-macs / (N * K)) rows on, else the serial one.
  auto callPlan = [&](FloatGemmPlan plan, Value i) {
    auto offset = [&](Value stride) -> Value {
      if (!i)
        return c0;
      return arith::MulIOp::create(b, loc, i, stride);
    };
    SmallVector<Value> operands(args);
    operands.append({offset(aStride), offset(bStride), offset(outStride), c0,
                     numPanels && !plan.dot
                         ? numPanels
                         : Value(arith::ConstantIndexOp::create(
                               b, loc, plan.getNumPanels()))});
    bool runtime = plan.isDynamicM() || plan.isDynamicN() || plan.isDynamicK();
    bool nk = plan.isDynamicN() || plan.isDynamicK();
    int64_t minRows = -1;
    if (runtime && m.parallelMinMacs >= 0 &&
        (plan.isDynamicN() || plan.getNumPanels() > 1))
      minRows = nk ? 2 : llvm::divideCeil(m.parallelMinMacs, plan.n * plan.k);
    if (!runtime || minRows < 0 || minRows <= 1) {
      plan.parallel = runtime ? minRows >= 0 : plan.parallel;
      func::CallOp::create(b, loc, getOrCreateKernel(plan, types, loc, symbols),
                           operands);
      return;
    }
    Value minRowsV;
    if (nk) {
      // ceil(parallel-min-macs / max(N * K, 1)) at run time.
      Value prod =
          arith::MaxUIOp::create(b, loc, arith::MulIOp::create(b, loc, nV, kV),
                                 arith::ConstantIndexOp::create(b, loc, 1));
      minRowsV = arith::CeilDivUIOp::create(
          b, loc, arith::ConstantIndexOp::create(b, loc, m.parallelMinMacs),
          prod);
    } else {
      minRowsV = arith::ConstantIndexOp::create(b, loc, minRows);
    }
    Value big = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, rows,
                                      minRowsV);
    auto ifOp = scf::IfOp::create(b, loc, big, /*withElse=*/true);
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPoint(ifOp.thenBlock()->getTerminator());
    plan.parallel = true;
    func::CallOp::create(b, loc, getOrCreateKernel(plan, types, loc, symbols),
                         operands);
    b.setInsertionPoint(ifOp.elseBlock()->getTerminator());
    plan.parallel = false;
    func::CallOp::create(b, loc, getOrCreateKernel(plan, types, loc, symbols),
                         operands);
  };
  // A dynamic M with a dot-product layout: few rows take the dot kernel.
  auto call = [&](Value i) {
    if (!m.dotMaxM) {
      callPlan(p, i);
      return;
    }
    Value few = arith::CmpIOp::create(
        b, loc, arith::CmpIPredicate::sle, rows,
        arith::ConstantIndexOp::create(b, loc, m.dotMaxM));
    auto ifOp = scf::IfOp::create(b, loc, few, /*withElse=*/true);
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPoint(ifOp.thenBlock()->getTerminator());
    FloatGemmPlan dotPlan = p;
    dotPlan.dot = true;
    callPlan(dotPlan, i);
    b.setInsertionPoint(ifOp.elseBlock()->getTerminator());
    callPlan(p, i);
  };
  if (m.batch == 1) {
    call(Value());
  } else {
    Value count = ShapedType::isDynamic(m.batch)
                      ? Value(tensor::DimOp::create(b, loc, init, 0))
                      : Value(arith::ConstantIndexOp::create(b, loc, m.batch));
    auto loop = scf::ForOp::create(b, loc, c0, count,
                                   arith::ConstantIndexOp::create(b, loc, 1));
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPoint(loop.getBody()->getTerminator());
    call(loop.getInductionVar());
  }
  op->getResult(0).replaceAllUsesWith(bufferization::ToTensorOp::create(
      b, loc, resultTy, out, /*restrict=*/true, /*writable=*/true));
  op->erase();
}

func::FuncOp LowerFloatContractions::getOrCreateKernel(const FloatGemmPlan &p,
                                                       TypeRange argTypes,
                                                       Location loc,
                                                       SymbolTable &symbols) {
  std::string key;
  llvm::raw_string_ostream os(key);
  for (Type t : argTypes)
    os << t << ";";
  os << p.m << "," << p.n << "," << p.k << "," << p.aStrideM << ","
     << p.aStrideK << "," << p.bStrideK << "," << p.bStrideN << ","
     << p.accumulate << "," << p.lanes << "," << p.mr << "," << p.nr << ","
     << p.kc << "," << p.mc << "," << p.kunroll << "," << p.panelBlock << ","
     << p.parallel << "," << p.dot << "," << p.dotMr << "," << p.dotNr << ","
     << p.dotKc << "," << p.dotMaxM;
  auto it = kernels.find(key);
  if (it != kernels.end())
    return it->second;

  MLIRContext *ctx = loc.getContext();
  auto fn = func::FuncOp::create(loc, "__quantc_x86_sgemm",
                                 FunctionType::get(ctx, argTypes, {}));
  fn.setPrivate();
  // Internal linkage: kernels of separately compiled modules never clash.
  fn->setAttr("llvm.linkage",
              LLVM::LinkageAttr::get(ctx, LLVM::Linkage::Internal));
  if (p.parallel)
    fn->setAttr(kX86ParallelAttrName, UnitAttr::get(ctx));
  // Scratch up to 64 KiB each is promoted to the stack (of each OpenMP
  // thread): probe it page by page, so that a small thread stack faults on
  // its guard page instead of running past it.
  fn->setAttr(
      "passthrough",
      ArrayAttr::get(
          ctx, {ArrayAttr::get(ctx, {StringAttr::get(ctx, "probe-stack"),
                                     StringAttr::get(ctx, "inline-asm")})}));
  // The output is a fresh buffer: it aliases no input (A and B may be the
  // same buffer; both are only read).
  for (auto [i, t] : llvm::enumerate(argTypes))
    if (llvm::isa<MemRefType>(t))
      fn.setArgAttr(i, LLVM::LLVMDialect::getNoAliasAttrName(),
                    UnitAttr::get(ctx));
  Block *entry = fn.addEntryBlock();
  ValueRange args = entry->getArguments();
  FloatKernelOperands ops;
  unsigned i = 0;
  ops.a = args[i++];
  ops.b = args[i++];
  if (p.accumulate)
    ops.c = args[i++];
  ops.out = args[i++];
  if (p.isDynamicM())
    ops.m = args[i++];
  if (p.isDynamicN())
    ops.n = args[i++];
  if (p.isDynamicK())
    ops.k = args[i++];
  if (ShapedType::isDynamic(p.aStrideM))
    ops.aStrideM = args[i++];
  if (ShapedType::isDynamic(p.aStrideK))
    ops.aStrideK = args[i++];
  if (ShapedType::isDynamic(p.bStrideK))
    ops.bStrideK = args[i++];
  if (ShapedType::isDynamic(p.bStrideN))
    ops.bStrideN = args[i++];
  ops.aOffset = args[i++];
  ops.bOffset = args[i++];
  ops.outOffset = args[i++];
  ops.panelBegin = args[i++];
  ops.panelEnd = args[i++];
  OpBuilder kb = OpBuilder::atBlockBegin(entry);
  if (p.dot)
    emitFloatDotKernel(kb, loc, p, ops);
  else
    emitFloatGemmKernel(kb, loc, p, ops);
  func::ReturnOp::create(kb, loc);
  symbols.insert(fn);
  kernels[key] = fn;
  return fn;
}

} // namespace
