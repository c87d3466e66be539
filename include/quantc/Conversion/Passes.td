//===- Passes.td - quantc conversion passes ----------------*- tablegen -*-===//
#ifndef QUANTC_CONVERSION_PASSES_TD
#define QUANTC_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"
// The x86 lowerings (int8, float and weight-only kernels, vectorized
// elementwise code, OpenMP outlining).
include "PassesX86.td"

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

//===----------------------------------------------------------------------===//
// NVIDIA Tensor Cores (QuantCToGPU)
//===----------------------------------------------------------------------===//

def ConvertQuantCToGPU : Pass<"convert-quantc-to-gpu", "mlir::ModuleOp"> {
  let summary = "Outline int8 GEMMs and their epilogues into Tensor Core kernels";
  let description = [{
    Every 2-D `quantc.matmul` with static N and K (M static or dynamic)
    becomes a GPU kernel in `gpu.module @quantc_kernels`, and so does a
    batched one (`[B, M, K] x [B, N, K]` or `x [N, K]`, a static batch B):
    the same kernel with `blockIdx.z` as the batch, reading the matrix of its
    batch of A, B, C and of every epilogue operand with one per batch; a
    [..., K, N] B (attention's V) is transposed on the host first (remark). A
    `quantc.rescale` that is the single user
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

    A decode-shaped GEMM (static M <= 16, weights of at least 1 MiB, K a
    multiple of 256) on sm_90 / sm_90a runs on the split-K kernel instead
    (SplitKKernel.cpp): a grid of ceil(N / 128) column tiles x S K slices
    (S from N, K and the chip's SM count; `split-k=S` forces it, `split-k=-1`
    disables it), weights loaded straight into mma.sync m16n8k32 fragments
    with 16-byte loads, the slices summed with int32 atomics in a zeroed
    per-call workspace (an extra `memref<M*N + tiles x i32>` argument after
    the epilogue operands), and the last block of a column tile running the
    fused epilogue. A shape it cannot take gets a remark and the kernels
    above.

    The kernels are built op by op at the matmul's location, so every
    diagnostic about a kernel points at the user's `quantc.matmul`. At the
    call site the op becomes a call to a private launch wrapper on buffers,
    whose `#quantc.gpu_launch` attribute records the kernel, grid, block,
    dynamic shared memory and TMA boxes (filled in by
    `--quantc-gpu-launch-wrappers` after bufferization):

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
    ...
    func.func private @__quantc_launch_gemm_0(memref<128x64xi8>, memref<256x64xi8>, memref<128x256xi32>)
        attributes {quantc.gpu_launch = #quantc.gpu_launch<kernel = @quantc_kernels::@gemm_0,
                    grid = [8, 1, 1], block = [128, 1, 1], shared_bytes = 25600>}
    ```
    M is zero-padded to a multiple of 16 (the extra rows are sliced off). A
    GEMM no kernel takes (K not a multiple of 32, N not a multiple of 16,
    batched, a dynamic N or K, operands other than i8) stays a
    `quantc.matmul` for the host lowering, with a remark saying why. The
    epilogue reads every broadcast of the rescale's operands (scalar,
    per-row, per-column, full, blocks); when M is padded, a scale that varies
    in blocks of rows cannot follow the padding, and the rescale runs on the
    host (with a remark). The int32 overflow warning comes from the GEMM
    analysis (`classifyGemm`).

    A dynamic M (any number of tokens, 0 and 1 included, through one compiled
    function) is tiled as for a large M (`tileM` = 128 by default; N and K
    tiles as the heuristic takes them for M = 4096). The host pads the
    activation and the operands the epilogue reads row by row (x_scale
    `[?, 1]`, a full `[?, N]` output scale) with `tensor.pad` up to a
    multiple of `tileM` at run time, so the kernel needs no bounds checks;
    operands read at row 0 keep their shape (other broadcasts, which
    `RescaleOp::getOperandBroadcast` never reports for a dynamic M, would send
    the rescale to the host with a remark). The launch attribute has
    `grid = [0, 1, 1]` and `block_tile = [tileM, tileN]`, from which the
    wrapper computes grid.x; the kernel takes the operands with rows as views
    of their first row tile (bare pointers carry no sizes), widens them with
    `memref.reinterpret_cast` to the rows its grid covers, and rasterises
    blocks in bands of min(8, remaining) block-rows:

    ```mlir
    %m = tensor.dim %x, %c0 : tensor<?x256xi8>
    %padded = ... (%m + 127) / 128 * 128 ...
    %xp = tensor.pad %x low[0, 0] high[%h, 0] { ... } : tensor<?x256xi8> to tensor<?x256xi8>
    %out = memref.alloc(%padded) : memref<?x512xf32>
    call @__quantc_launch_gemm_0(%xb, %wb, %out, ...) : (memref<?x256xi8>, memref<512x256xi8>, memref<?x512xf32>, ...) -> ()
    %y = tensor.extract_slice %r[0, 0] [%m, 512] [1, 1] : tensor<?x512xf32> to tensor<?x512xf32>
    ...
    func.func private @__quantc_launch_gemm_0(memref<?x256xi8>, memref<512x256xi8>, memref<?x512xf32>, ...)
        attributes {quantc.gpu_launch = #quantc.gpu_launch<kernel = @quantc_kernels::@gemm_0,
                    grid = [0, 1, 1], block = [128, 1, 1], shared_bytes = 82944, block_tile = [128, 64]>}
    gpu.func @gemm_0(%a: memref<128x256xi8>, %b: memref<512x256xi8>, %c: memref<128x512xf32>, ...) kernel {
      %rows = ... gpu.grid_dim x / 8 * 128 ...
      %av = memref.reinterpret_cast %a to offset: [0], sizes: [%rows, 256], strides: [256, 1] : memref<128x256xi8> to memref<?x256xi8>
    ```
  }];
  let options = [
    Option<"chip", "chip", "::quantc::GpuChip",
           /*default=*/"::quantc::GpuChip::sm_90",
           "Target chip: sm_80, sm_86, sm_87, sm_89, sm_90 (mma.sync) or "
           "sm_90a (wgmma); another value is an option error",
           "::quantc::getGpuChipValues()">,
    Option<"tileM", "tile-m", "int64_t", "0", "Thread-block tile M (0: heuristic)">,
    Option<"tileN", "tile-n", "int64_t", "0", "Thread-block tile N (0: heuristic)">,
    Option<"tileK", "tile-k", "int64_t", "0", "Thread-block tile K (0: heuristic)">,
    Option<"warpM", "warp-m", "int64_t", "0", "Warp tile M (0: heuristic)">,
    Option<"warpN", "warp-n", "int64_t", "0", "Warp tile N (0: heuristic)">,
    Option<"stages", "stages", "int64_t", "0", "cp.async pipeline depth (0: heuristic)">,
    Option<"tma", "tma", "bool", "false",
           "sm_90a wgmma kernels: load tiles with TMA and mbarriers instead "
           "of cp.async">,
    Option<"splitK", "split-k", "int64_t", "0",
           "The split-K decode kernel (static M <= 16): 0 = on sm_90/sm_90a "
           "for weights of at least 1 MiB unless a tiling option is given, K "
           "slices from N, K and the SM count; -1 = never; S > 0 = always, "
           "with S K slices">
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
    Gives every `func.func private` declaration made by
    `--convert-quantc-to-gpu` (it carries a `#quantc.gpu_launch`) its body:
    device buffers (`gpu.alloc`), copies in, the TMA tensor maps when the
    attribute has `tma_box`, `gpu.launch_func` with the kernel's grid, block
    and dynamic shared memory, copy out, `gpu.dealloc`, all on one async
    chain closed by `gpu.wait`; the attribute is then removed. Runs after
    bufferization and buffer deallocation, which do not model the GPU runtime
    ops.

    A dynamic-M launch (`block_tile = [rows, columns]`, `grid = [0, y, z]`)
    computes grid.x = ceil(rows of A / rows) * (columns of the output /
    columns) and runs all of the above under `scf.if` grid.x != 0: no rows,
    no launch (CUDA refuses an empty grid), no allocation and no copy.
    Buffers with dynamic rows are allocated by their rows and passed to the
    kernel as `memref.reinterpret_cast` views of their first `rows` rows; the
    TMA map of A spans the rows there are.
  }];
  let dependentDialects = ["mlir::gpu::GPUDialect", "mlir::arith::ArithDialect",
                           "mlir::func::FuncDialect", "mlir::LLVM::LLVMDialect",
                           "mlir::memref::MemRefDialect", "mlir::scf::SCFDialect"];
}

//===----------------------------------------------------------------------===//
// Parameters bound at load time (CPU)
//===----------------------------------------------------------------------===//

def QuantCLowerParams : Pass<"quantc-lower-params", "mlir::ModuleOp"> {
  let summary = "Give every parameter left in the program a state global "
                "filled by the prepare function";
  let description = [{
    Runs after the x86 lowerings, which pack what their kernels read from a
    load-time operand (`quantc.param` or a pure function of parameters) into
    `__quantc_state_<k>` globals filled by `@__quantc_prepare_body`. Every
    `quantc.param` still read by a model function gets a raw copy: a state
    global of its type, copied from the parameter in the prepare body, read
    as a tensor in its place (`bufferization.to_tensor restrict` of a
    `memref.get_global`). The prepare body then takes one identity-layout
    memref per parameter, in index order, in place of its `quantc.param`
    ops, and the module gets `quantc.state`: the state globals in k order,
    `{symbol, bytes}` each. A module without `quantc.params` is unchanged.
    State globals are public, mutable, zero-initialized and 64-byte aligned.
  }];
  let dependentDialects = ["mlir::bufferization::BufferizationDialect",
                           "mlir::func::FuncDialect",
                           "mlir::memref::MemRefDialect"];
}

def QuantCEmitPrepare : Pass<"quantc-emit-prepare", "mlir::ModuleOp"> {
  let summary = "Emit the C entry point void __quantc_prepare(void **params)";
  let description = [{
    Runs on the LLVM dialect (after func-to-llvm): for a module with
    `quantc.params`, adds `llvm.func @__quantc_prepare(%params: !llvm.ptr)`,
    which loads the pointer to each parameter's row-major bytes
    (`params[i]`) and calls the lowered `@__quantc_prepare_body` with the
    memref descriptor of each (allocated = aligned = params[i], offset 0,
    the static sizes and row-major strides).
  }];
  let dependentDialects = ["mlir::LLVM::LLVMDialect"];
}

#endif // QUANTC_CONVERSION_PASSES_TD
