// Shared by the libFuzzer targets (tests/fuzz, built only with -DROCESIM_FUZZ=ON and clang; not
// part of CI). A reader must turn any input into a result or a ConfigError / ResourceError (the
// "error: FILE: /path: ..." of the CLI); any other exception, a crash or a sanitizer report is a
// finding. Run e.g. `build-fuzz/tests/fuzz/fuzz_flow_csv -max_total_time=600 CORPUS_DIR`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "core/config_error.hpp"

namespace rocesim::fuzz {

template <class Fn>
void expect_clean_rejection(Fn&& fn) {
  try {
    fn();
  } catch (const ConfigError&) {
  } catch (const ResourceError&) {
  }
}

inline std::string text_of(const std::uint8_t* data, std::size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

}  // namespace rocesim::fuzz
