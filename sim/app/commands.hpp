// Registration of the `rocesim` subcommands. Each subcommand lives in its own file and throws
// rocesim::ConfigError for bad input; main() turns that into a message and exit code 2.
#pragma once

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

}  // namespace rocesim::app
