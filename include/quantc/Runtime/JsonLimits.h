//===- JsonLimits.h - the nesting bound of quantc's JSON readers -*- C++
//-*-===//
//
// JSON that quantc reads from files (artifact manifests in the runtime,
// target descriptions in the compiler) is nested at most this deep: the
// readers are recursive, so a hostile file of many nested brackets would
// otherwise overflow the stack. Real files nest two or three levels.
//
//===----------------------------------------------------------------------===//
#ifndef QUANTC_RUNTIME_JSONLIMITS_H
#define QUANTC_RUNTIME_JSONLIMITS_H

namespace quantc {

/// The deepest nesting of JSON objects and arrays quantc accepts.
inline constexpr int kMaxJsonDepth = 64;

} // namespace quantc

#endif // QUANTC_RUNTIME_JSONLIMITS_H
