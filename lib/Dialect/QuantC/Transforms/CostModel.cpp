//===- CostModel.cpp - roofline targets and the scheme cost table ---------===//
#include "CostModel.h"

#include "quantc/Runtime/JsonLimits.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Diagnostics.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"

#include <algorithm>
#include <cmath>

using namespace mlir;
using namespace quantc;

Roofline quantc::getPresetRoofline(CostTarget target) {
  switch (target) {
  case CostTarget::h100:
    return {"h100", 1979e12, 989.5e12, 3.35e12};
  case CostTarget::h200:
    // Same SXM compute as H100, HBM3e: 4.8 TB/s.
    return {"h200", 1979e12, 989.5e12, 4.8e12};
  case CostTarget::zen3_2c:
    // 2 Zen 3 cores at ~3.4 GHz, AVX2 only: 2 x 256-bit FMA per cycle (32
    // f32 ops per cycle per core); int8 through vpmaddubsw + vpmaddwd (32
    // multiply-adds per two instructions: twice the f32 rate); dual-channel
    // DDR4-3200 (~40 GB/s, sustained reads ~32).
    return {"zen3-2c", 435e9, 218e9, 32e9};
  case CostTarget::xeonAmx2c:
    // The 2-core AVX-512 VNNI / AMX Xeon VM of docs/BENCHMARKS.md: f32
    // 2 x 192e9 (2 zmm FMA per cycle at ~3 GHz; its weight-only GEMMs reach
    // 175 GFLOPS on one core, section "Blocked weight-only kernels"), int8
    // 4x that (vpdpbusd: 64 multiply-adds per instruction against 16);
    // bandwidth 12e9 B/s is an estimate for two vCPUs' share of the host's
    // memory (not measured: see docs/BENCHMARKS.md "Planner targets").
    return {"xeon-amx-2c", 1536e9, 384e9, 12e9};
  case CostTarget::hostCpu:
  case CostTarget::zen5_2c:
  case CostTarget::automatic:
    break;
  }
  // 2 Zen 5 cores at ~3.4 GHz: 2 x 512-bit FMA per cycle, vpdpbusd at 4x
  // the f32 rate; DDR5 (~40 GB/s for two cores).
  return {"zen5-2c", 1736e9, 434e9, 40e9};
}

void quantc::recordCostTarget(Operation *func, const Roofline &r) {
  Builder b(func->getContext());
  func->setAttr(kCostTargetAttr,
                b.getDictionaryAttr({
                    b.getNamedAttr("name", b.getStringAttr(r.name)),
                    b.getNamedAttr("peak_int8", b.getF64FloatAttr(r.int8)),
                    b.getNamedAttr("peak_fp16", b.getF64FloatAttr(r.fp16)),
                    b.getNamedAttr("bandwidth", b.getF64FloatAttr(r.bw)),
                }));
}

/// Whether the objects and arrays of `text` nest deeper than kMaxJsonDepth
/// (brackets inside strings do not count). llvm::json::parse is recursive and
/// unbounded: a file of many nested brackets would overflow the stack.
static bool nestsTooDeep(StringRef text) {
  int depth = 0;
  bool inString = false;
  for (size_t i = 0, e = text.size(); i < e; ++i) {
    char c = text[i];
    if (inString) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        inString = false;
    } else if (c == '"') {
      inString = true;
    } else if (c == '{' || c == '[') {
      if (++depth > kMaxJsonDepth)
        return true;
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return false;
}

bool quantc::readRooflineFile(StringRef path, Roofline &out,
                              std::string &error) {
  auto fail = [&](const Twine &msg) {
    error = ("target file '" + path + "': " + msg).str();
    return false;
  };
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> buf =
      llvm::MemoryBuffer::getFile(path, /*IsText=*/true);
  if (!buf)
    return fail("cannot read it: " + buf.getError().message());
  if (nestsTooDeep((*buf)->getBuffer()))
    return fail(Twine("not JSON: nested deeper than ") + Twine(kMaxJsonDepth) +
                " levels");
  llvm::Expected<llvm::json::Value> json =
      llvm::json::parse((*buf)->getBuffer());
  if (!json)
    return fail("not JSON: " + llvm::toString(json.takeError()));
  const llvm::json::Object *obj = json->getAsObject();
  if (!obj)
    return fail("expected a JSON object {\"name\", \"peak_int8\", "
                "\"peak_fp16\", \"bandwidth\"}");
  std::optional<StringRef> name = obj->getString("name");
  if (!name || name->empty())
    return fail("\"name\" must be a non-empty string");
  out.name = name->str();
  for (auto [key, field] :
       {std::pair<const char *, double *>{"peak_int8", &out.int8},
        {"peak_fp16", &out.fp16},
        {"bandwidth", &out.bw}}) {
    std::optional<double> v = obj->getNumber(key);
    if (!v)
      return fail(Twine("\"") + key + "\" must be a number");
    if (!(*v > 0) || !std::isfinite(*v))
      return fail(Twine("\"") + key + "\" must be finite and positive");
    *field = *v;
  }
  return true;
}

FailureOr<Roofline> quantc::resolveRoofline(Operation *op, CostTarget target,
                                            StringRef targetFile) {
  if (targetFile.empty())
    return getPresetRoofline(target);
  Roofline r;
  std::string error;
  if (!readRooflineFile(targetFile, r, error)) {
    op->emitError(error);
    return failure();
  }
  return r;
}

double SchemeCost::time(const Roofline &r) const {
  return std::max(ops / (int8 ? r.int8 : r.fp16), bytes / r.bw);
}

bool SchemeCost::computeBound(const Roofline &r) const {
  return ops / (int8 ? r.int8 : r.fp16) >= bytes / r.bw;
}

SmallVector<SchemeCost, 5> quantc::schemeCosts(double n, double c, double d,
                                               double b) {
  double gemm = 2 * n * c * d * b;
  return {
      {Scheme::fp16, "fp16", "FP16", gemm, 0, b * 2 * (n * c + c * d + n * d),
       false},
      {Scheme::w8a8Fp16Io, "w8a8_fp16_io", "W8A8 (FP16 I/O)", gemm,
       b * (n * c + n * d), b * (4 * n * c + c * d + 2 * n * d), true},
      {Scheme::w8a16, "w8a16", "W8A16", gemm, b * c * d,
       b * (2 * n * c + c * d + 2 * n * d), false},
      {Scheme::w4a16, "w4a16", "W4A16", gemm, b * c * d,
       b * (2 * n * c + c * d / 2 + 2 * n * d), false},
      {Scheme::fusedInt8Io, "fused_int8_io", "fused int8 I/O", gemm, b * n * d,
       b * (n * c + c * d + n * d), true},
  };
}
