//===- QuantCToVNNI.h - int8 GEMMs to AVX-512 VNNI --------------*- C++ -*-===//
#ifndef QUANTC_CONVERSION_QUANTCTOVNNI_QUANTCTOVNNI_H
#define QUANTC_CONVERSION_QUANTCTOVNNI_QUANTCTOVNNI_H

#include "mlir/Pass/Pass.h"

namespace quantc {
#define GEN_PASS_DECL_QUANTCLOWERMATMULTOVNNI
#define GEN_PASS_DECL_QUANTCVNNIMATERIALIZEKERNELS
#define GEN_PASS_DECL_QUANTCVNNIOUTLINEGOMP
#include "quantc/Conversion/Passes.h.inc"
} // namespace quantc

#endif
