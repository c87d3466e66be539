//===- QuantCToGPU.cpp - quantc GEMMs to Tensor Core kernels --------------===//
//
// --convert-quantc-to-gpu: every 2-D int8 quantc.matmul with static N and K
// (M static or dynamic; with the quantc.rescale that is its only user, when
// the kernel can fuse it) becomes a kernel in `gpu.module @quantc_kernels`,
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
/// breaks its broadcast.
static FailureOr<FusedOperand> fuseOperand(MatmulOp mm, RescaleOp rescale,
                                           Value v, StringRef what, int64_t m,
                                           int64_t paddedM) {
  auto ty = cast<RankedTensorType>(v.getType());
  Broadcast bc = rescale.getOperandBroadcast(v);
  FusedOperand o{v};
  int64_t rows = ty.getDimSize(0), cols = ty.getDimSize(1);
  // Padded rows: an operand that varies element by element along the rows
  // gets zero rows too; one that varies in blocks of rows cannot follow.
  int64_t rowBlock = bc.blockSize[0];
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
  auto acc =
      RankedTensorType::get({paddedM, rescale.getType().getDimSize(1)}, f32);
  o.kernel = {rows, cols,
              getBroadcast(acc, RankedTensorType::get({rows, cols}, f32))};
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
  // The kernels read 2-D f32 operands, static but for the rows of a dynamic
  // M.
  auto isF32Matrix = [&](Value v) {
    auto ty = dyn_cast<RankedTensorType>(v.getType());
    return ty && ty.getRank() == 2 && ty.getElementType().isF32() &&
           !ty.isDynamicDim(1) && (spec.hasDynamicM() || ty.hasStaticShape());
  };
  for (Value v : rescale.getOperands().drop_front())
    if (!isF32Matrix(v))
      return onHost("its operand of type " + llvm::to_string(v.getType()) +
                    (spec.hasDynamicM()
                         ? " is not a 2-D f32 tensor with static columns"
                         : " is not a static 2-D f32 tensor") +
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

/// `tensor` with zero rows appended up to `rows`.
static Value padRows(OpBuilder &b, Location loc, Value tensor, int64_t rows) {
  auto ty = cast<RankedTensorType>(tensor.getType());
  auto padTy =
      RankedTensorType::get({rows, ty.getDimSize(1)}, ty.getElementType());
  Value zero =
      arith::ConstantOp::create(b, loc, b.getZeroAttr(ty.getElementType()));
  return tensor::createPadHighOp(padTy, tensor, zero, /*nofold=*/false, loc, b);
}

/// `tensor` (of `have` rows, null: its tensor.dim) with zero rows appended up
/// to `rows`, a value of run time.
static Value padRows(OpBuilder &b, Location loc, Value tensor, Value rows,
                     Value have) {
  auto ty = cast<RankedTensorType>(tensor.getType());
  auto padTy = RankedTensorType::get({ShapedType::kDynamic, ty.getDimSize(1)},
                                     ty.getElementType());
  Value zero =
      arith::ConstantOp::create(b, loc, b.getZeroAttr(ty.getElementType()));
  if (!have)
    have = tensor::DimOp::create(b, loc, tensor, 0);
  Value high = arith::SubIOp::create(b, loc, rows, have);
  SmallVector<OpFoldResult> lows(2, b.getIndexAttr(0));
  SmallVector<OpFoldResult> highs = {high, b.getIndexAttr(0)};
  return tensor::PadOp::create(b, loc, padTy, tensor, lows, highs, zero);
}

namespace {

struct ConvertQuantCToGPUPass
    : quantc::impl::ConvertQuantCToGPUBase<ConvertQuantCToGPUPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
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
    if (splitK < 0 || spec.hasDynamicM() || rows > SplitKPlan::kMaxRows)
      return false;
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
    bool useWgmma = chip == GpuChip::sm_90a && !chooseWgmmaTiling(spec);
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
    if (lhsTy.getRank() != 2)
      return onHost("batched GEMMs are not outlined yet");
    if (lhsTy.isDynamicDim(1) || !rhsTy.hasStaticShape())
      return onHost("a dynamic N or K (kernels are specialised to N and K; "
                    "M may be dynamic)");
    if (!lhsTy.getElementType().isInteger(8) ||
        !rhsTy.getElementType().isInteger(8))
      return onHost("int8 Tensor Core MMA needs i8 operands");
    // A grid of 0 blocks is no launch (a dynamic M of 0 skips it at run
    // time).
    if (lhsTy.getDimSize(0) == 0 || lhsTy.getDimSize(1) == 0 ||
        rhsTy.getDimSize(0) == 0)
      return onHost("it is empty (M, N or K is 0)");

    GemmKernelSpec spec;
    const int64_t m = lhsTy.getDimSize(0);
    spec.k = lhsTy.getDimSize(1);
    spec.n = rhsTy.getDimSize(0);
    if (spec.k % 32)
      return onHost("the reduction dimension (" + Twine(spec.k) +
                    ") is not a multiple of 32 (the int8 MMA K)");
    if (spec.n % 16)
      return onHost("the column dimension (" + Twine(spec.n) +
                    ") is not a multiple of 16");
    // Rows are padded with zeros up to a multiple of 16 (e.g. a few decode
    // tokens); the extra rows of the result are dropped. A dynamic M is
    // padded at run time, to a multiple of the row tile.
    const bool dynamicM = ShapedType::isDynamic(m);
    spec.m = dynamicM ? m : static_cast<int64_t>(llvm::alignTo(m, 16));
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
        // Split-K: column tiles x K slices.
        splitKernel
            ? i64s({SplitKPlan::columnTiles(spec.n), splitPlan.splits, 1})
            : i64s({dynamicM ? 0 : (spec.m / t.tileM) * (spec.n / t.tileN), 1,
                    1}),
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
      rows = tensor::DimOp::create(b, loc, mm.getLhs(), 0);
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
    auto outMemTy = MemRefType::get({spec.m, spec.n}, outTy.getElementType());
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
        b, loc, RankedTensorType::get({spec.m, spec.n}, outTy.getElementType()),
        out, /*restrict=*/true, /*writable=*/true);
    if (dynamicM) {
      SmallVector<OpFoldResult> offsets(2, b.getIndexAttr(0));
      SmallVector<OpFoldResult> sizes = {rows, b.getIndexAttr(spec.n)};
      SmallVector<OpFoldResult> strides(2, b.getIndexAttr(1));
      result = tensor::ExtractSliceOp::create(b, loc, outTy, result, offsets,
                                              sizes, strides);
    } else if (spec.m != m) {
      result = tensor::ExtractSliceOp::create(
          b, loc, outTy, result,
          ArrayRef<OpFoldResult>{b.getIndexAttr(0), b.getIndexAttr(0)},
          ArrayRef<OpFoldResult>{b.getIndexAttr(m), b.getIndexAttr(spec.n)},
          ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1)});
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
