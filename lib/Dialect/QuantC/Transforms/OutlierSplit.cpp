//===- OutlierSplit.cpp - LLM.int8() outlier decomposition ----------------===//
#include "MatmulUtils.h"
#include "quantc/Dialect/QuantC/Transforms/Passes.h"

namespace quantc {
#define GEN_PASS_DEF_QUANTCOUTLIERSPLIT
#include "quantc/Dialect/QuantC/Transforms/Passes.h.inc"
} // namespace quantc

using namespace mlir;
using namespace quantc;

namespace {
struct OutlierSplitPass : quantc::impl::QuantCOutlierSplitBase<OutlierSplitPass> {
  using Base::Base;
  void runOnOperation() override {}
};
} // namespace
