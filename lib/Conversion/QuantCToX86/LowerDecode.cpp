//===- LowerDecode.cpp - a decode GEMM to a call of the decode kernel -----===//
//
// lowerDecodeMatmul (DecodeKernel.h): the operands of a matmul the decode
// kernel takes, read where they lie, and the call of the kernel.
//
//===----------------------------------------------------------------------===//
#include "DecodeKernel.h"
#include "KernelCall.h"
#include "quantc/Conversion/QuantCToX86/QuantCToX86.h"
#include "quantc/Dialect/QuantC/Utils/KernelLayout.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/SymbolTable.h"

using namespace mlir;
using namespace quantc;
using namespace quantc::x86;

/// `buf`'s type with strides [?, ?, 1] and a dynamic offset: the type a
/// decode kernel takes (its sizes kept, static where known).
static MemRefType decodeOperandType(Value buf) {
  auto ty = cast<MemRefType>(buf.getType());
  int64_t dyn = ShapedType::kDynamic;
  return MemRefType::get(
      ty.getShape(), ty.getElementType(),
      StridedLayoutAttr::get(ty.getContext(), dyn, {dyn, dyn, 1}));
}

void x86::lowerDecodeMatmul(MatmulOp op, DecodeGemm spec,
                            const LoweringOptions &opts, int64_t callId,
                            SymbolTable &symbols) {
  Location loc = op.getLoc();
  MLIRContext *ctx = op.getContext();
  // The decode kernel is avx512-vnni code under isa=amx too.
  StringRef isaName = getIsaOptionName(spec.isa);
  if (opts.isa == X86Isa::amx)
    op.emitRemark() << "runs on the avx512-vnni decode kernel, not the amx "
                       "tiles: M = "
                    << spec.m << " is below amx-min-m = " << opts.amxMinM;
  if (op.hasZeroPoints()) {
    op.emitRemark() << "the " << isaName
                    << " decode kernel does not take zero points: they are "
                       "corrected in i32 after it";
    for (Operation *user : op.getResult().getUsers())
      if (auto rescale = dyn_cast<RescaleOp>(user))
        rescale.emitRemark()
            << "runs after the " << isaName
            << " GEMM, not fused into its kernel: the zero points are "
               "corrected between them";
    op = expandZeroPoints(op);
  }
  Value acc = op.getResult();
  RescaleOp rescale = matchEpilogue(op, spec.isa, /*perBatch=*/true);
  OpBuilder b(rescale ? rescale.getOperation() : op.getOperation());
  auto toBuffer = [&](Value t) -> Value {
    return kernelOperandBuffer(callId, b, loc, t);
  };
  // A and W are often slices (--quantc-split-k's K chunks): read in place.
  auto toStridedBuffer = [&](Value t) -> Value {
    return kernelOperandStridedBuffer(callId, b, loc, t);
  };
  int64_t rank = op.getLhs().getType().getRank();
  // The rhs's dimensions: [batch,] N, K, or K, N with transpose_rhs.
  int64_t nPos = op.getTransposeRhs() ? rank - 1 : rank - 2;
  int64_t kPos = op.getTransposeRhs() ? rank - 2 : rank - 1;
  Value src = op.getRhs();
  SmallVector<int64_t> perm = llvm::to_vector(llvm::seq<int64_t>(0, rank));
  auto transpose = src.getDefiningOp<linalg::TransposeOp>();
  if (rank == 3 && transpose) {
    src = transpose.getInput();
    perm = llvm::to_vector(transpose.getPermutation());
  }
  // The view of `src` the kernel reads: [batch, N, K] when K is src's
  // innermost dimension, [batch, K, N] when N is; a batch innermost
  // leaves the transposed tensor (a copy) to read.
  SmallVector<int64_t> view;
  if (perm[kPos] == rank - 1) {
    spec.nn = false;
    view = {perm[nPos], perm[kPos]};
  } else if (perm[nPos] == rank - 1) {
    spec.nn = true;
    view = {perm[kPos], perm[nPos]};
  } else {
    src = op.getRhs();
    perm = llvm::to_vector(llvm::seq<int64_t>(0, rank));
    spec.nn = op.getTransposeRhs();
    view = spec.nn ? SmallVector<int64_t>{kPos, nPos}
                   : SmallVector<int64_t>{nPos, kPos};
  }
  if (rank == 3)
    view.insert(view.begin(), perm[0]);
  Value w = toStridedBuffer(src);
  if (!llvm::equal(view, llvm::seq<int64_t>(0, rank)))
    w = memref::TransposeOp::create(
        b, loc, w,
        AffineMapAttr::get(AffineMap::getPermutationMap(
            SmallVector<unsigned>(view.begin(), view.end()), ctx)));
  // N: the view's last dimension (NN) or the one before.
  int64_t wN = spec.nn ? rank - 1 : rank - 2;
  spec.blockCols =
      decodeBlockColumns(spec, cast<MemRefType>(w.getType()).getDimSize(wN));
  Value a = toStridedBuffer(op.getLhs());
  Value result = rescale ? rescale.getResult() : acc;
  auto resultTy = cast<RankedTensorType>(result.getType());
  auto outTy = MemRefType::get(resultTy.getShape(), resultTy.getElementType());
  bufferization::MaterializeInDestinationOp dps =
      matchDestination(result, outTy);
  Value out;
  if (dps) {
    out = dps.getDest();
  } else {
    // The dynamic sizes: the batch from A, N from the rhs view.
    SmallVector<Value> sizes;
    for (int64_t d = 0; d < rank; ++d)
      if (resultTy.isDynamicDim(d))
        sizes.push_back(memref::DimOp::create(b, loc, d == rank - 1 ? w : a,
                                              d == rank - 1 ? wN : d));
    out =
        memref::AllocOp::create(b, loc, outTy, sizes, b.getI64IntegerAttr(64));
  }
  // A, W, the output and the epilogue operands, as [batch, rows, columns]
  // with a unit inner stride.
  SmallVector<Value> buffers = {a, w, out};
  if (rescale)
    for (NamedOperand o : epilogueOperands(rescale))
      if (o.value)
        buffers.push_back(toBuffer(o.value));
  SmallVector<Value> args;
  for (Value v : buffers) {
    if (rank == 2)
      v = addUnitBatch(b, loc, v);
    args.push_back(memref::CastOp::create(b, loc, decodeOperandType(v), v));
  }
  Value c0 = arith::ConstantIndexOp::create(b, loc, 0);
  args.push_back(c0);
  args.push_back(
      emitDecodeUnits(b, loc, spec, memref::DimOp::create(b, loc, args[0], c0),
                      memref::DimOp::create(b, loc, args[1], spec.nn ? 2 : 1)));

  func::FuncOp fn = createKernelFunction(loc, "__quantc_x86_decode_gemm",
                                         ValueRange(args).getTypes());
  // The work units (the last two operands) split across threads.
  if (spec.parallel)
    fn->setAttr(kX86ParallelAttrName, UnitAttr::get(ctx));
  symbols.insert(fn);
  {
    Block *entry = fn.addEntryBlock();
    ValueRange blockArgs = entry->getArguments();
    DecodeOperands ops;
    ops.a = blockArgs[0];
    ops.w = blockArgs[1];
    ops.out = blockArgs[2];
    unsigned i = 3;
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
    ops.unitBegin = blockArgs[i++];
    ops.unitEnd = blockArgs[i++];
    OpBuilder fb = OpBuilder::atBlockBegin(entry);
    emitDecodeKernel(fb, loc, spec, ops);
    func::ReturnOp::create(fb, loc);
  }
  func::CallOp::create(b, loc, fn, args);
  if (dps)
    dps.erase();
  else
    result.replaceAllUsesWith(bufferization::ToTensorOp::create(
        b, loc, resultTy, out, /*restrict=*/true, /*writable=*/true));
  if (rescale)
    rescale.erase();
  op.erase();
}
