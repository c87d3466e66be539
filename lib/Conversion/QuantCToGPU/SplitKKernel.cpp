//===- SplitKKernel.cpp - the split-K decode GEMM kernel ------------------===//
//
// The kernel for M = 1..16 rows (sm_80+; chosen on sm_90 / sm_90a):
//  - block (x, y): columns [128x, 128x + 128) and K steps [y*KT/S,
//    (y+1)*KT/S) of KT = K / 256; 4 warps of 32 columns (4 n8 MMA tiles);
//  - no shared memory: every weight byte is used by exactly one thread, so
//    each lane loads its B fragments straight from global memory: per n8
//    tile and step, 4 chunks of 16 bytes, all of a step's loads (20 or 24
//    x 16 bytes per lane) issued before its 32 MMAs (a loop-carried prefetch
//    would not survive: LLVM folds the phi of loads back into the loop). A
//    warp's load of chunk c reads bytes [64c, 64c + 64) of 8 weight rows:
//    whole 32-byte sectors;
//  - K is permuted inside a step, identically for A and B (a dot product does
//    not care about the order of K): lane (g = lane/4, t = lane%4) loads
//    chunk c = bytes [64c + 16t, 64c + 16t + 16) of its row; registers 2q and
//    2q + 1 of the chunk feed MMA (c, q) as the k-groups 4t and 16 + 4t
//    that the m16n8k32 fragments give the lane (B registers 0 and 1; A rows
//    g and g + 8 in registers 0, 1 and 2, 3);
//  - `nvgpu.mma.sync` m16n8k32 s8 on A rows padded to 16 with zeros (rows
//    past 8 are not even loaded when M <= 8);
//  - the K slices meet in a zeroed i32 workspace: every block adds its
//    partial sums (memref.atomic_rmw addi, the real rows only), fences, and
//    bumps its column tile's counter; the block that sees splits - 1 reads the
//    sums back with an atomic exchange against 0 (leaving the workspace zero
//    for the next call), resets the counter and stores through the shared
//    fused epilogue (GemmKernelBuilder::storePair).
//
// Why mma.sync and not dp4a for M <= 4: the kernel reads N*K weight bytes
// and does M*N*K MACs. At 4.8 TB/s (H200) one weight byte per lane-cycle of
// dp4a gives 4 MACs per 4 bytes per row, i.e. M dp4a per 4 bytes: M = 1
// needs 1.2e12 dp4a/s, M = 4 4.8e12/s, against ~132 SMs x 64 dp4a/clk x
// 1.75 GHz = 14.8e12/s, before the extraction and address work that dp4a on
// registers loaded for MMA would need (a third to all of the issue slots at
// M = 4). mma.sync m16n8k32 does 4096 MACs per instruction whatever M is:
// at memory speed (4.8e12 weight bytes/s x 16 padded rows = 7.7e13 MAC/s)
// the padding keeps the Tensor Cores ~13 % busy (H100 int8 mma.sync reaches
// ~6e14 MAC/s), and one kernel serves M = 1..16.
//
//===----------------------------------------------------------------------===//
#include "SplitKKernel.h"
#include "KernelBuilder.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace quantc;

GpuChipInfo quantc::getGpuChipInfo(GpuChip chip) {
  switch (chip) {
  case GpuChip::sm_80:
    return {108}; // A100
  case GpuChip::sm_86:
    return {84}; // A40 / RTX 3090 Ti
  case GpuChip::sm_87:
    return {16}; // Jetson AGX Orin
  case GpuChip::sm_89:
    return {142}; // L40
  case GpuChip::sm_90:
  case GpuChip::sm_90a:
    return {132}; // H100 SXM, H200
  }
  llvm_unreachable("unknown chip");
}

/// Blocks per SM the split count aims for: a block has a step of 128 threads
/// x 4 tiles x 64 bytes = 32 KiB of weights in flight, and two per SM cover
/// the ~25 KiB per SM that HBM3e's bandwidth-latency product asks for (4.8
/// TB/s x ~700 ns / 132 SMs), with slack for the MMA phase of each step.
static constexpr int64_t kMinBlocksPerSm = 2;
/// Each K slice has at least this many 256-byte steps (the loop prologue,
/// epilogue and the atomics are paid per slice).
static constexpr int64_t kMinStepsPerSlice = 2;
/// At most this many slices (each adds rows x N atomics).
static constexpr int64_t kMaxSplits = 16;

std::optional<std::string> quantc::chooseSplitK(GemmKernelSpec &s, int64_t rows,
                                                int64_t smCount, int64_t splits,
                                                SplitKPlan &plan) {
  if (s.hasDynamicM() || rows > SplitKPlan::kMaxRows)
    return "it takes at most " + std::to_string(SplitKPlan::kMaxRows) +
           " rows (a static M)";
  if (s.k % SplitKPlan::kStepK)
    return "the reduction dimension (" + std::to_string(s.k) +
           ") is not a multiple of " + std::to_string(SplitKPlan::kStepK) +
           " (its K step)";
  if (s.n % 8)
    return "the column dimension (" + std::to_string(s.n) +
           ") is not a multiple of 8";
  const int64_t steps = s.k / SplitKPlan::kStepK;
  const int64_t tiles = SplitKPlan::columnTiles(s.n);
  if (splits > steps)
    return std::to_string(splits) + " K slices exceed the " +
           std::to_string(steps) +
           " steps of 256 bytes in K = " + std::to_string(s.k);
  if (splits <= 0) {
    // Score = min(1, blocks / target) x last-wave fill; the smallest count
    // with the best score.
    int64_t maxSplits =
        std::clamp<int64_t>(steps / kMinStepsPerSlice, 1, kMaxSplits);
    double best = -1;
    for (int64_t sp = 1; sp <= maxSplits; ++sp) {
      int64_t blocks = tiles * sp;
      int64_t waves = (blocks + smCount - 1) / smCount;
      double fill = double(blocks) / double(waves * smCount);
      double enough =
          std::min(1.0, double(blocks) / double(kMinBlocksPerSm * smCount));
      double score = enough * fill;
      if (score > best + 1e-9) {
        best = score;
        splits = sp;
      }
    }
  }
  plan.rows = rows;
  plan.splits = splits;
  GemmTiling &t = s.tiling;
  t = GemmTiling();
  t.tileM = SplitKPlan::kMaxRows;
  t.tileN = SplitKPlan::kTileN;
  t.tileK = SplitKPlan::kStepK;
  t.warpM = SplitKPlan::kMaxRows;
  t.warpN = SplitKPlan::kTilesPerWarp * 8;
  t.stages = 2;
  return std::nullopt;
}

namespace {

class SplitKKernelBuilder : GemmKernelBuilder {
public:
  SplitKKernelBuilder(ImplicitLocOpBuilder &b, const GemmKernelSpec &spec,
                      const SplitKPlan &plan)
      : GemmKernelBuilder(b, spec), p(plan) {}

  gpu::GPUFuncOp build(StringRef name) {
    Type ws = memref({p.workspaceElems(s.n)}, b.getI32Type());
    gpu::GPUFuncOp func = createKernel(name, ws);
    argWorkspace = func.getArguments().back();
    prologue();
    mainLoop();
    if (p.splits == 1)
      forEachOutputPair([&](int64_t ni, int64_t r, Value row, Value col) {
        storePair(row, col, vector::ExtractOp::create(b, acc[ni], r));
      });
    else
      reduce();
    gpu::ReturnOp::create(b);
    return func;
  }

private:
  /// Thread coordinates, the block's columns and K slice.
  void prologue();
  /// The K loop over the block's slice; acc holds the partial sums.
  void mainLoop();
  /// Sums the slices in the workspace; the last block stores the output.
  void reduce();

  /// A and B registers of one K step (see the file comment): per n8 tile
  /// kChunks 16-byte weight vectors, then kChunks 16-byte vectors of row g of
  /// A and (M > 8) kChunks of row g + 8.
  SmallVector<Value> loadStep(Value kt);
  /// The 2 x kChunks x kTilesPerWarp MMAs of one step.
  void mmas(ArrayRef<Value> regs, MutableArrayRef<Value> acc);
  /// Calls fn(ni, r, row, col) for each accumulator pair of the thread that
  /// holds a real row and a column < N, under the guards that say so.
  void forEachOutputPair(
      llvm::function_ref<void(int64_t, int64_t, Value, Value)> fn);
  /// `then()` under `scf.if cond` (no guard when cond is null).
  void guarded(Value cond, llvm::function_ref<void()> then);
  Value i32(int32_t v) {
    return arith::ConstantIntOp::create(b, b.getI32Type(), v);
  }

  const SplitKPlan &p;
  static constexpr int64_t NT = SplitKPlan::kTilesPerWarp;
  /// 16-byte chunks per lane, row and step.
  static constexpr int64_t kChunks = SplitKPlan::kStepK / 64;
  const int64_t KT = s.k / SplitKPlan::kStepK;
  /// Rows g + 8 hold real rows (else they are the zero padding and their A
  /// registers are constants).
  const bool highRows = p.rows > 8;

  Value argWorkspace, tid, g, kOff, colWarp, tile, kBegin, kEnd;
  SmallVector<Value> wRow;
  SmallVector<Value> acc;
};

} // namespace

void SplitKKernelBuilder::prologue() {
  tid = gpu::ThreadIdOp::create(b, gpu::Dimension::x);
  tile = gpu::BlockIdOp::create(b, gpu::Dimension::x);
  Value split = gpu::BlockIdOp::create(b, gpu::Dimension::y);
  Value lane = rem(tid, c(32));
  Value warp = div(tid, c(32));
  g = div(lane, c(4));
  kOff = mul(rem(lane, c(4)), c(16));
  colWarp = add(mul(tile, c(SplitKPlan::kTileN)), mul(warp, c(NT * 8)));
  // Rows of the weight this lane reads: a tile past N (the last block's
  // tail) re-reads row N - 1 and stores nothing.
  for (int64_t ni = 0; ni < NT; ++ni) {
    Value row = add(addc(colWarp, ni * 8), g);
    wRow.push_back(s.n % SplitKPlan::kTileN ? minu(row, c(s.n - 1)) : row);
  }
  kBegin = div(mul(split, c(KT)), c(p.splits));
  kEnd = div(mul(addc(split, 1), c(KT)), c(p.splits));
}

SmallVector<Value> SplitKKernelBuilder::loadStep(Value kt) {
  auto vecTy = VectorType::get({16}, b.getI8Type());
  Value k0 = add(mul(kt, c(SplitKPlan::kStepK)), kOff);
  auto load = [&](Value mem, Value row, int64_t chunk) -> Value {
    return vector::LoadOp::create(b, vecTy, mem, {row, addc(k0, 64 * chunk)},
                                  /*nontemporal=*/false, llvm::MaybeAlign(16));
  };
  SmallVector<Value> regs;
  for (int64_t ni = 0; ni < NT; ++ni)
    for (int64_t ch = 0; ch < kChunks; ++ch)
      regs.push_back(load(argB, wRow[ni], ch));
  for (int64_t ch = 0; ch < kChunks; ++ch)
    regs.push_back(load(argA, g, ch));
  if (highRows) {
    Value g8 = addc(g, 8);
    for (int64_t ch = 0; ch < kChunks; ++ch)
      regs.push_back(load(argA, g8, ch));
  }
  return regs;
}

void SplitKKernelBuilder::mmas(ArrayRef<Value> regs,
                               MutableArrayRef<Value> acc) {
  auto regsTy = VectorType::get({4, 4}, b.getI8Type());
  auto asRegs = [&](Value v) {
    return vector::ShapeCastOp::create(b, regsTy, v).getResult();
  };
  // A fragment of MMA (ch, q): registers {lo[2q], hi[2q], lo[2q+1],
  // hi[2q+1]} of chunk ch.
  Value zero = arith::ConstantOp::create(b, b.getZeroAttr(regsTy));
  SmallVector<Value> aFrags;
  for (int64_t ch = 0; ch < kChunks; ++ch) {
    Value lo = asRegs(regs[NT * kChunks + ch]);
    Value hi = highRows ? asRegs(regs[(NT + 1) * kChunks + ch]) : zero;
    for (int64_t q = 0; q < 2; ++q)
      aFrags.push_back(vector::ShuffleOp::create(
          b, lo, hi,
          ArrayRef<int64_t>{2 * q, 4 + 2 * q, 2 * q + 1, 5 + 2 * q}));
  }
  for (int64_t ni = 0; ni < NT; ++ni)
    for (int64_t ch = 0; ch < kChunks; ++ch) {
      Value w = asRegs(regs[ni * kChunks + ch]);
      for (int64_t q = 0; q < 2; ++q) {
        Value bFrag = vector::ExtractStridedSliceOp::create(
            b, w, ArrayRef<int64_t>{2 * q, 0}, ArrayRef<int64_t>{2, 4},
            ArrayRef<int64_t>{1, 1});
        acc[ni] =
            nvgpu::MmaSyncOp::create(b, aFrags[2 * ch + q], bFrag, acc[ni],
                                     ArrayRef<int64_t>{16, 8, 32});
      }
    }
}

void SplitKKernelBuilder::mainLoop() {
  Value zero = arith::ConstantOp::create(
      b, b.getZeroAttr(VectorType::get({2, 2}, b.getI32Type())));
  SmallVector<Value> init(NT, zero);
  auto loop = scf::ForOp::create(b, kBegin, kEnd, c(1), init);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    SmallVector<Value> sums(loop.getRegionIterArgs());
    mmas(loadStep(loop.getInductionVar()), sums);
    scf::YieldOp::create(b, sums);
  }
  acc.assign(loop.getResults().begin(), loop.getResults().end());
}

void SplitKKernelBuilder::guarded(Value cond, llvm::function_ref<void()> then) {
  if (!cond)
    return then();
  auto ifOp = scf::IfOp::create(b, cond, /*withElseRegion=*/false);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(ifOp.thenBlock()->getTerminator());
  then();
}

void SplitKKernelBuilder::forEachOutputPair(
    llvm::function_ref<void(int64_t, int64_t, Value, Value)> fn) {
  // Accumulator pair r of tile ni: row g + 8r, columns 2t, 2t + 1 of the
  // n8 tile.
  Value colBase = add(colWarp, div(kOff, c(8))); // 2t = (16t) / 8
  for (int64_t r = 0; r < 2; ++r) {
    if (r * 8 >= p.rows)
      continue;
    Value row = addc(g, r * 8);
    Value rowOk = p.rows < (r + 1) * 8 ? lt(row, c(p.rows)) : Value();
    for (int64_t ni = 0; ni < NT; ++ni) {
      Value col = addc(colBase, ni * 8);
      // N is a multiple of 8: a whole n8 tile is in or out.
      Value colOk = s.n % SplitKPlan::kTileN ? lt(addc(colWarp, ni * 8), c(s.n))
                                             : Value();
      Value ok = rowOk && colOk ? arith::AndIOp::create(b, rowOk, colOk)
                                : (rowOk ? rowOk : colOk);
      guarded(ok, [&] { fn(ni, r, row, col); });
    }
  }
}

void SplitKKernelBuilder::reduce() {
  auto at = [&](Value row, Value col) { return add(mul(row, c(s.n)), col); };
  // 1. Add this slice's partial sums.
  forEachOutputPair([&](int64_t ni, int64_t r, Value row, Value col) {
    Value pair = vector::ExtractOp::create(b, acc[ni], r);
    Value i = at(row, col);
    for (int64_t e = 0; e < 2; ++e)
      memref::AtomicRMWOp::create(b, arith::AtomicRMWKind::addi,
                                  vector::ExtractOp::create(b, pair, e),
                                  argWorkspace, ValueRange{addc(i, e)});
  });
  // 2. Every thread's adds are performed at GPU scope before thread 0 counts
  // the block in; the block reduces "thread 0 saw the last arrival".
  NVVM::MembarOp::create(b, NVVM::MemScopeKind::GPU);
  gpu::BarrierOp::create(b);
  Value counter = add(c(p.rows * s.n), tile);
  Value isThread0 =
      arith::CmpIOp::create(b, arith::CmpIPredicate::eq, tid, c(0));
  auto first = scf::IfOp::create(b, b.getI32Type(), isThread0,
                                 /*withElseRegion=*/true);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(first.thenBlock());
    Value before = memref::AtomicRMWOp::create(b, arith::AtomicRMWKind::addi,
                                               i32(1), argWorkspace, counter);
    Value last = arith::CmpIOp::create(b, arith::CmpIPredicate::eq, before,
                                       i32(p.splits - 1));
    scf::YieldOp::create(
        b, ValueRange{arith::ExtUIOp::create(b, b.getI32Type(), last)});
    b.setInsertionPointToStart(first.elseBlock());
    scf::YieldOp::create(b, ValueRange{i32(0)});
  }
  Value anyLast =
      NVVM::BarrierOp::create(
          b, b.getI32Type(), /*barrierId=*/Value(),
          /*numberOfThreads=*/Value(),
          NVVM::BarrierReductionAttr::get(ctx, NVVM::BarrierReduction::OR),
          first.getResult(0))
          .getResult(0);
  Value isLast =
      arith::CmpIOp::create(b, arith::CmpIPredicate::ne, anyLast, i32(0));
  // 3. The last block: read the sums (leaving zeros), store the output.
  guarded(isLast, [&] {
    NVVM::MembarOp::create(b, NVVM::MemScopeKind::GPU);
    forEachOutputPair([&](int64_t, int64_t, Value row, Value col) {
      Value i = at(row, col);
      SmallVector<Value> sums;
      for (int64_t e = 0; e < 2; ++e)
        sums.push_back(
            memref::AtomicRMWOp::create(b, arith::AtomicRMWKind::assign, i32(0),
                                        argWorkspace, ValueRange{addc(i, e)}));
      Value pair = vector::FromElementsOp::create(
          b, VectorType::get({2}, b.getI32Type()), sums);
      storePair(row, col, pair);
    });
    guarded(isThread0, [&] {
      memref::AtomicRMWOp::create(b, arith::AtomicRMWKind::assign, i32(0),
                                  argWorkspace, counter);
    });
  });
}

gpu::GPUFuncOp quantc::buildSplitKKernel(ImplicitLocOpBuilder &b,
                                         const GemmKernelSpec &spec,
                                         const SplitKPlan &plan,
                                         StringRef name) {
  return SplitKKernelBuilder(b, spec, plan).build(name);
}
