//===- LoadTimeParams.h - weights bound at load time ------------*- C++ -*-===//
//
// The names and the one rule shared by the passes that bind weights at load
// time (--quantc-bind-params, the x86 lowerings, --quantc-lower-params) and
// the JIT that binds them: which values are known once the parameters are
// bound (quantc.param and pure functions of parameters and constants).
//
//===----------------------------------------------------------------------===//
#ifndef QUANTC_DIALECT_QUANTC_UTILS_LOADTIMEPARAMS_H
#define QUANTC_DIALECT_QUANTC_UTILS_LOADTIMEPARAMS_H

#include "mlir/IR/Value.h"
#include "llvm/ADT/StringRef.h"

namespace quantc {

/// Module attribute: the parameters in index order, each a dictionary
/// {name = "...", type = tensor<...>}.
constexpr llvm::StringLiteral kParamsAttrName = "quantc.params";
/// Module attribute: the load-time state globals in k order, each a
/// dictionary {symbol = "__quantc_state_<k>", bytes = N : i64}.
constexpr llvm::StringLiteral kStateAttrName = "quantc.state";
/// The C entry point that fills the state from the parameters:
/// `void __quantc_prepare(void **params)`.
constexpr llvm::StringLiteral kPrepareName = "__quantc_prepare";
/// The function the lowerings put the load-time work in, taking one
/// identity-layout memref per parameter (in index order) once
/// --quantc-lower-params has run; kPrepareName calls it.
constexpr llvm::StringLiteral kPrepareBodyName = "__quantc_prepare_body";
/// The prefix of the state globals' symbols.
constexpr llvm::StringLiteral kStatePrefix = "__quantc_state_";

/// Whether `v` is known once the parameters are bound: the result of a
/// quantc.param, or of an op without memory effects (and without regions
/// that have any) whose operands are all such values or constants, at least
/// one of them a parameter. Such a value can be computed once in the
/// prepare function instead of on every call.
bool isLoadTimeValue(mlir::Value v);

} // namespace quantc

#endif // QUANTC_DIALECT_QUANTC_UTILS_LOADTIMEPARAMS_H
