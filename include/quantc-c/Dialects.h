/*===- quantc-c/Dialects.h - C API for the quantc dialect ---------*- C -*-===*\
|*                                                                            *|
|* Registration of the quantc dialect for C (and ctypes/Python) users, in    *|
|* the style of upstream mlir-c/Dialect headers.                             *|
\*===----------------------------------------------------------------------===*/
#ifndef QUANTC_C_DIALECTS_H
#define QUANTC_C_DIALECTS_H

#include "mlir-c/IR.h"

#ifdef __cplusplus
extern "C" {
#endif

/// `mlirGetDialectHandle__quantc__()`: the handle of the quantc dialect.
MLIR_DECLARE_CAPI_DIALECT_REGISTRATION(QuantC, quantc);

/// Inserts the quantc dialect and every upstream dialect and extension that
/// quantc's passes and pipelines need into `registry` (see quantc/InitAll.h).
MLIR_CAPI_EXPORTED void quantcRegisterAllDialects(MlirDialectRegistry registry);

#ifdef __cplusplus
}
#endif

#endif // QUANTC_C_DIALECTS_H
