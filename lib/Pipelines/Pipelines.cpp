//===- Pipelines.cpp - quantc pass pipelines ------------------------------===//
#include "quantc/Pipelines/Pipelines.h"
#include "quantc/Conversion/Passes.h"
#include "quantc/Dialect/QuantC/Transforms/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/ErrorHandling.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"

#include "llvm/Support/raw_ostream.h"
#include "llvm/TargetParser/Host.h"
#include <cstdlib>

using namespace mlir;

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
  pm.addPass(createQuantCImportQuant());
  if (opts.fuse) {
    OpPassManager &fpm = pm.nest<func::FuncOp>();
    fpm.addPass(createCanonicalizerPass());
    fpm.addPass(createQuantCFuse());
    fpm.addPass(createCanonicalizerPass());
    fpm.addPass(createCSEPass());
  }
  bool x86Kernels =
      cpu == Cpu::vnni || cpu == Cpu::vnniEmulated || cpu == Cpu::avx2;
  // An int32 accumulator that could overflow (or a K beyond what the x86
  // kernels sum safely) is split into chunks summed exactly in int64.
  QuantCSplitKOptions splitK;
  if (x86Kernels)
    splitK.maxChunk = X86GemmPlanAttr::getMaxK(
        cpu == Cpu::avx2 ? X86Isa::avx2 : X86Isa::avx512_vnni);
  pm.addNestedPass<func::FuncOp>(createQuantCSplitK(splitK));
  if (x86Kernels) {
    // int8 GEMMs with constant weights become x86 micro-kernels; the rest
    // (and every other op) takes the reference lowering below.
    QuantCLowerMatmulToX86Options x86;
    x86.isa = cpu == Cpu::avx2 ? X86Isa::avx2 : X86Isa::avx512_vnni;
    // Tile options <= 0 keep the pass defaults; the pass bounds the rest.
    x86.mr = opts.vnniMr > 0 ? int64_t(opts.vnniMr) : 0;
    x86.nr = opts.vnniNr > 0 ? int64_t(opts.vnniNr) : 0;
    x86.kunroll = opts.vnniKUnroll > 0 ? int64_t(opts.vnniKUnroll) : 0;
    x86.panelBlockKib =
        opts.vnniPanelBlockKib > 0 ? int64_t(opts.vnniPanelBlockKib) : 0;
    if (opts.vnniParallelMinMacs != -2)
      x86.parallelMinMacs = opts.vnniParallelMinMacs;
    // Testing only: the same kernels with vpdpbusd emulated, runnable on any
    // x86 (or other) host.
    x86.emulate = cpu == Cpu::vnniEmulated;
    pm.addPass(createQuantCLowerMatmulToX86(x86));
  }
  pm.addPass(createConvertQuantCToLinalg());
  pm.addNestedPass<func::FuncOp>(createConvertElementwiseToLinalgPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  // Results inserted into a destination (the per-token quantization's rows)
  // are computed in place instead of in a temporary.
  pm.addPass(bufferization::createEmptyTensorEliminationPass());
  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
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
  // The kernels' intrinsics become llvm.call_intrinsic only now: the
  // deallocation passes reject ops with unknown memory effects.
  pm.addPass(createQuantCX86IntrinsicsToLLVM());
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToLoopsPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createConvertMathToLibmPass());
  pm.addPass(createConvertVectorToLLVMPass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createQuantCX86OutlineOMP());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
}

void quantc::buildGpuPipeline(OpPassManager &pm,
                              const GpuPipelineOptions &opts) {
  const char *format = "fatbin";
  switch (opts.format) {
  case GpuPipelineOptions::BinaryFormat::bin:
    format = "bin";
    break;
  case GpuPipelineOptions::BinaryFormat::isa:
    format = "isa";
    break;
  case GpuPipelineOptions::BinaryFormat::fatbin:
    format = "fatbin";
    break;
  case GpuPipelineOptions::BinaryFormat::offload:
    format = "offload";
    break;
  }
  // ptxas and libdevice (GELU's erf) come from the CUDA toolkit: CUDA_HOME,
  // else /usr/local/cuda, else whatever gpu-module-to-binary finds on PATH.
  std::string toolkit;
  const char *cudaHome = std::getenv("CUDA_HOME");
  if (cudaHome && *cudaHome)
    toolkit = std::string(" toolkit=") + cudaHome;
  else if (llvm::sys::fs::is_directory("/usr/local/cuda/nvvm/libdevice"))
    toolkit = " toolkit=/usr/local/cuda";
  std::string gemm = llvm::formatv(
      "convert-quantc-to-gpu{{chip={0} tile-m={1} tile-n={2} tile-k={3} "
      "warp-m={4} warp-n={5} stages={6} tma={7}}",
      opts.chip.getValue(), opts.tileM.getValue(), opts.tileN.getValue(),
      opts.tileK.getValue(), opts.warpM.getValue(), opts.warpN.getValue(),
      opts.stages.getValue(), opts.tma.getValue() ? "true" : "false");
  // GEMMs go to kernels first; the rest follows the CPU lowering on the host.
  // The launch wrappers get their bodies after buffer deallocation, which
  // does not model the GPU runtime ops. Kernels are lowered to NVVM before
  // the host's math-to-libm, which would otherwise reach into them.
  std::string pipeline =
      std::string("quantc-import-quant,") +
      (opts.fuse ? "func.func(canonicalize,quantc-fuse,canonicalize,cse),"
                 : "") +
      gemm +
      ",convert-quantc-to-linalg,"
      "func.func(convert-elementwise-to-linalg),canonicalize,cse,"
      "one-shot-bufferize{bufferize-function-boundaries=1 "
      "function-boundary-type-conversion=identity-layout-map},"
      "buffer-deallocation-pipeline,convert-bufferization-to-memref,"
      "quantc-gpu-launch-wrappers,"
      "func.func(convert-linalg-to-loops),"
      "convert-nvgpu-to-nvvm,convert-nvvm-to-llvm,"
      "expand-strided-metadata,lower-affine,convert-scf-to-cf," +
      llvm::formatv("nvvm-attach-target{{module=quantc_kernels chip={0} "
                    "features=+ptx80 O=3},",
                    opts.chip.getValue())
          .str() +
      "gpu.module(convert-gpu-to-nvvm{use-bare-ptr-memref-call-conv=1},"
      "canonicalize,cse,reconcile-unrealized-casts),"
      "convert-vector-to-llvm,convert-math-to-llvm,convert-math-to-libm,"
      "finalize-memref-to-llvm,convert-arith-to-llvm,convert-index-to-llvm,"
      "convert-func-to-llvm,convert-cf-to-llvm,"
      "gpu-to-llvm{use-bare-pointers-for-kernels=1},"
      "reconcile-unrealized-casts,canonicalize,cse," +
      llvm::formatv("gpu-module-to-binary{{format={0}{1}}", format, toolkit)
          .str();
  if (failed(parsePassPipeline(pipeline, pm, llvm::errs())))
    llvm::report_fatal_error("quantc: malformed built-in GPU pipeline");
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
