#include "core/json_reader.hpp"

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>
#include <vector>

namespace rocesim {
namespace {

std::string type_name(const nlohmann::json& v) {
  if (v.is_null()) return "null";
  if (v.is_boolean()) return "a boolean";
  if (v.is_number()) return "the number " + v.dump();
  if (v.is_string()) return "the string " + v.dump();
  if (v.is_array()) return "an array";
  return "an object";
}

// "/" and "~" escaped as in a JSON pointer (RFC 6901).
std::string pointer_token(const std::string& key) {
  std::string out;
  for (char c : key) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

// Duplicate keys: nlohmann keeps the last value silently, so the parser callback follows the
// document (a stack of open containers with the keys seen in each object, the current key or
// array index) and throws ConfigError at the second occurrence of a key, naming its JSON path.
class DuplicateKeyCheck {
 public:
  explicit DuplicateKeyCheck(const std::string& file) : file_(file) {}

  bool operator()(int /*depth*/, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    using E = nlohmann::json::parse_event_t;
    switch (event) {
      case E::object_start:
      case E::array_start:
        stack_.push_back(Frame{event == E::array_start, 0, {}, {}});
        break;
      case E::key: {
        Frame& f = stack_.back();
        f.key = parsed.get<std::string>();
        if (!f.keys.insert(f.key).second) {
          throw ConfigError(file_, path(), "duplicate key \"" + f.key + "\" (each key may appear once in an object)");
        }
        break;
      }
      case E::object_end:
      case E::array_end:
        stack_.pop_back();
        if (!stack_.empty() && stack_.back().array) ++stack_.back().index;
        break;
      case E::value:
        if (!stack_.empty() && stack_.back().array) ++stack_.back().index;
        break;
    }
    return true;
  }

 private:
  struct Frame {
    bool array;
    std::size_t index;
    std::string key;
    std::set<std::string> keys;
  };
  std::string path() const {
    std::string p;
    for (const Frame& f : stack_) p += "/" + (f.array ? std::to_string(f.index) : pointer_token(f.key));
    return p;
  }
  const std::string& file_;
  std::vector<Frame> stack_;
};

}  // namespace

namespace {

// ConfigError for a parse error at byte `byte` (1-based) of a text whose first bytes are `head`:
// line and column rather than nlohmann's byte offset.
[[noreturn]] void throw_parse_error(const nlohmann::json::parse_error& e, std::string_view head,
                                    const std::string& file_label) {
  std::size_t line = 1, col = 1;
  const std::size_t limit = std::min<std::size_t>(e.byte == 0 ? 0 : e.byte - 1, head.size());
  for (std::size_t i = 0; i < limit; ++i) {
    if (head[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  std::string what = e.what();
  const auto pos = what.find("syntax error");
  throw ConfigError(file_label, "",
                    "malformed JSON at line " + std::to_string(line) + ", column " + std::to_string(col) + ": " +
                        (pos == std::string::npos ? what : what.substr(pos)));
}

}  // namespace

nlohmann::json parse_json_text(const std::string& text, const std::string& file_label) {
  try {
    return nlohmann::json::parse(text, DuplicateKeyCheck(file_label));
  } catch (const nlohmann::json::parse_error& e) {
    throw_parse_error(e, text, file_label);
  }
}

nlohmann::json load_json_file(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw ConfigError(file, "", "cannot open file");
  // Parsed from the stream, not slurped first: a malformed or endless input (/dev/zero) fails at
  // its first bad byte instead of being read whole into memory.
  try {
    return nlohmann::json::parse(in, DuplicateKeyCheck(file));
  } catch (const nlohmann::json::parse_error& e) {
    std::ifstream again(file, std::ios::binary);
    std::string head(std::min<std::size_t>(e.byte, std::size_t{1} << 26), '\0');
    again.read(head.data(), static_cast<std::streamsize>(head.size()));
    head.resize(static_cast<std::size_t>(std::max<std::streamsize>(0, again.gcount())));
    throw_parse_error(e, head, file);
  }
}

JsonReader::JsonReader(const nlohmann::json& j, std::string file, std::string path)
    : j_(j), file_(std::move(file)), path_(std::move(path)) {
  if (!j_.is_object()) {
    throw ConfigError(file_, path_.empty() ? "/" : path_, "expected an object, got " + type_name(j_));
  }
}

bool JsonReader::has(std::string_view key) const { return j_.contains(std::string(key)); }

const nlohmann::json* JsonReader::find(std::string_view key) {
  auto it = j_.find(std::string(key));
  if (it == j_.end()) return nullptr;
  const std::string k(key);
  if (std::find(consumed_.begin(), consumed_.end(), k) == consumed_.end()) consumed_.push_back(k);
  return &*it;
}

const nlohmann::json& JsonReader::raw(std::string_view key) {
  const nlohmann::json* v = find(key);
  if (v == nullptr) fail(key, "missing required key");
  return *v;
}

void JsonReader::fail(std::string_view key, const std::string& message) const {
  throw ConfigError(file_, path_of(key), message);
}

void JsonReader::fail_here(const std::string& message) const {
  throw ConfigError(file_, path_.empty() ? "/" : path_, message);
}

std::string JsonReader::string(std::string_view key) {
  const nlohmann::json& v = raw(key);
  if (!v.is_string()) fail(key, "expected a string, got " + type_name(v));
  return v.get<std::string>();
}

std::string JsonReader::string_or(std::string_view key, std::string_view fallback) {
  return has(key) ? string(key) : std::string(fallback);
}

std::string JsonReader::choice(std::string_view key, std::initializer_list<std::string_view> allowed) {
  std::string s = string(key);
  for (std::string_view a : allowed) {
    if (s == a) return s;
  }
  std::string list;
  for (std::string_view a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
  fail(key, "unknown value \"" + s + "\" (expected one of: " + list + ")");
}

std::string JsonReader::choice_or(std::string_view key, std::initializer_list<std::string_view> allowed,
                                  std::string_view fallback) {
  return has(key) ? choice(key, allowed) : std::string(fallback);
}

std::int64_t JsonReader::integer(std::string_view key, std::int64_t min, std::int64_t max) {
  const nlohmann::json& v = raw(key);
  if (!v.is_number_integer()) fail(key, "expected an integer, got " + type_name(v));
  std::int64_t x = 0;
  if (v.is_number_unsigned()) {
    const auto u = v.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(INT64_MAX)) fail(key, "integer out of range");
    x = static_cast<std::int64_t>(u);
  } else {
    x = v.get<std::int64_t>();
  }
  if (x < min || x > max) {
    fail(key, "expected an integer in [" + std::to_string(min) + ", " + std::to_string(max) +
                  "], got " + std::to_string(x));
  }
  return x;
}

std::int64_t JsonReader::integer_or(std::string_view key, std::int64_t fallback, std::int64_t min,
                                    std::int64_t max) {
  return has(key) ? integer(key, min, max) : fallback;
}

double JsonReader::number(std::string_view key, double min, double max) {
  const nlohmann::json& v = raw(key);
  if (!v.is_number()) fail(key, "expected a number, got " + type_name(v));
  const double x = v.get<double>();
  if (!(x >= min && x <= max)) {
    std::ostringstream os;
    os << "expected a number in [" << min << ", " << max << "], got " << x;
    fail(key, os.str());
  }
  return x;
}

double JsonReader::number_or(std::string_view key, double fallback, double min, double max) {
  return has(key) ? number(key, min, max) : fallback;
}

bool JsonReader::boolean_or(std::string_view key, bool fallback) {
  if (!has(key)) return fallback;
  const nlohmann::json& v = raw(key);
  if (!v.is_boolean()) fail(key, "expected true or false, got " + type_name(v));
  return v.get<bool>();
}

Rate JsonReader::rate(std::string_view key) {
  const nlohmann::json& v = raw(key);
  if (!v.is_string()) fail(key, "expected a rate string such as \"400Gbps\", got " + type_name(v));
  try {
    return parse_rate(v.get<std::string>());
  } catch (const UnitError& e) {
    fail(key, e.what());
  }
}

Rate JsonReader::rate_or(std::string_view key, Rate fallback) { return has(key) ? rate(key) : fallback; }

Time JsonReader::time(std::string_view key) {
  const nlohmann::json& v = raw(key);
  if (!v.is_string()) fail(key, "expected a time string such as \"1us\", got " + type_name(v));
  try {
    return parse_time(v.get<std::string>());
  } catch (const UnitError& e) {
    fail(key, e.what());
  }
}

Time JsonReader::time_or(std::string_view key, Time fallback) { return has(key) ? time(key) : fallback; }

Bytes JsonReader::bytes(std::string_view key, std::int64_t min) {
  const nlohmann::json& v = raw(key);
  Bytes b;
  if (v.is_number_integer()) {
    b = Bytes{v.get<std::int64_t>()};
  } else if (v.is_string()) {
    try {
      b = parse_bytes(v.get<std::string>());
    } catch (const UnitError& e) {
      fail(key, e.what());
    }
  } else {
    fail(key, "expected a size such as \"32MiB\" or an integer byte count, got " + type_name(v));
  }
  if (b.n < min) fail(key, "size must be at least " + std::to_string(min) + " bytes, got " + std::to_string(b.n));
  return b;
}

Bytes JsonReader::bytes_or(std::string_view key, Bytes fallback, std::int64_t min) {
  return has(key) ? bytes(key, min) : fallback;
}

JsonReader JsonReader::object(std::string_view key) {
  const nlohmann::json& v = raw(key);
  if (!v.is_object()) fail(key, "expected an object, got " + type_name(v));
  return JsonReader(v, file_, path_of(key));
}

std::optional<JsonReader> JsonReader::object_opt(std::string_view key) {
  if (!has(key)) return std::nullopt;
  return object(key);
}

const nlohmann::json& JsonReader::array(std::string_view key) {
  const nlohmann::json& v = raw(key);
  if (!v.is_array()) fail(key, "expected an array, got " + type_name(v));
  return v;
}

std::string JsonReader::element_path(std::string_view key, std::size_t index) const {
  return path_of(key) + "/" + std::to_string(index);
}

void JsonReader::finish() const {
  std::vector<std::string> unknown;
  for (auto it = j_.begin(); it != j_.end(); ++it) {
    if (std::find(consumed_.begin(), consumed_.end(), it.key()) == consumed_.end()) unknown.push_back(it.key());
  }
  if (unknown.empty()) return;
  std::sort(unknown.begin(), unknown.end());
  std::vector<std::string> known = consumed_;
  std::sort(known.begin(), known.end());
  std::string list;
  for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
  throw ConfigError(file_, path_of(unknown.front()),
                    "unknown key \"" + unknown.front() + "\"" +
                        (list.empty() ? std::string() : " (keys read here: " + list + ")"));
}

void apply_override(nlohmann::json& doc, std::string_view assignment) {
  const auto eq = assignment.find('=');
  if (eq == std::string_view::npos || eq == 0) {
    throw ConfigError("--set", std::string(assignment), "expected key.path=value");
  }
  const std::string key(assignment.substr(0, eq));
  const std::string value(assignment.substr(eq + 1));
  nlohmann::json parsed = nlohmann::json::parse(value, nullptr, false);
  if (parsed.is_discarded()) parsed = value;
  nlohmann::json* node = &doc;
  std::size_t start = 0;
  std::string path;
  for (;;) {
    const std::size_t dot = key.find('.', start);
    const std::string part = key.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (part.empty()) throw ConfigError("--set", key, "empty component in key path");
    path += "/" + part;
    if (!node->is_object()) throw ConfigError("--set", path, "cannot set a key inside a non-object");
    if (dot == std::string::npos) {
      (*node)[part] = parsed;
      return;
    }
    node = &(*node)[part];
    if (node->is_null()) *node = nlohmann::json::object();
    start = dot + 1;
  }
}

}  // namespace rocesim
