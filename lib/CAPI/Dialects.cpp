//===- Dialects.cpp - C API for the quantc dialect ------------------------===//
#include "quantc-c/Dialects.h"

#include "mlir/CAPI/IR.h"
#include "mlir/CAPI/Registration.h"
#include "quantc/Dialect/QuantC/IR/QuantCDialect.h"
#include "quantc/InitAll.h"

MLIR_DEFINE_CAPI_DIALECT_REGISTRATION(QuantC, quantc, quantc::QuantCDialect)

void quantcRegisterAllDialects(MlirDialectRegistry registry) {
  quantc::registerAllDialects(*unwrap(registry));
}
