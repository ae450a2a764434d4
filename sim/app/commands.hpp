// Registration of the `rocesim` subcommands. Each subcommand lives in its own file and throws
// rocesim::ConfigError for bad input; main() turns that into a message and exit code 2.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace rocesim::app {

// What a subcommand hands back to main(): its process exit code (0 ok, 1 regression found, ...).
struct CommandContext {
  int exit_code = 0;
};

// One line per subcommand; each is defined in <name>_command.cpp.
void register_compare(CLI::App& app, CommandContext& ctx);
void register_convert(CLI::App& app, CommandContext& ctx);
void register_run(CLI::App& app, CommandContext& ctx);
void register_sweep(CLI::App& app, CommandContext& ctx);
void register_topo(CLI::App& app, CommandContext& ctx);
void register_traffic(CLI::App& app, CommandContext& ctx);

// Adds `--max-memory SIZE` (core/memory_budget.hpp) to a subcommand; cli_options.cpp.
void add_max_memory_option(CLI::App* cmd);
// Adds `--seed N`: digits only, 0..2^64−1, anything else is a ConfigError (exit 2).
void add_seed_option(CLI::App* cmd, std::uint64_t& seed, const std::string& description);

// Validates the arguments of one `rocesim run` (what follows "run") as `rocesim run --check` does,
// in this process: builds fabric, routing, lowered workload and backend, runs nothing, writes
// nothing. Throws ConfigError for bad input (used by `rocesim sweep` before any point starts).
void check_run_arguments(const std::vector<std::string>& run_args);

}  // namespace rocesim::app
