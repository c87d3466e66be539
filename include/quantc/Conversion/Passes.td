//===- Passes.td - quantc conversion passes ----------------*- tablegen -*-===//
#ifndef QUANTC_CONVERSION_PASSES_TD
#define QUANTC_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertQuantCToLinalg : Pass<"convert-quantc-to-linalg"> {
  let summary = "Lower quantc ops to linalg on tensors (target independent)";
  let description = [{
    Every quantc op becomes a `linalg.generic` whose indexing maps implement
    the broadcast of its scales: a scale dimension of size 1 maps to the
    constant 0, an equal one to the loop index, and a block of size g to
    `d floordiv g`.

    - `quantize`: `fptosi(clamp(roundeven(x / s) + zp, qmin, qmax))`; the
      clamp happens in float, so out-of-range values saturate and never wrap,
      and NaN becomes the zero point.
    - `dequantize`: `sitofp(q - zp) * s`.
    - `compute_scale`: an absmax reduction, then `m == 0 ? 1 : m / qmax`.
    - `matmul`: sign-extending i32 multiply-accumulate over C.
    - `rescale`: `((f32(acc) * xs) * ws) + bias`, activation, optional
      requantization as in `quantize`.
    - `smooth`: `x / s`; `observe`: its input.

    Before:
    ```mlir
    %q = quantc.quantize %x, %s : tensor<4xf32>, tensor<1xf32> -> tensor<4xi8>
    ```
    After:
    ```mlir
    %q = linalg.generic {indexing_maps = [(d0) -> (d0), (d0) -> (0), (d0) -> (d0)], ...}
        ins(%x, %s : tensor<4xf32>, tensor<1xf32>) outs(%e : tensor<4xi8>) {
      %r = math.roundeven (%x / %s) ; clamp to [-127, 127] ; arith.fptosi
    }
    ```
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect",
                           "mlir::tensor::TensorDialect",
                           "mlir::arith::ArithDialect",
                           "mlir::math::MathDialect"];
}

def ConvertQuantCToGPU : Pass<"convert-quantc-to-gpu", "mlir::ModuleOp"> {
  let summary = "Outline int8 GEMMs and their epilogues into Tensor Core kernels";
  let description = [{
    Every 2-D `quantc.matmul` with static shapes becomes a GPU kernel in
    `gpu.module @quantc_kernels`; a `quantc.rescale` that is the single user
    of the accumulator (f32 scales; f32/f16 output, or i8 with an output
    scale) is fused into the kernel's epilogue. The kernel tiles the GEMM by
    thread block and warp, streams A and B through shared memory with
    multi-stage `cp.async` (`nvgpu.device_async_copy`), loads fragments with
    `nvgpu.ldmatrix` and multiplies with `nvgpu.mma.sync` m16n8k32 s8
    (`mma.sync.aligned.m16n8k32.row.col.satfinite.s32.s8.s8.s32`).

    With `chip=sm_90a` (Hopper), GEMMs whose M is a multiple of 128 and K of
    128 use a wgmma kernel instead: two warpgroups per 128x256 block, cp.async
    into K-major 128-byte-swizzled shared memory, `nvvm.wgmma.mma_async`
    m64nNk32 s8 x s8 -> s32 from shared-memory descriptors, one wgmma group
    kept in flight. Other shapes fall back to mma.sync. `tma=1` loads the
    tiles with TMA (`nvgpu.tma.async.load`, tensor maps made by the launch
    wrapper) completing on one `nvgpu.mbarrier` per stage.

    At the call site the op becomes a call to a private launch wrapper on
    buffers (filled in by `--quantc-gpu-launch-wrappers` after bufferization):

    Before:
    ```mlir
    %acc = quantc.matmul %x, %w : tensor<128x64xi8>, tensor<256x64xi8> -> tensor<128x256xi32>
    ```
    After:
    ```mlir
    %xb = bufferization.to_buffer %x : tensor<128x64xi8> to memref<128x64xi8>
    %wb = bufferization.to_buffer %w : tensor<256x64xi8> to memref<256x64xi8>
    %out = memref.alloc() : memref<128x256xi32>
    call @__quantc_launch_gemm_0(%xb, %wb, %out) : (...) -> ()
    %acc = bufferization.to_tensor %out restrict writable : ...
    ```
    M is zero-padded to a multiple of 16 (the extra rows are sliced off). A
    GEMM no kernel takes (K not a multiple of 32, N not a multiple of 16,
    batched, dynamic shapes, operands other than i8) stays a `quantc.matmul`
    for the host lowering, with a remark saying why.
  }];
  let options = [
    Option<"chip", "chip", "std::string", /*default=*/"\"sm_90\"",
           "Target chip (sm_80, sm_86, sm_89, sm_90, sm_90a)">,
    Option<"tileM", "tile-m", "int64_t", "0", "Thread-block tile M (0: heuristic)">,
    Option<"tileN", "tile-n", "int64_t", "0", "Thread-block tile N (0: heuristic)">,
    Option<"tileK", "tile-k", "int64_t", "0", "Thread-block tile K (0: heuristic)">,
    Option<"warpM", "warp-m", "int64_t", "0", "Warp tile M (0: heuristic)">,
    Option<"warpN", "warp-n", "int64_t", "0", "Warp tile N (0: heuristic)">,
    Option<"stages", "stages", "int64_t", "0", "cp.async pipeline depth (0: heuristic)">,
    Option<"tma", "tma", "bool", "false",
           "sm_90a wgmma kernels: load tiles with TMA and mbarriers instead "
           "of cp.async">
  ];
  let dependentDialects = ["mlir::gpu::GPUDialect",
                           "mlir::nvgpu::NVGPUDialect",
                           "mlir::vector::VectorDialect",
                           "mlir::memref::MemRefDialect",
                           "mlir::scf::SCFDialect",
                           "mlir::math::MathDialect",
                           "mlir::arith::ArithDialect",
                           "mlir::ub::UBDialect",
                           "mlir::LLVM::LLVMDialect",
                           "mlir::NVVM::NVVMDialect",
                           "mlir::func::FuncDialect",
                           "mlir::bufferization::BufferizationDialect",
                           "mlir::tensor::TensorDialect"];
}

def QuantCGPULaunchWrappers : Pass<"quantc-gpu-launch-wrappers", "mlir::ModuleOp"> {
  let summary = "Fill in the host launch wrappers of quantc GPU kernels";
  let description = [{
    Gives every `func.func private @__quantc_launch_*` declaration made by
    `--convert-quantc-to-gpu` its body: device buffers (`gpu.alloc`), copies
    in, `gpu.launch_func` with the kernel's grid, block and dynamic shared
    memory, copy out, `gpu.dealloc`, all on one async chain closed by
    `gpu.wait`. Runs after bufferization and buffer deallocation, which do
    not model the GPU runtime ops.
  }];
  let dependentDialects = ["mlir::gpu::GPUDialect", "mlir::arith::ArithDialect",
                           "mlir::func::FuncDialect", "mlir::LLVM::LLVMDialect",
                           "mlir::memref::MemRefDialect"];
}

#endif // QUANTC_CONVERSION_PASSES_TD
