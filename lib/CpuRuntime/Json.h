//===- Json.h - the JSON reader of libquantc_runtime ------------*- C++ -*-===//
//
// A small JSON reader for artifact manifests: the runtime links neither LLVM
// (llvm::json) nor any other library. Numbers are kept as double and, when
// they are integers, exactly as int64.
//
//===----------------------------------------------------------------------===//
#ifndef QUANTC_CPURUNTIME_JSON_H
#define QUANTC_CPURUNTIME_JSON_H

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace quantc::runtime {

/// A parsed JSON value.
struct JsonValue {
  enum Kind { Null, Bool, Number, String, Array, Object } kind = Null;
  bool boolean = false;
  double number = 0;
  /// The number when it is an integer written without fraction or exponent.
  bool isInteger = false;
  int64_t integer = 0;
  std::string string;
  std::vector<JsonValue> array;
  std::map<std::string, JsonValue> object;

  /// The member `key` of an object, null if absent or not an object.
  const JsonValue *get(const std::string &key) const;

  /// The same JSON value: kinds and members equal, numbers by value.
  bool operator==(const JsonValue &other) const;
  bool operator!=(const JsonValue &other) const { return !(*this == other); }
};

/// Kind tests that also accept a missing member (null): false then.
inline bool isInt(const JsonValue *v) {
  return v && v->kind == JsonValue::Number && v->isInteger;
}
inline bool isString(const JsonValue *v) {
  return v && v->kind == JsonValue::String;
}
inline bool isArray(const JsonValue *v) {
  return v && v->kind == JsonValue::Array;
}

/// Parses `text` into `out`. False with `error` set (with the byte offset)
/// on malformed input or trailing characters.
bool parseJson(const std::string &text, JsonValue &out, std::string &error);

} // namespace quantc::runtime

#endif // QUANTC_CPURUNTIME_JSON_H
