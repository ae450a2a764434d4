// Options shared by several subcommands: `--max-memory SIZE` (core/memory_budget.hpp) and a strict
// `--seed N` (0..2^64−1, digits only: CLI11 alone wraps "-1" to 2^64−1).
#include <CLI/CLI.hpp>

#include <charconv>

#include "app/commands.hpp"
#include "core/config_error.hpp"
#include "core/memory_budget.hpp"
#include "core/units.hpp"

namespace rocesim::app {

void add_max_memory_option(CLI::App* cmd) {
  cmd->add_option_function<std::string>(
      "--max-memory",
      [](const std::string& s) {
        Bytes b{};
        try {
          b = parse_bytes(s);
        } catch (const UnitError& e) {
          throw ConfigError("--max-memory", "", e.what());
        }
        if (b.n <= 0) throw ConfigError("--max-memory", "", "must be greater than zero, got \"" + s + "\"");
        set_memory_limit_bytes(static_cast<std::uint64_t>(b.n));
      },
      "Refuse to build a fabric or workload estimated above SIZE, e.g. 8GiB (default: physical memory, or ulimit -v)");
}

void add_seed_option(CLI::App* cmd, std::uint64_t& seed, const std::string& description) {
  cmd->add_option_function<std::string>(
      "--seed",
      [&seed](const std::string& s) {
        std::uint64_t v = 0;
        const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
        if (s.empty() || ec != std::errc() || end != s.data() + s.size()) {
          throw ConfigError("--seed", "", "expected an integer from 0 to 18446744073709551615 (2^64-1), got \"" + s + "\"");
        }
        seed = v;
      },
      description);
}

}  // namespace rocesim::app
