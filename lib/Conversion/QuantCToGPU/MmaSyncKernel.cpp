//===- MmaSyncKernel.cpp - the sm_80+ mma.sync GEMM kernel ----------------===//
//
// The kernel (sm_80+, Ampere/Hopper mma.sync path):
//  - thread-block tile tileM x tileN, walked over K in tileK steps; blocks are
//    rasterised in groups of 8 block-rows so that neighbours share L2 lines;
//  - global -> shared with 16-byte `cp.async` (nvgpu.device_async_copy),
//    `stages` tiles in flight, the tail zero-filled through src-size 0 so every
//    iteration commits exactly one group;
//  - shared rows padded by 16 bytes: the 8 row addresses of an ldmatrix 8x8
//    b16 matrix then fall into distinct 16-byte bank groups;
//  - warp tile warpM x warpN: A fragments with `ldmatrix.x4` (16x32 bytes),
//    B fragments (K-major, "TN") with `ldmatrix.x4` giving two n8 fragments;
//  - `nvgpu.mma.sync` m16n8k32 s8 x s8 -> s32;
//  - the quantc.rescale epilogue fused on the accumulator registers.
//
//===----------------------------------------------------------------------===//
#include "KernelBuilder.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/UB/IR/UBOps.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace quantc;

std::optional<std::string> quantc::chooseTiling(GemmKernelSpec &s) {
  if (s.k % 32 != 0)
    return "the reduction dimension (" + std::to_string(s.k) +
           ") must be a multiple of 32 (the int8 MMA K)";
  if (s.m % 16 != 0)
    return "the row dimension (" + std::to_string(s.m) +
           ") must be a multiple of 16 (the MMA M)";
  if (s.n % 16 != 0)
    return "the column dimension (" + std::to_string(s.n) +
           ") must be a multiple of 16";
  GemmTiling &t = s.tiling;
  // 128-byte K tiles: four MMA k-steps per barrier (measured on H100: 10-20%
  // faster than 64 at 4096^3 and 8192^3).
  t.tileK = s.k % 128 == 0 ? 128 : s.k % 64 == 0 ? 64 : 32;
  // Largest power-of-two tile that divides the shape.
  auto pick = [](int64_t dim, int64_t maxTile) {
    int64_t tile = maxTile;
    while (tile > 16 && dim % tile != 0)
      tile /= 2;
    return tile;
  };
  t.tileM = pick(s.m, 128);
  t.tileN = pick(s.n, 256);
  // Too few blocks (of every batch) to fill the machine: shrink the N tile
  // (skinny GEMMs).
  const int64_t batch = std::max<int64_t>(1, s.batch);
  while (t.tileN > 32 && batch * (s.m / t.tileM) * (s.n / t.tileN) < 132)
    t.tileN /= 2;
  t.warpM = std::min<int64_t>(64, t.tileM);
  t.warpN = std::min<int64_t>(64, t.tileN);
  // At least 4 warps when the tile allows it.
  while (t.numThreads() < 128 && t.warpN > 16)
    t.warpN /= 2;
  while (t.numThreads() < 128 && t.warpM > 16)
    t.warpM /= 2;
  t.stages = t.tileK == 128 ? 3 : 4;
  int64_t kTiles = s.k / t.tileK;
  if (t.stages > kTiles + 1)
    t.stages = std::max<int64_t>(2, kTiles + 1);
  return std::nullopt;
}

namespace {

class MmaSyncKernelBuilder : GemmKernelBuilder {
public:
  MmaSyncKernelBuilder(ImplicitLocOpBuilder &b, const GemmKernelSpec &spec)
      : GemmKernelBuilder(b, spec) {}

  gpu::GPUFuncOp build(StringRef name) {
    gpu::GPUFuncOp func = createKernel(name);
    prologue();
    mainLoop();
    epilogue();
    return func;
  }

private:
  /// Thread and block coordinates, the shared-memory stages, the first
  /// stages - 1 tiles in flight, fragment coordinates and (double-buffered
  /// schedule) the first fragments.
  void prologue();
  /// The K loop: wait for a stage, refill the oldest one, ldmatrix + mma.
  void mainLoop();
  /// The fused epilogue on the accumulator registers.
  void epilogue();

  /// Copies K tile `kt` of A and B into stage `stage` as one cp.async group;
  /// `srcElems` (null: all 16 bytes) zero-fills past the last tile.
  Value loadTile(Value stage, Value kt, Value srcElems);
  /// Fragments of k-step `kk` of `stage`: MT A fragments and NT/2 raw
  /// ldmatrix.x4 B results (each holds two n8 fragments).
  SmallVector<Value> loadFrags(Value stage, int64_t kk);
  /// MT x NT mma.sync on the fragments of one k-step.
  void mmas(ArrayRef<Value> frags, MutableArrayRef<Value> acc);
  /// Waits for the oldest stage in flight, then for every warp.
  void waitAndSync();
  /// Refills the stage iteration `kt` frees with tile kt + stages - 1 (zero
  /// bytes past the last tile, so every iteration commits one group).
  void refill(Value kt);

  const GemmTiling &t = s.tiling;
  const int64_t BM = t.tileM, BN = t.tileN, BK = t.tileK, S = t.stages;
  const int64_t LD = BK + 16;
  const int64_t T = t.numThreads();
  const int64_t WARPS_N = BN / t.warpN;
  const int64_t MT = t.warpM / 16, NT = t.warpN / 8;
  const int64_t KT = s.k / BK;
  const int64_t CPR = BK / 16; // 16-byte chunks per tile row
  const int64_t KK = BK / 32;  // MMA k-steps per shared-memory stage
  // With two or more k-steps per stage the fragments are double-buffered in
  // registers (CUTLASS's multistage schedule): the wait and barrier for the
  // next stage sit before the last k-step, whose MMAs overlap the ldmatrix of
  // the next stage's first k-step; that fragment is carried across
  // iterations. With one k-step, the plain schedule.
  const bool prefetch = KK >= 2;

  Value lane, wm, wn, m0, n0, sA, sB, cpRow, cpCol;
  Value aRow, aCol, bRow, bCol;
  /// The wait ops only need some group token; the group count is what counts.
  Value group;
  Value zero;
  SmallVector<Value> firstFrags;
  scf::ForOp loop;
};

} // namespace

void MmaSyncKernelBuilder::prologue() {
  const int64_t GX = s.n / BN;
  Value tid = gpu::ThreadIdOp::create(b, gpu::Dimension::x);
  Value pid = gpu::BlockIdOp::create(b, gpu::Dimension::x);
  lane = rem(tid, c(32));
  Value warp = div(tid, c(32));
  wm = div(warp, c(WARPS_N));
  wn = rem(warp, c(WARPS_N));
  std::tie(m0, n0) = blockOrigin(pid, GX);
  Value smem = dynamicSharedMemory();
  sA = memref::ViewOp::create(b, sharedMemref({S, BM, LD}), smem, c(0),
                              ValueRange{});
  sB = memref::ViewOp::create(b, sharedMemref({S, BN, LD}), smem,
                              c(S * BM * LD), ValueRange{});

  // Per-thread copy coordinates: row tid / CPR (+ i * T / CPR), byte column
  // (tid % CPR) * 16.
  cpRow = div(tid, c(CPR));
  cpCol = mul(rem(tid, c(CPR)), c(16));
  // stages - 1 tiles in flight.
  for (int64_t st = 0; st < S - 1; ++st)
    group = loadTile(c(st), c(st), Value());

  // Fragment base coordinates (see the ldmatrix/mma fragment layouts).
  Value lane16 = rem(lane, c(16));
  aRow = add(mul(wm, c(t.warpM)), lane16);
  aCol = mul(div(lane, c(16)), c(16));
  Value bWarpRow = mul(wn, c(t.warpN));
  Value bHalf = mul(div(lane, c(16)), c(8));
  Value bRow0 = add(bWarpRow, bHalf);
  bRow = add(bRow0, rem(lane, c(8)));
  bCol = mul(rem(div(lane, c(8)), c(2)), c(16));

  zero = arith::ConstantOp::create(
      b, b.getZeroAttr(VectorType::get({2, 2}, b.getI32Type())));
  if (prefetch) {
    waitAndSync();
    firstFrags = loadFrags(c(0), 0);
  }
}

void MmaSyncKernelBuilder::mainLoop() {
  SmallVector<Value> init(MT * NT, zero);
  llvm::append_range(init, firstFrags);
  loop = scf::ForOp::create(b, c(0), c(KT), c(1), init);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(loop.getBody());
  Value kt = loop.getInductionVar();
  SmallVector<Value> acc(loop.getRegionIterArgs().take_front(MT * NT));
  SmallVector<Value> cur(loop.getRegionIterArgs().drop_front(MT * NT));
  Value st = rem(kt, c(S));
  if (!prefetch) {
    waitAndSync();
    refill(kt);
    for (int64_t kk = 0; kk < KK; ++kk)
      mmas(loadFrags(st, kk), acc);
  } else {
    Value nst = rem(addc(kt, 1), c(S));
    for (int64_t kk = 0; kk < KK; ++kk) {
      SmallVector<Value> next =
          kk + 1 < KK ? loadFrags(st, kk + 1) : loadFrags(nst, 0);
      if (kk == 0)
        refill(kt);
      mmas(cur, acc);
      if (kk == KK - 2)
        waitAndSync();
      cur = next;
    }
  }
  SmallVector<Value> yields = acc;
  llvm::append_range(yields, cur);
  scf::YieldOp::create(b, yields);
}

void MmaSyncKernelBuilder::epilogue() {
  asyncWait(group, 0);
  // Accumulator fragment (r, c): row lane/4 + 8r, column (lane%4)*2 + c of
  // the 16x8 tile.
  Value rowWarp = add(m0, mul(wm, c(t.warpM)));
  Value rowBase = add(rowWarp, div(lane, c(4)));
  Value colWarp = add(n0, mul(wn, c(t.warpN)));
  Value colBase = add(colWarp, mul(rem(lane, c(4)), c(2)));
  for (int64_t mi = 0; mi < MT; ++mi)
    for (int64_t ni = 0; ni < NT; ++ni)
      for (int64_t r = 0; r < 2; ++r) {
        Value row = addc(rowBase, mi * 16 + r * 8);
        Value col = addc(colBase, ni * 8);
        Value v = vector::ExtractOp::create(b, loop.getResult(mi * NT + ni), r);
        storePair(row, col, v);
      }
  gpu::ReturnOp::create(b);
}

Value MmaSyncKernelBuilder::loadTile(Value stage, Value kt, Value srcElems) {
  SmallVector<Value> tokens;
  Value gcol = add(mul(kt, c(BK)), cpCol);
  auto copy = [&](Value g, Value sm, Value base, int64_t rows) {
    for (int64_t i = 0; i * T < rows * CPR; ++i) {
      Value srow = addc(cpRow, i * (T / CPR));
      // A tile with fewer chunks than threads: the surplus threads repeat
      // the last row's copy (same bytes to the same place).
      if ((i + 1) * T > rows * CPR)
        srow = minu(srow, c(rows - 1));
      Value grow = add(base, srow);
      tokens.push_back(
          asyncCopy(g, {grow, gcol}, sm, {stage, srow, cpCol}, srcElems));
    }
  };
  copy(argA, sA, m0, BM);
  copy(argB, sB, n0, BN);
  return asyncGroup(tokens);
}

SmallVector<Value> MmaSyncKernelBuilder::loadFrags(Value stage, int64_t kk) {
  auto fragTy = VectorType::get({4, 4}, b.getI8Type());
  SmallVector<Value> frags;
  Value ac = addc(aCol, kk * 32);
  Value bc = addc(bCol, kk * 32);
  for (int64_t mi = 0; mi < MT; ++mi)
    frags.push_back(nvgpu::LdMatrixOp::create(
        b, fragTy, sA, {stage, addc(aRow, mi * 16), ac},
        /*transpose=*/false, /*numTiles=*/4));
  for (int64_t nj = 0; nj < NT / 2; ++nj)
    frags.push_back(nvgpu::LdMatrixOp::create(
        b, fragTy, sB, {stage, addc(bRow, nj * 16), bc},
        /*transpose=*/false, /*numTiles=*/4));
  return frags;
}

void MmaSyncKernelBuilder::mmas(ArrayRef<Value> frags,
                                MutableArrayRef<Value> acc) {
  // Rows 2h, 2h + 1 of an ldmatrix.x4 B result: one n8 fragment.
  auto bFragTy = VectorType::get({2, 4}, b.getI8Type());
  SmallVector<Value> bFrags;
  for (int64_t nj = 0; nj < NT / 2; ++nj)
    for (int64_t h = 0; h < 2; ++h) {
      Value b4 = frags[MT + nj];
      Value r0 = vector::ExtractOp::create(b, b4, 2 * h);
      Value r1 = vector::ExtractOp::create(b, b4, 2 * h + 1);
      Value poison = ub::PoisonOp::create(b, bFragTy);
      Value f0 = vector::InsertOp::create(b, r0, poison, 0);
      bFrags.push_back(vector::InsertOp::create(b, r1, f0, 1));
    }
  for (int64_t mi = 0; mi < MT; ++mi)
    for (int64_t ni = 0; ni < NT; ++ni) {
      Value &a = acc[mi * NT + ni];
      a = nvgpu::MmaSyncOp::create(b, frags[mi], bFrags[ni], a,
                                   ArrayRef<int64_t>{16, 8, 32});
    }
}

void MmaSyncKernelBuilder::waitAndSync() {
  asyncWait(group, S - 2);
  gpu::BarrierOp::create(b);
}

void MmaSyncKernelBuilder::refill(Value kt) {
  Value nk = add(kt, c(S - 1));
  Value valid = lt(nk, c(KT));
  Value nkc = minu(nk, c(KT - 1));
  Value ns = rem(nk, c(S));
  Value srcElems = select(valid, c(16), c(0));
  loadTile(ns, nkc, srcElems);
}

gpu::GPUFuncOp quantc::buildMmaSyncKernel(ImplicitLocOpBuilder &b,
                                          const GemmKernelSpec &spec,
                                          StringRef name) {
  return MmaSyncKernelBuilder(b, spec).build(name);
}
