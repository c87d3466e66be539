//===- LowerDynamicBatched.cpp - rank-3 int8 GEMMs of dynamic sizes ------===//
//
// A rank-3 quantc.matmul with a dynamic batch, M, N or K (prefill attention
// over a run-time token count), or a 2-D one with a dynamic N or K (a batch
// of one), as loops over static blocks, each block on the runtime-weight
// kernel, operands read in place through transposes.
//
//===----------------------------------------------------------------------===//

#include "LowerDynamicBatched.h"
#include "DecodeKernel.h"
#include "DepthwiseEpilogue.h"
#include "KernelCall.h"
#include "LoadTimeState.h"
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
#include "quantc/Conversion/Passes.h.inc"
#include "quantc/Conversion/QuantCToX86/QuantCToX86.h"
#include "quantc/Dialect/QuantC/Utils/KernelLayout.h"
#include "quantc/Dialect/QuantC/Utils/LoadTimeParams.h"

using namespace mlir;
using namespace quantc;
using namespace quantc::x86;

/// The static block of a rank-3 GEMM with dynamic sizes
/// (lowerDynamicBatched): rows and columns per block where M and N are
/// dynamic (attention's Q.K^T over 64 tokens by 64 tokens: the block's
/// packed weights stay in L1), K per block where K is dynamic (P.V's
/// tokens). A static M of at most kDynamicBlockMaxRows is one block.
static constexpr int64_t kDynamicBlockRows = 64, kDynamicBlockCols = 64,
                         kDynamicBlockK = 256, kDynamicBlockMaxRows = 256;

bool x86::isDynamicBatched(MatmulOp op) {
  RankedTensorType lhsTy = op.getLhs().getType(), rhsTy = op.getRhs().getType();
  if (lhsTy.getRank() != rhsTy.getRank())
    return false;
  if (lhsTy.getRank() == 3)
    return !lhsTy.hasStaticShape() || !rhsTy.hasStaticShape();
  // 2-D: a dynamic N or K (the rhs, or K of the lhs); a dynamic M alone
  // takes lowerDynamicRows.
  return lhsTy.getRank() == 2 &&
         (!rhsTy.hasStaticShape() ||
          lhsTy.isDynamicDim(op.getTransposeLhs() ? 0 : 1));
}

/// `v` (rank 3, or rank 2 as a batch of one), or with `transposed` its last
/// two dimensions swapped, as a rank-3 buffer read in place: when `v` is a
/// linalg.transpose (of a linalg.transpose ...), a memref.transpose view of
/// the first input's buffer (no copy); else `v`'s buffer, viewed transposed
/// if `transposed`. `innerUnit` says whether the result's last dimension has
/// unit stride.
static Value readInPlace(int64_t callId, OpBuilder &b, Location loc, Value v,
                         bool transposed, bool &innerUnit) {
  int64_t rank = cast<RankedTensorType>(v.getType()).getRank();
  SmallVector<int64_t> perm = llvm::to_vector(llvm::seq<int64_t>(0, rank));
  if (transposed)
    std::swap(perm[rank - 2], perm[rank - 1]);
  Value src = v;
  while (auto t = src.getDefiningOp<linalg::TransposeOp>()) {
    ArrayRef<int64_t> p = t.getPermutation();
    for (int64_t &d : perm)
      d = p[d];
    src = t.getInput();
  }
  innerUnit = perm[rank - 1] == rank - 1;
  Value buf = kernelOperandBuffer(callId, b, loc, src);
  if (!llvm::equal(perm, llvm::seq<int64_t>(0, rank)))
    buf = memref::TransposeOp::create(
        b, loc, buf,
        AffineMapAttr::get(AffineMap::getPermutationMap(
            SmallVector<unsigned>(perm.begin(), perm.end()), b.getContext())));
  return rank == 2 ? addUnitBatch(b, loc, buf) : buf;
}

/// A rank-3 matmul `[B, M, K] x [B, N, K]` whose batch, M, N or K is known
/// only at run time (attention's Q.K^T and P.V over a dynamic token count),
/// or a 2-D one with a run-time N or K, run as a batch of one (its operands
/// and output viewed as [1, X, Y]): a function over a range of (batch,
/// column block) pairs, batch-major (split across threads as
/// lowerBatched's batch range: each pair's output columns are written by one
/// thread, in the same order whatever the split, so the result does not
/// depend on the thread count), loops over the static M x K blocks of each
/// pair's column block (GemmBlock: a dynamic M or N in blocks of 64, a dynamic
/// K in blocks of 256, a static size whole) and calls one runtime_weight
/// kernel per block. The operands are read
/// where they lie, through the linalg.transposes that feed them
/// (toKernelLayout's and the frontend's): a block whose K is contiguous is a
/// strided view; one whose K is not (V read as [B, D, S]), or at an edge (fewer
/// rows, columns or K), is copied into a zero-padded block, W once per N x K
/// block for all row blocks. An edge block of the output goes through a scratch
/// tile. With a dynamic K the output starts at zero and each K block's tile
/// is added to it (i32 wrap-around, as the reference's accumulation). A
/// rescale runs after it.
void x86::lowerDynamicBatchedMatmul(MatmulOp op, const LoweringOptions &opts,
                                    int64_t nextCallId, SymbolTable &symbols,
                                    CreateKernelFn createKernel) {
  RankedTensorType lhsTy = op.getLhs().getType(), rhsTy = op.getRhs().getType();
  bool tl = op.getTransposeLhs(), tr = op.getTransposeRhs();
  int64_t rank = lhsTy.getRank();
  // The last two dimensions' positions: rows, columns.
  int64_t r = rank - 2, c = rank - 1;
  int64_t sm = lhsTy.getDimSize(tl ? c : r), sk = lhsTy.getDimSize(tl ? r : c),
          sn = rhsTy.getDimSize(tr ? c : r);
  GemmBlock block;
  block.m = ShapedType::isDynamic(sm) || sm > kDynamicBlockMaxRows
                ? kDynamicBlockRows
                : sm;
  block.n = ShapedType::isDynamic(sn) ? kDynamicBlockCols : sn;
  block.k = ShapedType::isDynamic(sk) ? kDynamicBlockK : sk;
  FailureOr<X86GemmPlanAttr> plan =
      selectPlan(op, opts, /*rows=*/std::nullopt, block);
  if (failed(plan))
    return;
  Location loc = op.getLoc();
  MLIRContext *ctx = op.getContext();
  if (op.hasZeroPoints()) {
    op.emitRemark() << "the batched " << getIsaOptionName(opts.isa)
                    << " GEMM does not take zero points: they are "
                       "corrected in i32 after it";
    op = expandZeroPoints(op);
  }
  op.emitRemark() << "runs on the " << getIsaOptionName(plan->getIsa())
                  << " kernel in static blocks of " << block.m << " x "
                  << block.n << " x " << block.k
                  << " (M x N x K; its sizes are dynamic): the blocks at the "
                     "edges run on zero-padded copies";
  Value acc = op.getResult();
  for (Operation *user : acc.getUsers())
    if (auto rescale = dyn_cast<RescaleOp>(user))
      rescale.emitRemark() << "runs after the " << getIsaOptionName(opts.isa)
                           << " GEMM, not fused into its kernel: the GEMM is "
                           << (rank == 3 ? "batched" : "in dynamic blocks");
  OpBuilder b(op);
  bool aInPlace = false, wInPlace = false;
  Value a = readInPlace(nextCallId, b, loc, op.getLhs(), tl, aInPlace),
        w = readInPlace(nextCallId, b, loc, op.getRhs(), tr, wInPlace);
  if (!aInPlace)
    op.emitRemark() << "its lhs is read in place with K strided: each "
                    << block.m << " x " << block.k
                    << " block of it is copied (transposed) before packing";
  if (!wInPlace)
    op.emitRemark() << "its rhs is read in place with K strided: each "
                    << block.n << " x " << block.k
                    << " block of it is copied (transposed) before packing";
  auto resultTy = cast<RankedTensorType>(acc.getType());
  auto outBufTy =
      MemRefType::get(resultTy.getShape(), resultTy.getElementType());
  bufferization::MaterializeInDestinationOp dps =
      matchDestination(acc, outBufTy);
  Value c0 = arith::ConstantIndexOp::create(b, loc, 0);
  Value c1 = arith::ConstantIndexOp::create(b, loc, 1);
  Value batch = memref::DimOp::create(b, loc, a, c0);
  Value out = dps ? dps.getDest() : Value();
  if (!dps) {
    SmallVector<Value> sizes;
    Value dims[] = {batch, memref::DimOp::create(b, loc, a, c1),
                    memref::DimOp::create(b, loc, w, c1)};
    for (int64_t d = 0; d < rank; ++d)
      if (resultTy.isDynamicDim(d))
        sizes.push_back(dims[d + 3 - rank]);
    out = memref::AllocOp::create(b, loc, outBufTy, sizes,
                                  b.getI64IntegerAttr(64));
  }
  bool accumulate = ShapedType::isDynamic(sk);
  int64_t dyn = ShapedType::kDynamic;
  auto layout = StridedLayoutAttr::get(ctx, dyn, {dyn, 1});
  Type i8 = b.getI8Type(), i32 = b.getI32Type(), indexTy = b.getIndexType();
  Type aTy = MemRefType::get({block.m, block.k}, i8, layout),
       wTy = MemRefType::get({block.n, block.k}, i8, layout),
       oTy = MemRefType::get({block.m, block.n}, i32, layout);
  // Threads split the (batch, column block) pairs when the GEMM is large
  // enough (dynamic sizes counted as kAssumedDynamicExtent); each block's
  // kernel is serial.
  auto extent = [](int64_t d) {
    return uint64_t(ShapedType::isDynamic(d) ? kAssumedDynamicExtent : d);
  };
  uint64_t macs = llvm::SaturatingMultiply(
      llvm::SaturatingMultiply(extent(rank == 3 ? lhsTy.getDimSize(0) : 1),
                               extent(sm)),
      llvm::SaturatingMultiply(extent(sn), extent(sk)));
  bool split = opts.parallelMinMacs >= 0 &&
               macs >= static_cast<uint64_t>(opts.parallelMinMacs);
  X86GemmPlanAttr p = *plan;
  auto withParallel = [&](bool parallel) {
    return X86GemmPlanAttr::get(
        ctx, p.getIsa(), p.getM(), p.getN(), p.getK(), p.getMr(), p.getNr(),
        p.getKunroll(), p.getPanelBlock(), parallel, p.getEmulate(),
        p.getRuntimeWeight(), p.getSmallM(), p.getWeightKn());
  };
  func::FuncOp kernel = createKernel(withParallel(false),
                                     TypeRange{aTy, wTy, oTy, indexTy, indexTy},
                                     RescaleOp(), KernelZeroPoints(), loc);
  symbols.insert(kernel);
  // The output as [batch, M, N].
  Value out3 = rank == 2 ? addUnitBatch(b, loc, out) : out;
  SmallVector<Type> loopArgTypes = {a.getType(), w.getType(), out3.getType(),
                                    indexTy, indexTy};
  func::FuncOp batchFn =
      createKernelFunction(loc, "__quantc_x86_gemm_batch", loopArgTypes);
  batchFn->setAttr(kX86PlanAttrName, withParallel(split));
  symbols.insert(batchFn);
  if (accumulate) {
    Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(i32));
    linalg::FillOp::create(b, loc, zero, out);
  }
  // The pairs: batch x ceil(N / block.n), counted by the caller and split
  // into (batch, column block) by the function.
  auto colBlocksOf = [&](OpBuilder &ob, Value n) -> Value {
    return arith::CeilDivUIOp::create(
        ob, loc, n, arith::ConstantIndexOp::create(ob, loc, block.n));
  };
  Value colBlocks = colBlocksOf(b, memref::DimOp::create(b, loc, w, c1));
  func::CallOp::create(
      b, loc, batchFn,
      ValueRange{a, w, out3, c0,
                 arith::MulIOp::create(b, loc, batch, colBlocks)});

  Block *entry = batchFn.addEntryBlock();
  OpBuilder fb = OpBuilder::atBlockBegin(entry);
  Value fa = entry->getArgument(0), fw = entry->getArgument(1),
        fo = entry->getArgument(2);
  auto cst = [&](OpBuilder &ib, int64_t v) -> Value {
    return arith::ConstantIndexOp::create(ib, loc, v);
  };
  Value f1 = cst(fb, 1);
  Value m = memref::DimOp::create(fb, loc, fa, f1);
  Value k = memref::DimOp::create(fb, loc, fa, cst(fb, 2));
  Value n = memref::DimOp::create(fb, loc, fw, f1);
  Value panels = cst(fb, p.getNumPanels());
  // The padded copies and the scratch output tile: once per call (per
  // thread), one block each.
  auto scratch = [&](int64_t r, int64_t c, Type elem) -> Value {
    return memref::AllocOp::create(fb, loc, MemRefType::get({r, c}, elem),
                                   fb.getI64IntegerAttr(64));
  };
  Value padA = scratch(block.m, block.k, i8),
        padW = scratch(block.n, block.k, i8),
        tileO = scratch(block.m, block.n, i32);
  Value fColBlocks = colBlocksOf(fb, n);
  auto pairs = scf::ForOp::create(fb, loc, entry->getArgument(3),
                                  entry->getArgument(4), f1);
  func::ReturnOp::create(fb, loc);
  // Pair t: batch t / colBlocks, columns from (t % colBlocks) * block.n.
  OpBuilder lb = OpBuilder::atBlockBegin(pairs.getBody());
  Value t = pairs.getInductionVar();
  Value bi = arith::DivUIOp::create(lb, loc, t, fColBlocks);
  // [r, c] at (r0, c0) of batch bi of `buf` ([B, R, C], unit inner stride),
  // as the strided type `ty` (r, c static).
  auto view = [&](OpBuilder &vb, Value buf, Value r0, Value c0v, int64_t r,
                  int64_t c, Type ty) -> Value {
    SmallVector<OpFoldResult> offsets = {bi, r0, c0v};
    SmallVector<OpFoldResult> sizes = {vb.getIndexAttr(1), vb.getIndexAttr(r),
                                       vb.getIndexAttr(c)};
    SmallVector<OpFoldResult> strides(3, vb.getIndexAttr(1));
    auto viewTy = memref::SubViewOp::inferRankReducedResultType(
        {r, c}, cast<MemRefType>(buf.getType()), offsets, sizes, strides);
    Value v = memref::SubViewOp::create(vb, loc, cast<MemRefType>(viewTy), buf,
                                        offsets, sizes, strides);
    return memref::CastOp::create(vb, loc, ty, v);
  };
  // for i in [0, rows), j in [0, cols): body(i, j) (scalar loops; LLVM
  // vectorizes the inner one).
  auto forEach = [&](OpBuilder &ib, Value rows, Value cols,
                     function_ref<void(OpBuilder &, Value, Value)> body) {
    auto is = scf::ForOp::create(ib, loc, cst(ib, 0), rows, cst(ib, 1));
    OpBuilder rb = OpBuilder::atBlockBegin(is.getBody());
    auto js = scf::ForOp::create(rb, loc, cst(rb, 0), cols, cst(rb, 1));
    OpBuilder cb = OpBuilder::atBlockBegin(js.getBody());
    body(cb, is.getInductionVar(), js.getInductionVar());
  };
  // `pad` zero-filled, rows [0, rows) x [0, cols) copied from (r0, c0) of
  // batch bi of `buf`; as the strided type `ty`.
  auto padded = [&](OpBuilder &ob, Value buf, Value r0, Value c0v, Value rows,
                    Value cols, Value pad, Type ty) -> Value {
    Type elem = cast<MemRefType>(pad.getType()).getElementType();
    Value zero = arith::ConstantOp::create(ob, loc, ob.getZeroAttr(elem));
    linalg::FillOp::create(ob, loc, zero, pad);
    forEach(ob, rows, cols, [&](OpBuilder &cb, Value i, Value j) {
      Value x = memref::LoadOp::create(
          cb, loc, buf,
          ValueRange{bi, arith::AddIOp::create(cb, loc, r0, i),
                     arith::AddIOp::create(cb, loc, c0v, j)});
      memref::StoreOp::create(cb, loc, x, pad, ValueRange{i, j});
    });
    return memref::CastOp::create(ob, loc, ty, pad);
  };
  // The block operand of `buf` at (r0, c0): a view when `whole` (and
  // `inPlace`: K contiguous), else the padded copy.
  auto operand = [&](OpBuilder &ob, Value buf, bool inPlace, Value whole,
                     Value r0, Value c0v, Value rows, Value cols, int64_t r,
                     int64_t c, Value pad, Type ty) -> Value {
    if (!inPlace)
      return padded(ob, buf, r0, c0v, rows, cols, pad, ty);
    auto ifOp = scf::IfOp::create(ob, loc, TypeRange{ty}, whole,
                                  /*withElseRegion=*/true);
    OpBuilder tb = ifOp.getThenBodyBuilder();
    scf::YieldOp::create(tb, loc, view(tb, buf, r0, c0v, r, c, ty));
    OpBuilder eb = ifOp.getElseBodyBuilder();
    scf::YieldOp::create(eb, loc,
                         padded(eb, buf, r0, c0v, rows, cols, pad, ty));
    return ifOp.getResult(0);
  };
  auto eq = [&](OpBuilder &eb, Value x, int64_t v) -> Value {
    return arith::CmpIOp::create(eb, loc, arith::CmpIPredicate::eq, x,
                                 cst(eb, v));
  };
  // The extent of the block at `o` of a dimension of size `size`.
  auto extentAt = [&](OpBuilder &eb, Value o, Value size, int64_t blk) {
    return arith::MinSIOp::create(eb, loc, cst(eb, blk),
                                  arith::SubIOp::create(eb, loc, size, o));
  };
  // The pair's N block, K blocks (W packed into its block once), then row
  // blocks.
  OpBuilder &nb = lb;
  Value no = arith::MulIOp::create(
      nb, loc, arith::RemUIOp::create(nb, loc, t, fColBlocks),
      cst(nb, block.n));
  Value nr = extentAt(nb, no, n, block.n);
  auto kLoop = scf::ForOp::create(nb, loc, cst(nb, 0), k, cst(nb, block.k));
  OpBuilder kb = OpBuilder::atBlockBegin(kLoop.getBody());
  Value ko = kLoop.getInductionVar();
  Value kr = extentAt(kb, ko, k, block.k);
  Value wholeK = eq(kb, kr, block.k);
  Value wArg =
      operand(kb, fw, wInPlace,
              arith::AndIOp::create(kb, loc, eq(kb, nr, block.n), wholeK), no,
              ko, nr, kr, block.n, block.k, padW, wTy);
  auto rowsLoop = scf::ForOp::create(kb, loc, cst(kb, 0), m, cst(kb, block.m));
  OpBuilder mb = OpBuilder::atBlockBegin(rowsLoop.getBody());
  Value mo = rowsLoop.getInductionVar();
  Value mr = extentAt(mb, mo, m, block.m);
  Value aArg =
      operand(mb, fa, aInPlace,
              arith::AndIOp::create(mb, loc, eq(mb, mr, block.m), wholeK), mo,
              ko, mr, kr, block.m, block.k, padA, aTy);
  Value tile = memref::CastOp::create(mb, loc, oTy, tileO);
  if (accumulate) {
    // Each K block's [mr, nr] tile is added to the output.
    func::CallOp::create(mb, loc, kernel,
                         ValueRange{aArg, wArg, tile, cst(mb, 0), panels});
    forEach(mb, mr, nr, [&](OpBuilder &cb, Value i, Value j) {
      SmallVector<Value> at = {bi, arith::AddIOp::create(cb, loc, mo, i),
                               arith::AddIOp::create(cb, loc, no, j)};
      Value sum = arith::AddIOp::create(
          cb, loc, memref::LoadOp::create(cb, loc, fo, at),
          memref::LoadOp::create(cb, loc, tileO, ValueRange{i, j}));
      memref::StoreOp::create(cb, loc, sum, fo, at);
    });
  } else {
    // One K block: a whole [M, N] block is written in place, an edge block
    // through the tile.
    Value whole = arith::AndIOp::create(mb, loc, eq(mb, mr, block.m),
                                        eq(mb, nr, block.n));
    auto ifOp = scf::IfOp::create(mb, loc, TypeRange{oTy}, whole,
                                  /*withElseRegion=*/true);
    OpBuilder tb = ifOp.getThenBodyBuilder();
    scf::YieldOp::create(tb, loc, view(tb, fo, mo, no, block.m, block.n, oTy));
    OpBuilder eb = ifOp.getElseBodyBuilder();
    scf::YieldOp::create(eb, loc, tile);
    func::CallOp::create(
        mb, loc, kernel,
        ValueRange{aArg, wArg, ifOp.getResult(0), cst(mb, 0), panels});
    Value edge = arith::XOrIOp::create(
        mb, loc, whole, arith::ConstantIntOp::create(mb, loc, 1, 1));
    auto copyOut = scf::IfOp::create(mb, loc, edge, /*withElseRegion=*/false);
    OpBuilder cob = copyOut.getThenBodyBuilder();
    forEach(cob, mr, nr, [&](OpBuilder &cb, Value i, Value j) {
      Value x = memref::LoadOp::create(cb, loc, tileO, ValueRange{i, j});
      memref::StoreOp::create(
          cb, loc, x, fo,
          ValueRange{bi, arith::AddIOp::create(cb, loc, mo, i),
                     arith::AddIOp::create(cb, loc, no, j)});
    });
  }
  replaceByKernelOutput(b, loc, op, RescaleOp(), dps, out);
}
