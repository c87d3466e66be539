//===- LowerFloatContractions.cpp - float GEMMs to x86 FMA kernels --------===//
//
// Float linalg contractions on tensors -> calls of generated,
// shape-specialised FMA kernels (FloatGemm.h). See the pass description in
// Conversion/Passes.td.
//
//===----------------------------------------------------------------------===//
#include "quantc/Conversion/QuantCToX86/QuantCToX86.h"

#include "FloatGemm.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
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
  /// Batches (1: none) and their element strides in A, B and the output
  /// (0: the operand is shared by all batches).
  int64_t batch = 1, aStrideBatch = 0, bStrideBatch = 0;
};

/// The tile and blocking knobs with their defaults resolved.
struct FloatOptions {
  X86Isa isa;
  int64_t lanes, mr, nr, kc, mc, kunroll, blockKib, parallelMinMacs;
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
  if (!aTy || !bTy || !cTy || !aTy.hasStaticShape() || !bTy.hasStaticShape() ||
      !cTy.hasStaticShape()) {
    remark() << "dynamic shapes";
    return failure();
  }
  for (RankedTensorType t : {aTy, bTy, cTy}) {
    uint64_t elements = 1;
    for (int64_t d : t.getShape())
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
  SmallVector<int64_t> loops = op.getStaticLoopRanges();
  MatchedContraction mc;
  FloatGemmPlan &p = mc.plan;
  p.m = loops[dm];
  p.n = loops[dn];
  p.k = loops[dk];
  if (p.m == 0 || p.n == 0 || p.k == 0) {
    remark() << "an empty GEMM";
    return failure();
  }
  p.aStrideM = strideOf(aMap, aTy.getShape(), dm);
  p.aStrideK = strideOf(aMap, aTy.getShape(), dk);
  p.bStrideK = strideOf(bMap, bTy.getShape(), dk);
  p.bStrideN = strideOf(bMap, bTy.getShape(), dn);
  if (rank == 3) {
    unsigned db = cMap.getDimPosition(0);
    mc.batch = loops[db];
    mc.aStrideBatch = strideOf(aMap, aTy.getShape(), db);
    mc.bStrideBatch = strideOf(bMap, bTy.getShape(), db);
    // A shared B and batches of A that continue its rows: one GEMM of
    // batch * M rows (e.g. [batch, tokens, hidden] x [hidden, out]).
    if (mc.bStrideBatch == 0 && mc.aStrideBatch == p.m * p.aStrideM) {
      p.m *= mc.batch;
      mc.batch = 1;
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
  if (p.bStrideK == 1 && p.bStrideN != 1 && p.m <= kSmallM && o.kcDefault)
    p.kc = std::max(p.kc, std::min<int64_t>(p.k, 4096));
  int64_t panelBytes = std::min(p.kc, p.k) * p.getPanelCols() * 4;
  p.panelBlock = std::max<int64_t>(1, o.blockKib * 1024 / panelBytes);
  uint64_t macs = llvm::SaturatingMultiply(
      llvm::SaturatingMultiply(uint64_t(p.m), uint64_t(p.n)), uint64_t(p.k));
  p.parallel = o.parallelMinMacs >= 0 && p.getNumPanels() > 1 &&
               macs >= uint64_t(o.parallelMinMacs);
  return mc;
}

// Declared in FloatGemm.h.
Value x86::flatBuffer(OpBuilder &b, Location loc, Value tensor) {
  auto tt = cast<RankedTensorType>(tensor.getType());
  Value buf = bufferization::ToBufferOp::create(
      b, loc, MemRefType::get(tt.getShape(), tt.getElementType()), tensor,
      /*read_only=*/true);
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
                   kc == 0};
    int64_t registers = avx2 ? 16 : 32;
    if (o.mr < 1 || o.mr > 64 || o.nr < 1 || o.kc < 1 || o.mc < 1 ||
        o.kunroll < 1 || o.kunroll > 64 || o.kc > (int64_t(1) << 20) ||
        o.blockKib < 1 || o.blockKib > (int64_t(1) << 20) ||
        o.mc > (int64_t(1) << 20) || o.mr * o.nr + o.nr + 1 > registers) {
      module.emitError()
          << "quantc-lower-float-contractions-to-x86: mr in [1, 64], nr >= 1, "
             "kunroll in [1, 64], kc, mc and block-kib in [1, 2^20] (0: the "
             "default), "
             "and mr * nr accumulators + nr panel vectors + 1 broadcast "
             "within the "
          << registers << " " << (avx2 ? "ymm" : "zmm")
          << " registers; got mr = " << o.mr << ", nr = " << o.nr
          << ", kunroll = " << o.kunroll << ", kc = " << o.kc
          << ", mc = " << o.mc << ", block-kib = " << o.blockKib;
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

  void lower(linalg::LinalgOp op, const MatchedContraction &m,
             SymbolTable &symbols);
  func::FuncOp getOrCreateKernel(const FloatGemmPlan &plan, TypeRange argTypes,
                                 Location loc, SymbolTable &symbols);
};

void LowerFloatContractions::lower(linalg::LinalgOp op,
                                   const MatchedContraction &m,
                                   SymbolTable &symbols) {
  Location loc = op.getLoc();
  const FloatGemmPlan &p = m.plan;
  OpBuilder b(op);
  SmallVector<Value> args;
  args.push_back(flatBuffer(b, loc, op.getDpsInputOperand(0)->get()));
  args.push_back(flatBuffer(b, loc, op.getDpsInputOperand(1)->get()));
  if (p.accumulate)
    args.push_back(flatBuffer(b, loc, op.getDpsInitOperand(0)->get()));
  auto resultTy = cast<RankedTensorType>(op->getResult(0).getType());
  Value out = memref::AllocOp::create(
      b, loc, MemRefType::get(resultTy.getShape(), resultTy.getElementType()),
      b.getI64IntegerAttr(64));
  args.push_back(memref::CollapseShapeOp::create(
      b, loc, out,
      ArrayRef<ReassociationIndices>{
          llvm::to_vector(llvm::seq<int64_t>(0, resultTy.getRank()))}));
  Value c0 = arith::ConstantIndexOp::create(b, loc, 0);
  Value panels = arith::ConstantIndexOp::create(b, loc, p.getNumPanels());
  SmallVector<Type> types(ValueRange(args).getTypes());
  types.append(5, b.getIndexType());
  func::FuncOp kernel = getOrCreateKernel(p, types, loc, symbols);
  // The offsets of batch i (one call per batch).
  auto call = [&](Value i) {
    auto offset = [&](int64_t stride) -> Value {
      if (!i || stride == 0)
        return c0;
      return arith::MulIOp::create(
          b, loc, i, arith::ConstantIndexOp::create(b, loc, stride));
    };
    SmallVector<Value> operands(args);
    operands.append({offset(m.aStrideBatch), offset(m.bStrideBatch),
                     offset(p.m * p.n), c0, panels});
    func::CallOp::create(b, loc, kernel, operands);
  };
  if (m.batch == 1) {
    call(Value());
  } else {
    auto loop = scf::ForOp::create(
        b, loc, c0, arith::ConstantIndexOp::create(b, loc, m.batch),
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
     << p.parallel;
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
  ops.aOffset = args[i++];
  ops.bOffset = args[i++];
  ops.outOffset = args[i++];
  ops.panelBegin = args[i++];
  ops.panelEnd = args[i++];
  OpBuilder kb = OpBuilder::atBlockBegin(entry);
  emitFloatGemmKernel(kb, loc, p, ops);
  func::ReturnOp::create(kb, loc);
  symbols.insert(fn);
  kernels[key] = fn;
  return fn;
}

} // namespace
