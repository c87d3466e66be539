//===- WgmmaKernel.cpp - the sm_90a wgmma GEMM kernel ---------------------===//
//
// The Hopper kernel (chip=sm_90a):
//  - one warpgroup (128 threads) per 64 rows of the tileM x tileN block tile,
//    walked over K in 128-byte steps; blocks rasterised as in mma.sync;
//  - tiles K-major with 128-byte swizzle in shared memory, loaded either by
//    16-byte `cp.async` (stages - 2 tiles in flight) or, with `tma`, by
//    `cp.async.bulk.tensor` issued by thread 0 and completing on one mbarrier
//    per stage (stages - 1 tiles in flight);
//  - `nvvm.wgmma.mma_async` m64nNk32 s8 x s8 -> s32 (or, for FP8 W8A8,
//    e4m3 x e4m3 -> f32: the same K-major bytes, K step and fragment layout)
//    from shared-memory matrix descriptors, one wgmma group kept in flight;
//  - the quantc.rescale epilogue fused on the accumulator registers.
//
//===----------------------------------------------------------------------===//
#include "KernelBuilder.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace quantc;

std::optional<std::string> quantc::chooseWgmmaTiling(GemmKernelSpec &s) {
  GemmTiling &t = s.tiling;
  if (s.m % 128 != 0)
    return std::string("M is not a multiple of 128");
  if (s.k % 128 != 0)
    return std::string("K is not a multiple of 128");
  t.wgmma = true;
  t.tileM = 128;
  t.tileK = 128;
  t.tileN = s.n % 256 == 0   ? 256
            : s.n % 128 == 0 ? 128
            : s.n % 64 == 0  ? 64
                             : 0;
  if (!t.tileN)
    return std::string("N is not a multiple of 64");
  // Too few blocks (of every batch) to fill the machine: narrower N tiles.
  const int64_t batch = std::max<int64_t>(1, s.batch);
  while (t.tileN > 64 && batch * (s.m / t.tileM) * (s.n / t.tileN) < 132 &&
         s.n % (t.tileN / 2) == 0)
    t.tileN /= 2;
  t.warpM = 64;
  t.warpN = t.tileN;
  t.stages = 4;
  if (s.k / t.tileK < t.stages - 2)
    t.stages = std::max<int64_t>(3, s.k / t.tileK + 2);
  return std::nullopt;
}

namespace {

class WgmmaKernelBuilder : GemmKernelBuilder {
public:
  WgmmaKernelBuilder(ImplicitLocOpBuilder &b, const GemmKernelSpec &spec)
      : GemmKernelBuilder(b, spec) {}

  gpu::GPUFuncOp build(StringRef name) {
    auto ptr = LLVM::LLVMPointerType::get(ctx);
    SmallVector<Type> tensorMaps;
    if (tma)
      tensorMaps = {ptr, ptr};
    gpu::GPUFuncOp func = createKernel(name, tensorMaps);
    prologue(func);
    mainLoop();
    epilogue();
    return func;
  }

private:
  /// Thread and block coordinates, the aligned shared-memory stages, the
  /// first tiles in flight (cp.async, or TMA after the mbarrier setup) and
  /// the matrix-descriptor constants.
  void prologue(gpu::GPUFuncOp func);
  /// The K loop: wait for a stage, refill one, four wgmma per stage.
  void mainLoop();
  /// Drains the wgmma and copy groups; the fused epilogue.
  void epilogue();

  /// cp.async of K tile `kt` of A and B into stage `stage` as one group;
  /// `srcElems` (null: all 16 bytes) zero-fills past the last tile.
  Value loadTile(Value stage, Value kt, Value srcElems);
  /// TMA: arms the stage's mbarrier with its bytes and issues the copies of
  /// K tile `kt` (thread 0 only).
  void tmaIssue(Value stage, Value kt);
  /// The shared-memory matrix descriptor of the (unswizzled) address `addr`.
  Value descriptor(Value addr);
  mlir::nvgpu::TensorMapDescriptorType tensorMapType(int64_t rows);

  const GemmTiling &t = s.tiling;
  const int64_t BM = t.tileM, BN = t.tileN, BK = t.tileK, S = t.stages;
  const int64_t T = t.numThreads();
  const int64_t KT = s.k / BK;
  const int64_t CPR = BK / 16;
  const bool tma = t.tma;
  // K-major, 128-byte swizzle: a tile row is the 128 bytes of its K slice;
  // 16-byte chunk c of row r sits at chunk c ^ (r % 8) (so wgmma's and
  // cp.async's accesses spread over all banks); 8-row atoms of 1024 bytes,
  // SBO = 1024 apart; LBO is unused (1).
  const int64_t SBO = 1024;
  // The operand and accumulator types: s8 / i32, or e4m3 / f32.
  const NVVM::WGMMATypes opType =
      s.fp8 ? NVVM::WGMMATypes::e4m3 : NVVM::WGMMATypes::s8;
  const Type accElem = s.fp8 ? Type(b.getF32Type()) : Type(b.getI32Type());

  Value tid, lane, wg, w4, m0, n0, smem, pad, sA, sB;
  Value cpRow, gcolOff, sOff0;
  Value tensorMapA, tensorMapB, barriers, isThread0;
  Value group;
  Value descHi, descMask, descShift, aWarpgroup, baseB;
  Type accTy;
  scf::ForOp loop;
};

} // namespace

nvgpu::TensorMapDescriptorType WgmmaKernelBuilder::tensorMapType(int64_t rows) {
  auto tile =
      MemRefType::get({rows, BK}, b.getI8Type(), MemRefLayoutAttrInterface(),
                      b.getI64IntegerAttr(3));
  return nvgpu::TensorMapDescriptorType::get(
      ctx, tile, nvgpu::TensorMapSwizzleKind::SWIZZLE_128B,
      nvgpu::TensorMapL2PromoKind::L2PROMO_NONE,
      nvgpu::TensorMapOOBKind::OOB_ZERO,
      nvgpu::TensorMapInterleaveKind::INTERLEAVE_NONE);
}

void WgmmaKernelBuilder::prologue(gpu::GPUFuncOp func) {
  const int64_t GX = s.n / BN;
  tid = gpu::ThreadIdOp::create(b, gpu::Dimension::x);
  Value pid = gpu::BlockIdOp::create(b, gpu::Dimension::x);
  lane = rem(tid, c(32));
  Value warp = div(tid, c(32));
  wg = div(warp, c(4));
  w4 = rem(warp, c(4));
  std::tie(m0, n0) = blockOrigin(pid, GX);
  smem = dynamicSharedMemory();
  // Swizzle atoms must be 1024-byte aligned: skip to the next boundary (the
  // launch asks for 1024 spare bytes).
  Value raw = memref::ExtractAlignedPointerAsIndexOp::create(b, smem);
  Value misalign = rem(raw, c(1024));
  pad = rem(sub(c(1024), misalign), c(1024));
  // The stages hold the operands' element type (cp.async copies like to
  // like): i8, or f8E4M3FN.
  Type opElem = cast<MemRefType>(argA.getType()).getElementType();
  sA = memref::ViewOp::create(b, sharedMemref({S, BM * BK}, opElem), smem, pad,
                              ValueRange{});
  sB = memref::ViewOp::create(b, sharedMemref({S, BN * BK}, opElem), smem,
                              addc(pad, S * BM * BK), ValueRange{});

  // Chunk (row, kc) of a tile: global [row][kc*16 .. +16] (8 threads read a
  // 128-byte row), shared row*128 + (kc ^ row%8)*16 (a warp fills 512
  // contiguous bytes: no bank conflicts).
  cpRow = div(tid, c(CPR));
  Value kc = rem(tid, c(CPR));
  gcolOff = mul(kc, c(16));
  Value swizzled = arith::XOrIOp::create(b, kc, rem(cpRow, c(8)));
  Value swz = mul(swizzled, c(16));
  sOff0 = add(mul(cpRow, c(BK)), swz);

  if (tma) {
    // One mbarrier per stage; thread 0 initialises them and prefetches the
    // tensor maps, then issues the first stages - 1 tiles.
    Value mapA = func.getArgument(func.getNumArguments() - 2);
    Value mapB = func.getArgument(func.getNumArguments() - 1);
    tensorMapA = UnrealizedConversionCastOp::create(b, tensorMapType(BM), mapA)
                     .getResult(0);
    tensorMapB = UnrealizedConversionCastOp::create(b, tensorMapType(BN), mapB)
                     .getResult(0);
    auto workgroup = gpu::AddressSpaceAttr::get(
        ctx, gpu::GPUDialect::getWorkgroupAddressSpace());
    barriers = nvgpu::MBarrierCreateOp::create(
        b, nvgpu::MBarrierGroupType::get(ctx, workgroup, S));
    isThread0 = arith::CmpIOp::create(b, arith::CmpIPredicate::eq, tid, c(0));
    {
      auto ifOp = scf::IfOp::create(b, isThread0, /*withElseRegion=*/false);
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPoint(ifOp.thenBlock()->getTerminator());
      for (int64_t st = 0; st < S; ++st)
        nvgpu::MBarrierInitOp::create(b, barriers, c(1), c(st), Value());
      nvgpu::TmaPrefetchOp::create(b, tensorMapA, Value());
      nvgpu::TmaPrefetchOp::create(b, tensorMapB, Value());
    }
    gpu::BarrierOp::create(b);
    {
      auto ifOp = scf::IfOp::create(b, isThread0, /*withElseRegion=*/false);
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPoint(ifOp.thenBlock()->getTerminator());
      for (int64_t st = 0; st < S - 1 && st < KT; ++st)
        tmaIssue(c(st), c(st));
    }
  } else {
    // stages - 2 tiles in flight: the stage refilled in iteration kt is the
    // one wgmma group kt - 2 read, which wait_group 1 has retired.
    for (int64_t st = 0; st < S - 2; ++st)
      group = loadTile(c(st), c(st), Value());
  }

  // Shared-memory matrix descriptors: address bits [17:4] in 0-13, LBO >> 4
  // in 16-29, SBO >> 4 in 32-45, swizzle mode in 62-63 (1: 128 bytes).
  Value baseA = memref::ExtractAlignedPointerAsIndexOp::create(b, sA);
  baseB = memref::ExtractAlignedPointerAsIndexOp::create(b, sB);
  Type i64 = b.getI64Type();
  descHi = arith::ConstantIntOp::create(
      b, i64, (int64_t(1) << 16) | ((SBO >> 4) << 32) | (int64_t(1) << 62));
  descMask = arith::ConstantIntOp::create(b, i64, 262143);
  descShift = arith::ConstantIntOp::create(b, i64, 4);
  aWarpgroup = add(baseA, mul(wg, c(64 * BK)));
}

void WgmmaKernelBuilder::mainLoop() {
  // The m64nN accumulator: N / 2 i32 (FP8: f32) registers per thread.
  accTy =
      LLVM::LLVMStructType::getLiteral(ctx, SmallVector<Type>(BN / 2, accElem));
  Value zero = LLVM::ZeroOp::create(b, accTy);
  loop = scf::ForOp::create(b, c(0), c(KT), c(1), ValueRange{zero});
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(loop.getBody());
  Value kt = loop.getInductionVar();
  if (tma) {
    // Tile kt is stage kt % S's (kt / S)-th use: wait for that phase.
    Value stage = rem(kt, c(S));
    Value phase = rem(div(kt, c(S)), c(2));
    Value parity = arith::IndexCastOp::create(b, b.getI1Type(), phase);
    nvgpu::MBarrierTryWaitParityOp::create(b, barriers, parity, c(10000000),
                                           stage);
  } else {
    asyncWait(group, S - 3);
    // cp.async writes through the generic proxy; wgmma reads through the
    // async proxy.
    NVVM::FenceProxyOp::create(
        b, NVVM::ProxyKind::async_shared,
        NVVM::SharedSpaceAttr::get(ctx, NVVM::SharedSpace::shared_cta));
    gpu::BarrierOp::create(b);
    // Stage (kt - 2) % S: every warpgroup finished reading it (wait_group 1
    // at the end of iteration kt - 1, then the barrier above).
    Value nk = add(kt, c(S - 2));
    Value valid = lt(nk, c(KT));
    Value nkc = minu(nk, c(KT - 1));
    Value ns = rem(nk, c(S));
    Value srcElems = select(valid, c(16), c(0));
    loadTile(ns, nkc, srcElems);
  }
  Value st = rem(kt, c(S));
  Value aStage = add(aWarpgroup, mul(st, c(BM * BK)));
  Value bStage = add(baseB, mul(st, c(BN * BK)));
  NVVM::WgmmaFenceAlignedOp::create(b);
  Value acc = loop.getRegionIterArgs()[0];
  for (int64_t kk = 0; kk < BK / 32; ++kk) {
    // Along K inside a swizzle atom: advance the (unswizzled) start address.
    Value descA = descriptor(addc(aStage, kk * 32));
    Value descB = descriptor(addc(bStage, kk * 32));
    // e4m3 has the 8-bit K (32 per instruction) and both operands K-major,
    // like s8; only integer accumulation takes .satfinite.
    acc = NVVM::WgmmaMmaAsyncOp::create(
        b, accTy, acc, descA, descB, NVVM::MMAShapeAttr::get(ctx, 64, BN, 32),
        opType, opType, s.fp8 ? NVVM::WGMMATypes::f32 : NVVM::WGMMATypes::s32,
        NVVM::WGMMAScaleOut::one, NVVM::WGMMAScaleIn::one,
        NVVM::WGMMAScaleIn::one, NVVM::MMALayout::row, NVVM::MMALayout::col,
        s.fp8 ? NVVM::MMAIntOverflowAttr()
              : NVVM::MMAIntOverflowAttr::get(ctx,
                                              NVVM::MMAIntOverflow::satfinite));
  }
  NVVM::WgmmaGroupSyncAlignedOp::create(b);
  NVVM::WgmmaWaitGroupSyncOp::create(b, 1);
  if (tma) {
    // Every warpgroup is done with tile kt - 1 (wait_group 1): refill its
    // stage with tile kt + S - 1.
    gpu::BarrierOp::create(b);
    Value nk = add(kt, c(S - 1));
    Value valid = lt(nk, c(KT));
    Value issue = arith::AndIOp::create(b, isThread0, valid);
    auto ifOp = scf::IfOp::create(b, issue, /*withElseRegion=*/false);
    OpBuilder::InsertionGuard ifGuard(b);
    b.setInsertionPoint(ifOp.thenBlock()->getTerminator());
    tmaIssue(rem(nk, c(S)), nk);
  }
  scf::YieldOp::create(b, acc);
}

void WgmmaKernelBuilder::epilogue() {
  NVVM::WgmmaWaitGroupSyncOp::create(b, 0);
  if (!tma)
    asyncWait(group, 0);
  // Accumulator layout of wgmma m64nN: warp w of the warpgroup holds rows
  // 16w + lane/4 (+ 8); for each 8-column chunk j, registers 4j..4j+3 are
  // (r, c), (r, c + 1), (r + 8, c), (r + 8, c + 1) with c = 8j + 2 (lane % 4)
  // (the same for f32 accumulators).
  Value wgRow = mul(wg, c(64));
  Value warpRow = add(wgRow, mul(w4, c(16)));
  Value rowWarp = add(m0, warpRow);
  Value rowBase = add(rowWarp, div(lane, c(4)));
  Value colBase = add(n0, mul(rem(lane, c(4)), c(2)));
  auto pairTy = VectorType::get({2}, accElem);
  for (int64_t j = 0; j < BN / 8; ++j)
    for (int64_t r = 0; r < 2; ++r) {
      Value v0 = LLVM::ExtractValueOp::create(b, loop.getResult(0),
                                              ArrayRef<int64_t>{4 * j + 2 * r});
      Value v1 = LLVM::ExtractValueOp::create(
          b, loop.getResult(0), ArrayRef<int64_t>{4 * j + 2 * r + 1});
      Value v = vector::FromElementsOp::create(b, pairTy, ValueRange{v0, v1});
      Value row = addc(rowBase, 8 * r);
      Value col = addc(colBase, 8 * j);
      storePair(row, col, v);
    }
  gpu::ReturnOp::create(b);
}

Value WgmmaKernelBuilder::loadTile(Value stage, Value kt, Value srcElems) {
  SmallVector<Value> tokens;
  Value gcol = add(mul(kt, c(BK)), gcolOff);
  auto copy = [&](Value g, Value sm, Value base, int64_t rows) {
    for (int64_t i = 0; i * T < rows * CPR; ++i) {
      int64_t rowStep = i * (T / CPR); // a multiple of 8: same swizzle
      Value grow = add(base, addc(cpRow, rowStep));
      Value soff = addc(sOff0, rowStep * BK);
      tokens.push_back(asyncCopy(g, {grow, gcol}, sm, {stage, soff}, srcElems));
    }
  };
  copy(argA, sA, m0, BM);
  copy(argB, sB, n0, BN);
  return asyncGroup(tokens);
}

void WgmmaKernelBuilder::tmaIssue(Value stage, Value kt) {
  // The stage's bytes (BM x 128 of A, BN x 128 of B); the copies land at
  // (k, m0) and (k, n0), coordinates innermost first.
  nvgpu::MBarrierArriveExpectTxOp::create(b, barriers, c((BM + BN) * BK), stage,
                                          Value());
  Value kx = mul(kt, c(BK));
  Value offA = add(pad, mul(stage, c(BM * BK)));
  Value stagesB = addc(pad, S * BM * BK);
  Value offB = add(stagesB, mul(stage, c(BN * BK)));
  auto tileTy = [&](int64_t rows) {
    return MemRefType::get({rows, BK}, b.getI8Type(),
                           MemRefLayoutAttrInterface(), b.getI64IntegerAttr(3));
  };
  Value viewA = memref::ViewOp::create(b, sharedMemref({BM, BK}), smem, offA,
                                       ValueRange{});
  Value viewB = memref::ViewOp::create(b, sharedMemref({BN, BK}), smem, offB,
                                       ValueRange{});
  Value dstA = memref::MemorySpaceCastOp::create(b, tileTy(BM), viewA);
  Value dstB = memref::MemorySpaceCastOp::create(b, tileTy(BN), viewB);
  nvgpu::TmaAsyncLoadOp::create(b, dstA, barriers, tensorMapA, {kx, m0}, stage,
                                Value(), Value());
  nvgpu::TmaAsyncLoadOp::create(b, dstB, barriers, tensorMapB, {kx, n0}, stage,
                                Value(), Value());
}

Value WgmmaKernelBuilder::descriptor(Value addr) {
  Value a = arith::IndexCastOp::create(b, b.getI64Type(), addr);
  a = arith::AndIOp::create(b, a, descMask);
  a = arith::ShRUIOp::create(b, a, descShift);
  return arith::OrIOp::create(b, a, descHi);
}

gpu::GPUFuncOp quantc::buildWgmmaKernel(ImplicitLocOpBuilder &b,
                                        const GemmKernelSpec &spec,
                                        StringRef name) {
  return WgmmaKernelBuilder(b, spec).build(name);
}
