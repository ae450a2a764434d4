// Helpers for topology tests that build fabrics from inline JSON: the build, and the expectation
// that a bad input gives one ConfigError naming the file, the JSON path and what was wrong.
#pragma once

#include <doctest/doctest.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "core/config_error.hpp"
#include "topology/topology.hpp"

namespace rocesim::topology::testing {

inline constexpr std::int64_t kMiB = 1LL << 20;

inline Fabric build(const nlohmann::json& j, const std::string& file = "t.json") {
  return build_fabric(parse_topology(j, file));
}

// Parses `j` (and builds it) expecting a ConfigError in `file` at `path` whose message contains `words`.
inline void expect_error(const nlohmann::json& j, const std::string& path, const std::string& words,
                         const std::string& file = "t.json") {
  CAPTURE(j.dump());
  bool thrown = false;
  try {
    build(j, file);
  } catch (const ConfigError& e) {
    thrown = true;
    CHECK(e.file() == file);
    CHECK(e.path() == path);
    CHECK_MESSAGE(e.message().find(words) != std::string::npos, std::string(e.what()));
  }
  CHECK_MESSAGE(thrown, "no error");
}

}  // namespace rocesim::topology::testing
