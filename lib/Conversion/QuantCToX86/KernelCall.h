//===- KernelCall.h - how a lowered matmul calls its kernel ---*- C++ -*-===//
//
// The pieces of --quantc-lower-matmul-to-x86 shared by its lowerings (2-D,
// batched, dynamic rows, decode): the operand buffers of a kernel call, the
// caller's destination buffer, the epilogue a kernel fuses, and the merging
// of identical kernels.
//
//===----------------------------------------------------------------------===//
#ifndef QUANTC_LIB_CONVERSION_QUANTCTOX86_KERNELCALL_H
#define QUANTC_LIB_CONVERSION_QUANTCTOX86_KERNELCALL_H

#include "MicroKernel.h"
#include "Plan.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"

namespace quantc::x86 {

/// A read-only bufferization.to_buffer of a kernel call's tensor operand,
/// tagged `quantc.kernel_call = callId`: the to_buffer ops of different
/// calls on one tensor then differ, so CSE cannot merge them into the first,
/// which would hide the later calls' reads from one-shot bufferization (an
/// op between the calls could then overwrite the buffer in place).
mlir::Value kernelOperandBuffer(int64_t callId, mlir::OpBuilder &b,
                                mlir::Location loc, mlir::MemRefType type,
                                mlir::Value tensor, bool readOnly);

/// kernelOperandBuffer of `tensor` read-only, with any offset and outer
/// strides (unit innermost stride): a slice of a run-time operand (e.g.
/// --quantc-split-k's K chunks) is read in place rather than copied.
mlir::Value kernelOperandStridedBuffer(int64_t callId, mlir::OpBuilder &b,
                                       mlir::Location loc, mlir::Value tensor);

/// kernelOperandBuffer of `tensor` read-only, as an identity-layout memref
/// of its shape and element type.
mlir::Value kernelOperandBuffer(int64_t callId, mlir::OpBuilder &b,
                                mlir::Location loc, mlir::Value tensor);

/// A private function `name` of `argTypes` and no results, for the caller
/// to give a body and insert: the kernels' and their batch loops' common
/// form. Internal linkage (those of separately compiled modules never
/// clash); every memref argument noalias (LLVM then keeps loads in
/// registers across stores).
mlir::func::FuncOp createKernelFunction(mlir::Location loc,
                                        llvm::StringRef name,
                                        mlir::TypeRange argTypes);

/// `buf` ([X, Y], any strides and offset) as a [1, X, Y] view of it (a
/// memref.reinterpret_cast; the static inner stride kept): a 2-D GEMM's
/// operand for a kernel of batched operands, run as a batch of one.
mlir::Value addUnitBatch(mlir::OpBuilder &b, mlir::Location loc,
                         mlir::Value buf);

/// The materialization of `result` into a caller's buffer (a restrict,
/// writable entry-block argument of type `outTy`, its only use), which the
/// kernel can then write directly; else null.
mlir::bufferization::MaterializeInDestinationOp
matchDestination(mlir::Value result, mlir::MemRefType outTy);

/// An epilogue operand of a rescale, by name (for remarks).
struct NamedOperand {
  const char *name;
  mlir::Value value;
};

/// A rescale's epilogue operands in the kernels' order (x_scale, w_scale,
/// bias, output_scale, residual), absent ones null.
llvm::SmallVector<NamedOperand, 5> epilogueOperands(RescaleOp rescale);

/// Whether a kernel that indexes every dimension of an epilogue operand (the
/// decode kernel: size 1 at index 0, any other at the output's index) reads
/// `operand` over the accumulator `acc`: each of its dimensions is 1 or
/// matches acc's (per-token x per-channel, per-head or per-(head, token)
/// scales), none is a block of several elements.
bool readsElementwise(mlir::ShapedType acc, mlir::ShapedType operand);

/// The rescale the kernel of `op` computes as its epilogue, or null. A
/// rescale of the accumulator that is not fused gets a remark saying why.
/// The kernels read epilogue operands as canReadEpilogueOperand says, or,
/// with `perBatch` (a kernel that indexes the batch too), as
/// readsElementwise says.
RescaleOp matchEpilogue(MatmulOp op, X86Isa isa, bool perBatch = false);

/// Ends the lowering of `op` (and of its fused `rescale`, if any) into kernel
/// calls that wrote `out`: the destination `dps` the result was
/// materialized in is dropped, or else the result's uses read `out`.
void replaceByKernelOutput(mlir::OpBuilder &b, mlir::Location loc, MatmulOp op,
                           RescaleOp rescale,
                           mlir::bufferization::MaterializeInDestinationOp dps,
                           mlir::Value out);

/// Kernels (functions with a quantc.x86_plan) of the same type, attributes
/// and body become one (see KernelCall.cpp).
void dedupeKernels(mlir::ModuleOp module);

/// The zero points of a rank-3 `op` as each batch's 2-D kernel takes them:
/// a constant activation zero point, and a weight zero point [1 or B, 1,
/// 1 or N], or a reason why not.
mlir::FailureOr<KernelZeroPoints>
matchBatchedKernelZeroPoints(MatmulOp op, std::string &why);

/// The u8 bytes a kernel of `isa` reads as A instead of `op`'s i8 lhs when
/// that lhs is those bytes xor 0x80 (u8 storage, as --quantc-import-quant
/// writes it), or null: vpdpbusd and amx's tdpbusd take u8 activations as
/// they are, avx2's vpmaddwd packing sign-extends i8 values and keeps the
/// xor. The one rule of the 2-D, dynamic-row and batched lowerings
/// (KernelZeroPoints::unsignedActivations).
mlir::Value unsignedActivationSource(MatmulOp op, X86Isa isa);

} // namespace quantc::x86

#endif // QUANTC_LIB_CONVERSION_QUANTCTOX86_KERNELCALL_H
