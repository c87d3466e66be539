//===- BindParams.cpp - weights as parameters bound at load time ----------===//
//
// Large dense_resource constants -> quantc.param, without reading the blobs.
// See the pass description in Transforms/Passes.td.
//
//===----------------------------------------------------------------------===//
#include "quantc/Dialect/QuantC/IR/QuantCOps.h"
#include "quantc/Dialect/QuantC/Transforms/Passes.h"
#include "quantc/Dialect/QuantC/Utils/ConstantWeights.h"
#include "quantc/Dialect/QuantC/Utils/LoadTimeParams.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinDialect.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/ADT/StringMap.h"

namespace quantc {
#define GEN_PASS_DEF_QUANTCBINDPARAMS
#include "quantc/Dialect/QuantC/Transforms/Passes.h.inc"
} // namespace quantc

using namespace mlir;
using namespace quantc;

namespace {
struct BindParams : quantc::impl::QuantCBindParamsBase<BindParams> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = module.getContext();
    // Parameters already bound (the pass ran before) keep their indices.
    SmallVector<Attribute> params;
    llvm::StringMap<int64_t> byName;
    if (auto old = module->getAttrOfType<ArrayAttr>(kParamsAttrName))
      for (Attribute a : old) {
        auto d = cast<DictionaryAttr>(a);
        byName[cast<StringAttr>(d.get("name")).getValue()] = params.size();
        params.push_back(a);
      }
    bool failedAny = false;
    module.walk([&](arith::ConstantOp op) {
      auto attr = dyn_cast<DenseResourceElementsAttr>(op.getValue());
      if (!attr)
        return;
      auto type = dyn_cast<RankedTensorType>(attr.getType());
      if (!type || !type.hasStaticShape())
        return;
      Type elem = type.getElementType();
      // A byte storage the caller can hand over row-major (storageBytes:
      // i4 one byte per element, sign-extended).
      int64_t elemBytes = storageBytes(elem);
      if (elemBytes == 0) {
        op.emitRemark("stays a compile-time constant, not a load-time "
                      "parameter: ")
            << elem << " elements have no byte storage to bind";
        return;
      }
      int64_t bytes = type.getNumElements() * elemBytes;
      if (bytes <= minBytes)
        return;
      StringRef name = attr.getRawHandle().getKey();
      auto [it, inserted] = byName.try_emplace(name, params.size());
      if (inserted) {
        NamedAttribute fields[] = {
            NamedAttribute(StringAttr::get(ctx, "name"),
                           StringAttr::get(ctx, name)),
            NamedAttribute(StringAttr::get(ctx, "type"), TypeAttr::get(type))};
        params.push_back(DictionaryAttr::get(ctx, fields));
      } else {
        Type bound =
            cast<TypeAttr>(cast<DictionaryAttr>(params[it->second]).get("type"))
                .getValue();
        if (bound != type) {
          op.emitError("dense_resource<")
              << name << "> is used as " << type << " and as " << bound
              << "; a parameter has one type";
          failedAny = true;
          return;
        }
      }
      OpBuilder b(op);
      auto param = ParamOp::create(b, op.getLoc(), type, name, it->second);
      op.replaceAllUsesWith(param.getResult());
      op.erase();
    });
    if (failedAny)
      return signalPassFailure();
    if (!params.empty())
      module->setAttr(kParamsAttrName, ArrayAttr::get(ctx, params));
  }
};
} // namespace
