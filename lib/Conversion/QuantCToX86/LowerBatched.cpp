//===- LowerBatched.cpp - rank-3 int8 GEMMs of static sizes ---------------===//
//
// A static rank-3 quantc.matmul (attention's Q . K^T and P . V per head, a
// batch of run-time weights): a loop over the batch calling one
// runtime_weight kernel on each batch's 2-D views.
//
//===----------------------------------------------------------------------===//
#include "LowerBatched.h"

#include "KernelCall.h"
#include "quantc/Conversion/QuantCToX86/QuantCToX86.h"
#include "quantc/Dialect/QuantC/Utils/KernelLayout.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace quantc;
using namespace quantc::x86;

/// A rank-3 matmul `[B, M, K] x [B, N, K]`: a loop over the batch calling
/// one runtime_weight kernel on each batch's 2-D views (e.g. attention's
/// Q . K^T per head), with the zero points `zp` (matchBatchedKernelZeroPoints:
/// the weight zero point's batch slice, or its only one) and u8 activations
/// read as they are. A rescale of its accumulator runs after it.
void quantc::x86::lowerBatchedMatmul(MatmulOp op, X86GemmPlanAttr plan,
                                     const KernelZeroPoints &zp,
                                     const LoweringOptions &opts,
                                     int64_t callId, SymbolTable &symbols,
                                     CreateKernelFn createKernel) {
  Location loc = op.getLoc();
  MLIRContext *ctx = op.getContext();
  Value acc = op.getResult();
  for (Operation *user : acc.getUsers())
    if (auto rescale = dyn_cast<RescaleOp>(user))
      rescale.emitRemark() << "runs after the " << getIsaOptionName(opts.isa)
                           << " GEMM, not fused into its kernel: the GEMM is "
                              "batched";
  OpBuilder b(op);
  auto toBuffer = [&](Value t) -> Value {
    return kernelOperandBuffer(callId, b, loc, t);
  };
  auto resultTy = cast<RankedTensorType>(acc.getType());
  int64_t batch = resultTy.getDimSize(0);
  int64_t m = plan.getM(), n = plan.getN(), k = plan.getK();
  Value a = toBuffer(zp.unsignedActivations
                         ? unsignedActivationSource(op, opts.isa)
                         : Value(op.getLhs())),
        w = toBuffer(op.getRhs());
  // The weight zero point [1 or B, 1, 1 or N], sliced per batch below.
  Value zw = zp.rhs.buffer ? toBuffer(zp.rhs.buffer) : Value();
  auto outBufTy =
      MemRefType::get(resultTy.getShape(), resultTy.getElementType());
  // Destination passing, as for 2-D GEMMs: no allocation, no copy.
  bufferization::MaterializeInDestinationOp dps =
      matchDestination(acc, outBufTy);
  Value out = dps ? dps.getDest()
                  : Value(memref::AllocOp::create(b, loc, outBufTy,
                                                  b.getI64IntegerAttr(64)));
  int64_t dyn = ShapedType::kDynamic;
  auto layout = StridedLayoutAttr::get(ctx, dyn, {dyn, 1});
  Type i8 = b.getI8Type(), i32 = b.getI32Type();
  Type aTy = MemRefType::get({m, k}, i8, layout),
       wTy = MemRefType::get(plan.getWeightKn() ? SmallVector<int64_t>{k, n}
                                                : SmallVector<int64_t>{n, k},
                             i8, layout),
       oTy = MemRefType::get({m, n}, i32, layout), indexTy = b.getIndexType();
  // Threads split the batch (a range of batches per thread, each batch's
  // kernel serial) when the whole GEMM is large enough and there are two
  // batches or more; a single batch splits its panels as a 2-D GEMM does.
  uint64_t macs = llvm::SaturatingMultiply(
      uint64_t(batch),
      llvm::SaturatingMultiply(
          uint64_t(m), llvm::SaturatingMultiply(uint64_t(n), uint64_t(k))));
  bool splitBatch = batch >= 2 && opts.parallelMinMacs >= 0 &&
                    macs >= static_cast<uint64_t>(opts.parallelMinMacs);
  X86GemmPlanAttr inner = plan;
  if (batch >= 2 && plan.getParallel())
    inner = X86GemmPlanAttr::get(ctx, plan.getIsa(), m, n, k, plan.getMr(),
                                 plan.getNr(), plan.getKunroll(),
                                 plan.getPanelBlock(), /*parallel=*/false,
                                 plan.getEmulate(), plan.getRuntimeWeight(),
                                 plan.getSmallM(), plan.getWeightKn());
  SmallVector<Type> kernelArgTypes = {aTy, wTy};
  Type zwTy;
  int64_t zwCols = 0;
  bool zwPerBatch = false;
  if (zw) {
    auto zwBufTy = cast<MemRefType>(zw.getType());
    zwCols = zwBufTy.getDimSize(2);
    zwPerBatch = zwBufTy.getDimSize(0) != 1;
    zwTy = MemRefType::get({1, zwCols}, i32, layout);
    kernelArgTypes.push_back(zwTy);
  }
  llvm::append_range(kernelArgTypes, TypeRange{oTy, indexTy, indexTy});
  func::FuncOp kernel =
      createKernel(inner, kernelArgTypes, RescaleOp(), zp, loc);
  symbols.insert(kernel);
  // The batch loop is a function of its batch range too, which carries the
  // plan of one batch with `parallel` for the batch split, so that
  // --quantc-x86-outline-omp splits the range across threads.
  X86GemmPlanAttr outer = X86GemmPlanAttr::get(
      ctx, plan.getIsa(), m, n, k, plan.getMr(), plan.getNr(),
      plan.getKunroll(), plan.getPanelBlock(), splitBatch, plan.getEmulate(),
      plan.getRuntimeWeight(), plan.getSmallM(), plan.getWeightKn());
  // (A, W, out, [zw], batch range): the range last, as
  // --quantc-x86-outline-omp splits it.
  SmallVector<Type> loopArgTypes = {a.getType(), w.getType(), out.getType()};
  if (zw)
    loopArgTypes.push_back(zw.getType());
  llvm::append_range(loopArgTypes, TypeRange{indexTy, indexTy});
  func::FuncOp batchFn =
      createKernelFunction(loc, "__quantc_x86_gemm_batch", loopArgTypes);
  batchFn->setAttr(kX86PlanAttrName, outer);
  symbols.insert(batchFn);
  Value c0 = arith::ConstantIndexOp::create(b, loc, 0);
  SmallVector<Value> batchArgs = {a, w, out};
  if (zw)
    batchArgs.push_back(zw);
  llvm::append_range(
      batchArgs, ValueRange{c0, arith::ConstantIndexOp::create(b, loc, batch)});
  func::CallOp::create(b, loc, batchFn, batchArgs);
  {
    Block *entry = batchFn.addEntryBlock();
    OpBuilder fb = OpBuilder::atBlockBegin(entry);
    Value fa = entry->getArgument(0), fw = entry->getArgument(1),
          fo = entry->getArgument(2);
    Value f0 = arith::ConstantIndexOp::create(fb, loc, 0);
    Value f1 = arith::ConstantIndexOp::create(fb, loc, 1);
    Value panels = arith::ConstantIndexOp::create(fb, loc, plan.getNumPanels());
    unsigned nargs = entry->getNumArguments();
    auto loop = scf::ForOp::create(fb, loc, entry->getArgument(nargs - 2),
                                   entry->getArgument(nargs - 1), f1);
    func::ReturnOp::create(fb, loc);
    fb.setInsertionPoint(loop.getBody()->getTerminator());
    Value i = loop.getInductionVar();
    // Batch `at` (default i) of a [B, r, c] buffer as a 2-D view of the
    // kernel's type.
    auto slice = [&](Value buf, int64_t r, int64_t c, Type ty,
                     OpFoldResult at = OpFoldResult()) -> Value {
      SmallVector<OpFoldResult> offsets = {
          at ? at : OpFoldResult(i), fb.getIndexAttr(0), fb.getIndexAttr(0)};
      SmallVector<OpFoldResult> sizes = {fb.getIndexAttr(1), fb.getIndexAttr(r),
                                         fb.getIndexAttr(c)};
      SmallVector<OpFoldResult> strides(3, fb.getIndexAttr(1));
      auto viewTy = memref::SubViewOp::inferRankReducedResultType(
          {r, c}, cast<MemRefType>(buf.getType()), offsets, sizes, strides);
      Value view = memref::SubViewOp::create(fb, loc, cast<MemRefType>(viewTy),
                                             buf, offsets, sizes, strides);
      return memref::CastOp::create(fb, loc, ty, view);
    };
    auto wShape = cast<MemRefType>(wTy).getShape();
    SmallVector<Value> kernelArgs = {slice(fa, m, k, aTy),
                                     slice(fw, wShape[0], wShape[1], wTy)};
    if (zw)
      kernelArgs.push_back(
          slice(entry->getArgument(3), 1, zwCols, zwTy,
                zwPerBatch ? OpFoldResult(i) : fb.getIndexAttr(0)));
    llvm::append_range(kernelArgs,
                       ValueRange{slice(fo, m, n, oTy), f0, panels});
    func::CallOp::create(fb, loc, kernel, kernelArgs);
  }
  replaceByKernelOutput(b, loc, op, RescaleOp(), dps, out);
}
