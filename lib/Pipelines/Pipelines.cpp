//===- Pipelines.cpp - quantc pass pipelines ------------------------------===//
#include "quantc/Pipelines/Pipelines.h"

#include "mlir/Pass/PassRegistry.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/ErrorHandling.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/TargetParser/Host.h"

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
    "convert-bufferization-to-memref,%s,"
    "func.func(convert-linalg-to-loops),"
    "expand-strided-metadata,lower-affine,convert-scf-to-cf,"
    "convert-math-to-llvm,convert-math-to-libm,convert-vector-to-llvm,"
    "finalize-memref-to-llvm,convert-arith-to-llvm,convert-index-to-llvm,"
    "convert-func-to-llvm,quantc-vnni-outline-gomp,convert-cf-to-llvm,"
    "reconcile-unrealized-casts";

/// `cpu=host` picks the best code generator the compiling machine supports.
static std::string resolveCpu(llvm::StringRef cpu) {
  if (cpu != "host")
    return cpu.str();
  auto f = llvm::sys::getHostCPUFeatures();
  if (f.lookup("avx512f") && f.lookup("avx512bw") && f.lookup("avx512vnni"))
    return "vnni";
  return f.lookup("avx2") ? "avx2" : "generic";
}

void quantc::buildCpuPipeline(OpPassManager &pm,
                              const CpuPipelineOptions &opts) {
  std::string cpu = resolveCpu(opts.cpu);
  std::string pipeline = "quantc-import-quant,";
  if (opts.fuse)
    pipeline += "func.func(canonicalize,quantc-fuse,canonicalize,cse),";
  std::string materialize = "quantc-vnni-materialize-kernels";
  if (cpu == "vnni" || cpu == "vnni-emulated") {
    // int8 GEMMs with constant weights become VNNI micro-kernels; the rest
    // (and every other op) takes the reference lowering below.
    std::string tile;
    auto addOpt = [&](const char *name, int64_t v) {
      if (v > 0)
        tile += (tile.empty() ? "" : " ") + std::string(name) + "=" +
                std::to_string(v);
    };
    addOpt("mr", opts.vnniMr);
    addOpt("nr", opts.vnniNr);
    addOpt("kunroll", opts.vnniKUnroll);
    if (opts.vnniParallelMinMacs != -2)
      tile += (tile.empty() ? "" : " ") + std::string("parallel-min-macs=") +
              std::to_string(opts.vnniParallelMinMacs);
    pipeline += "quantc-lower-matmul-to-vnni" +
                (tile.empty() ? std::string() : "{" + tile + "}") + ",";
    // Testing only: the same kernels with vpdpbusd emulated, runnable on any
    // x86 (or other) host.
    if (cpu == "vnni-emulated")
      materialize += "{emulate-vpdpbusd=1}";
  } else if (cpu != "avx2" && cpu != "generic") {
    llvm::report_fatal_error(llvm::Twine("quantc-cpu-pipeline: unknown cpu '") +
                                 cpu + "' (expected host, vnni, avx2 or generic)",
                             /*gen_crash_diag=*/false);
  }
  std::string lowering = kCpuLowering;
  lowering.replace(lowering.find("%s"), 2, materialize);
  pipeline += lowering;
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
