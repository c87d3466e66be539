//===- Passes.h - quantc transformation passes ------------------*- C++ -*-===//
#ifndef QUANTC_DIALECT_QUANTC_TRANSFORMS_PASSES_H
#define QUANTC_DIALECT_QUANTC_TRANSFORMS_PASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"
#include "quantc/Analysis/Granularity.h"
#include "quantc/Dialect/QuantC/IR/QuantCOps.h"
#include "quantc/Dialect/QuantC/Transforms/PassOptions.h"

namespace quantc {
#define GEN_PASS_DECL
#include "quantc/Dialect/QuantC/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "quantc/Dialect/QuantC/Transforms/Passes.h.inc"
} // namespace quantc

#endif
