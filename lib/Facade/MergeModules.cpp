//===- MergeModules.cpp - several modules as one --------------------------===//
//
// ModuleHandle::merge: the functions of several modules (each traced and
// quantized on its own, e.g. a decoder's prefill and decode step) in one
// module, their shared weights bound once.
//
//===----------------------------------------------------------------------===//
#include "FacadeInternal.h"

#include "mlir/Bytecode/BytecodeReader.h"
#include "mlir/Bytecode/BytecodeWriter.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Parser/Parser.h"
#include "llvm/ADT/Hashing.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/xxhash.h"

#include <cstring>
#include <map>

using namespace mlir;
using namespace quantc::facade;
using namespace quantc::facade::detail;

/// A copy of `part`'s module with `from` renamed to `to`, read into `ctx`
/// through bytecode (types and attributes belong to a context; the blobs
/// are copied, renamed by the parser where a name is taken in `ctx`).
static OwningOpRef<ModuleOp> importPart(const ModuleHandle::MergePart &part,
                                        ModuleOp source, MLIRContext *ctx,
                                        llvm::raw_ostream &os) {
  OwningOpRef<ModuleOp> copy(source.clone());
  auto fn = SymbolTable::lookupSymbolIn(*copy, part.from);
  if (!fn) {
    os << "error: merge: the module given for '" << part.to
       << "' has no function @" << part.from << "\n";
    return nullptr;
  }
  if (part.from != part.to &&
      failed(SymbolTable(*copy).rename(
          fn, StringAttr::get(copy->getContext(), part.to)))) {
    os << "error: merge: cannot rename @" << part.from << " to @" << part.to
       << "\n";
    return nullptr;
  }
  std::string bytes;
  llvm::raw_string_ostream bs(bytes);
  if (failed(writeBytecodeToFile(*copy, bs))) {
    os << "error: merge: cannot write the module of @" << part.to
       << " as bytecode\n";
    return nullptr;
  }
  copy = nullptr;
  // The reader wants the buffer aligned as the bytecode's sections are.
  std::unique_ptr<llvm::WritableMemoryBuffer> buffer =
      llvm::WritableMemoryBuffer::getNewUninitMemBuffer(bytes.size(), part.to,
                                                        llvm::Align(64));
  std::memcpy(buffer->getBufferStart(), bytes.data(), bytes.size());
  bytes.clear();
  bytes.shrink_to_fit();
  Block block;
  if (failed(readBytecodeFile(buffer->getMemBufferRef(), &block,
                              ParserConfig(ctx))) ||
      !llvm::hasSingleElement(block) || !isa<ModuleOp>(block.front())) {
    os << "error: merge: cannot read back the module of @" << part.to << "\n";
    return nullptr;
  }
  auto module = cast<ModuleOp>(block.front());
  module->remove();
  return OwningOpRef<ModuleOp>(module);
}

/// Binds resource constants with the same type and bytes to one blob (the
/// first in walk order); returns the keys no longer referenced.
static llvm::StringSet<> dedupeResources(ModuleOp module) {
  // (type, hash of the bytes) -> the attributes seen with it.
  std::map<std::pair<const void *, uint64_t>,
           SmallVector<DenseResourceElementsAttr>>
      seen;
  llvm::StringSet<> dropped;
  module->walk([&](Operation *op) {
    for (NamedAttribute a : op->getAttrs()) {
      auto r = dyn_cast<DenseResourceElementsAttr>(a.getValue());
      AsmResourceBlob *blob = r ? r.getRawHandle().getBlob() : nullptr;
      if (!blob)
        continue;
      ArrayRef<char> data = blob->getData();
      auto key = std::make_pair(
          r.getType().getAsOpaquePointer(),
          llvm::xxh3_64bits(ArrayRef<uint8_t>(
              reinterpret_cast<const uint8_t *>(data.data()), data.size())));
      SmallVector<DenseResourceElementsAttr> &same = seen[key];
      DenseResourceElementsAttr first;
      for (DenseResourceElementsAttr s : same) {
        ArrayRef<char> other = s.getRawHandle().getBlob()->getData();
        if (s == r ||
            (other.size() == data.size() &&
             std::memcmp(other.data(), data.data(), data.size()) == 0)) {
          first = s;
          break;
        }
      }
      if (!first) {
        same.push_back(r);
        continue;
      }
      if (first != r) {
        dropped.insert(r.getRawHandle().getKey());
        op->setAttr(a.getName(), first);
      }
    }
  });
  return dropped;
}

std::unique_ptr<ModuleHandle>
ModuleHandle::merge(const std::vector<MergePart> &parts,
                    std::string &diagnostics) {
  auto impl = std::make_unique<Impl>();
  Session &s = impl->session;
  s.module = ModuleOp::create(UnknownLoc::get(s.ctx.get()));
  SymbolTable symbols(*s.module);
  for (const MergePart &part : parts) {
    if (!part.module) {
      s.os << "error: merge: no module given for '" << part.to << "'\n";
      diagnostics = s.diag;
      return nullptr;
    }
    OwningOpRef<ModuleOp> imported =
        importPart(part, *part.module->impl->session.module, s.ctx.get(), s.os);
    if (!imported) {
      diagnostics = s.diag;
      return nullptr;
    }
    for (NamedAttribute a : (*imported)->getAttrs()) {
      if (a.getName() == SymbolTable::getSymbolAttrName())
        continue;
      Attribute have = (*s.module)->getAttr(a.getName());
      if (have && have != a.getValue()) {
        s.os << "error: merge: module attribute " << a.getName().getValue()
             << " of @" << part.to << " is " << a.getValue()
             << ", another part has " << have << "\n";
        diagnostics = s.diag;
        return nullptr;
      }
      (*s.module)->setAttr(a.getName(), a.getValue());
    }
    for (Operation &op :
         llvm::make_early_inc_range(imported->getBody()->getOperations())) {
      if (auto name =
              op.getAttrOfType<StringAttr>(SymbolTable::getSymbolAttrName());
          name && symbols.lookup(name)) {
        s.os << "error: merge: @" << name.getValue()
             << " is defined by two parts (the functions are named by "
                "their keys: give each a different one)\n";
        diagnostics = s.diag;
        return nullptr;
      }
      op.moveBefore(s.module->getBody(), s.module->getBody()->end());
      if (isa<SymbolOpInterface>(op))
        symbols.insert(&op);
    }
  }
  llvm::StringSet<> dropped = dedupeResources(*s.module);
  releaseDeadBlobs(s.ctx.get(), dropped, referencedResources(*s.module));
  diagnostics = s.diag;
  return std::unique_ptr<ModuleHandle>(new ModuleHandle(std::move(impl)));
}
