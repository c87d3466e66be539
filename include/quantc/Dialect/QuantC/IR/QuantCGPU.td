//===- QuantCGPU.td - GPU kernel launch attributes ---------*- tablegen -*-===//
//
// The typed launch configuration of a generated Tensor Core kernel.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTC_DIALECT_QUANTC_IR_QUANTCGPU_TD
#define QUANTC_DIALECT_QUANTC_IR_QUANTCGPU_TD

def QuantC_GpuLaunchAttr : AttrDef<QuantC_Dialect, "GpuLaunch"> {
  let mnemonic = "gpu_launch";
  let summary = "How to launch a generated Tensor Core kernel";
  let description = [{
    Attached by `--convert-quantc-to-gpu` to the private launch wrapper it
    declares for each kernel (under the name `quantc.gpu_launch`), and read by
    `--quantc-gpu-launch-wrappers` when it gives the wrapper its body: the
    kernel (`@gpu_module::@func`), the grid and block sizes (x, y, z), the
    bytes of dynamic shared memory, and for a TMA kernel the tensor-map boxes
    `[rows of A, rows of B, bytes of K]` (the wrapper makes the two tensor
    maps and passes them after the memrefs).

    ```mlir
    func.func private @__quantc_launch_gemm_0(memref<256x128xi8>, memref<256x128xi8>, memref<256x256xi32>)
        attributes {quantc.gpu_launch = #quantc.gpu_launch<kernel = @quantc_kernels::@gemm_0,
                    grid = [16, 1, 1], block = [128, 1, 1], shared_bytes = 46080>}
    ```

    A kernel whose row count M is only known at run time has
    `block_tile = [rows, columns]`, the output tile of one thread block, and
    `grid = [0, y, z]`: the wrapper launches
    `ceil(rows of A / rows) * (columns of the output / columns)` blocks along
    x, and nothing when A has no rows (a grid of 0 is not a launch). A, the
    output and the epilogue operands may then have a dynamic row dimension
    (a multiple of `rows`, the host pads it); the kernel takes each of them as
    a view of its first `rows` rows (bare pointers carry no sizes) and
    recovers M from its grid.

    ```mlir
    func.func private @__quantc_launch_gemm_0(memref<?x256xi8>, memref<512x256xi8>, memref<?x512xf32>, memref<?x1xf32>, memref<1x512xf32>)
        attributes {quantc.gpu_launch = #quantc.gpu_launch<kernel = @quantc_kernels::@gemm_0,
                    grid = [0, 1, 1], block = [128, 1, 1], shared_bytes = 82944, block_tile = [128, 64]>}
    ```
  }];
  let parameters = (ins
    "::mlir::SymbolRefAttr":$kernel,
    "::mlir::DenseI64ArrayAttr":$grid,
    "::mlir::DenseI64ArrayAttr":$block,
    "int64_t":$shared_bytes,
    OptionalParameter<"::mlir::DenseI64ArrayAttr">:$tma_box,
    OptionalParameter<"::mlir::DenseI64ArrayAttr">:$block_tile);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// The name of the attribute on a launch wrapper.
    static constexpr ::llvm::StringLiteral getAttrName() {
      return ::llvm::StringLiteral("quantc.gpu_launch");
    }
    /// Whether grid.x is computed at run time from the rows of A.
    bool hasDynamicRows() const { return static_cast<bool>(getBlockTile()); }
    /// Dynamic shared memory one thread block may use (227 KiB on sm_90).
    static constexpr int64_t kMaxSharedBytes = 232448;
  }];
}

#endif // QUANTC_DIALECT_QUANTC_IR_QUANTCGPU_TD
