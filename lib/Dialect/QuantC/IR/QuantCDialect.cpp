//===- QuantCDialect.cpp - quantc dialect ---------------------------------===//
#include "quantc/Dialect/QuantC/IR/QuantCDialect.h"
#include "quantc/Dialect/QuantC/IR/QuantCOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace quantc;

#include "quantc/Dialect/QuantC/IR/QuantCEnums.cpp.inc"
#include "quantc/Dialect/QuantC/IR/QuantCOpsDialect.cpp.inc"
#define GET_ATTRDEF_CLASSES
#include "quantc/Dialect/QuantC/IR/QuantCAttrs.cpp.inc"

void QuantCDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "quantc/Dialect/QuantC/IR/QuantCOps.cpp.inc"
      >();
  addAttributes<
#define GET_ATTRDEF_LIST
#include "quantc/Dialect/QuantC/IR/QuantCAttrs.cpp.inc"
      >();
}

Operation *QuantCDialect::materializeConstant(OpBuilder &builder,
                                              Attribute value, Type type,
                                              Location loc) {
  return arith::ConstantOp::materialize(builder, value, type, loc);
}
