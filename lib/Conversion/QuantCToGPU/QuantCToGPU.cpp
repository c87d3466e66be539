//===- QuantCToGPU.cpp - quantc GEMMs to Tensor Core kernels --------------===//
//
// --convert-quantc-to-gpu: every 2-D int8 (or, on sm_90a, FP8 E4M3)
// quantc.matmul with static N and K
// (M static or dynamic; with the quantc.rescale that is its only user, when
// the kernel can fuse it), and every batched one (one static batch dimension,
// on grid z), becomes a kernel in `gpu.module @quantc_kernels`,
// built by MmaSyncKernel.cpp or WgmmaKernel.cpp, and a call to a private
// launch wrapper that carries a #quantc.gpu_launch attribute
// (LaunchWrappers.cpp gives it its body).
//
//===----------------------------------------------------------------------===//
#include "quantc/Conversion/QuantCToGPU/QuantCToGPU.h"
#include "SplitKKernel.h"
#include "quantc/Analysis/Granularity.h"
#include "quantc/Conversion/QuantCToGPU/GemmKernel.h"
#include "quantc/Dialect/QuantC/IR/QuantCOps.h"
#include "quantc/Dialect/QuantC/Utils/KernelLayout.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/Utils/Utils.h"
#include "mlir/Dialect/UB/IR/UBOps.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/Support/ScopedPrinter.h"

namespace quantc {
#define GEN_PASS_DEF_CONVERTQUANTCTOGPU
#include "quantc/Conversion/Passes.h.inc"
} // namespace quantc

using namespace mlir;
using namespace quantc;

StringRef quantc::stringifyGpuChip(GpuChip chip) {
  switch (chip) {
  case GpuChip::sm_80:
    return "sm_80";
  case GpuChip::sm_86:
    return "sm_86";
  case GpuChip::sm_87:
    return "sm_87";
  case GpuChip::sm_89:
    return "sm_89";
  case GpuChip::sm_90:
    return "sm_90";
  case GpuChip::sm_90a:
    return "sm_90a";
  }
  llvm_unreachable("unknown chip");
}

llvm::cl::ValuesClass quantc::getGpuChipValues() {
  return llvm::cl::values(
      clEnumValN(GpuChip::sm_80, "sm_80", "A100: mma.sync"),
      clEnumValN(GpuChip::sm_86, "sm_86", "RTX 30 / A40: mma.sync"),
      clEnumValN(GpuChip::sm_87, "sm_87", "Jetson Orin: mma.sync"),
      clEnumValN(GpuChip::sm_89, "sm_89", "RTX 40 / L40: mma.sync"),
      clEnumValN(GpuChip::sm_90, "sm_90", "H100: mma.sync"),
      clEnumValN(GpuChip::sm_90a, "sm_90a",
                 "H100: wgmma where the shape fits, else mma.sync"));
}

static constexpr llvm::StringLiteral kKernelModule = "quantc_kernels";

/// Weights from this size up make a decode GEMM worth the split-K kernel
/// (below it, launch latency dominates and one kernel is as good as another).
static constexpr int64_t kSplitKMinWeightBytes = 1 << 20;

namespace {

/// The kernel a GEMM runs on.
enum class KernelKind { MmaSync, Wgmma, SplitK };

/// An epilogue operand of a fused rescale: the tensor the host passes, and
/// how the kernel reads it.
struct FusedOperand {
  Value tensor;
  /// Zero rows are appended, as to the activation's.
  bool padRows = false;
  GemmEpilogueOperand kernel;
};

/// A quantc.rescale fused into the kernel's epilogue.
struct FusedRescale {
  RescaleOp op;
  /// x_scale, w_scale, then bias and output_scale when present: the order of
  /// the kernel's arguments.
  SmallVector<FusedOperand, 4> operands;
};

} // namespace

/// How the kernel reads `v`, an operand (`what`) of `rescale`, when the GEMM
/// of M = `m` rows runs on `paddedM` rows (both ShapedType::kDynamic for a
/// dynamic M, padded at run time); failure (with a remark) when the padding
/// breaks its broadcast. Batched (rank 3), the operand has one [rows, cols]
/// matrix per batch or one for all.
static FailureOr<FusedOperand> fuseOperand(MatmulOp mm, RescaleOp rescale,
                                           Value v, StringRef what, int64_t m,
                                           int64_t paddedM) {
  auto ty = cast<RankedTensorType>(v.getType());
  Broadcast bc = rescale.getOperandBroadcast(v);
  FusedOperand o{v};
  const int64_t rowDim = ty.getRank() - 2;
  // Along the batch: element by element (one matrix per batch) or
  // broadcast; the kernels read no blocks of batches.
  bool perBatch = rowDim == 1 && ty.getDimSize(0) != 1;
  if (perBatch && bc.blockSize[0] != 1) {
    mm.emitRemark() << "the rescale runs on the host, not in the kernel's "
                       "epilogue: its "
                    << what << " varies along the batch in blocks of "
                    << bc.blockSize[0]
                    << " batches, which the batched kernels do not read";
    return failure();
  }
  int64_t rows = ty.getDimSize(rowDim), cols = ty.getDimSize(rowDim + 1);
  // Padded rows: an operand that varies element by element along the rows
  // gets zero rows too; one that varies in blocks of rows cannot follow.
  int64_t rowBlock = bc.blockSize[rowDim];
  if (ShapedType::isDynamic(m)) {
    // Any M: read at row 0 (blockSize kDynamic, the data's size) or row by
    // row (1, then padded like A); nothing else follows a padding known only
    // at run time.
    if (rowBlock == 1) {
      o.padRows = true;
      rows = ShapedType::kDynamic;
    } else if (!ShapedType::isDynamic(rowBlock)) {
      mm.emitRemark() << "the rescale runs on the host, not in the kernel's "
                         "epilogue: its "
                      << what << " is a '" << stringifyBroadcastKind(bc.kind)
                      << "' broadcast (blocks of " << rowBlock
                      << " rows), which rows padded at run time do not follow";
      return failure();
    }
  } else if (paddedM != m && rowBlock != m) {
    if (rowBlock != 1) {
      mm.emitRemark() << "the rescale runs on the host, not in the kernel's "
                         "epilogue: its "
                      << what << " is a '" << stringifyBroadcastKind(bc.kind)
                      << "' broadcast (blocks of " << rowBlock
                      << " rows), which the rows padded from " << m << " to "
                      << paddedM << " do not follow";
      return failure();
    }
    o.padRows = true;
    rows = paddedM;
  }
  auto f32 = Float32Type::get(v.getContext());
  auto acc = RankedTensorType::get(
      {paddedM, rescale.getType().getDimSize(rowDim + 1)}, f32);
  o.kernel = {rows, cols,
              getBroadcast(acc, RankedTensorType::get({rows, cols}, f32)),
              perBatch};
  return o;
}

/// The rescale fused into a kernel of `spec.m` (padded) rows, or nullopt
/// when the kernel cannot compute it (it then runs after the GEMM).
static std::optional<FusedRescale>
fuseRescale(MatmulOp mm, RescaleOp rescale, int64_t m, GemmKernelSpec &spec) {
  // Never silent: a rescale the kernel does not take says why.
  auto onHost = [&](const Twine &why) -> std::optional<FusedRescale> {
    mm.emitRemark() << "the rescale runs on the host, not in the kernel's "
                       "epilogue: "
                    << why;
    return std::nullopt;
  };
  // The kernels have no residual input: such a rescale runs after the GEMM.
  if (rescale.getResidual())
    return onHost("it adds a residual, which the kernels do not read");
  Type resultElem = rescale.getResult().getType().getElementType();
  std::optional<GemmOutput> out = getGemmOutput(resultElem);
  bool requantize = static_cast<bool>(rescale.getOutputScale());
  if (!out || (requantize ? *out != GemmOutput::I8
                          : *out != GemmOutput::F32 && *out != GemmOutput::F16))
    return onHost("the kernels write f32, f16 or requantized i8, not " +
                  llvm::to_string(resultElem));
  // The kernels read f32 operands of the GEMM's rank (2, or 3 batched),
  // static but for the rows of a dynamic M.
  const int64_t rank = spec.isBatched() ? 3 : 2;
  auto isF32Matrix = [&](Value v) {
    auto ty = dyn_cast<RankedTensorType>(v.getType());
    return ty && ty.getRank() == rank && ty.getElementType().isF32() &&
           !ty.isDynamicDim(rank - 1) &&
           (spec.hasDynamicM() || ty.hasStaticShape());
  };
  for (Value v : rescale.getOperands().drop_front())
    if (!isF32Matrix(v))
      return onHost(
          "its operand of type " + llvm::to_string(v.getType()) +
          (spec.hasDynamicM()
               ? " is not a " + Twine(rank) +
                     "-D f32 tensor with static columns"
               : " is not a static " + Twine(rank) + "-D f32 tensor") +
          ", which the kernels read");
  FusedRescale fused{rescale};
  std::pair<Value, StringRef> operands[] = {
      {rescale.getXScale(), "x_scale"},
      {rescale.getWScale(), "w_scale"},
      {rescale.getBias(), "bias"},
      {rescale.getOutputScale(), "output_scale"}};
  std::optional<GemmEpilogueOperand> *slots[] = {&spec.xScale, &spec.wScale,
                                                 &spec.bias, &spec.outputScale};
  for (auto [operand, slot] : llvm::zip(operands, slots)) {
    if (!operand.first)
      continue;
    FailureOr<FusedOperand> o =
        fuseOperand(mm, rescale, operand.first, operand.second, m, spec.m);
    if (failed(o)) {
      spec.xScale = spec.wScale = spec.bias = spec.outputScale = std::nullopt;
      return std::nullopt;
    }
    *slot = o->kernel;
    fused.operands.push_back(*o);
  }
  spec.output = *out;
  spec.epilogue = EpilogueSpec::get(rescale);
  return fused;
}

/// Warns when the int32 accumulators may overflow, from the GEMM analysis
/// (the value ranges of the quantization behind the int8 operands, else
/// their storage type).
static void warnOverflow(MatmulOp mm) {
  FailureOr<ContractionInfo> info = getContractionInfo(mm);
  if (failed(info))
    return;
  GemmVerdict verdict = classifyGemm(*info, getTargetKTile(GemmTarget::nvvm));
  if (!verdict.overflow)
    return;
  const GemmOverflow &of = *verdict.overflow;
  mm.emitWarning() << "int32 accumulators may overflow: K = "
                   << of.accumulationLength << " and K * " << of.maxAbsLhs
                   << " * " << of.maxAbsRhs
                   << " >= 2^31 (the MMA saturates); K chunks of at most "
                   << of.maxSplit << " cannot overflow";
}

/// `tensor` with zero rows (dimension rank - 2, of every batch) appended up
/// to `rows`.
static Value padRows(OpBuilder &b, Location loc, Value tensor, int64_t rows) {
  auto ty = cast<RankedTensorType>(tensor.getType());
  SmallVector<int64_t> shape(ty.getShape());
  shape[ty.getRank() - 2] = rows;
  auto padTy = RankedTensorType::get(shape, ty.getElementType());
  Value zero =
      arith::ConstantOp::create(b, loc, b.getZeroAttr(ty.getElementType()));
  return tensor::createPadHighOp(padTy, tensor, zero, /*nofold=*/false, loc, b);
}

/// `tensor` (of `have` rows, null: its tensor.dim) with zero rows (dimension
/// rank - 2, of every batch) appended up to `rows`, a value of run time.
static Value padRows(OpBuilder &b, Location loc, Value tensor, Value rows,
                     Value have) {
  auto ty = cast<RankedTensorType>(tensor.getType());
  const int64_t rowDim = ty.getRank() - 2;
  SmallVector<int64_t> shape(ty.getShape());
  shape[rowDim] = ShapedType::kDynamic;
  auto padTy = RankedTensorType::get(shape, ty.getElementType());
  Value zero =
      arith::ConstantOp::create(b, loc, b.getZeroAttr(ty.getElementType()));
  if (!have)
    have = tensor::DimOp::create(b, loc, tensor, rowDim);
  Value high = arith::SubIOp::create(b, loc, rows, have);
  SmallVector<OpFoldResult> lows(ty.getRank(), b.getIndexAttr(0));
  SmallVector<OpFoldResult> highs(ty.getRank(), b.getIndexAttr(0));
  highs[rowDim] = high;
  return tensor::PadOp::create(b, loc, padTy, tensor, lows, highs, zero);
}

namespace {

struct ConvertQuantCToGPUPass
    : quantc::impl::ConvertQuantCToGPUBase<ConvertQuantCToGPUPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    // The int8 depthwise convolution (--quantc-conv-to-gemm's direct kernel)
    // is no GEMM: no Tensor Core kernel takes it.
    module.walk([&](linalg::GenericOp op) {
      if (op->hasAttr(kDepthwiseInt8AttrName))
        op.emitRemark("the int8 depthwise convolution runs on the host, not "
                      "on Tensor Cores: the GPU kernels are GEMMs, and it "
                      "reduces every channel on its own");
    });
    SmallVector<MatmulOp> matmuls;
    module.walk([&](MatmulOp op) { matmuls.push_back(op); });
    if (matmuls.empty())
      return;
    if (splitK < -1) {
      module.emitError() << "--convert-quantc-to-gpu: split-k must be -1 "
                            "(never), 0 (automatic) or a number of K slices, "
                            "got "
                         << static_cast<int64_t>(splitK);
      return signalPassFailure();
    }

    OpBuilder b(module.getContext());
    module->setAttr(gpu::GPUDialect::getContainerModuleAttrName(),
                    b.getUnitAttr());
    SymbolTable symbols(module);
    auto kernels =
        dyn_cast_or_null<gpu::GPUModuleOp>(symbols.lookup(kKernelModule));
    if (!kernels) {
      b.setInsertionPointToEnd(module.getBody());
      kernels = gpu::GPUModuleOp::create(b, module.getLoc(), kKernelModule);
      symbols.insert(kernels);
    }
    SymbolTable kernelSymbols(kernels);

    // The kernels' operand layout: transposed operands are copied on the
    // host, a weight broadcast over a rank-3 batch runs as one 2-D GEMM.
    for (MatmulOp &mm : matmuls)
      mm = toKernelLayout(mm, "Tensor Core").matmul;
    for (MatmulOp mm : matmuls)
      if (failed(convert(mm, module, symbols, kernels, kernelSymbols)))
        return signalPassFailure();
    // Every GEMM stayed on the host: no GPU module, a plain host program.
    if (kernels.getBody()->without_terminator().empty()) {
      kernels.erase();
      module->removeAttr(gpu::GPUDialect::getContainerModuleAttrName());
    }
  }

  /// The split-K kernel for a GEMM of `rows` real rows, when the `split-k`
  /// option and the shape ask for it: its plan in `plan`. A decode-shaped
  /// GEMM it cannot take gets a remark.
  bool chooseSplitKKernel(MatmulOp mm, GemmKernelSpec &spec, int64_t rows,
                          SplitKPlan &plan) {
    if (splitK < 0)
      return false;
    if (spec.hasDynamicM() || rows > SplitKPlan::kMaxRows) {
      // Asked for by hand: say why it is not taken.
      if (splitK > 0)
        mm.emitRemark() << "not on the split-K decode kernel: it takes at most "
                        << SplitKPlan::kMaxRows
                        << " rows known at compile time, "
                        << "this GEMM has "
                        << (spec.hasDynamicM() ? std::string("a run-time M")
                                               : std::to_string(rows));
      return false;
    }
    // The split-K kernel is int8 mma.sync on one matrix: batched GEMMs (grid
    // z) and FP8 (wgmma e4m3 only) take the tiled kernels.
    if (spec.isBatched() || spec.fp8) {
      if (splitK > 0)
        mm.emitRemark() << "not on the split-K decode kernel: it takes 2-D "
                           "int8 GEMMs, not "
                        << (spec.fp8 ? "FP8" : "batched") << " ones";
      return false;
    }
    bool decodeShaped = (chip == GpuChip::sm_90 || chip == GpuChip::sm_90a) &&
                        spec.n * spec.k >= kSplitKMinWeightBytes;
    // A tiling given by hand is for the tiled kernels: automatic split-K
    // steps aside rather than ignore it.
    bool tilingGiven = tileM || tileN || tileK || warpM || warpN || stages;
    if (splitK == 0 && (!decodeShaped || tilingGiven))
      return false;
    if (auto why = chooseSplitK(spec, rows, getGpuChipInfo(chip).smCount,
                                splitK, plan)) {
      mm.emitRemark() << "not on the split-K decode kernel: " << *why;
      return false;
    }
    return true;
  }

  /// The kernel and its tiling for `spec`'s shape on the chip, with the
  /// pass's overrides (the split-K kernel for at most 16 `rows` of a large
  /// weight, its plan in `plan`), or failure (with a remark: the GEMM stays
  /// on the host).
  FailureOr<KernelKind> chooseKernel(MatmulOp mm, GemmKernelSpec &spec,
                                     int64_t rows, SplitKPlan &plan) {
    if (chooseSplitKKernel(mm, spec, rows, plan))
      return KernelKind::SplitK;
    // A dynamic M is tiled as a large one (its rows are padded to the row
    // tile at run time).
    const int64_t m = spec.m;
    auto restoreM = llvm::make_scope_exit([&] { spec.m = m; });
    if (spec.hasDynamicM())
      spec.m = kDynamicMTilingHint;
    // sm_90a: the wgmma kernel where the shape fits its tiles, else mma.sync.
    std::optional<std::string> noWgmma =
        chip == GpuChip::sm_90a ? chooseWgmmaTiling(spec)
                                : std::optional<std::string>(
                                      "chip=" + stringifyGpuChip(chip).str());
    bool useWgmma = !noWgmma;
    // FP8 has only the wgmma kernel (e4m3 MMA is sm_90a's among the chips).
    if (!useWgmma && spec.fp8) {
      mm.emitRemark() << "runs on the host, not on Tensor Cores: the FP8 "
                         "(E4M3) kernel is the sm_90a wgmma one, and "
                      << *noWgmma;
      return failure();
    }
    if (!useWgmma) {
      spec.tiling = GemmTiling();
      if (auto why = chooseTiling(spec)) {
        mm.emitRemark() << "runs on the host, not on Tensor Cores: " << *why;
        return failure();
      }
    }
    GemmTiling &t = spec.tiling;
    auto override = [](int64_t &field, int64_t option) {
      if (option)
        field = option;
    };
    override(t.tileM, tileM);
    override(t.tileN, tileN);
    override(t.tileK, tileK);
    override(t.warpM, warpM);
    override(t.warpN, warpN);
    override(t.stages, stages);
    t.tma = useWgmma && tma;
    // The tensor maps describe one 2-D matrix: batched kernels load with
    // cp.async.
    if (t.tma && spec.isBatched()) {
      mm.emitRemark() << "tma=1 is not applied to this batched GEMM: its "
                         "wgmma kernel loads tiles with cp.async";
      t.tma = false;
    }
    return useWgmma ? KernelKind::Wgmma : KernelKind::MmaSync;
  }

  LogicalResult convert(MatmulOp mm, ModuleOp module, SymbolTable &symbols,
                        gpu::GPUModuleOp kernels, SymbolTable &kernelSymbols) {
    auto lhsTy = cast<RankedTensorType>(mm.getLhs().getType());
    auto rhsTy = cast<RankedTensorType>(mm.getRhs().getType());
    // A GEMM no kernel can take stays a quantc.matmul, which the rest of the
    // pipeline lowers for the host: a remark says so.
    auto onHost = [&](const Twine &why) {
      mm.emitRemark() << "runs on the host, not on Tensor Cores: " << why;
      return success();
    };
    // Batched GEMMs ([B, M, K] x [B, N, K], e.g. attention) run on grid z;
    // a 2-D weight broadcast over the batch was flattened above.
    const int64_t rank = lhsTy.getRank();
    if (rank > 3)
      return onHost("a GEMM with more than one batch dimension (the kernels "
                    "batch one, on grid z)");
    const bool batched = rank == 3;
    if (batched && lhsTy.isDynamicDim(0))
      return onHost("a dynamic batch (batched kernels launch a static grid "
                    "z)");
    const int64_t rowDim = rank - 2, colDim = rank - 1;
    if (lhsTy.isDynamicDim(colDim) || !rhsTy.hasStaticShape())
      return onHost("a dynamic N or K (kernels are specialised to N and K; "
                    "M may be dynamic)");
    // FP8 W8A8 (both operands f8E4M3FN, the verifier's rule) or int8.
    const bool fp8 = isFp8Storage(lhsTy);
    if (!fp8 && (!lhsTy.getElementType().isInteger(8) ||
                 !rhsTy.getElementType().isInteger(8)))
      return onHost("int8 Tensor Core MMA needs i8 operands");
    // A grid of 0 blocks is no launch (a dynamic M of 0 skips it at run
    // time).
    // B: [batch, N, K], or [N, K] for every batch (a weight broadcast over
    // a batch with dynamic rows, which is not flattened).
    const int64_t rhsRowDim = rhsTy.getRank() - 2;
    if (llvm::is_contained(lhsTy.getShape(), 0) ||
        rhsTy.getDimSize(rhsRowDim) == 0)
      return onHost("it is empty (M, N or K is 0)");

    GemmKernelSpec spec;
    spec.fp8 = fp8;
    if (fp8)
      spec.output = GemmOutput::F32;
    const int64_t m = lhsTy.getDimSize(rowDim);
    spec.k = lhsTy.getDimSize(colDim);
    spec.n = rhsTy.getDimSize(rhsRowDim);
    spec.batch = batched ? lhsTy.getDimSize(0) : 0;
    spec.rhsPerBatch = rhsTy.getRank() == 3;
    if (spec.k % 32)
      return onHost("the reduction dimension (" + Twine(spec.k) +
                    ") is not a multiple of 32 (the int8 MMA K)");
    if (spec.n % 16)
      return onHost("the column dimension (" + Twine(spec.n) +
                    ") is not a multiple of 16");
    // Rows are padded with zeros up to a multiple of 16 (e.g. a few decode
    // tokens); the extra rows of the result are dropped. A dynamic M is
    // padded at run time, to a multiple of the row tile.
    // FP8 (wgmma only): to a multiple of the wgmma row tile, 128.
    const bool dynamicM = ShapedType::isDynamic(m);
    spec.m =
        dynamicM ? m : static_cast<int64_t>(llvm::alignTo(m, fp8 ? 128 : 16));
    if (!fp8)
      warnOverflow(mm);

    std::optional<FusedRescale> fused;
    if (mm->hasOneUse())
      if (auto r = dyn_cast<RescaleOp>(*mm->user_begin()))
        if (r.getAcc() == mm.getResult())
          fused = fuseRescale(mm, r, m, spec);

    SplitKPlan splitPlan;
    FailureOr<KernelKind> kind = chooseKernel(mm, spec, m, splitPlan);
    if (failed(kind))
      return success();
    const bool splitKernel = *kind == KernelKind::SplitK;
    const GemmTiling &t = spec.tiling;
    if (std::optional<std::string> why =
            splitKernel ? std::nullopt : checkTiling(spec))
      return mm.emitOpError(*why);

    // Unique kernel name.
    unsigned id = 0;
    while (kernelSymbols.lookup("gemm_" + std::to_string(id)))
      ++id;
    std::string name = "gemm_" + std::to_string(id);
    MLIRContext *ctx = &getContext();
    auto i64s = [&](ArrayRef<int64_t> v) {
      return DenseI64ArrayAttr::get(ctx, v);
    };
    auto launch = GpuLaunchAttr::getChecked(
        [&] { return mm.emitOpError("invalid kernel launch: "); }, ctx,
        SymbolRefAttr::get(ctx, kKernelModule,
                           {FlatSymbolRefAttr::get(ctx, name)}),
        // Dynamic M: grid.x from the rows of A at run time (block_tile).
        // Split-K: column tiles x K slices. Batched: grid.z is the batch.
        splitKernel
            ? i64s({SplitKPlan::columnTiles(spec.n), splitPlan.splits, 1})
            : i64s({dynamicM ? 0 : (spec.m / t.tileM) * (spec.n / t.tileN), 1,
                    batched ? spec.batch : 1}),
        i64s({t.numThreads(), 1, 1}), splitKernel ? 0 : t.sharedBytes(),
        t.tma ? i64s({t.tileM, t.tileN, t.tileK}) : DenseI64ArrayAttr(),
        dynamicM ? i64s({t.tileM, t.tileN}) : DenseI64ArrayAttr());
    if (!launch)
      return failure();

    ImplicitLocOpBuilder kb(mm.getLoc(), ctx);
    gpu::GPUFuncOp func = *kind == KernelKind::Wgmma
                              ? buildWgmmaKernel(kb, spec, name)
                          : *kind == KernelKind::SplitK
                              ? buildSplitKKernel(kb, spec, splitPlan, name)
                              : buildMmaSyncKernel(kb, spec, name);
    kernelSymbols.insert(func);

    // Host side: a call to a launch wrapper on buffers.
    Operation *anchor = fused ? fused->op.getOperation() : mm.getOperation();
    OpBuilder b(anchor);
    Location loc = mm.getLoc();
    SmallVector<Value> buffers;
    SmallVector<Type> argTys;
    // Dynamic M: the rows of A, and the rows padded up to the row tile.
    Value rows, paddedRows;
    if (dynamicM) {
      auto idx = [&](int64_t v) -> Value {
        return arith::ConstantIndexOp::create(b, loc, v);
      };
      rows = tensor::DimOp::create(b, loc, mm.getLhs(), rowDim);
      Value tile = idx(t.tileM);
      Value tiles = arith::DivUIOp::create(
          b, loc, arith::AddIOp::create(b, loc, rows, idx(t.tileM - 1)), tile);
      paddedRows = arith::MulIOp::create(b, loc, tiles, tile);
    }
    auto toBuffer = [&](Value tensor, bool pad) {
      if (pad)
        tensor = dynamicM ? padRows(b, loc, tensor, paddedRows,
                                    tensor == mm.getLhs() ? rows : Value())
                          : padRows(b, loc, tensor, spec.m);
      auto tty = cast<RankedTensorType>(tensor.getType());
      auto mty = MemRefType::get(tty.getShape(), tty.getElementType());
      buffers.push_back(bufferization::ToBufferOp::create(b, loc, mty, tensor,
                                                          /*read_only=*/true));
      argTys.push_back(mty);
    };
    toBuffer(mm.getLhs(), dynamicM || spec.m != m);
    toBuffer(mm.getRhs(), false);
    auto outTy = cast<RankedTensorType>(fused ? fused->op.getType()
                                              : mm.getResult().getType());
    SmallVector<int64_t> outShape = {spec.m, spec.n};
    if (batched)
      outShape.insert(outShape.begin(), spec.batch);
    auto outMemTy = MemRefType::get(outShape, outTy.getElementType());
    Value out = dynamicM ? memref::AllocOp::create(b, loc, outMemTy,
                                                   ValueRange{paddedRows})
                         : memref::AllocOp::create(b, loc, outMemTy);
    if (fused)
      for (const FusedOperand &o : fused->operands)
        toBuffer(o.tensor, o.padRows);
    // Split-K: a zeroed i32 workspace of its own per call (the wrapper copies
    // it to the device like any operand).
    if (splitKernel) {
      auto wsTy = RankedTensorType::get({splitPlan.workspaceElems(spec.n)},
                                        b.getI32Type());
      toBuffer(arith::ConstantOp::create(b, loc, b.getZeroAttr(wsTy)), false);
    }
    // Output buffer goes third to match the kernel signature (A, B, C, ...).
    buffers.insert(buffers.begin() + 2, out);
    argTys.insert(argTys.begin() + 2, outMemTy);

    OpBuilder mb(module.getBodyRegion());
    mb.setInsertionPoint(kernels);
    auto wrapper = func::FuncOp::create(mb, loc, "__quantc_launch_" + name,
                                        mb.getFunctionType(argTys, {}));
    wrapper.setPrivate();
    wrapper->setAttr(GpuLaunchAttr::getAttrName(), launch);
    symbols.insert(wrapper);

    func::CallOp::create(b, loc, wrapper, buffers);
    Value result = bufferization::ToTensorOp::create(
        b, loc, RankedTensorType::get(outShape, outTy.getElementType()), out,
        /*restrict=*/true, /*writable=*/true);
    // The padded rows (of every batch) are dropped.
    if (dynamicM || spec.m != m) {
      SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0));
      SmallVector<OpFoldResult> sizes = {dynamicM ? OpFoldResult(rows)
                                                  : b.getIndexAttr(m),
                                         b.getIndexAttr(spec.n)};
      if (batched)
        sizes.insert(sizes.begin(), b.getIndexAttr(spec.batch));
      SmallVector<OpFoldResult> strides(rank, b.getIndexAttr(1));
      result = tensor::ExtractSliceOp::create(b, loc, outTy, result, offsets,
                                              sizes, strides);
    }
    if (fused) {
      fused->op.getResult().replaceAllUsesWith(result);
      fused->op.erase();
    } else {
      mm.getResult().replaceAllUsesWith(result);
    }
    mm.erase();
    return success();
  }
};

} // namespace
