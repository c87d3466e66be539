//===- LowerBatched.h - rank-3 int8 GEMMs of static sizes -------*- C++ -*-===//
//
// The lowering of a static rank-3 quantc.matmul to a loop over the batch
// on the runtime-weight kernel.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTC_LIB_CONVERSION_QUANTCTOX86_LOWERBATCHED_H
#define QUANTC_LIB_CONVERSION_QUANTCTOX86_LOWERBATCHED_H

#include "LowerDynamicBatched.h"

namespace quantc::x86 {

/// A rank-3 matmul `[B, M, K] x [B, N, K]` of plan `plan` (that of one
/// batch) with the zero points `zp`: a loop over the batch calling the
/// kernel that `createKernel` builds on each batch's 2-D views, the
/// batches split across threads when the GEMM has at least
/// `opts.parallelMinMacs` multiply-adds. `callId` tags its operand buffers.
void lowerBatchedMatmul(MatmulOp op, X86GemmPlanAttr plan,
                        const KernelZeroPoints &zp, const LoweringOptions &opts,
                        int64_t callId, mlir::SymbolTable &symbols,
                        CreateKernelFn createKernel);

} // namespace quantc::x86

#endif // QUANTC_LIB_CONVERSION_QUANTCTOX86_LOWERBATCHED_H
