//===- LoadTimeParams.cpp - weights bound at load time --------------------===//
#include "quantc/Dialect/QuantC/Utils/LoadTimeParams.h"
#include "quantc/Dialect/QuantC/IR/QuantCOps.h"

#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

using namespace mlir;

/// isLoadTimeValue, with the answer for values already seen in `seen`
/// (1: load-time, 0: constant, -1: neither).
static int classify(Value v, llvm::DenseMap<Value, int> &seen, int depth) {
  auto it = seen.find(v);
  if (it != seen.end())
    return it->second;
  Operation *def = v.getDefiningOp();
  int result = -1;
  if (!def || depth > 64) {
    result = -1;
  } else if (isa<quantc::ParamOp>(def)) {
    result = 1;
  } else if (matchPattern(v, m_Constant())) {
    result = 0;
  } else if (isMemoryEffectFree(def) && def->getNumResults() >= 1) {
    result = 0;
    for (Value operand : def->getOperands()) {
      int c = classify(operand, seen, depth + 1);
      if (c < 0) {
        result = -1;
        break;
      }
      result = std::max(result, c);
    }
    // An op with regions may use values from above (not its operands).
    if (result >= 0)
      def->walk([&](Operation *nested) {
        for (Value operand : nested->getOperands())
          if (Region *r = operand.getParentRegion();
              r && !def->isAncestor(r->getParentOp()) &&
              classify(operand, seen, depth + 1) < 0)
            result = -1;
      });
  }
  seen[v] = result;
  return result;
}

bool quantc::isLoadTimeValue(Value v) {
  llvm::DenseMap<Value, int> seen;
  return classify(v, seen, 0) == 1;
}
