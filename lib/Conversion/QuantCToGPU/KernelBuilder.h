//===- KernelBuilder.h - what both GEMM kernel builders share ---*- C++ -*-===//
//
// The base of the mma.sync and wgmma kernel builders: the kernel function
// and its arguments, index arithmetic with constants hoisted to the entry
// block, 16-byte cp.async, grouped block rasterisation and the fused
// rescale epilogue on pairs of accumulators.
//
//===----------------------------------------------------------------------===//
#ifndef QUANTC_LIB_CONVERSION_QUANTCTOGPU_KERNELBUILDER_H
#define QUANTC_LIB_CONVERSION_QUANTCTOGPU_KERNELBUILDER_H

#include "quantc/Conversion/QuantCToGPU/GemmKernel.h"

#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "llvm/ADT/DenseMap.h"

namespace quantc {

class GemmKernelBuilder {
protected:
  GemmKernelBuilder(mlir::ImplicitLocOpBuilder &b, const GemmKernelSpec &spec)
      : b(b), s(spec), ctx(b.getContext()) {}

  /// Creates `gpu.func @name(A, B, C, epilogue operands..., extraArgs...)
  /// kernel` detached, and positions the builder in its entry block. With a
  /// dynamic M, the operands with rows are passed as their first row tile
  /// and arg* are views of all their rows (from the grid size). Batched
  /// (spec.batch), the operands with one matrix per batch are passed as
  /// their first and arg* are views of the matrix of batch blockIdx.z.
  mlir::gpu::GPUFuncOp createKernel(llvm::StringRef name,
                                    mlir::TypeRange extraArgs = {});

  // Index arithmetic; constants are created once, in the entry block.
  mlir::Value c(int64_t v);
  mlir::Value add(mlir::Value x, mlir::Value y);
  mlir::Value addc(mlir::Value x, int64_t v); // x itself when v == 0
  mlir::Value sub(mlir::Value x, mlir::Value y);
  mlir::Value mul(mlir::Value x, mlir::Value y);
  mlir::Value div(mlir::Value x, mlir::Value y);
  mlir::Value rem(mlir::Value x, mlir::Value y);
  mlir::Value minu(mlir::Value x, mlir::Value y);
  mlir::Value lt(mlir::Value x, mlir::Value y); // signed x < y
  mlir::Value select(mlir::Value cond, mlir::Value x, mlir::Value y);

  /// `memref<rows x cols x elem>`, or in workgroup memory.
  mlir::MemRefType memref(llvm::ArrayRef<int64_t> shape, mlir::Type elem);
  /// (of i8 unless `elem` is given).
  mlir::MemRefType sharedMemref(llvm::ArrayRef<int64_t> shape,
                                mlir::Type elem = mlir::Type());
  /// `gpu.dynamic_shared_memory : memref<?xi8, workgroup>`.
  mlir::Value dynamicSharedMemory();

  /// A 16-byte `cp.async` (bypassing L1) from `g[gIdx]` to `sm[smIdx]`;
  /// `srcElems` (may be null) zero-fills past the end of the source. Returns
  /// its token.
  mlir::Value asyncCopy(mlir::Value g, mlir::ValueRange gIdx, mlir::Value sm,
                        mlir::ValueRange smIdx, mlir::Value srcElems);
  /// Closes a cp.async group of `tokens`; returns the group's token.
  mlir::Value asyncGroup(mlir::ValueRange tokens);
  /// Waits until at most `pending` cp.async groups are in flight.
  void asyncWait(mlir::Value group, int32_t pending);

  /// Grouped rasterisation: bands of up to 8 consecutive block-rows across
  /// the `gx` block-columns, so that blocks running together share their A
  /// and B tiles in L2. Returns the block's first row and column.
  std::pair<mlir::Value, mlir::Value> blockOrigin(mlir::Value pid, int64_t gx);

  /// Stores output elements (row, col) and (row, col + 1) from the i32 (FP8:
  /// f32) pair `acc`, through the fused rescale epilogue when there is one.
  void storePair(mlir::Value row, mlir::Value col, mlir::Value acc);

  mlir::ImplicitLocOpBuilder &b;
  const GemmKernelSpec &s;
  mlir::MLIRContext *ctx;
  /// Kernel arguments: the operands, the output and the epilogue operands
  /// the spec has (null when absent).
  mlir::Value argA, argB, argC, argXScale, argWScale, argBias, argOutputScale;
  /// Dynamic M: the number of block-rows (from the grid), else null.
  mlir::Value rowTiles;

private:
  /// The epilogue operand `arg` for output elements (row, col), (row, col+1).
  mlir::Value loadPair(const GemmEpilogueOperand &o, mlir::Value arg,
                       mlir::Value row, mlir::Value col);

  mlir::Block *entry = nullptr;
  mlir::Operation *lastConstant = nullptr;
  llvm::DenseMap<int64_t, mlir::Value> constants;
};

} // namespace quantc

#endif
