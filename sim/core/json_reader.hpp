// Strict reading of JSON config objects.
//
// JsonReader wraps one JSON object together with the file name and the JSON path that led to it, so
// every error names both ("topo.json: /fabric/spines: expected a positive integer, got -1").
// Each accessor marks its key as consumed; finish() then rejects every key nobody asked for, so a
// typo is an error instead of a silent default. Unit-bearing values are strings ("400Gbps", "1us",
// "32MiB") parsed by core/units.
// Thread safety: none; a reader is a short-lived local.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/config_error.hpp"
#include "core/units.hpp"

namespace rocesim {

// Reads and parses a JSON file. Throws ConfigError naming the file, line and column on failure,
// and naming the key and its JSON path when an object repeats a key.
nlohmann::json load_json_file(const std::string& file);
nlohmann::json parse_json_text(const std::string& text, const std::string& file_label);

class JsonReader {
 public:
  // REQUIRES: `j` outlives the reader. Throws ConfigError if `j` is not an object.
  JsonReader(const nlohmann::json& j, std::string file, std::string path = "");

  const std::string& file() const { return file_; }
  const std::string& path() const { return path_; }
  std::string path_of(std::string_view key) const { return path_ + "/" + std::string(key); }
  bool has(std::string_view key) const;
  const nlohmann::json& raw(std::string_view key);  // marks consumed; REQUIRES has(key)

  [[noreturn]] void fail(std::string_view key, const std::string& message) const;
  [[noreturn]] void fail_here(const std::string& message) const;

  std::string string(std::string_view key);
  std::string string_or(std::string_view key, std::string_view fallback);
  // One of `allowed`; the error lists them.
  std::string choice(std::string_view key, std::initializer_list<std::string_view> allowed);
  std::string choice_or(std::string_view key, std::initializer_list<std::string_view> allowed,
                        std::string_view fallback);

  std::int64_t integer(std::string_view key, std::int64_t min, std::int64_t max);
  std::int64_t integer_or(std::string_view key, std::int64_t fallback, std::int64_t min, std::int64_t max);
  double number(std::string_view key, double min, double max);
  double number_or(std::string_view key, double fallback, double min, double max);
  bool boolean_or(std::string_view key, bool fallback);

  Rate rate(std::string_view key);
  Rate rate_or(std::string_view key, Rate fallback);
  Time time(std::string_view key);
  Time time_or(std::string_view key, Time fallback);
  Bytes bytes(std::string_view key, std::int64_t min = 0);
  Bytes bytes_or(std::string_view key, Bytes fallback, std::int64_t min = 0);

  JsonReader object(std::string_view key);
  std::optional<JsonReader> object_opt(std::string_view key);
  // The array at `key` (marks consumed). Elements are read by the caller with element_path().
  const nlohmann::json& array(std::string_view key);
  std::string element_path(std::string_view key, std::size_t index) const;

  // Throws ConfigError for the first (in sorted order) key that no accessor consumed.
  void finish() const;

 private:
  const nlohmann::json* find(std::string_view key);

  const nlohmann::json& j_;
  std::string file_;
  std::string path_;
  std::vector<std::string> consumed_;
};

// Applies "a.b.c=value" to a JSON document: the value is parsed as JSON when it is valid JSON,
// otherwise taken as a string. Intermediate objects are created. Throws ConfigError on a malformed
// assignment or a path through a non-object.
void apply_override(nlohmann::json& doc, std::string_view assignment);

}  // namespace rocesim
