// rocesim: command-line front end. Subcommands are registered in commands.hpp.
#include <CLI/CLI.hpp>

#include <iostream>

#include "app/commands.hpp"
#include "core/config_error.hpp"

int main(int argc, char** argv) {
  CLI::App app{"rocesim: RoCE fabric simulator for AI training clusters"};
  app.require_subcommand(0, 1);
  rocesim::app::CommandContext ctx;
  // Subcommand registrations: one line each.
  rocesim::app::register_compare(app, ctx);
  rocesim::app::register_convert(app, ctx);
  rocesim::app::register_run(app, ctx);
  rocesim::app::register_sweep(app, ctx);
  rocesim::app::register_topo(app, ctx);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return rocesim::kExitBadInput;
  } catch (const rocesim::ConfigError& e) {
    std::cerr << "error: " << e.what() << '\n';
    return rocesim::kExitBadInput;
  }
  if (app.get_subcommands().empty()) {
    std::cout << app.help();
  }
  return ctx.exit_code;
}
