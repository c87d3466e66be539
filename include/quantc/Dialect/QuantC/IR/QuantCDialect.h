//===- QuantCDialect.h - quantc dialect -------------------------*- C++ -*-===//
#ifndef QUANTC_DIALECT_QUANTC_IR_QUANTCDIALECT_H
#define QUANTC_DIALECT_QUANTC_IR_QUANTCDIALECT_H

#include "mlir/IR/Dialect.h"

#include "quantc/Dialect/QuantC/IR/QuantCOpsDialect.h.inc"

#endif
