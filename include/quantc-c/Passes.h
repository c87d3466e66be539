/*===- quantc-c/Passes.h - C API for quantc's passes -------------*- C -*-===*\
|*                                                                            *|
|* Registration of quantc's passes and pipelines for C users; they are then  *|
|* available by name to mlirParsePassPipeline / mlirOpPassManagerAddPipeline. *|
\*===----------------------------------------------------------------------===*/
#ifndef QUANTC_C_PASSES_H
#define QUANTC_C_PASSES_H

#include "mlir-c/Support.h"

#ifdef __cplusplus
extern "C" {
#endif

/// Registers every quantc pass and pipeline (quantc-*, convert-quantc-*)
/// with MLIR's global pass registry, and the upstream passes quantc's
/// pipelines are written in. Idempotent.
MLIR_CAPI_EXPORTED void quantcRegisterAllPasses(void);

#ifdef __cplusplus
}
#endif

#endif // QUANTC_C_PASSES_H
