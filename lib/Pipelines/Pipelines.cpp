//===- Pipelines.cpp - quantc pass pipelines ------------------------------===//
#include "quantc/Pipelines/Pipelines.h"
#include "quantc/Conversion/Passes.h"
#include "quantc/Dialect/QuantC/IR/QuantCOps.h"
#include "quantc/Dialect/QuantC/Transforms/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Conversion/VectorToSCF/VectorToSCF.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/Transforms/Transforms.h"
#include "mlir/Dialect/Vector/Transforms/Passes.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/ErrorHandling.h"
#include "llvm/Support/FileSystem.h"

#include "llvm/Support/raw_ostream.h"
#include "llvm/TargetParser/Host.h"
#include <cstdlib>

using namespace mlir;

namespace {
/// Why `name` cannot name a function the pipelines compile, or "": the
/// lowered code calls C runtime functions by name (a definition of that
/// name would take those calls, e.g. every buffer's malloc), and the
/// pipelines and runtimes name their own symbols with these prefixes.
static std::string reservedFunctionName(StringRef name) {
  static constexpr StringLiteral kRuntime[] = {
      // The C library (allocation, copies, process exit).
      "malloc", "free", "calloc", "realloc", "aligned_alloc", "posix_memalign",
      "memcpy", "memmove", "memset", "memcmp", "abort", "exit", "printf",
      "puts", "putchar", "fprintf",
      // libm, which math ops lower to (float and double forms).
      "expf", "exp2f", "expm1f", "logf", "log2f", "log10f", "log1pf", "powf",
      "sqrtf", "sinf", "cosf", "tanf", "tanhf", "atanf", "atan2f", "erff",
      "erfcf", "fabsf", "floorf", "ceilf", "roundf", "truncf", "fmaf", "fmodf",
      "exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "pow", "sqrt",
      "sin", "cos", "tan", "tanh", "atan", "atan2", "erf", "erfc", "fabs",
      "floor", "ceil", "round", "trunc", "fma", "fmod",
      // MLIR's and quantc's runtimes.
      "memrefCopy"};
  // (`__quantc_prepare` and the `__quantc_state_<k>` globals are a contract
  // hand-written modules may implement: docs/EMBEDDING.md.)
  static constexpr StringLiteral kPrefixes[] = {"_mlir_",  "GOMP_", "omp_",
                                                "__kmpc_", "mgpu",  "llvm."};
  for (StringRef r : kRuntime)
    if (name == r)
      return ("the compiled code calls the C runtime's " + r +
              " by this name, and a definition would take those calls")
          .str();
  for (StringRef p : kPrefixes)
    if (name.starts_with(p))
      return ("names starting with '" + p +
              "' are the compiler's and its runtimes' own symbols")
          .str();
  return "";
}

/// Each pipeline's first pass: an input it cannot compile gets one error
/// saying why, instead of a failure of IR the pipeline generated itself.
/// - Functions in a nested builtin.module: the kernels, packed weights and
///   helpers are inserted into the outermost module, out of the nested
///   functions' reach.
/// - quantc.param without parameters bound at load time (weights=load of
///   the CPU pipeline): nothing would give it a value.
/// - A function definition with a reserved name (reservedFunctionName).
struct CheckPipelineInput
    : PassWrapper<CheckPipelineInput, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(CheckPipelineInput)
  CheckPipelineInput(StringRef pipeline, bool paramsBound)
      : pipeline(pipeline.str()), paramsBound(paramsBound) {}
  StringRef getArgument() const override {
    return "quantc-check-pipeline-input";
  }
  StringRef getDescription() const override {
    return "Reject inputs the quantc pipelines cannot compile";
  }
  void runOnOperation() override {
    ModuleOp top = getOperation();
    bool bad = false;
    top.walk<WalkOrder::PreOrder>([&](Operation *op) {
      if (auto inner = dyn_cast<ModuleOp>(op); inner && inner != top) {
        if (!inner.getOps<func::FuncOp>().empty()) {
          inner.emitError()
              << pipeline
              << " compiles the functions of the outermost module only: "
                 "this nested module holds functions (run the pipeline on "
                 "it as a module of its own)";
          bad = true;
        }
        return WalkResult::skip();
      }
      if (auto fn = dyn_cast<func::FuncOp>(op); fn && !fn.isExternal()) {
        std::string why = reservedFunctionName(fn.getSymName());
        if (!why.empty()) {
          fn.emitError() << "@" << fn.getSymName() << " cannot be compiled "
                         << "under this name: " << why
                         << "; rename the function";
          bad = true;
        }
      }
      if (isa<quantc::ParamOp>(op) && !paramsBound) {
        op->emitError() << "quantc.param is bound at load time, which "
                        << pipeline
                        << (pipeline == "--quantc-cpu-pipeline"
                                ? " does with its option weights=load"
                                : " does not do (the CPU pipeline does, "
                                  "with weights=load)")
                        << "; without it, write the weight as a constant";
        bad = true;
      }
      return WalkResult::advance();
    });
    if (bad)
      signalPassFailure();
  }
  std::string pipeline;
  bool paramsBound;
};

/// Gives each use of a tensor.empty (and of a linalg.fill of one) its own,
/// placed before the user when it is in the same block (CSE merges
/// identical ones): empty-tensor elimination then builds each user's
/// destination from its own insert_slice. With one shared empty, every
/// same-shaped quantization in the function was made to write into the first
/// padded convolution input's interior, and one-shot bufferization copied that
/// whole buffer, and the interior twice, per convolution.
struct SplitSharedEmptyTensors
    : PassWrapper<SplitSharedEmptyTensors, OperationPass<func::FuncOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(SplitSharedEmptyTensors)
  StringRef getArgument() const override {
    return "quantc-split-shared-empty-tensors";
  }
  StringRef getDescription() const override {
    return "Give each use of a tensor.empty its own";
  }
  void runOnOperation() override {
    // A fill of an empty tensor (a padded buffer's zeros) is one too: it is
    // cloned with its own empty.
    SmallVector<Operation *> fills, empties;
    getOperation().walk([&](linalg::FillOp f) {
      if (f.hasPureTensorSemantics() &&
          f.getDpsInits()[0].getDefiningOp<tensor::EmptyOp>())
        fills.push_back(f);
    });
    for (Operation *f : fills)
      splitUses(f, [](OpBuilder &b, Operation *fill) {
        Value init = cast<linalg::FillOp>(fill).getDpsInits()[0];
        IRMapping map;
        map.map(init, b.clone(*init.getDefiningOp())->getResult(0));
        return b.clone(*fill, map);
      });
    getOperation().walk([&](tensor::EmptyOp e) { empties.push_back(e); });
    for (Operation *e : empties)
      splitUses(e, [](OpBuilder &b, Operation *op) { return b.clone(*op); });
  }

  /// Gives every use of `op`'s result but the first a copy made by
  /// `clone` (before the user in the same block, else right after `op`).
  static void
  splitUses(Operation *op,
            llvm::function_ref<Operation *(OpBuilder &, Operation *)> clone) {
    SmallVector<OpOperand *> uses;
    for (OpOperand &use : op->getUses())
      uses.push_back(&use);
    OpBuilder b(op);
    for (OpOperand *use : llvm::drop_begin(uses)) {
      Operation *user = use->getOwner();
      if (user->getBlock() == op->getBlock())
        b.setInsertionPoint(user);
      else
        b.setInsertionPointAfter(op);
      use->set(clone(b, op)->getResult(0));
    }
  }
};

/// Upstream's --linalg-fuse-elementwise-ops (the same patterns: elementwise
/// fusion, reshapes folded by expansion, the canonicalizations, constant
/// folding) with one more condition on a fusion: the consumer reads the
/// producer's result through a projected permutation. A consumer that reads
/// it through another map (an im2col gather, `o * stride + w`) visits some
/// of its elements several times and others never: the fused op would
/// recompute the producer per visit and write the producer's own result
/// (still an output of the fused op) at the gathered positions, so a
/// producer that accumulates into its init (a convolution) would add its
/// sum once per visit.
struct FuseElementwise
    : PassWrapper<FuseElementwise, OperationPass<func::FuncOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(FuseElementwise)
  StringRef getArgument() const override { return "quantc-fuse-elementwise"; }
  StringRef getDescription() const override {
    return "Fuse single-use elementwise producers into consumers that read "
           "them through a projected permutation";
  }
  void getDependentDialects(DialectRegistry &registry) const override {
    registry.insert<affine::AffineDialect, linalg::LinalgDialect,
                    tensor::TensorDialect>();
  }
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    linalg::ControlFusionFn control = [](OpOperand *fused) {
      Operation *producer = fused->get().getDefiningOp();
      if (!producer || !producer->hasOneUse())
        return false;
      auto consumer = dyn_cast<linalg::LinalgOp>(fused->getOwner());
      if (!consumer)
        return true;
      AffineMap m = consumer.getMatchingIndexingMap(fused);
      if (m.isPermutation())
        return true;
      // A broadcast consumer recomputes the producer along the broadcast
      // dimensions: harmless unless the producer reads its init (each
      // recomputation would add to it again).
      auto p = dyn_cast<linalg::LinalgOp>(producer);
      bool readsInit =
          p && llvm::any_of(p.getDpsInitsMutable(), [&](OpOperand &o) {
            return p.payloadUsesValueFromOperand(&o);
          });
      return m.isProjectedPermutation(/*allowZeroInResults=*/true) &&
             !readsInit;
    };
    RewritePatternSet patterns(ctx);
    linalg::populateElementwiseOpsFusionPatterns(patterns, control);
    linalg::populateFoldReshapeOpsByExpansionPatterns(patterns, control);
    tensor::populateBubbleUpExpandShapePatterns(patterns);
    affine::AffineApplyOp::getCanonicalizationPatterns(patterns, ctx);
    linalg::GenericOp::getCanonicalizationPatterns(patterns, ctx);
    tensor::ExpandShapeOp::getCanonicalizationPatterns(patterns, ctx);
    tensor::CollapseShapeOp::getCanonicalizationPatterns(patterns, ctx);
    ctx->getLoadedDialect<linalg::LinalgDialect>()->getCanonicalizationPatterns(
        patterns);
    linalg::populateConstantFoldLinalgOperations(patterns, control);
    (void)applyPatternsGreedily(getOperation(), std::move(patterns),
                                GreedyRewriteConfig().setUseTopDownTraversal());
  }
};
} // namespace

/// What both pipelines start with: upstream QDQ in, convolutions as GEMMs,
/// fused into int8 GEMMs
/// (unless `fuse` is off), and int32 accumulators that could overflow (or
/// that exceed `maxChunk`, a kernel's limit) split into exact int64 sums.
static void addFrontEnd(OpPassManager &pm, bool fuse, int64_t maxChunk) {
  pm.addPass(quantc::createQuantCImportQuant());
  // Convolutions as im2col + GEMM (QDQ ones gathered in int8), so that the
  // GEMM paths below (fusion, the int8 and FMA kernels) take them.
  pm.addNestedPass<func::FuncOp>(quantc::createQuantCConvToGemm());
  if (fuse) {
    OpPassManager &fpm = pm.nest<func::FuncOp>();
    fpm.addPass(createCanonicalizerPass());
    fpm.addPass(quantc::createQuantCFuse());
    fpm.addPass(createCanonicalizerPass());
    fpm.addPass(createCSEPass());
  }
  quantc::QuantCSplitKOptions splitK;
  splitK.maxChunk = maxChunk;
  pm.addNestedPass<func::FuncOp>(quantc::createQuantCSplitK(splitK));
}

/// One-shot bufferization as both pipelines run it: whole functions with
/// identity layouts, and loops may carry freshly computed tensors (a decode
/// loop's activations).
static bufferization::OneShotBufferizePassOptions bufferizeOptions() {
  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  bufferize.allowReturnAllocsFromLoops = true;
  return bufferize;
}

/// `cpu=host` picks the best code generator the compiling machine supports.
static quantc::CpuPipelineOptions::Cpu
resolveCpu(quantc::CpuPipelineOptions::Cpu cpu) {
  using Cpu = quantc::CpuPipelineOptions::Cpu;
  if (cpu != Cpu::host)
    return cpu;
  auto f = llvm::sys::getHostCPUFeatures();
  if (f.lookup("avx512f") && f.lookup("avx512bw") && f.lookup("avx512vnni"))
    return f.lookup("amx-tile") && f.lookup("amx-int8") ? Cpu::amx : Cpu::vnni;
  return f.lookup("avx2") ? Cpu::avx2 : Cpu::generic;
}

void quantc::buildCpuPipeline(OpPassManager &pm,
                              const CpuPipelineOptions &opts) {
  using Cpu = quantc::CpuPipelineOptions::Cpu;
  Cpu cpu = resolveCpu(opts.cpu);
  bool amx = cpu == Cpu::amx || cpu == Cpu::amxEmulated;
  bool x86Kernels =
      cpu == Cpu::vnni || cpu == Cpu::vnniEmulated || cpu == Cpu::avx2 || amx;
  bool load = opts.weights == CpuPipelineOptions::Weights::load;
  pm.addPass(
      std::make_unique<CheckPipelineInput>("--quantc-cpu-pipeline", load));
  if (opts.reportCost) {
    // The cost table for the machine compiled for (a target planned for by
    // --quantc-select-scheme stays).
    QuantCRecordCostTargetOptions record;
    record.target = cpu == Cpu::vnni || cpu == Cpu::vnniEmulated
                        ? CostTarget::xeonAmx2c
                        : CostTarget::zen3_2c;
    pm.addNestedPass<func::FuncOp>(createQuantCRecordCostTarget(record));
    pm.addNestedPass<func::FuncOp>(createQuantCReportCost());
  }
  // Weights become parameters before any pass could read, fold or pack them.
  if (load)
    pm.addPass(quantc::createQuantCBindParams());
  // amx: the K chunks of vpdpbusd, which takes amx's GEMMs of few rows.
  addFrontEnd(pm, opts.fuse,
              x86Kernels
                  ? X86GemmPlanAttr::getMaxK(
                        cpu == Cpu::avx2 ? X86Isa::avx2 : X86Isa::avx512_vnni)
                  : 0);
  if (x86Kernels) {
    // int8 GEMMs with constant weights become x86 micro-kernels; the rest
    // (and every other op) takes the reference lowering below.
    QuantCLowerMatmulToX86Options x86;
    x86.isa = cpu == Cpu::avx2 ? X86Isa::avx2
              : amx            ? X86Isa::amx
                               : X86Isa::avx512_vnni;
    // Tile options <= 0 keep the pass defaults; the pass bounds the rest.
    x86.mr = opts.vnniMr > 0 ? int64_t(opts.vnniMr) : 0;
    x86.nr = opts.vnniNr > 0 ? int64_t(opts.vnniNr) : 0;
    x86.kunroll = opts.vnniKUnroll > 0 ? int64_t(opts.vnniKUnroll) : 0;
    x86.panelBlockKib =
        opts.vnniPanelBlockKib > 0 ? int64_t(opts.vnniPanelBlockKib) : 0;
    if (opts.vnniParallelMinMacs != -2)
      x86.parallelMinMacs = opts.vnniParallelMinMacs;
    if (opts.vnniSmallM != -1)
      x86.smallM = opts.vnniSmallM;
    x86.dynamicMChunk = opts.vnniDynamicMChunk;
    // Testing only: the same kernels with vpdpbusd emulated, runnable on any
    // x86 (or other) host.
    x86.emulate = cpu == Cpu::vnniEmulated || cpu == Cpu::amxEmulated;
    // The weight-only and float kernels have no AMX form: AVX-512 on an
    // AMX CPU.
    X86Isa vectorIsa = amx ? X86Isa::avx512_vnni : x86.isa;
    pm.addPass(createQuantCLowerMatmulToX86(x86));
    // Weight-only GEMMs (float activations x quantc.dequantize of int8
    // weights) read the int8 weight and widen it in registers; this runs
    // while the quantc.dequantize is still there (before
    // convert-quantc-to-linalg) and before the float kernels, which would
    // take the dequantized weight.
    QuantCLowerWeightOnlyToX86Options wx86;
    wx86.isa = vectorIsa;
    wx86.parallelMinMacs = x86.parallelMinMacs;
    pm.addPass(createQuantCLowerWeightOnlyToX86(wx86));
    // Float contractions left in the program (layers kept in float,
    // attention, outlier GEMMs) become FMA micro-kernels.
    QuantCLowerFloatContractionsToX86Options fx86;
    fx86.isa = vectorIsa;
    fx86.parallelMinMacs = x86.parallelMinMacs;
    pm.addPass(createQuantCLowerFloatContractionsToX86(fx86));
  }
  pm.addPass(createConvertQuantCToLinalg());
  pm.addNestedPass<func::FuncOp>(createConvertElementwiseToLinalgPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  // Parameters the kernels did not pack (after the canonicalizer dropped the
  // ones they did) become raw state; the prepare body takes them.
  if (load)
    pm.addPass(createQuantCLowerParams());
  if (x86Kernels) {
    // A single-use elementwise producer is fused into its consumer (e.g.
    // softmax's rescale, scale and mask into the row maximum, exp into the
    // row sum): one pass over the [H, S, S] scores instead of one per op,
    // and no temporary for each (measured: prefill 512 of the main model
    // 1.2x faster).
    pm.addNestedPass<func::FuncOp>(std::make_unique<FuseElementwise>());
    // Elementwise and row-reduction code (norms, softmax, activations,
    // quantization) in vector-width tiles, whatever runs LLVM afterwards.
    QuantCX86VectorizeElementwiseOptions vec;
    vec.lanes = cpu == Cpu::avx2 ? 8 : 16;
    pm.addNestedPass<func::FuncOp>(createQuantCX86VectorizeElementwise(vec));
    pm.addPass(createCanonicalizerPass());
  }
  // Results inserted into a destination (the per-token quantization's rows)
  // are computed in place instead of in a temporary.
  pm.addNestedPass<func::FuncOp>(std::make_unique<SplitSharedEmptyTensors>());
  pm.addPass(bufferization::createEmptyTensorEliminationPass());
  pm.addPass(bufferization::createOneShotBufferizePass(bufferizeOptions()));
  // A copy between two subviews of one region (an insert_slice of a value
  // computed in place) folds away once CSE has merged the subviews.
  pm.addPass(createCSEPass());
  pm.addPass(createCanonicalizerPass());
  // No heap allocation per call (or per loop iteration) for temporaries that
  // do not escape: hoisted out of loops, and on the stack up to 64 KiB each.
  {
    OpPassManager &fpm = pm.nest<func::FuncOp>();
    fpm.addPass(bufferization::createBufferLoopHoistingPass());
    bufferization::PromoteBuffersToStackPassOptions toStack;
    toStack.maxAllocSizeInBytes = 65536;
    fpm.addPass(bufferization::createPromoteBuffersToStackPass(toStack));
  }
  bufferization::buildBufferDeallocationPipeline(pm);
  // The deallocation pipeline clones returned arguments and constants.
  pm.addPass(createConvertBufferizationToMemRefPass());
  // The row loops of norms, softmax, RoPE, activations and quantization on
  // the OpenMP team, like the GEMM kernels (unless those are single-threaded).
  if (x86Kernels) {
    QuantCX86OutlineRowsOptions rows;
    if (opts.vnniParallelMinMacs == -1)
      rows.minWork = -1;
    else if (opts.rowsMinWork != -2)
      rows.minWork = opts.rowsMinWork;
    pm.addPass(createQuantCX86OutlineRows(rows));
  }
  // The kernels' intrinsics become llvm.call_intrinsic only now: the
  // deallocation passes reject ops with unknown memory effects.
  pm.addPass(createQuantCX86IntrinsicsToLLVM());
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToLoopsPass());
  if (x86Kernels) {
    // The vectorized tiles' n-D transfers and reductions -> 1-D vector ops.
    pm.addNestedPass<func::FuncOp>(
        vector::createLowerVectorMultiReductionPass());
    pm.addNestedPass<func::FuncOp>(createConvertVectorToSCFPass(
        VectorTransferToSCFOptions().enableFullUnroll()));
  }
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createConvertMathToLibmPass());
  pm.addPass(createConvertVectorToLLVMPass());
  // The amx kernels' tile ops, and the tiles their K loops carry.
  if (amx)
    pm.addPass(createQuantCX86AmxToLLVM());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  // void __quantc_prepare(void **params), calling the lowered prepare body.
  if (load)
    pm.addPass(createQuantCEmitPrepare());
  // The vectorizer's padding values (ub.poison).
  pm.addPass(createUBToLLVMConversionPass());
  pm.addPass(createQuantCX86OutlineOMP());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
}

void quantc::buildGpuPipeline(OpPassManager &pm,
                              const GpuPipelineOptions &opts) {
  // ptxas and libdevice (GELU's erf) come from the CUDA toolkit: CUDA_HOME,
  // else /usr/local/cuda, else whatever gpu-module-to-binary finds on PATH.
  std::string toolkit;
  const char *cudaHome = std::getenv("CUDA_HOME");
  if (cudaHome && *cudaHome)
    toolkit = cudaHome;
  else if (llvm::sys::fs::is_directory("/usr/local/cuda/nvvm/libdevice"))
    toolkit = "/usr/local/cuda";

  pm.addPass(std::make_unique<CheckPipelineInput>("--quantc-gpu-pipeline",
                                                  /*paramsBound=*/false));
  // The MMA saturates its int32 accumulators: only the analysis' split.
  addFrontEnd(pm, opts.fuse, /*maxChunk=*/0);
  // GEMMs go to kernels first; the rest follows the CPU lowering on the host.
  ConvertQuantCToGPUOptions gemm;
  gemm.chip = opts.chip;
  gemm.tileM = opts.tileM;
  gemm.tileN = opts.tileN;
  gemm.tileK = opts.tileK;
  gemm.warpM = opts.warpM;
  gemm.warpN = opts.warpN;
  gemm.stages = opts.stages;
  gemm.tma = opts.tma;
  gemm.splitK = opts.splitK;
  pm.addPass(createConvertQuantCToGPU(gemm));
  pm.addPass(createConvertQuantCToLinalg());
  pm.addNestedPass<func::FuncOp>(createConvertElementwiseToLinalgPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  // The host's elementwise and row-reduction code (norms, softmax, what the
  // GPU kernels do not take) on vectors too: 8 lanes, which every host ISA
  // the GPUs come with (x86 AVX2 / AVX-512, Arm NEON / SVE) legalizes.
  QuantCX86VectorizeElementwiseOptions hostVec;
  hostVec.lanes = 8;
  pm.addNestedPass<func::FuncOp>(createQuantCX86VectorizeElementwise(hostVec));
  pm.addPass(createCanonicalizerPass());
  pm.addPass(bufferization::createOneShotBufferizePass(bufferizeOptions()));
  bufferization::buildBufferDeallocationPipeline(pm);
  pm.addPass(createConvertBufferizationToMemRefPass());
  // The launch wrappers get their bodies after buffer deallocation, which
  // does not model the GPU runtime ops.
  pm.addPass(createQuantCGPULaunchWrappers());
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToLoopsPass());
  pm.addNestedPass<func::FuncOp>(vector::createLowerVectorMultiReductionPass());
  pm.addNestedPass<func::FuncOp>(createConvertVectorToSCFPass(
      VectorTransferToSCFOptions().enableFullUnroll()));
  pm.addPass(createConvertNVGPUToNVVMPass());
  pm.addPass(createConvertNVVMToLLVMPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());
  GpuNVVMAttachTargetOptions target;
  target.moduleMatcher = "quantc_kernels";
  target.chip = stringifyGpuChip(opts.chip);
  target.features = "+ptx80";
  target.optLevel = 3;
  pm.addPass(createGpuNVVMAttachTarget(target));
  // Kernels are lowered to NVVM before the host's math-to-libm, which would
  // otherwise reach into them.
  OpPassManager &kernels = pm.nest<gpu::GPUModuleOp>();
  ConvertGpuOpsToNVVMOpsOptions toNVVM;
  toNVVM.useBarePtrCallConv = true;
  kernels.addPass(createConvertGpuOpsToNVVMOps(toNVVM));
  kernels.addPass(createCanonicalizerPass());
  kernels.addPass(createCSEPass());
  kernels.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createConvertVectorToLLVMPass());
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createConvertMathToLibmPass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  GpuToLLVMConversionPassOptions toLLVM;
  toLLVM.kernelBarePtrCallConv = true;
  pm.addPass(createGpuToLLVMConversionPass(toLLVM));
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  GpuModuleToBinaryPassOptions binary;
  binary.toolkitPath = toolkit;
  switch (opts.format) {
  case GpuPipelineOptions::BinaryFormat::bin:
    binary.compilationTarget = "bin";
    break;
  case GpuPipelineOptions::BinaryFormat::isa:
    binary.compilationTarget = "isa";
    break;
  case GpuPipelineOptions::BinaryFormat::fatbin:
    binary.compilationTarget = "fatbin";
    break;
  case GpuPipelineOptions::BinaryFormat::offload:
    binary.compilationTarget = "offload";
    break;
  }
  pm.addPass(createGpuModuleToBinaryPass(binary));
}

/// The first violation only: "--PIPELINE: NAME must be >= 0 (0: ZERO), got
/// V" into `os` when `v` is negative and `msg` is still empty.
static void checkNonNegative(llvm::raw_ostream &os, const std::string &msg,
                             StringRef pipeline, StringRef name, StringRef zero,
                             int64_t v) {
  if (v < 0 && msg.empty())
    os << "--" << pipeline << ": " << name << " must be >= 0 (0: " << zero
       << "), got " << v;
}

std::string quantc::validateCpuPipelineOptions(const CpuPipelineOptions &opts) {
  std::string msg;
  llvm::raw_string_ostream os(msg);
  auto nonNegative = [&](const char *name, int64_t v) {
    checkNonNegative(os, msg, "quantc-cpu-pipeline", name, "the default", v);
  };
  nonNegative("vnni-mr", opts.vnniMr);
  nonNegative("vnni-nr", opts.vnniNr);
  nonNegative("vnni-kunroll", opts.vnniKUnroll);
  nonNegative("vnni-panel-block-kib", opts.vnniPanelBlockKib);
  if (msg.empty() && opts.vnniParallelMinMacs != -2 &&
      !X86GemmPlanAttr::isValidParallelMinMacs(opts.vnniParallelMinMacs))
    os << "--quantc-cpu-pipeline: vnni-parallel-min-macs must be a number of "
          "multiply-adds >= 0, -1 (never parallel) or -2 (the default), got "
       << opts.vnniParallelMinMacs;
  if (msg.empty() && opts.rowsMinWork < -2)
    os << "--quantc-cpu-pipeline: rows-min-work must be a number of vectors "
          ">= 0, -1 (never parallel) or -2 (the default), got "
       << opts.rowsMinWork;
  if (msg.empty() &&
      (opts.vnniSmallM < -1 || opts.vnniSmallM > X86GemmPlanAttr::kMaxSmallM))
    os << "--quantc-cpu-pipeline: vnni-small-m must be a number of rows in "
          "[0, "
       << X86GemmPlanAttr::kMaxSmallM
       << "] (0: never) or -1 (the default), got " << opts.vnniSmallM;
  if (msg.empty() && opts.vnniDynamicMChunk != 0 &&
      !X86GemmPlanAttr::isValidDynamicMChunk(opts.vnniDynamicMChunk))
    os << "--quantc-cpu-pipeline: vnni-dynamic-m-chunk must be a power of "
          "two in [1, "
       << X86GemmPlanAttr::kMaxDynamicMChunk << "] or 0 (the default), got "
       << opts.vnniDynamicMChunk;
  return msg;
}

std::string quantc::validateGpuPipelineOptions(const GpuPipelineOptions &opts) {
  std::string msg;
  llvm::raw_string_ostream os(msg);
  auto nonNegative = [&](const char *name, int64_t v) {
    checkNonNegative(os, msg, "quantc-gpu-pipeline", name, "automatic", v);
  };
  nonNegative("tile-m", opts.tileM);
  nonNegative("tile-n", opts.tileN);
  nonNegative("tile-k", opts.tileK);
  nonNegative("warp-m", opts.warpM);
  nonNegative("warp-n", opts.warpN);
  nonNegative("stages", opts.stages);
  if (msg.empty() && opts.splitK < -1)
    os << "--quantc-gpu-pipeline: split-k must be -1 (never), 0 (automatic) "
          "or a number of K slices, got "
       << static_cast<int64_t>(opts.splitK);
  if (msg.empty() && opts.tma && opts.chip != GpuChip::sm_90a)
    os << "--quantc-gpu-pipeline: tma=1 needs chip=sm_90a (TMA loads feed "
          "the wgmma kernel); drop tma or target sm_90a";
  return msg;
}

/// Registers a pipeline whose options are parsed, then checked against their
/// domains: every problem ends in an "error:" diagnostic (an unknown enum
/// value is reported by the option parser first) and a failed pipeline.
template <typename Options>
static void registerChecked(StringRef arg, StringRef description,
                            StringRef syntax,
                            void (*build)(OpPassManager &, const Options &),
                            std::string (*validate)(const Options &)) {
  registerPassPipeline(
      arg, description,
      [=](OpPassManager &pm, StringRef optionsStr,
          function_ref<LogicalResult(const Twine &)> errorHandler) {
        Options options;
        if (failed(options.parseFromString(optionsStr)))
          return errorHandler("invalid options '" + optionsStr + "' for --" +
                              arg + "; it takes " + syntax);
        std::string bad = validate(options);
        if (!bad.empty())
          return errorHandler(bad);
        build(pm, options);
        return success();
      },
      [](function_ref<void(const detail::PassOptions &)> optHandler) {
        optHandler(Options());
      });
}

void quantc::registerPipelines() {
  // The CPU pipeline's step before bufferization, for lit tests.
  PassRegistration<SplitSharedEmptyTensors>();
  PassRegistration<FuseElementwise>();
  registerChecked<GpuPipelineOptions>(
      "quantc-gpu-pipeline",
      "Lower quantized tensor IR to host LLVM dialect plus a gpu.binary whose "
      "int8 GEMMs run on Tensor Cores (options: chip=sm_90 format=bin|isa|"
      "fatbin)",
      "chip=sm_80|sm_86|sm_87|sm_89|sm_90|sm_90a "
      "format=bin|isa|fatbin|offload fuse=true|false tma=true|false and "
      "tile-m, tile-n, tile-k, warp-m, warp-n, stages >= 0",
      buildGpuPipeline, validateGpuPipelineOptions);
  registerChecked<CpuPipelineOptions>(
      "quantc-cpu-pipeline",
      "Lower quantized tensor IR (quantc ops or upstream QDQ) to LLVM dialect "
      "runnable with mlir-runner",
      "cpu=host|vnni|vnni-emulated|amx|amx-emulated|avx2|generic "
      "fuse=true|false "
      "weights=embed|load, vnni-mr, "
      "vnni-nr, vnni-kunroll, vnni-panel-block-kib >= 0 and "
      "vnni-parallel-min-macs >= -2, rows-min-work >= -2, "
      "vnni-small-m in [-1, 64], "
      "vnni-dynamic-m-chunk a power of two <= 4096 (0: default)",
      buildCpuPipeline, validateCpuPipelineOptions);
}
