//===- IndexBounds.h - the call-time check of index arguments ---*- C++ -*-===//
//
// A compiled function does not bound an index it reads from an argument (an
// embedding's token ids): one outside its table reads past it; nor a
// dynamic size it slices a fixed-size buffer to. Every call path checks
// such arguments (facade::IndexBound, the range of a facade::DimGroup)
// before the call: the C runtime's quantc_check_args and the Python call
// path share this reading of the elements and these messages.
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

/// The error for dimension `dim` of argument `arg`, of size `size`, outside
/// the range [min, max] (max -1: unbounded) of its dim group: the function
/// slices a fixed-size buffer to that size (a causal mask, RoPE tables) or
/// takes a fixed-size slice of that dimension, either of which the code
/// does not bound.
inline std::string dimOutOfRangeMessage(unsigned arg, unsigned dim,
                                        int64_t size, int64_t min,
                                        int64_t max) {
  std::string head = "argument " + std::to_string(arg) + ": dimension " +
                     std::to_string(dim) + " is " + std::to_string(size);
  if (max >= 0 && size > max)
    return head + ", more than the " + std::to_string(max) +
           " that the function's slices of fixed-size buffers allow";
  return head + ", less than the " + std::to_string(min) +
         " that the function's fixed-size slices of it need";
}

/// Whether `size` lies in [min, max] (max -1: unbounded).
inline bool inDimRange(int64_t size, int64_t min, int64_t max) {
  return size >= min && (max < 0 || size <= max);
}

} // namespace quantc::runtime

#endif // QUANTC_RUNTIME_INDEXBOUNDS_H
