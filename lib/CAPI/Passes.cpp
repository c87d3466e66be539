//===- Passes.cpp - C API for quantc's passes -----------------------------===//
#include "quantc-c/Passes.h"

#include "quantc/InitAll.h"

void quantcRegisterAllPasses(void) { quantc::registerAllPasses(); }
