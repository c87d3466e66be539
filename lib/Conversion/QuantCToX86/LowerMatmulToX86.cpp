//===- LowerMatmulToX86.cpp - int8 GEMMs to x86 micro-kernels -------------===//
//
// quantc.matmul (+ its quantc.rescale epilogue) -> a call to a generated,
// shape-specialised kernel function with its plan and body, the constant
// weight packed at compile time. See the pass description in
// Conversion/Passes.td.
//
//===----------------------------------------------------------------------===//
#include "quantc/Conversion/QuantCToX86/QuantCToX86.h"
#include "quantc/Dialect/QuantC/Utils/KernelLayout.h"
#include "quantc/Dialect/QuantC/Utils/LoadTimeParams.h"

#include "DecodeKernel.h"
#include "DepthwiseEpilogue.h"
#include "KernelCall.h"
#include "LoadTimeState.h"
#include "LowerBatched.h"
#include "LowerDynamicBatched.h"
#include "MicroKernel.h"
#include "Plan.h"
#include "WeightPacking.h"

#include "mlir/Dialect/AMX/AMXDialect.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Matchers.h"

namespace quantc {
#define GEN_PASS_DEF_QUANTCLOWERMATMULTOX86
#include "quantc/Conversion/Passes.h.inc"
} // namespace quantc

using namespace mlir;
using namespace quantc;
using namespace quantc::x86;

/// The rows of the smallest kernel of a dynamic M (lowerDynamicRows).
static constexpr int64_t kDynamicMTile = 16;

/// The rows of one block of a static GEMM split over rows on the thread
/// team (teamRowBlock), or std::nullopt when its panels are split instead.
/// Rows are split when the whole packed weight is one L2 block (every row
/// block then reads it from L2; splitting a larger weight's rows would
/// stream it from memory once per block) and there are at least two blocks:
/// a convolution's [N * OH * OW, 9 * C] x [9 * C, F] has M in the tens of
/// thousands and one or two panels of F, which a panel split leaves on one
/// thread. About 32 blocks, a multiple of 16 rows and at least 64 (a call
/// and the weight's trip through L1 per block), preferring a size that
/// divides M (no tail, which runs on the calling thread).
static std::optional<int64_t> teamRowBlock(X86GemmPlanAttr plan) {
  if (plan.getRuntimeWeight() || !plan.getParallel() ||
      plan.getPanelBlock() < plan.getNumPanels())
    return std::nullopt;
  int64_t m = plan.getM();
  int64_t rows = std::max<int64_t>(64, llvm::alignTo((m + 31) / 32, 16));
  if (m < 2 * rows)
    return std::nullopt;
  for (int64_t r = rows; r <= 2 * rows; r += 16)
    if (m % r == 0)
      return r;
  return rows;
}

/// The zero points of `op` as its kernel takes them (KernelZeroPoints, whose
/// rhs buffer is here the weight zero point's tensor, the kernel's argument
/// after the weights), or a reason why not.
static FailureOr<KernelZeroPoints> matchKernelZeroPoints(MatmulOp op,
                                                         std::string &why) {
  KernelZeroPoints zp;
  auto accTy = op.getResult().getType();
  if (Value z = op.getLhsZeroPoint()) {
    DenseIntElementsAttr attr;
    if (!matchPattern(z, m_Constant(&attr)) || !attr.isSplat()) {
      why = "the activation zero point is not one constant (the kernels take "
            "a per-tensor constant activation zero point)";
      return failure();
    }
    zp.lhs = static_cast<int32_t>(attr.getSplatValue<APInt>().getSExtValue());
  }
  if (Value z = op.getRhsZeroPoint()) {
    Broadcast::Kind kind =
        getBroadcast(accTy, cast<ShapedType>(z.getType())).kind;
    if (kind != Broadcast::Kind::Scalar && kind != Broadcast::Kind::PerColumn) {
      why = "the weight zero point is read as a " +
            stringifyBroadcastKind(kind).str() +
            " broadcast (the kernels take a per-tensor or per-output-channel "
            "one)";
      return failure();
    }
    zp.rhs = {z, kind};
  }
  return zp;
}

namespace {
struct LowerMatmulToX86
    : quantc::impl::QuantCLowerMatmulToX86Base<LowerMatmulToX86> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    opts.isa = isa;
    opts.mr = mr;
    opts.nr = nr;
    opts.kunroll = kunroll;
    opts.panelBlockKib = panelBlockKib;
    opts.parallelMinMacs = parallelMinMacs;
    opts.smallM = smallM;
    opts.dynamicMChunk = dynamicMChunk;
    opts.amxMinM = amxMinM;
    opts.emulate = emulate;
    if (failed(resolveOptions(opts, [&] {
          return module.emitError("quantc-lower-matmul-to-x86: ");
        })))
      return signalPassFailure();
    SmallVector<MatmulOp> all, matmuls;
    module.walk([&](MatmulOp op) { all.push_back(op); });
    SymbolTable symbols(module);
    // Decode GEMMs read their operands as they are stored (a transposed rhs
    // in place): lowered before toKernelLayout would copy them.
    for (MatmulOp op : all) {
      if (std::optional<DecodeGemm> decode = matchDecodeGemm(op, opts)) {
        lowerDecodeMatmul(op, *decode, opts, ++nextCallId, symbols);
        continue;
      }
      matmuls.push_back(op);
    }
    SmallVector<MatmulOp> toLower;
    for (MatmulOp op : matmuls) {
      if (isDynamicBatched(op)) {
        toLower.push_back(op);
        continue;
      }
      // A 2-D weight over a batch of dynamic size: its B x M rows collapse
      // into the dynamic M of one 2-D GEMM (lowerDynamicRows), in place. A
      // transposed lhs is copied into that layout first.
      RankedTensorType lhsTy = op.getLhs().getType();
      // Not an empty batch (0 x ? rows): one-shot bufferization collapses
      // it into an invalid memref.collapse_shape (a static 0 for a group
      // with a dynamic size); the plan says it is not lowered.
      bool dynamicBatch = op.isRhsBroadcast() && lhsTy.getRank() == 3 &&
                          !lhsTy.hasStaticShape() &&
                          !llvm::is_contained(lhsTy.getShape().drop_back(), 0);
      std::string why;
      if (dynamicBatch && !op.getTransposeLhs() &&
          !quantc::rowsCollapseInPlace(op.getLhs(), why)) {
        remarkNotLowered(op, opts.isa)
            << "its 2-D weight is broadcast over a batch of dynamic size, "
               "whose rows do not collapse into the rows of one GEMM without "
               "a copy: "
            << why;
        continue;
      }
      toLower.push_back(toKernelLayout(op, getIsaOptionName(opts.isa),
                                       /*takesZeroPoints=*/true,
                                       /*readsRuntimeRhsKN=*/true,
                                       /*flattensDynamicBatch=*/dynamicBatch)
                            .matmul);
    }
    loadState.reset();
    WeightPacker packer(module, symbols);
    for (MatmulOp op : toLower)
      lower(op, symbols, packer);
    dedupeKernels(module);
    // It refers to `symbols`.
    loadState.reset();
    // The int8 depthwise kernels' epilogues, in their generics.
    fuseDepthwiseEpilogues(module, opts);
  }

private:
  LoweringOptions opts;
  /// The quantc.kernel_call of the next lowered matmul's operand buffers.
  int64_t nextCallId = 0;

  void lower(MatmulOp op, SymbolTable &symbols, WeightPacker &packer);
  void lowerDynamicRows(MatmulOp op, SymbolTable &symbols, WeightPacker &packer,
                        std::optional<int64_t> teamRows = std::nullopt);
  func::FuncOp createKernel(X86GemmPlanAttr plan, TypeRange argTypes,
                            RescaleOp rescale, const KernelZeroPoints &zp,
                            Location loc);
  /// The zero points (and u8 activations) of a 2-D `op` as its kernel takes
  /// them; zero points it does not take are expanded (expandZeroPoints, with
  /// a remark), which replaces `op`.
  KernelZeroPoints prepareZeroPoints(MatmulOp &op);
  /// The packed weight of a plan without runtime_weight: a constant packed
  /// now, or a load-time weight (isLoadTimeValue) packed by the prepare
  /// function. Fails after a remark when the constant cannot be read.
  /// `compFactor` is the compensation factor (compensationFactor).
  FailureOr<PackedWeights> packWeight(MatmulOp op, X86GemmPlanAttr plan,
                                      WeightPacker &packer,
                                      SymbolTable &symbols, Location loc,
                                      int32_t compFactor);
  /// The prepare function and state globals (created on first use).
  std::shared_ptr<LoadTimeState> loadState;
};

KernelZeroPoints LowerMatmulToX86::prepareZeroPoints(MatmulOp &op) {
  KernelZeroPoints zp;
  if (op.hasZeroPoints()) {
    std::string why;
    FailureOr<KernelZeroPoints> taken = matchKernelZeroPoints(op, why);
    if (succeeded(taken)) {
      zp = *taken;
    } else {
      op.emitRemark() << "the " << getIsaOptionName(opts.isa)
                      << " kernel does not take this GEMM's zero points: "
                      << why << "; they are corrected in i32 after it";
      op = expandZeroPoints(op);
    }
  }
  zp.unsignedActivations = bool(unsignedActivationSource(op, opts.isa));
  return zp;
}

FailureOr<PackedWeights>
LowerMatmulToX86::packWeight(MatmulOp op, X86GemmPlanAttr plan,
                             WeightPacker &packer, SymbolTable &symbols,
                             Location loc, int32_t compFactor) {
  ElementsAttr weight;
  if (!matchPattern(op.getRhs(), m_Constant(&weight))) {
    assert(isLoadTimeValue(op.getRhs()) &&
           "selectPlan saw a constant or load-time weight");
    if (!loadState)
      loadState = std::make_shared<LoadTimeState>(getOperation(), symbols);
    // One packed state per (weight, packing), across functions too.
    return packer.getOrCreateAtLoad(loadState->canonical(op.getRhs()), plan,
                                    loc, *loadState, compFactor);
  }
  FailureOr<PackedWeights> globals =
      packer.getOrCreate(weight, plan, loc, compFactor);
  if (failed(globals))
    remarkNotLowered(op, opts.isa)
        << "the bytes of the constant weight cannot be read";
  return globals;
}

void LowerMatmulToX86::lower(MatmulOp op, SymbolTable &symbols,
                             WeightPacker &packer) {
  ++nextCallId;
  RankedTensorType lhsTy = op.getLhs().getType();
  // A dynamic N or K (2-D or batched), or a dynamic batch or M (batched):
  // static blocks; a dynamic M alone (2-D): row chunks.
  if (isDynamicBatched(op))
    return lowerDynamicBatchedMatmul(
        op, opts, nextCallId, symbols,
        [&](X86GemmPlanAttr plan, TypeRange argTypes, RescaleOp rescale,
            const KernelZeroPoints &zp, Location loc) {
          return createKernel(plan, argTypes, rescale, zp, loc);
        });
  if (lhsTy.getRank() == 2 && lhsTy.isDynamicDim(0))
    return lowerDynamicRows(op, symbols, packer);
  FailureOr<X86GemmPlanAttr> plan = selectPlan(op, opts);
  if (failed(plan))
    return;
  if (lhsTy.getRank() == 2)
    if (std::optional<int64_t> rows = teamRowBlock(*plan))
      return lowerDynamicRows(op, symbols, packer, rows);
  if (op.getLhs().getType().getRank() == 3) {
    KernelZeroPoints zp;
    if (op.hasZeroPoints()) {
      std::string why;
      FailureOr<KernelZeroPoints> taken = matchBatchedKernelZeroPoints(op, why);
      if (succeeded(taken)) {
        zp = *taken;
      } else {
        op.emitRemark() << "the batched " << getIsaOptionName(opts.isa)
                        << " GEMM does not take this GEMM's zero points: "
                        << why << "; they are corrected in i32 after it";
        op = expandZeroPoints(op);
      }
    }
    // u8 activations as they are, the rule of 2-D GEMMs (prepareZeroPoints).
    zp.unsignedActivations = bool(unsignedActivationSource(op, opts.isa));
    return lowerBatchedMatmul(
        op, *plan, zp, opts, nextCallId, symbols,
        [&](X86GemmPlanAttr plan, TypeRange argTypes, RescaleOp rescale,
            const KernelZeroPoints &zp, Location loc) {
          return createKernel(plan, argTypes, rescale, zp, loc);
        });
  }
  KernelZeroPoints zp = prepareZeroPoints(op);
  Location loc = op.getLoc();
  // A constant weight is packed now, into globals; any other is packed by
  // the kernel at run time (the plan's runtime_weight).
  PackedWeights packed;
  if (!plan->getRuntimeWeight()) {
    FailureOr<PackedWeights> globals =
        packWeight(op, *plan, packer, symbols, loc,
                   compensationFactor(zp, plan->getIsa()));
    if (failed(globals))
      return;
    packed = *globals;
  }
  RescaleOp rescale = matchEpilogue(op, opts.isa);

  // The kernel's operands: A, packed W and compensation (or, with a
  // run-time weight, W itself), epilogue operands, output, panel range. Tensors
  // cross into buffers here; one-shot-bufferize resolves the
  // to_buffer/to_tensor pairs without copies.
  Operation *anchor = rescale ? rescale.getOperation() : op.getOperation();
  OpBuilder b(anchor);
  auto toBuffer = [&](Value t) -> Value {
    return kernelOperandBuffer(nextCallId, b, loc, t);
  };
  // Run-time operands are often slices (e.g. --quantc-split-k's K chunks):
  // taken with any row stride and offset rather than copied.
  auto toStridedBuffer = [&](Value t) -> Value {
    return kernelOperandStridedBuffer(nextCallId, b, loc, t);
  };
  Value lhs = zp.unsignedActivations ? unsignedActivationSource(op, opts.isa)
                                     : Value(op.getLhs());
  SmallVector<Value> args;
  if (plan->getRuntimeWeight()) {
    args.push_back(toStridedBuffer(lhs));
    args.push_back(toStridedBuffer(op.getRhs()));
  } else {
    args.push_back(toBuffer(lhs));
    args.push_back(memref::GetGlobalOp::create(
        b, loc, getPackedWeightType(*plan), packed.weights.getSymName()));
    if (packed.compensation)
      args.push_back(
          memref::GetGlobalOp::create(b, loc, getCompensationType(*plan),
                                      packed.compensation.getSymName()));
  }
  if (Value zw = op.getRhsZeroPoint())
    args.push_back(toBuffer(zw));
  if (rescale)
    for (NamedOperand o : epilogueOperands(rescale))
      if (o.value)
        args.push_back(toBuffer(o.value));
  Value result = rescale ? rescale.getResult() : op.getResult();
  auto resultTy = cast<RankedTensorType>(result.getType());
  auto outTy = MemRefType::get(resultTy.getShape(), resultTy.getElementType());
  // Destination passing: no allocation, no copy.
  bufferization::MaterializeInDestinationOp dps =
      matchDestination(result, outTy);
  Value out = dps ? dps.getDest()
                  : Value(memref::AllocOp::create(b, loc, outTy,
                                                  b.getI64IntegerAttr(64)));
  args.push_back(out);
  // The panel range: all of N here; a parallel kernel is split across
  // threads by --quantc-x86-outline-omp.
  args.push_back(arith::ConstantIndexOp::create(b, loc, 0));
  args.push_back(arith::ConstantIndexOp::create(b, loc, plan->getNumPanels()));

  func::FuncOp kernel =
      createKernel(*plan, ValueRange(args).getTypes(), rescale, zp, loc);
  symbols.insert(kernel);
  func::CallOp::create(b, loc, kernel, args);
  replaceByKernelOutput(b, loc, op, rescale, dps, out);
}

/// A 2-D matmul whose M is known only at run time (a dynamic token count):
/// loops over whole blocks of `dynamic-m-chunk` rows, then of 16 rows
/// (kDynamicMTile), each a static kernel of its own plan on row slices of A,
/// the output and the per-row epilogue operands; the last 1..15 rows run
/// through the 16-row kernel on zero-padded copies (at most 15 rows of each
/// operand copied in, of the result copied out). Two kernels per GEMM shape
/// instead of one per set bit of the remainder (nine for a 256-row chunk),
/// so a dynamic token count costs about as much code as a static one (a
/// middle block of chunk/4 rows, tried, cost compile time and measured no
/// faster). A constant weight is packed once for all of them.
///
/// With `teamRows` (a static M, teamRowBlock): the blocks of that many rows
/// run on the OpenMP team (the loop is marked quantc.x86_rows, each call
/// single-threaded and marked with its work for
/// --quantc-x86-outline-rows), then the last M % teamRows rows through a
/// kernel of their own size on the calling thread.
void LowerMatmulToX86::lowerDynamicRows(MatmulOp op, SymbolTable &symbols,
                                        WeightPacker &packer,
                                        std::optional<int64_t> teamRows) {
  SmallVector<X86GemmPlanAttr> plans;
  SmallVector<int64_t> blockRows;
  LoweringOptions blockOpts = opts;
  int64_t staticRest = 0;
  if (teamRows) {
    blockOpts.parallelMinMacs = -1;
    blockRows.push_back(*teamRows);
    staticRest = op.getLhs().getType().getDimSize(0) % *teamRows;
    if (staticRest)
      blockRows.push_back(staticRest);
  } else {
    int64_t tile = std::min(kDynamicMTile, opts.dynamicMChunk);
    blockRows.push_back(opts.dynamicMChunk);
    if (tile < opts.dynamicMChunk)
      blockRows.push_back(tile);
  }
  for (int64_t rows : blockRows) {
    FailureOr<X86GemmPlanAttr> plan = selectPlan(op, blockOpts, rows);
    if (failed(plan))
      return;
    plans.push_back(*plan);
  }
  KernelZeroPoints zp = prepareZeroPoints(op);
  Location loc = op.getLoc();
  MLIRContext *ctx = op.getContext();
  bool runtimeWeight = plans.front().getRuntimeWeight();
  PackedWeights packed;
  if (!runtimeWeight) {
    FailureOr<PackedWeights> globals =
        packWeight(op, plans.front(), packer, symbols, loc,
                   compensationFactor(zp, plans.front().getIsa()));
    if (failed(globals))
      return;
    packed = *globals;
  }
  RescaleOp rescale = matchEpilogue(op, opts.isa);
  Operation *anchor = rescale ? rescale.getOperation() : op.getOperation();
  OpBuilder b(anchor);
  int64_t dyn = ShapedType::kDynamic;
  auto stridedLayout = StridedLayoutAttr::get(ctx, dyn, {dyn, 1});
  auto toBuffer = [&](Value t) -> Value {
    return kernelOperandBuffer(nextCallId, b, loc, t);
  };
  // Operands the kernels read whole, and those sliced by rows. A is read
  // with any offset and row stride (a slice, or a batch's rows collapsed by
  // toKernelLayout), in place.
  Value a = kernelOperandStridedBuffer(
      nextCallId, b, loc,
      zp.unsignedActivations ? unsignedActivationSource(op, opts.isa)
                             : Value(op.getLhs()));
  SmallVector<Value> weightArgs;
  if (runtimeWeight) {
    auto wt = op.getRhs().getType();
    weightArgs.push_back(kernelOperandBuffer(
        nextCallId, b, loc,
        MemRefType::get(wt.getShape(), wt.getElementType(), stridedLayout),
        op.getRhs(), /*read_only=*/true));
  } else {
    weightArgs.push_back(
        memref::GetGlobalOp::create(b, loc, getPackedWeightType(plans.front()),
                                    packed.weights.getSymName()));
    if (packed.compensation)
      weightArgs.push_back(memref::GetGlobalOp::create(
          b, loc, getCompensationType(plans.front()),
          packed.compensation.getSymName()));
  }
  if (Value zw = op.getRhsZeroPoint())
    weightArgs.push_back(toBuffer(zw));
  // Epilogue operands: (buffer, varies along the rows).
  SmallVector<std::pair<Value, bool>> epilogueArgs;
  if (rescale)
    for (NamedOperand o : epilogueOperands(rescale))
      if (o.value) {
        Broadcast::Kind kind = rescale.getOperandBroadcast(o.value).kind;
        epilogueArgs.push_back(
            {toBuffer(o.value),
             kind == Broadcast::Kind::PerRow || kind == Broadcast::Kind::Full});
      }
  Value result = rescale ? rescale.getResult() : op.getResult();
  auto resultTy = cast<RankedTensorType>(result.getType());
  auto outTy = MemRefType::get(resultTy.getShape(), resultTy.getElementType());
  Value c0 = arith::ConstantIndexOp::create(b, loc, 0);
  Value m = memref::DimOp::create(b, loc, a, c0);
  bufferization::MaterializeInDestinationOp dps =
      matchDestination(result, outTy);
  SmallVector<Value> outSizes;
  if (outTy.isDynamicDim(0))
    outSizes.push_back(m);
  Value out = dps ? dps.getDest()
                  : Value(memref::AllocOp::create(b, loc, outTy, outSizes,
                                                  b.getI64IntegerAttr(64)));

  // Rows [off, off + rows) of a [M, c] buffer, as the kernels' strided type.
  auto rowSlice = [&](OpBuilder &rb, Value buf, Value off,
                      int64_t rows) -> Value {
    auto bufTy = cast<MemRefType>(buf.getType());
    int64_t cols = bufTy.getDimSize(1);
    SmallVector<OpFoldResult> offsets = {off, rb.getIndexAttr(0)};
    SmallVector<OpFoldResult> sizes = {rb.getIndexAttr(rows),
                                       rb.getIndexAttr(cols)};
    SmallVector<OpFoldResult> strides(2, rb.getIndexAttr(1));
    Value view =
        memref::SubViewOp::create(rb, loc, buf, offsets, sizes, strides);
    return memref::CastOp::create(
        rb, loc,
        MemRefType::get({rows, cols}, bufTy.getElementType(), stridedLayout),
        view);
  };
  // One call of the kernel of plans[i] on rows [off, off + rows).
  SmallVector<func::FuncOp> kernels(plans.size());
  auto emitCall = [&](OpBuilder &cb, size_t i, Value off) -> func::CallOp {
    X86GemmPlanAttr plan = plans[i];
    int64_t rows = plan.getM();
    SmallVector<Value> args = {rowSlice(cb, a, off, rows)};
    llvm::append_range(args, weightArgs);
    for (auto [buf, sliced] : epilogueArgs)
      args.push_back(sliced ? rowSlice(cb, buf, off, rows) : buf);
    args.push_back(rowSlice(cb, out, off, rows));
    args.push_back(arith::ConstantIndexOp::create(cb, loc, 0));
    args.push_back(
        arith::ConstantIndexOp::create(cb, loc, plan.getNumPanels()));
    if (!kernels[i]) {
      kernels[i] =
          createKernel(plan, ValueRange(args).getTypes(), rescale, zp, loc);
      symbols.insert(kernels[i]);
    }
    return func::CallOp::create(cb, loc, kernels[i], args);
  };
  auto finish = [&] { replaceByKernelOutput(b, loc, op, rescale, dps, out); };
  if (teamRows) {
    // Block i writes rows [i * teamRows, (i + 1) * teamRows) of the output
    // and of nothing else: the loop may run on the team.
    int64_t blocks = op.getLhs().getType().getDimSize(0) / *teamRows;
    auto loop = scf::ForOp::create(
        b, loc, c0, arith::ConstantIndexOp::create(b, loc, blocks),
        arith::ConstantIndexOp::create(b, loc, 1));
    loop->setAttr(kX86RowsAttrName, b.getUnitAttr());
    OpBuilder lb = OpBuilder::atBlockBegin(loop.getBody());
    Value off = arith::MulIOp::create(
        lb, loc, loop.getInductionVar(),
        arith::ConstantIndexOp::create(lb, loc, *teamRows));
    X86GemmPlanAttr plan = plans.front();
    // The work in 16-lane vector instructions: 64 multiply-adds each.
    int64_t work =
        std::max<int64_t>(1, plan.getM() * plan.getN() * plan.getK() / 64);
    emitCall(lb, 0, off)
        ->setAttr(kX86RowCallWorkAttrName, b.getI64IntegerAttr(work));
    if (staticRest)
      emitCall(b, 1,
               arith::ConstantIndexOp::create(b, loc, blocks * *teamRows));
    return finish();
  }
  // Whole blocks of each size in turn, from the largest: after the blocks
  // of plans[i] fewer than plans[i].getM() rows are left.
  Value off = c0;
  for (size_t i = 0; i < plans.size(); ++i) {
    Value rows = arith::ConstantIndexOp::create(b, loc, plans[i].getM());
    Value left = arith::SubIOp::create(b, loc, m, off);
    Value end = arith::AddIOp::create(
        b, loc, off,
        arith::MulIOp::create(
            b, loc, arith::DivUIOp::create(b, loc, left, rows), rows));
    auto loop = scf::ForOp::create(b, loc, off, end, rows);
    OpBuilder lb = OpBuilder::atBlockBegin(loop.getBody());
    emitCall(lb, i, loop.getInductionVar());
    off = end;
  }
  // The last rows (fewer than a tile): the tile kernel on zero-padded
  // copies of the row-sliced operands, its first `rest` rows copied out.
  Value rest = arith::SubIOp::create(b, loc, m, off);
  Value any = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, rest, c0);
  auto ifOp = scf::IfOp::create(b, loc, any, /*withElseRegion=*/false);
  {
    OpBuilder ib = ifOp.getThenBodyBuilder();
    size_t last = plans.size() - 1;
    X86GemmPlanAttr plan = plans[last];
    int64_t rows = plan.getM();
    Value c1 = arith::ConstantIndexOp::create(ib, loc, 1);
    // Copies rows [0, n) of `src` from row `srcOff` to `dst` from row
    // `dstOff` (scalar loops; LLVM vectorizes them).
    auto copyRows = [&](Value src, Value srcOff, Value dst, Value dstOff,
                        Value n) {
      int64_t cols = cast<MemRefType>(src.getType()).getDimSize(1);
      auto is = scf::ForOp::create(ib, loc, c0, n, c1);
      OpBuilder rb = OpBuilder::atBlockBegin(is.getBody());
      Value i = is.getInductionVar();
      auto js = scf::ForOp::create(
          rb, loc, c0, arith::ConstantIndexOp::create(rb, loc, cols), c1);
      OpBuilder cb = OpBuilder::atBlockBegin(js.getBody());
      Value j = js.getInductionVar();
      Value x = memref::LoadOp::create(
          cb, loc, src,
          ValueRange{arith::AddIOp::create(cb, loc, srcOff, i), j});
      memref::StoreOp::create(
          cb, loc, x, dst,
          ValueRange{arith::AddIOp::create(cb, loc, dstOff, i), j});
    };
    // A zero-filled [rows, cols] copy of `buf`'s rows [off, off + rest).
    auto padded = [&](Value buf) -> Value {
      auto bufTy = cast<MemRefType>(buf.getType());
      Type elem = bufTy.getElementType();
      auto padTy = MemRefType::get({rows, bufTy.getDimSize(1)}, elem);
      Value pad =
          memref::AllocOp::create(ib, loc, padTy, ib.getI64IntegerAttr(64));
      Value zero = arith::ConstantOp::create(ib, loc, ib.getZeroAttr(elem));
      linalg::FillOp::create(ib, loc, zero, pad);
      copyRows(buf, off, pad, c0, rest);
      return pad;
    };
    auto asStrided = [&](Value pad) -> Value {
      auto padTy = cast<MemRefType>(pad.getType());
      return memref::CastOp::create(ib, loc,
                                    MemRefType::get(padTy.getShape(),
                                                    padTy.getElementType(),
                                                    stridedLayout),
                                    pad);
    };
    SmallVector<Value> args = {asStrided(padded(a))};
    llvm::append_range(args, weightArgs);
    for (auto [buf, sliced] : epilogueArgs)
      args.push_back(sliced ? asStrided(padded(buf)) : buf);
    auto outBufTy = cast<MemRefType>(out.getType());
    Value outPad =
        memref::AllocOp::create(ib, loc,
                                MemRefType::get({rows, outBufTy.getDimSize(1)},
                                                outBufTy.getElementType()),
                                ib.getI64IntegerAttr(64));
    args.push_back(asStrided(outPad));
    args.push_back(arith::ConstantIndexOp::create(ib, loc, 0));
    args.push_back(
        arith::ConstantIndexOp::create(ib, loc, plan.getNumPanels()));
    if (!kernels[last]) {
      kernels[last] =
          createKernel(plan, ValueRange(args).getTypes(), rescale, zp, loc);
      symbols.insert(kernels[last]);
    }
    func::CallOp::create(ib, loc, kernels[last], args);
    copyRows(outPad, c0, out, off, rest);
  }
  finish();
}

func::FuncOp LowerMatmulToX86::createKernel(X86GemmPlanAttr plan,
                                            TypeRange argTypes,
                                            RescaleOp rescale,
                                            const KernelZeroPoints &zp,
                                            Location loc) {
  MLIRContext *ctx = plan.getContext();
  func::FuncOp fn = createKernelFunction(loc, "__quantc_x86_gemm", argTypes);
  fn->setAttr(kX86PlanAttrName, plan);
  // The packed tile can be up to 128 KiB of stack (on each OpenMP thread):
  // probe it page by page, so that a small thread stack faults on its guard
  // page instead of running past it.
  fn->setAttr(
      "passthrough",
      ArrayAttr::get(
          ctx, {ArrayAttr::get(ctx, {StringAttr::get(ctx, "probe-stack"),
                                     StringAttr::get(ctx, "inline-asm")})}));

  Block *entry = fn.addEntryBlock();
  ValueRange blockArgs = entry->getArguments();
  KernelOperands ops;
  unsigned i = 0;
  ops.activations = blockArgs[i++];
  if (plan.getRuntimeWeight()) {
    ops.weights = blockArgs[i++];
  } else {
    ops.packedWeights = blockArgs[i++];
    if (plan.hasCompensation())
      ops.compensation = blockArgs[i++];
  }
  ops.zeroPoints = zp;
  // The weight zero point's tensor (prepareZeroPoints) becomes the buffer
  // the kernel reads, passed after the weights.
  if (zp.rhs.buffer)
    ops.zeroPoints.rhs.buffer = blockArgs[i++];
  if (rescale) {
    KernelEpilogue e;
    e.spec = EpilogueSpec::get(rescale);
    EpilogueOperand *slots[] = {&e.xScale, &e.wScale, &e.bias, &e.outputScale,
                                &e.residual};
    for (auto [slot, o] : llvm::zip(slots, epilogueOperands(rescale)))
      if (o.value)
        *slot = {blockArgs[i++], rescale.getOperandBroadcast(o.value).kind};
    ops.epilogue = e;
  }
  ops.output = blockArgs[i++];
  ops.panelBegin = blockArgs[i++];
  ops.panelEnd = blockArgs[i++];
  OpBuilder kb = OpBuilder::atBlockBegin(entry);
  emitGemmKernel(kb, loc, plan, ops);
  func::ReturnOp::create(kb, loc);
  return fn;
}

} // namespace
