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
  // VNNI register tile (0: the pass default), for tuning.
  Option<int64_t> vnniMr{*this, "vnni-mr",
                         llvm::cl::desc("VNNI micro-kernel rows (0: default)"),
                         llvm::cl::init(0)};
  Option<int64_t> vnniNr{
      *this, "vnni-nr",
      llvm::cl::desc("VNNI micro-kernel zmm columns (0: default)"),
      llvm::cl::init(0)};
  Option<int64_t> vnniKUnroll{
      *this, "vnni-kunroll",
      llvm::cl::desc("VNNI K-loop unroll (0: default)"), llvm::cl::init(0)};
  Option<int64_t> vnniParallelMinMacs{
      *this, "vnni-parallel-min-macs",
      llvm::cl::desc("Run VNNI GEMMs with at least this many multiply-adds "
                     "on an OpenMP team (GOMP_parallel; needs libgomp or "
                     "libomp at run time); -1: never, -2: pass default"),
      llvm::cl::init(-2)};
};

/// Quantized tensor IR (quantc ops or upstream QDQ) to LLVM dialect that
/// upstream `mlir-runner` executes.
void buildCpuPipeline(mlir::OpPassManager &pm, const CpuPipelineOptions &opts);

/// Registers `--quantc-cpu-pipeline` (and later pipelines).
void registerPipelines();

} // namespace quantc

#endif
