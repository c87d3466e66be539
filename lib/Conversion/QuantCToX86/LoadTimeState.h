//===- LoadTimeState.h - the prepare function and its state -----*- C++ -*-===//
//
// Private to lib/Conversion: what the lowerings build when a kernel's operand
// is known at load time (isLoadTimeValue): a `__quantc_state_<k>` global it
// reads, filled once by the module's prepare body, which computes the
// operand from the parameters (transposes, slices) and packs it.
//
//===----------------------------------------------------------------------===//
#ifndef QUANTC_LIB_CONVERSION_QUANTCTOX86_LOADTIMESTATE_H
#define QUANTC_LIB_CONVERSION_QUANTCTOX86_LOADTIMESTATE_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/DenseMap.h"

namespace quantc::x86 {

/// The prepare body (`__quantc_prepare_body`, created on first use) and the
/// state globals of one module.
class LoadTimeState {
public:
  LoadTimeState(mlir::ModuleOp module, mlir::SymbolTable &symbols);

  /// A builder at the end of the prepare body (before its return).
  mlir::OpBuilder atPrepareEnd();

  /// `v` (a load-time value of a model function) computed in the prepare
  /// body: its producers are cloned there, each once per LoadTimeState, and
  /// each parameter is read once.
  mlir::Value materialize(mlir::Value v);

  /// The first value seen (by this LoadTimeState) that computes the same
  /// load-time value as `v`: the same parameter, or the same ops (name,
  /// attributes, result types) on the same such values. Functions of one
  /// module that read one weight (a prefill and a decode step) thus share
  /// its packed state: caches keyed by the value see one key.
  mlir::Value canonical(mlir::Value v);

  /// A new state global `__quantc_state_<k>` of `type`: public, mutable,
  /// zero-initialized (no bytes in the code) and 64-byte aligned.
  mlir::memref::GlobalOp createState(mlir::MemRefType type, mlir::Location loc);

  /// `global` as a read-only tensor for a model function, at `b`.
  static mlir::Value readState(mlir::OpBuilder &b, mlir::Location loc,
                               mlir::memref::GlobalOp global);

  /// In the prepare body: writes `tensor` into the state `global`.
  void writeState(mlir::Value tensor, mlir::memref::GlobalOp global);

private:
  mlir::ModuleOp module;
  mlir::SymbolTable &symbols;
  mlir::func::FuncOp body;
  mlir::IRMapping mapping;
  /// (Parameter index, type read as) -> its value in the prepare body (an
  /// i4 parameter may also be read as its i8 bytes: --quantc-lower-params).
  llvm::DenseMap<std::pair<int64_t, mlir::Type>, mlir::Value> params;
  int64_t nextState = 0;
  /// canonical(): parameter index -> its first value; structural hash of an
  /// op on canonical operands -> the first such ops.
  llvm::DenseMap<int64_t, mlir::Value> firstParam;
  llvm::DenseMap<mlir::Value, mlir::Value> canonicalOf;
  llvm::DenseMap<llvm::hash_code, llvm::SmallVector<mlir::Operation *, 1>>
      firstOps;
};

} // namespace quantc::x86

#endif
