//===- IndexBounds.h - the call-time check of index arguments ---*- C++ -*-===//
//
// A compiled function does not bound an index it reads from an argument (an
// embedding's token ids): one outside its table reads past it. Every call
// path checks such arguments (facade::IndexBound) before the call: the C
// runtime's quantc_check_args and the Python call path share this reading
// of the elements and this message.
//
//===----------------------------------------------------------------------===//
#ifndef QUANTC_RUNTIME_INDEXBOUNDS_H
#define QUANTC_RUNTIME_INDEXBOUNDS_H

#include <cstdint>
#include <cstring>
#include <string>

namespace quantc::runtime {

/// Element `i` of an integer array at `data` whose elements have `bytes`
/// bytes (1, 2, 4 or 8), unsigned if `isUnsigned`.
inline int64_t loadIndexElement(const char *data, int64_t i, int bytes,
                                bool isUnsigned) {
  auto load = [&](auto zero) {
    decltype(zero) v;
    std::memcpy(&v, data + i * sizeof(v), sizeof(v));
    return static_cast<int64_t>(v);
  };
  switch (bytes) {
  case 1:
    return isUnsigned ? load(uint8_t()) : load(int8_t());
  case 2:
    return isUnsigned ? load(uint16_t()) : load(int16_t());
  case 4:
    return isUnsigned ? load(uint32_t()) : load(int32_t());
  default:
    return load(int64_t());
  }
}

/// The error for element value `v` of argument `arg` outside [0, size).
inline std::string indexOutOfRangeMessage(unsigned arg, int64_t v,
                                          int64_t size) {
  return "argument " + std::to_string(arg) + ": index " + std::to_string(v) +
         " out of range [0, " + std::to_string(size) +
         ") of the table it indexes";
}

} // namespace quantc::runtime

#endif // QUANTC_RUNTIME_INDEXBOUNDS_H
