//===- Pipelines.cpp - quantc pass pipelines ------------------------------===//
#include "quantc/Pipelines/Pipelines.h"

#include "mlir/Pass/PassRegistry.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

/// Every step is a registered pass, so the pipeline reads like the command
/// line a user would type and `--dump-pass-pipeline` shows it verbatim.
static const char *kCpuLowering =
    "convert-quantc-to-linalg,"
    "func.func(convert-elementwise-to-linalg),canonicalize,cse,"
    "one-shot-bufferize{bufferize-function-boundaries=1 "
    "function-boundary-type-conversion=identity-layout-map},"
    "buffer-deallocation-pipeline,"
    // The deallocation pipeline clones returned arguments and constants.
    "convert-bufferization-to-memref,"
    "func.func(convert-linalg-to-loops),"
    "expand-strided-metadata,lower-affine,convert-scf-to-cf,"
    "convert-vector-to-llvm,convert-math-to-llvm,convert-math-to-libm,"
    "finalize-memref-to-llvm,convert-arith-to-llvm,convert-index-to-llvm,"
    "convert-func-to-llvm,convert-cf-to-llvm,reconcile-unrealized-casts";

void quantc::buildCpuPipeline(OpPassManager &pm,
                              const CpuPipelineOptions &opts) {
  std::string pipeline = "quantc-import-quant,";
  if (opts.fuse)
    pipeline += "func.func(canonicalize,quantc-fuse,canonicalize,cse),";
  pipeline += kCpuLowering;
  if (failed(parsePassPipeline(pipeline, pm, llvm::errs())))
    llvm::report_fatal_error("quantc: malformed built-in CPU pipeline");
}

void quantc::registerPipelines() {
  PassPipelineRegistration<CpuPipelineOptions>(
      "quantc-cpu-pipeline",
      "Lower quantized tensor IR (quantc ops or upstream QDQ) to LLVM dialect "
      "runnable with mlir-runner",
      buildCpuPipeline);
}
