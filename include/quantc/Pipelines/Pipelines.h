//===- Pipelines.h - quantc pass pipelines ----------------------*- C++ -*-===//
#ifndef QUANTC_PIPELINES_PIPELINES_H
#define QUANTC_PIPELINES_PIPELINES_H

#include "quantc/Conversion/QuantCToGPU/QuantCToGPU.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

#include <string>

namespace quantc {

struct CpuPipelineOptions
    : public mlir::PassPipelineOptions<CpuPipelineOptions> {
  enum class Cpu { host, vnni, vnniEmulated, avx2, generic, amx, amxEmulated };
  Option<Cpu> cpu{
      *this, "cpu",
      llvm::cl::desc("GEMM code generator (an unknown value is an option "
                     "error)"),
      llvm::cl::init(Cpu::host),
      llvm::cl::values(
          clEnumValN(Cpu::host, "host",
                     "amx if the compiling machine has AMX-INT8 (and AVX-512 "
                     "VNNI), else vnni if it has AVX-512 VNNI, else avx2 if "
                     "it has AVX2, else generic"),
          clEnumValN(Cpu::amx, "amx",
                     "AMX-INT8 tile kernels for int8 GEMMs of at least 32 "
                     "rows, AVX-512 VNNI for the rest (needs Linux's "
                     "permission for the tile state at run time)"),
          clEnumValN(Cpu::amxEmulated, "amx-emulated",
                     "the AMX kernels with the tile ops emulated (testing)"),
          clEnumValN(Cpu::vnni, "vnni", "AVX-512 VNNI micro-kernels"),
          clEnumValN(Cpu::vnniEmulated, "vnni-emulated",
                     "the VNNI kernels with vpdpbusd emulated (testing)"),
          clEnumValN(Cpu::avx2, "avx2",
                     "AVX2 micro-kernels (vpmaddwd on i16, exact)"),
          clEnumValN(Cpu::generic, "generic", "the reference lowering"))};
  Option<bool> fuse{
      *this, "fuse",
      llvm::cl::desc("Run --quantc-fuse: integer GEMMs with fused "
                     "epilogues (false keeps QDQ float GEMMs)"),
      llvm::cl::init(true)};
  enum class Weights { embed, load };
  Option<Weights> weights{
      *this, "weights", llvm::cl::desc("Where large dense_resource weights go"),
      llvm::cl::init(Weights::embed),
      llvm::cl::values(
          clEnumValN(Weights::embed, "embed",
                     "compile-time constants, packed at compile time into "
                     "the code's read-only data"),
          clEnumValN(Weights::load, "load",
                     "parameters bound at load time: __quantc_prepare(void "
                     "**params) packs them once into __quantc_state_<k> "
                     "globals (--quantc-bind-params)"))};
  Option<bool> reportCost{
      *this, "report-cost",
      llvm::cl::desc("Remark the cost table of every GEMM before lowering "
                     "(--quantc-report-cost) for the machine compiled for: "
                     "the target recorded on the function, else the preset "
                     "of cpu= (vnni, vnni-emulated: xeon-amx-2c; avx2, "
                     "generic: zen3-2c), recorded by "
                     "--quantc-record-cost-target"),
      llvm::cl::init(false)};
  // VNNI register tile (0: the pass default), for tuning.
  Option<int64_t> vnniMr{*this, "vnni-mr",
                         llvm::cl::desc("VNNI micro-kernel rows (0: default)"),
                         llvm::cl::init(0)};
  Option<int64_t> vnniNr{
      *this, "vnni-nr",
      llvm::cl::desc("VNNI micro-kernel zmm columns (0: default)"),
      llvm::cl::init(0)};
  Option<int64_t> vnniKUnroll{*this, "vnni-kunroll",
                              llvm::cl::desc("VNNI K-loop unroll (0: default)"),
                              llvm::cl::init(0)};
  Option<int64_t> vnniPanelBlockKib{
      *this, "vnni-panel-block-kib",
      llvm::cl::desc("L2 budget (KiB) of the weight panels per packed "
                     "activation tile (0: default)"),
      llvm::cl::init(0)};
  Option<int64_t> vnniParallelMinMacs{
      *this, "vnni-parallel-min-macs",
      llvm::cl::desc("Run VNNI GEMMs with at least this many multiply-adds "
                     "on an OpenMP team (GOMP_parallel; needs libgomp or "
                     "libomp at run time); -1: never, -2: pass default"),
      llvm::cl::init(-2)};
  Option<int64_t> vnniSmallM{
      *this, "vnni-small-m",
      llvm::cl::desc("Run-time-weight GEMMs of at most this many rows read "
                     "the weight in place (avx512-vnni); 0: never, -1: pass "
                     "default"),
      llvm::cl::init(-1)};
  Option<int64_t> vnniDynamicMChunk{
      *this, "vnni-dynamic-m-chunk",
      llvm::cl::desc("GEMMs with a dynamic M run as chunks of this many rows "
                     "(a power of two up to 4096), then 16-row tiles; 0: 128 "
                     "(256 with cpu=amx)"),
      llvm::cl::init(0)};
  Option<int64_t> rowsMinWork{
      *this, "rows-min-work",
      llvm::cl::desc("Vectors of an elementwise row loop (norms, softmax, "
                     "RoPE, quantization) from which it runs on the OpenMP "
                     "team (--quantc-x86-outline-rows min-work); -1: never, "
                     "-2: pass default"),
      llvm::cl::init(-2)};
};

/// Quantized tensor IR (quantc ops or upstream QDQ) to LLVM dialect that
/// upstream `mlir-runner` executes.
void buildCpuPipeline(mlir::OpPassManager &pm, const CpuPipelineOptions &opts);

/// Checks every option against its documented domain (0 and -1/-2 where
/// they are documented meanings); returns the message of the first
/// violation, empty when the options are valid. The registered pipeline
/// calls it: an invalid value is an "error:" and exit code 1.
std::string validateCpuPipelineOptions(const CpuPipelineOptions &opts);

struct GpuPipelineOptions
    : public mlir::PassPipelineOptions<GpuPipelineOptions> {
  Option<bool> fuse{*this, "fuse",
                    llvm::cl::desc("Run --quantc-fuse first, so upstream QDQ "
                                   "GEMMs become quantc.matmul + rescale"),
                    llvm::cl::init(true)};
  /// An enum, so that an unknown chip is an option-parsing error (exit 1).
  Option<GpuChip> chip{*this, "chip",
                       llvm::cl::desc("Target chip: sm_80, sm_86, sm_87, "
                                      "sm_89, sm_90 or sm_90a"),
                       llvm::cl::init(GpuChip::sm_90), getGpuChipValues()};
  /// An enum, so that a wrong value is an option-parsing error (exit 1).
  enum class BinaryFormat { bin, isa, fatbin, offload };
  Option<BinaryFormat> format{
      *this, "format", llvm::cl::desc("gpu.binary format (default fatbin)"),
      llvm::cl::init(BinaryFormat::fatbin),
      llvm::cl::values(
          clEnumValN(BinaryFormat::bin, "bin", "cubin (ELF)"),
          clEnumValN(BinaryFormat::isa, "isa", "PTX text"),
          clEnumValN(BinaryFormat::fatbin, "fatbin", "CUDA fatbinary"),
          clEnumValN(BinaryFormat::offload, "offload", "LLVM IR"))};
  Option<int64_t> tileM{*this, "tile-m",
                        llvm::cl::desc("Block tile M (0: auto)"),
                        llvm::cl::init(0)};
  Option<int64_t> tileN{*this, "tile-n",
                        llvm::cl::desc("Block tile N (0: auto)"),
                        llvm::cl::init(0)};
  Option<int64_t> tileK{*this, "tile-k",
                        llvm::cl::desc("Block tile K (0: auto)"),
                        llvm::cl::init(0)};
  Option<int64_t> warpM{*this, "warp-m",
                        llvm::cl::desc("Warp tile M (0: auto)"),
                        llvm::cl::init(0)};
  Option<int64_t> warpN{*this, "warp-n",
                        llvm::cl::desc("Warp tile N (0: auto)"),
                        llvm::cl::init(0)};
  Option<bool> tma{*this, "tma",
                   llvm::cl::desc("sm_90a: TMA + mbarrier loads (default: "
                                  "cp.async)"),
                   llvm::cl::init(false)};
  Option<int64_t> stages{*this, "stages",
                         llvm::cl::desc("cp.async stages (0: auto)"),
                         llvm::cl::init(0)};
  Option<int64_t> splitK{
      *this, "split-k",
      llvm::cl::desc("Split-K decode kernel for M <= 16 (0: auto on "
                     "sm_90/sm_90a, -1: never, S > 0: always, S K slices)"),
      llvm::cl::init(0)};
};

/// Quantized tensor IR to host LLVM dialect plus a `gpu.binary` whose kernels
/// run the int8 GEMMs (and fused epilogues) on Tensor Cores. The host code
/// calls the `mgpu*` runtime functions of lib/Runtime (libquantc_cuda_runtime).
void buildGpuPipeline(mlir::OpPassManager &pm, const GpuPipelineOptions &opts);

/// As validateCpuPipelineOptions, for the GPU pipeline (e.g. tma=1 needs
/// chip=sm_90a).
std::string validateGpuPipelineOptions(const GpuPipelineOptions &opts);

/// Registers `--quantc-cpu-pipeline` and `--quantc-gpu-pipeline`.
void registerPipelines();

} // namespace quantc

#endif
