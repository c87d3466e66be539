//===- LoadTimeState.cpp - the prepare function and its state -------------===//
#include "LoadTimeState.h"
#include "quantc/Dialect/QuantC/IR/QuantCOps.h"
#include "quantc/Dialect/QuantC/Utils/LoadTimeParams.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"

using namespace mlir;
using namespace quantc;
using namespace quantc::x86;

LoadTimeState::LoadTimeState(ModuleOp module, SymbolTable &symbols)
    : module(module), symbols(symbols) {
  body = symbols.lookup<func::FuncOp>(kPrepareBodyName);
  for (auto g : module.getOps<memref::GlobalOp>())
    if (g.getSymName().starts_with(kStatePrefix))
      ++nextState;
  if (body)
    body.walk([&](ParamOp p) { params.try_emplace(p.getIndex(), p); });
}

OpBuilder LoadTimeState::atPrepareEnd() {
  if (!body) {
    MLIRContext *ctx = module.getContext();
    OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
    body = func::FuncOp::create(b, module.getLoc(), kPrepareBodyName,
                                FunctionType::get(ctx, {}, {}));
    body.setPrivate();
    symbols.insert(body);
    Block *entry = body.addEntryBlock();
    OpBuilder eb = OpBuilder::atBlockEnd(entry);
    func::ReturnOp::create(eb, module.getLoc());
  }
  Block &entry = body.getBody().front();
  return OpBuilder(entry.getTerminator());
}

Value LoadTimeState::materialize(Value v) {
  if (Value m = mapping.lookupOrNull(v))
    return m;
  Operation *def = v.getDefiningOp();
  assert(def && "a load-time value has a defining op");
  if (auto p = dyn_cast<ParamOp>(def)) {
    Value &slot = params[p.getIndex()];
    if (!slot) {
      OpBuilder b = atPrepareEnd();
      slot = b.clone(*def)->getResult(0);
    }
    mapping.map(v, slot);
    return slot;
  }
  for (Value operand : def->getOperands())
    materialize(operand);
  // Values a region uses from above.
  def->walk([&](Operation *nested) {
    for (Value operand : nested->getOperands())
      if (Region *r = operand.getParentRegion();
          r && !def->isAncestor(r->getParentOp()))
        materialize(operand);
  });
  OpBuilder b = atPrepareEnd();
  b.clone(*def, mapping);
  return mapping.lookup(v);
}

memref::GlobalOp LoadTimeState::createState(MemRefType type, Location loc) {
  MLIRContext *ctx = module.getContext();
  OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
  auto tensorTy = RankedTensorType::get(type.getShape(), type.getElementType());
  Attribute zero = isa<FloatType>(type.getElementType())
                       ? Attribute(FloatAttr::get(type.getElementType(), 0.0))
                       : Attribute(IntegerAttr::get(type.getElementType(), 0));
  std::string name = (kStatePrefix + Twine(nextState++)).str();
  auto g = memref::GlobalOp::create(
      b, loc, StringAttr::get(ctx, name), /*sym_visibility=*/StringAttr(),
      TypeAttr::get(type), DenseElementsAttr::get(tensorTy, zero),
      /*constant=*/UnitAttr(), /*alignment=*/b.getI64IntegerAttr(64));
  symbols.insert(g);
  return g;
}

Value LoadTimeState::readState(OpBuilder &b, Location loc,
                               memref::GlobalOp global) {
  MemRefType type = global.getType();
  Value buf = memref::GetGlobalOp::create(b, loc, type, global.getSymName());
  return bufferization::ToTensorOp::create(
      b, loc, RankedTensorType::get(type.getShape(), type.getElementType()),
      buf, /*restrict=*/true, /*writable=*/false);
}

void LoadTimeState::writeState(Value tensor, memref::GlobalOp global) {
  OpBuilder b = atPrepareEnd();
  Location loc = global.getLoc();
  Value buf =
      memref::GetGlobalOp::create(b, loc, global.getType(), global.getSymName());
  auto m = bufferization::MaterializeInDestinationOp::create(b, loc, tensor, buf);
  m.setRestrict(true);
  m.setWritable(true);
}
