//===- Plan.cpp - x86 GEMM kernel plans -----------------------------------===//
#include "Plan.h"
#include "quantc/Dialect/QuantC/Utils/LoadTimeParams.h"

#include "mlir/IR/Matchers.h"

#include "llvm/Support/MathExtras.h"
#include <algorithm>

using namespace mlir;
using namespace quantc;
using namespace quantc::x86;

/// The weights packed at compile time: at most this many int8 elements
/// (2 GiB; 11008 x 4096 is 45 M).
static constexpr uint64_t kMaxPackedWeightElements = uint64_t(1) << 31;

StringRef x86::getIsaOptionName(X86Isa isa) {
  switch (isa) {
  case X86Isa::avx2:
    return "avx2";
  case X86Isa::amx:
    return "amx";
  case X86Isa::avx512_vnni:
    break;
  }
  return "avx512-vnni";
}

LogicalResult
x86::resolveOptions(LoweringOptions &opts,
                    function_ref<InFlightDiagnostic()> emitError) {
  if (failed(checkParallelMinMacs(opts.parallelMinMacs, emitError)))
    return failure();
  // Bounded before any arithmetic (2^32 columns used to be narrowed to 0).
  if (opts.mr < 0 || opts.nr < 0 || opts.kunroll < 0 ||
      opts.panelBlockKib < 0 || opts.kunroll > 64 ||
      opts.panelBlockKib > (int64_t(1) << 30))
    return emitError() << "mr, nr, kunroll and panel-block-kib must be >= 0 "
                          "(0: the default), kunroll <= 64 and "
                          "panel-block-kib <= 2^30";
  if (opts.smallM < 0 || opts.smallM > X86GemmPlanAttr::kMaxSmallM)
    return emitError() << "small-m must be in [0, "
                       << X86GemmPlanAttr::kMaxSmallM << "] (0: never), got "
                       << opts.smallM;
  // A dynamic token count runs in chunks of 128 rows on the vector ISAs:
  // prompts of 128-255 tokens then take one chunk instead of 8-15 calls of
  // the 16-row tile (measured on Zen 5, the small model's prefill of 128
  // tokens: +2-5 % at 1 thread, +7-8 % at 2; 512 tokens unchanged). AMX
  // keeps 256, the size its tiles were measured at.
  if (opts.dynamicMChunk == 0)
    opts.dynamicMChunk = opts.isa == X86Isa::amx ? 256 : 128;
  if (!X86GemmPlanAttr::isValidDynamicMChunk(opts.dynamicMChunk))
    return emitError() << "dynamic-m-chunk must be a power of two in [1, "
                       << X86GemmPlanAttr::kMaxDynamicMChunk
                       << "] (0: the default), got " << opts.dynamicMChunk;
  bool avx2 = opts.isa == X86Isa::avx2;
  if (opts.emulate && avx2)
    return emitError() << "emulate applies to isa=avx512-vnni and amx only";
  if (opts.amxMinM < 1 || opts.amxMinM > 4096)
    return emitError() << "amx-min-m must be in [1, 4096], got "
                       << opts.amxMinM;
  if (opts.isa == X86Isa::amx) {
    // 2 A tiles x 2 B tiles -> 4 C tiles: the 8 tile registers, 32 x 32
    // outputs per K step. The weight blocks stay in L2 as for vpdpbusd.
    if (opts.mr == 0)
      opts.mr = 32;
    if (opts.nr == 0)
      opts.nr = 2;
    if (opts.kunroll == 0)
      opts.kunroll = 1;
    if (opts.panelBlockKib == 0)
      opts.panelBlockKib = 512;
    if (opts.mr % X86GemmPlanAttr::kAmxTileRows != 0)
      return emitError() << "isa=amx needs mr a multiple of 16 (whole A "
                            "tiles), got "
                         << opts.mr;
  }
  // Defaults: 6 x 4 zmm (24 vpdpbusd chains) and 6 x 2 ymm (12 vpmaddwd
  // chains; with 2 weight, 1 broadcast and 1 product register all 16 ymm),
  // the fastest of the AVX2 tiles measured (docs/BENCHMARKS.md).
  if (opts.mr == 0)
    opts.mr = 6;
  if (opts.nr == 0)
    opts.nr = avx2 ? 2 : 4;
  if (opts.kunroll == 0)
    opts.kunroll = avx2 ? 2 : 4;
  // Weight bytes per block. AVX2 (measured on Zen 3, docs/BENCHMARKS.md):
  // re-packing the i16 tile per block costs more than streaming the weights
  // from L3, so blocks are large. VNNI: a block that stays in a 1-2 MiB L2
  // across row tiles.
  if (opts.panelBlockKib == 0)
    opts.panelBlockKib = avx2 ? 4096 : 512;
  // The register budget and the other bounds of a plan, checked once here
  // (as an option error) rather than per matmul.
  return X86GemmPlanAttr::verify(emitError, opts.isa, /*m=*/1, /*n=*/1,
                                 /*k=*/1, opts.mr, opts.nr, opts.kunroll,
                                 /*panel_block=*/1, /*parallel=*/false,
                                 opts.emulate, /*runtime_weight=*/false,
                                 /*small_m=*/false, /*weight_kn=*/false);
}

LogicalResult
x86::checkParallelMinMacs(int64_t macs,
                          function_ref<InFlightDiagnostic()> emitError) {
  if (X86GemmPlanAttr::isValidParallelMinMacs(macs))
    return success();
  return emitError() << "parallel-min-macs must be a number of multiply-adds "
                        ">= 0 or -1 (never parallel), got "
                     << macs;
}

InFlightDiagnostic x86::remarkNotLowered(MatmulOp op, X86Isa isa) {
  return op.emitRemark() << "runs on the reference lowering, not the "
                         << getIsaOptionName(isa) << " kernel: ";
}

FailureOr<X86GemmPlanAttr> x86::selectPlan(MatmulOp op,
                                           const LoweringOptions &opts,
                                           std::optional<int64_t> rows,
                                           std::optional<GemmBlock> block) {
  auto lhsTy = op.getLhs().getType();
  auto rhsTy = op.getRhs().getType();
  auto remark = [&] { return remarkNotLowered(op, opts.isa); };
  int64_t rank = lhsTy.getRank();
  if (rank != 2 && rank != 3) {
    remark() << "it is batched over " << rank - 2 << " dimensions (rank-"
             << rank
             << " operands; the kernels take rank 2, or rank 3 looping over "
                "the batch)";
    return failure();
  }
  // Dynamic sizes are planned as static pieces: the row chunks of a 2-D
  // dynamic M (`rows`), the blocks of the dynamic-size lowering (`block`).
  // Anything else has no plan (a 2-D weight over a batch of dynamic size
  // arrives collapsed into a 2-D dynamic M, or not at all: the pass leaves
  // rows that do not collapse in place with its own remark).
  if (!block && !(rhsTy.hasStaticShape() &&
                  (lhsTy.hasStaticShape() ||
                   (rows && rank == 2 && lhsTy.isDynamicDim(0) &&
                    !lhsTy.isDynamicDim(1))))) {
    remark() << "its shape is dynamic (" << lhsTy << " x " << rhsTy
             << ") and no dynamic-size lowering takes it";
    return failure();
  }
  if (!lhsTy.getElementType().isInteger(8) ||
      !rhsTy.getElementType().isInteger(8)) {
    remark() << "its operands are not i8 (" << lhsTy << " x " << rhsTy << ")";
    return failure();
  }
  // Batched (rank 3): the plan of one batch, the kernel called per batch.
  // A transposed rhs ([..., K, N]) is read so by a weight_kn kernel.
  int64_t m = rows ? *rows : lhsTy.getDimSize(rank - 2),
          k = lhsTy.getDimSize(rank - 1),
          n = rhsTy.getDimSize(op.getTransposeRhs() ? rank - 1 : rank - 2);
  int64_t batch = rank == 3 ? lhsTy.getDimSize(0) : 1;
  // A block of a dynamic GEMM: its static sizes, the batch run by the caller.
  if (block) {
    m = block->m;
    n = block->n;
    k = block->k;
    if (ShapedType::isDynamic(batch))
      batch = 1;
  }
  if (m == 0 || n == 0 || k == 0 || batch == 0) {
    remark() << "it is empty (" << (rank == 3 ? "batch = " : "")
             << (rank == 3 ? std::to_string(batch) + ", " : "") << "M = " << m
             << ", N = " << n << ", K = " << k << ")";
    return failure();
  }
  int64_t maxK = X86GemmPlanAttr::getMaxK(opts.isa);
  if (k > maxK) {
    remark() << "K = " << k << " can overflow the i32 accumulators (at most "
             << maxK << " for " << getIsaOptionName(opts.isa) << ")";
    return failure();
  }
  // A weight that is not a compile-time constant is packed by the kernel,
  // one block of panels at a time (#quantc.x86_gemm_plan runtime_weight),
  // unless it is known at load time (a parameter, or a transpose or slice
  // of one): the prepare function packs that once, for the plan of a
  // constant weight.
  ElementsAttr weight;
  // A batched weight is packed per batch at run time even when constant.
  // So is the weight of a GEMM run in dynamic blocks.
  bool runtimeWeight = rank == 3 || block ||
                       (!matchPattern(op.getRhs(), m_Constant(&weight)) &&
                        !isLoadTimeValue(op.getRhs()));
  // A run-time weight stored [K, N] is packed from that layout (the blocks
  // of a dynamic batched GEMM are copied into [N, K] by their caller).
  bool weightKN = runtimeWeight && op.getTransposeRhs() && !block;
  if (rank == 3 && isLoadTimeValue(op.getRhs()))
    op.emitRemark() << "the " << getIsaOptionName(opts.isa)
                    << " kernel packs the load-time weight on every call, "
                       "not once when the parameters are bound: a batched "
                       "GEMM packs its weight per batch at run time";
  if (!runtimeWeight && llvm::SaturatingMultiply(uint64_t(n), uint64_t(k)) >
                            kMaxPackedWeightElements) {
    remark() << "its " << n << " x " << k
             << " weight is too large to pack at compile time";
    return failure();
  }
  // A splat is a few bytes of input however large its type: packing would
  // expand it (and the memory use would no longer be bounded by the input).
  if (!runtimeWeight && weight && weight.isSplat() &&
      uint64_t(n) * uint64_t(k) > uint64_t(kMaxFoldElements)) {
    remark() << "its " << n << " x " << k
             << " weight is a splat constant, which is not expanded to pack "
                "it (more than "
             << kMaxFoldElements << " elements)";
    return failure();
  }
  uint64_t macs = llvm::SaturatingMultiply(
      llvm::SaturatingMultiply(uint64_t(m), uint64_t(n)), uint64_t(k));
  bool parallel = opts.parallelMinMacs >= 0 &&
                  macs >= static_cast<uint64_t>(opts.parallelMinMacs);
  MLIRContext *ctx = op.getContext();
  // amx: tiles do not pay below amxMinM rows; those GEMMs take the
  // avx512-vnni kernels (an AMX CPU has them), with their own defaults. Not
  // the chunks of a dynamic M against a packed weight, which share one
  // packed layout.
  if (opts.isa == X86Isa::amx && m < opts.amxMinM && (runtimeWeight || !rows)) {
    LoweringOptions vnni = opts;
    vnni.isa = X86Isa::avx512_vnni;
    vnni.mr = vnni.nr = vnni.kunroll = vnni.panelBlockKib = 0;
    if (failed(resolveOptions(vnni, [&] { return op.emitError(); })))
      return failure();
    op.emitRemark() << "runs on the avx512-vnni kernel, not the amx tiles: "
                    << "M = " << m << " is below amx-min-m = " << opts.amxMinM;
    return selectPlan(op, vnni, rows, block);
  }
  // Few rows against a run-time weight: the weight is read in place, A is
  // packed (16 rows of W, i.e. one zmm of output columns, per panel).
  // Not a weight stored [K, N]: its rows are not the panels' columns.
  if (runtimeWeight && !weightKN && opts.isa == X86Isa::avx512_vnni &&
      m <= opts.smallM) {
    // The K loop is unrolled by 8 groups (32 bytes of each row of W; 16
    // measured no faster, and LLVM then gives each row its own pointer).
    int64_t lanes = 16, kunroll = 8;
    return X86GemmPlanAttr::get(ctx, opts.isa, m, n, k, /*mr=*/lanes,
                                /*nr=*/1, kunroll, /*panel_block=*/1, parallel,
                                opts.emulate, runtimeWeight,
                                /*small_m=*/true, /*weight_kn=*/false);
  }
  // The block size needs the plan's panel geometry: a plan of one panel
  // first, then as many weight panels per activation tile as fit the L2
  // budget.
  auto plan = X86GemmPlanAttr::get(ctx, opts.isa, m, n, k, opts.mr, opts.nr,
                                   opts.kunroll, /*panel_block=*/1, parallel,
                                   opts.emulate, runtimeWeight,
                                   /*small_m=*/false, weightKN);
  int64_t panelBlock = std::clamp<int64_t>(
      opts.panelBlockKib * 1024 / plan.getPanelBytes(), 1, plan.getNumPanels());
  // The run-time packing scratch of one block stays within the verifier's
  // 2^31 bytes, whatever panel-block-kib says.
  if (runtimeWeight)
    panelBlock = std::max<int64_t>(
        1, std::min<int64_t>(panelBlock,
                             (int64_t(1) << 31) / plan.getBlockScratchBytes()));
  return X86GemmPlanAttr::get(ctx, opts.isa, m, n, k, opts.mr, opts.nr,
                              opts.kunroll, panelBlock, parallel, opts.emulate,
                              runtimeWeight, /*small_m=*/false, weightKN);
}
