//===- Pipelines.cpp - quantc pass pipelines ------------------------------===//
#include "quantc/Pipelines/Pipelines.h"

#include "quantc/Conversion/Passes.h"
#include "quantc/Dialect/QuantC/Transforms/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/ErrorHandling.h"
#include "llvm/Support/FileSystem.h"

#include "llvm/Support/raw_ostream.h"
#include "llvm/TargetParser/Host.h"
#include <cstdlib>

using namespace mlir;

/// Every step is a registered pass, so the pipeline reads like the command
/// line a user would type and `--dump-pass-pipeline` shows it verbatim.
static const char *kCpuLowering =
    "convert-quantc-to-linalg,"
    "func.func(convert-elementwise-to-linalg),canonicalize,cse,"
    // Results inserted into a destination (the per-token quantization's
    // rows) are computed in place instead of in a temporary.
    "eliminate-empty-tensors,"
    "one-shot-bufferize{bufferize-function-boundaries=1 "
    "function-boundary-type-conversion=identity-layout-map},"
    // No heap allocation per call (or per loop iteration) for temporaries
    // that do not escape: hoisted out of loops, and on the stack up to
    // 64 KiB each.
    "func.func(buffer-loop-hoisting,"
    "promote-buffers-to-stack{max-alloc-size-in-bytes=65536}),"
    "buffer-deallocation-pipeline,"
    // The deallocation pipeline clones returned arguments and constants.
    "convert-bufferization-to-memref,%s,"
    "func.func(convert-linalg-to-loops),"
    "expand-strided-metadata,lower-affine,convert-scf-to-cf,"
    "convert-math-to-llvm,convert-math-to-libm,convert-vector-to-llvm,"
    "finalize-memref-to-llvm,convert-arith-to-llvm,convert-index-to-llvm,"
    "convert-func-to-llvm,quantc-vnni-outline-gomp,convert-cf-to-llvm,"
    "reconcile-unrealized-casts";

/// `cpu=host` picks the best code generator the compiling machine supports.
static quantc::CpuPipelineOptions::Cpu
resolveCpu(quantc::CpuPipelineOptions::Cpu cpu) {
  using Cpu = quantc::CpuPipelineOptions::Cpu;
  if (cpu != Cpu::host)
    return cpu;
  auto f = llvm::sys::getHostCPUFeatures();
  if (f.lookup("avx512f") && f.lookup("avx512bw") && f.lookup("avx512vnni"))
    return Cpu::vnni;
  return f.lookup("avx2") ? Cpu::avx2 : Cpu::generic;
}

void quantc::buildCpuPipeline(OpPassManager &pm,
                              const CpuPipelineOptions &opts) {
  using Cpu = quantc::CpuPipelineOptions::Cpu;
  Cpu cpu = resolveCpu(opts.cpu);
  std::string pipeline = "quantc-import-quant,";
  if (opts.fuse)
    pipeline += "func.func(canonicalize,quantc-fuse,canonicalize,cse),";
  std::string materialize = "quantc-vnni-materialize-kernels";
  if (cpu == Cpu::vnni || cpu == Cpu::vnniEmulated || cpu == Cpu::avx2) {
    // int8 GEMMs with constant weights become VNNI (or AVX2) micro-kernels;
    // the rest (and every other op) takes the reference lowering below.
    std::string tile = cpu == Cpu::avx2 ? "isa=avx2" : "";
    auto addOpt = [&](const char *name, int64_t v) {
      if (v > 0)
        tile += (tile.empty() ? "" : " ") + std::string(name) + "=" +
                std::to_string(v);
    };
    addOpt("mr", opts.vnniMr);
    addOpt("nr", opts.vnniNr);
    addOpt("kunroll", opts.vnniKUnroll);
    addOpt("panel-block-kib", opts.vnniPanelBlockKib);
    if (opts.vnniParallelMinMacs != -2)
      tile += (tile.empty() ? "" : " ") + std::string("parallel-min-macs=") +
              std::to_string(opts.vnniParallelMinMacs);
    pipeline += "quantc-lower-matmul-to-vnni" +
                (tile.empty() ? std::string() : "{" + tile + "}") + ",";
    // Testing only: the same kernels with vpdpbusd emulated, runnable on any
    // x86 (or other) host.
    if (cpu == Cpu::vnniEmulated)
      materialize += "{emulate-vpdpbusd=1}";
  }
  std::string lowering = kCpuLowering;
  lowering.replace(lowering.find("%s"), 2, materialize);
  pipeline += lowering;
  if (failed(parsePassPipeline(pipeline, pm, llvm::errs())))
    llvm::report_fatal_error("quantc: malformed built-in CPU pipeline");
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

  pm.addPass(createQuantCImportQuant());
  if (opts.fuse) {
    OpPassManager &fpm = pm.nest<func::FuncOp>();
    fpm.addPass(createCanonicalizerPass());
    fpm.addPass(createQuantCFuse());
    fpm.addPass(createCanonicalizerPass());
    fpm.addPass(createCSEPass());
  }
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
  pm.addPass(createConvertQuantCToGPU(gemm));
  pm.addPass(createConvertQuantCToLinalg());
  pm.addNestedPass<func::FuncOp>(createConvertElementwiseToLinalgPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  bufferization::buildBufferDeallocationPipeline(pm);
  pm.addPass(createConvertBufferizationToMemRefPass());
  // The launch wrappers get their bodies after buffer deallocation, which
  // does not model the GPU runtime ops.
  pm.addPass(createQuantCGPULaunchWrappers());
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToLoopsPass());
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

void quantc::registerPipelines() {
  PassPipelineRegistration<GpuPipelineOptions>(
      "quantc-gpu-pipeline",
      "Lower quantized tensor IR to host LLVM dialect plus a gpu.binary whose "
      "int8 GEMMs run on Tensor Cores (options: chip=sm_90 format=bin|isa|"
      "fatbin)",
      buildGpuPipeline);
  PassPipelineRegistration<CpuPipelineOptions>(
      "quantc-cpu-pipeline",
      "Lower quantized tensor IR (quantc ops or upstream QDQ) to LLVM dialect "
      "runnable with mlir-runner",
      buildCpuPipeline);
}
