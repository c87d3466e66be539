//===- Json.cpp - the JSON reader of libquantc_runtime --------------------===//
#include "Json.h"
#include "quantc/Runtime/JsonLimits.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>

using namespace quantc::runtime;

const JsonValue *JsonValue::get(const std::string &key) const {
  if (kind != Object)
    return nullptr;
  auto it = object.find(key);
  return it == object.end() ? nullptr : &it->second;
}

bool JsonValue::operator==(const JsonValue &other) const {
  if (kind != other.kind)
    return false;
  switch (kind) {
  case Null:
    return true;
  case Bool:
    return boolean == other.boolean;
  case Number:
    return isInteger == other.isInteger &&
           (isInteger ? integer == other.integer : number == other.number);
  case String:
    return string == other.string;
  case Array:
    return array == other.array;
  case Object:
    return object == other.object;
  }
  return false;
}

namespace {
/// Recursive descent over `text`; `depth` bounds nesting so that a hostile
/// manifest cannot overflow the stack.
class Parser {
public:
  explicit Parser(const std::string &text) : text(text) {}

  bool parse(JsonValue &out, std::string &error) {
    skipSpace();
    if (!value(out, 0)) {
      error = message + " at byte " + std::to_string(pos);
      return false;
    }
    skipSpace();
    if (pos != text.size()) {
      error = "trailing characters at byte " + std::to_string(pos);
      return false;
    }
    return true;
  }

private:
  static constexpr int kMaxDepth = quantc::kMaxJsonDepth;
  const std::string &text;
  size_t pos = 0;
  std::string message;

  bool fail(const char *what) {
    message = what;
    return false;
  }
  void skipSpace() {
    while (pos < text.size() && std::strchr(" \t\r\n", text[pos]) &&
           text[pos] != '\0')
      ++pos;
  }
  bool literal(const char *word) {
    size_t n = std::strlen(word);
    if (text.compare(pos, n, word) != 0)
      return fail("invalid literal");
    pos += n;
    return true;
  }

  bool value(JsonValue &out, int depth) {
    if (depth > kMaxDepth)
      return fail("nesting too deep");
    if (pos >= text.size())
      return fail("unexpected end of input");
    char c = text[pos];
    if (c == '{')
      return object(out, depth);
    if (c == '[')
      return array(out, depth);
    if (c == '"') {
      out.kind = JsonValue::String;
      return string(out.string);
    }
    if (c == 't' || c == 'f') {
      out.kind = JsonValue::Bool;
      out.boolean = c == 't';
      return literal(c == 't' ? "true" : "false");
    }
    if (c == 'n') {
      out.kind = JsonValue::Null;
      return literal("null");
    }
    return number(out);
  }

  bool object(JsonValue &out, int depth) {
    out.kind = JsonValue::Object;
    ++pos;
    skipSpace();
    if (pos < text.size() && text[pos] == '}') {
      ++pos;
      return true;
    }
    for (;;) {
      skipSpace();
      std::string key;
      if (pos >= text.size() || text[pos] != '"')
        return fail("expected a member name");
      if (!string(key))
        return false;
      skipSpace();
      if (pos >= text.size() || text[pos] != ':')
        return fail("expected ':'");
      ++pos;
      skipSpace();
      if (!value(out.object[key], depth + 1))
        return false;
      skipSpace();
      if (pos < text.size() && text[pos] == ',') {
        ++pos;
        continue;
      }
      if (pos < text.size() && text[pos] == '}') {
        ++pos;
        return true;
      }
      return fail("expected ',' or '}'");
    }
  }

  bool array(JsonValue &out, int depth) {
    out.kind = JsonValue::Array;
    ++pos;
    skipSpace();
    if (pos < text.size() && text[pos] == ']') {
      ++pos;
      return true;
    }
    for (;;) {
      skipSpace();
      out.array.emplace_back();
      if (!value(out.array.back(), depth + 1))
        return false;
      skipSpace();
      if (pos < text.size() && text[pos] == ',') {
        ++pos;
        continue;
      }
      if (pos < text.size() && text[pos] == ']') {
        ++pos;
        return true;
      }
      return fail("expected ',' or ']'");
    }
  }

  bool string(std::string &out) {
    ++pos; // the opening quote
    while (pos < text.size()) {
      char c = text[pos++];
      if (c == '"')
        return true;
      if (static_cast<unsigned char>(c) < 0x20)
        return fail("control character in a string");
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos >= text.size())
        break;
      char e = text[pos++];
      switch (e) {
      case '"':
      case '\\':
      case '/':
        out += e;
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'u': {
        if (pos + 4 > text.size())
          return fail("truncated \\u escape");
        unsigned code = 0;
        for (int i = 0; i < 4; ++i) {
          char h = text[pos++];
          code <<= 4;
          if (h >= '0' && h <= '9')
            code |= h - '0';
          else if (h >= 'a' && h <= 'f')
            code |= h - 'a' + 10;
          else if (h >= 'A' && h <= 'F')
            code |= h - 'A' + 10;
          else
            return fail("invalid \\u escape");
        }
        // Manifests are ASCII; other code points are kept as UTF-8 (a
        // surrogate half as its own 3-byte sequence).
        if (code < 0x80) {
          out += static_cast<char>(code);
        } else if (code < 0x800) {
          out += static_cast<char>(0xc0 | (code >> 6));
          out += static_cast<char>(0x80 | (code & 0x3f));
        } else {
          out += static_cast<char>(0xe0 | (code >> 12));
          out += static_cast<char>(0x80 | ((code >> 6) & 0x3f));
          out += static_cast<char>(0x80 | (code & 0x3f));
        }
        break;
      }
      default:
        return fail("invalid escape");
      }
    }
    return fail("unterminated string");
  }

  bool number(JsonValue &out) {
    size_t start = pos;
    if (pos < text.size() && text[pos] == '-')
      ++pos;
    bool integral = true;
    size_t digits = 0;
    while (pos < text.size()) {
      char c = text[pos];
      if (c >= '0' && c <= '9') {
        ++digits;
      } else if (c == '.' || c == 'e' || c == 'E' || c == '+' ||
                 (c == '-' && pos > start)) {
        integral = false;
      } else {
        break;
      }
      ++pos;
    }
    if (!digits)
      return fail("invalid value");
    std::string token = text.substr(start, pos - start);
    char *end = nullptr;
    out.kind = JsonValue::Number;
    out.number = std::strtod(token.c_str(), &end);
    if (!end || *end)
      return fail("invalid number");
    if (integral) {
      errno = 0;
      long long v = std::strtoll(token.c_str(), &end, 10);
      if (errno == 0 && !*end) {
        out.isInteger = true;
        out.integer = v;
      }
    }
    return true;
  }
};
} // namespace

bool quantc::runtime::parseJson(const std::string &text, JsonValue &out,
                                std::string &error) {
  out = JsonValue();
  return Parser(text).parse(out, error);
}
