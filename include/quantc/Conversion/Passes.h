//===- Passes.h - quantc conversion passes ----------------------*- C++ -*-===//
#ifndef QUANTC_CONVERSION_PASSES_H
#define QUANTC_CONVERSION_PASSES_H

#include "quantc/Conversion/QuantCToGPU/QuantCToGPU.h"
#include "quantc/Conversion/QuantCToLinalg/QuantCToLinalg.h"
#include "quantc/Conversion/QuantCToX86/QuantCToX86.h"

namespace quantc {
#define GEN_PASS_REGISTRATION
#include "quantc/Conversion/Passes.h.inc"
} // namespace quantc

#endif
