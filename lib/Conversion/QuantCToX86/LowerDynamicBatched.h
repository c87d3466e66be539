//===- LowerDynamicBatched.h - rank-3 int8 GEMMs of dynamic sizes -*- C++
//-*-===//
//
// The lowering of a rank-3 quantc.matmul with a dynamic batch, M, N or K (or
// a 2-D one with a dynamic N or K, as a batch of one) to loops over static
// blocks on the runtime-weight kernel.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTC_LIB_CONVERSION_QUANTCTOX86_LOWERDYNAMICBATCHED_H
#define QUANTC_LIB_CONVERSION_QUANTCTOX86_LOWERDYNAMICBATCHED_H

#include "MicroKernel.h"
#include "Plan.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/STLFunctionalExtras.h"

namespace quantc::x86 {

/// Creates the kernel function of one plan (LowerMatmulToX86::createKernel).
using CreateKernelFn = llvm::function_ref<mlir::func::FuncOp(
    X86GemmPlanAttr plan, mlir::TypeRange argTypes, RescaleOp rescale,
    const KernelZeroPoints &zp, mlir::Location loc)>;

/// Whether `op` takes lowerDynamicBatchedMatmul: a rank-3 GEMM with a
/// dynamic size, or a 2-D one with a dynamic N or K (a batch of one). It
/// reads its operands in place in either layout.
bool isDynamicBatched(MatmulOp op);

/// Lowers `op` (isDynamicBatched) to loops over static blocks, each
/// a call of the runtime-weight kernel that `createKernel` builds, the
/// (batch, column block) pairs split across threads; or leaves it with a
/// remark saying why not.
void lowerDynamicBatchedMatmul(MatmulOp op, const LoweringOptions &opts,
                               int64_t nextCallId, mlir::SymbolTable &symbols,
                               CreateKernelFn createKernel);

} // namespace quantc::x86

#endif // QUANTC_LIB_CONVERSION_QUANTCTOX86_LOWERDYNAMICBATCHED_H
