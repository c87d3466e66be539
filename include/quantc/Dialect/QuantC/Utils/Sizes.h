//===- Sizes.h - static sizes that may be dynamic ---------------*- C++ -*-===//
//
// Arithmetic on ShapedType sizes (the analysis and the kernel layouts).
//
//===----------------------------------------------------------------------===//
#ifndef QUANTC_DIALECT_QUANTC_UTILS_SIZES_H
#define QUANTC_DIALECT_QUANTC_UTILS_SIZES_H

#include "mlir/IR/BuiltinTypeInterfaces.h"
#include "llvm/Support/MathExtras.h"

namespace quantc {

/// Multiplies sizes, propagating kDynamic.
inline int64_t mulSizes(int64_t a, int64_t b) {
  const int64_t dyn = mlir::ShapedType::kDynamic;
  int64_t r;
  // A product that overflows int64 is as unknown as a dynamic one.
  if (a == dyn || b == dyn || llvm::MulOverflow(a, b, r))
    return dyn;
  return r;
}

} // namespace quantc

#endif // QUANTC_DIALECT_QUANTC_UTILS_SIZES_H
