//===- LoadTimeState.cpp - the prepare function and its state -------------===//
#include "LoadTimeState.h"
#include "quantc/Dialect/QuantC/IR/QuantCOps.h"
#include "quantc/Dialect/QuantC/Utils/LoadTimeParams.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

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
    body.walk(
        [&](ParamOp p) { params.try_emplace({p.getIndex(), p.getType()}, p); });
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

/// `src` ([r, c], static) transposed into a new [c, r] tensor, in 64 x 64
/// tiles of scalar copies (both sides stay in cache).
static Value emitTiledTranspose(OpBuilder &b, Location loc, Value src) {
  auto ty = cast<RankedTensorType>(src.getType());
  int64_t r = ty.getDimSize(0), c = ty.getDimSize(1);
  Type elem = ty.getElementType();
  Value in = bufferization::ToBufferOp::create(
      b, loc, MemRefType::get({r, c}, elem), src, /*read_only=*/true);
  Value out = memref::AllocOp::create(b, loc, MemRefType::get({c, r}, elem),
                                      b.getI64IntegerAttr(64));
  constexpr int64_t kTile = 64;
  auto idx = [&](OpBuilder &ib, int64_t v) -> Value {
    return arith::ConstantIndexOp::create(ib, loc, v);
  };
  auto rows = scf::ForOp::create(b, loc, idx(b, 0), idx(b, r), idx(b, kTile));
  {
    OpBuilder rb = OpBuilder::atBlockBegin(rows.getBody());
    Value i0 = rows.getInductionVar();
    auto cols =
        scf::ForOp::create(rb, loc, idx(rb, 0), idx(rb, c), idx(rb, kTile));
    OpBuilder cb = OpBuilder::atBlockBegin(cols.getBody());
    Value j0 = cols.getInductionVar();
    Value iEnd = arith::MinSIOp::create(
        cb, loc, arith::AddIOp::create(cb, loc, i0, idx(cb, kTile)),
        idx(cb, r));
    Value jEnd = arith::MinSIOp::create(
        cb, loc, arith::AddIOp::create(cb, loc, j0, idx(cb, kTile)),
        idx(cb, c));
    auto is = scf::ForOp::create(cb, loc, i0, iEnd, idx(cb, 1));
    OpBuilder ib = OpBuilder::atBlockBegin(is.getBody());
    auto js = scf::ForOp::create(ib, loc, j0, jEnd, idx(ib, 1));
    OpBuilder jb = OpBuilder::atBlockBegin(js.getBody());
    Value i = is.getInductionVar(), j = js.getInductionVar();
    Value x = memref::LoadOp::create(jb, loc, in, ValueRange{i, j});
    memref::StoreOp::create(jb, loc, x, out, ValueRange{j, i});
  }
  return bufferization::ToTensorOp::create(
      b, loc, RankedTensorType::get({c, r}, elem), out, /*restrict=*/true,
      /*writable=*/true);
}

Value LoadTimeState::materialize(Value v) {
  if (Value m = mapping.lookupOrNull(v))
    return m;
  Operation *def = v.getDefiningOp();
  assert(def && "a load-time value has a defining op");
  if (auto p = dyn_cast<ParamOp>(def)) {
    Value &slot = params[{p.getIndex(), p.getType()}];
    if (!slot) {
      OpBuilder b = atPrepareEnd();
      slot = b.clone(*def)->getResult(0);
    }
    mapping.map(v, slot);
    return slot;
  }
  // A 2-D transpose (a [K, N] weight brought to [N, K]) runs in tiles:
  // linalg.transpose lowers to a loop that writes a column per row, which
  // for a 4096-row weight hits one cache set per store (10 s for the 300
  // MB of a 2-layer LLaMA-7B-shaped stack instead of a fraction of one).
  if (auto t = dyn_cast<linalg::TransposeOp>(def);
      t && t.hasPureTensorSemantics() &&
      t.getPermutation() == ArrayRef<int64_t>{1, 0} &&
      t.getInput().getType().hasStaticShape()) {
    Value src = materialize(t.getInput());
    OpBuilder b = atPrepareEnd();
    Value out = emitTiledTranspose(b, def->getLoc(), src);
    mapping.map(v, out);
    return out;
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

Value LoadTimeState::canonical(Value v) {
  if (Value c = canonicalOf.lookup(v))
    return c;
  Operation *def = v.getDefiningOp();
  Value result = v;
  if (auto p = dyn_cast_or_null<ParamOp>(def)) {
    result = firstParam.try_emplace(p.getIndex(), v).first->second;
  } else if (def && isMemoryEffectFree(def)) {
    // Operands first (a load-time value's operands are load-time values or
    // constants: the recursion stays in the weight's own computation).
    for (Value operand : def->getOperands())
      canonical(operand);
    Operation *other = nullptr;
    // Equal values, or the same argument of the two ops' own blocks (a
    // linalg op's body).
    auto same = [&](Value a, Value b) {
      auto ba = dyn_cast<BlockArgument>(a), bb = dyn_cast<BlockArgument>(b);
      if (ba && bb)
        return success(ba.getArgNumber() == bb.getArgNumber() &&
                       ba.getType() == bb.getType() &&
                       other->isAncestor(ba.getOwner()->getParentOp()) &&
                       def->isAncestor(bb.getOwner()->getParentOp()));
      return success(a == b || canonical(a) == canonical(b));
    };
    llvm::hash_code h = OperationEquivalence::computeHash(
        def, [&](Value o) { return hash_value(canonical(o)); },
        OperationEquivalence::ignoreHashValue,
        OperationEquivalence::IgnoreLocations);
    SmallVector<Operation *, 1> &seen = firstOps[h];
    Operation *match = nullptr;
    for (Operation *candidate : seen) {
      other = candidate;
      if (OperationEquivalence::isEquivalentTo(
              other, def, same, /*markEquivalent=*/nullptr,
              OperationEquivalence::IgnoreLocations)) {
        match = other;
        break;
      }
    }
    if (match)
      result = match->getResult(cast<OpResult>(v).getResultNumber());
    else
      seen.push_back(def);
  }
  canonicalOf[v] = result;
  return result;
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
  Value buf = memref::GetGlobalOp::create(b, loc, global.getType(),
                                          global.getSymName());
  auto m =
      bufferization::MaterializeInDestinationOp::create(b, loc, tensor, buf);
  m.setRestrict(true);
  m.setWritable(true);
}
