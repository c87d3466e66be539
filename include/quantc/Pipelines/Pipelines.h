//===- Pipelines.h - quantc pass pipelines ----------------------*- C++ -*-===//
#ifndef QUANTC_PIPELINES_PIPELINES_H
#define QUANTC_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

namespace quantc {

struct CpuPipelineOptions
    : public mlir::PassPipelineOptions<CpuPipelineOptions> {
  Option<std::string> cpu{*this, "cpu",
                          llvm::cl::desc("Target CPU: host, vnni, avx2 or "
                                         "generic"),
                          llvm::cl::init("host")};
  Option<bool> fuse{*this, "fuse",
                    llvm::cl::desc("Run --quantc-fuse: integer GEMMs with fused "
                                   "epilogues (false keeps QDQ float GEMMs)"),
                    llvm::cl::init(true)};
};

/// Quantized tensor IR (quantc ops or upstream QDQ) to LLVM dialect that
/// upstream `mlir-runner` executes.
void buildCpuPipeline(mlir::OpPassManager &pm, const CpuPipelineOptions &opts);

/// Registers `--quantc-cpu-pipeline` (and later pipelines).
void registerPipelines();

} // namespace quantc

#endif
