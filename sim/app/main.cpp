// rocesim: command-line front end. Subcommands are registered in commands.hpp.
#include <CLI/CLI.hpp>

#include <exception>
#include <iostream>
#include <new>
#include <string>

#include "app/commands.hpp"
#include "core/config_error.hpp"
#include "core/memory_budget.hpp"
#include "rocesim_git_commit.hpp"  // generated at build time (sim/app/cmake/git_commit.cmake)

namespace {

// What `rocesim --version` prints: the project version, how it was compiled (a Debug build is
// ~10x slower, which matters when comparing timings) and the commit, "unknown" outside git.
std::string version_text() {
  const std::string build_type = ROCESIM_BUILD_TYPE;
  return std::string("rocesim ") + ROCESIM_VERSION + "\nbuild type: " + (build_type.empty() ? "unspecified" : build_type) +
         "\ngit commit: " + ROCESIM_GIT_COMMIT;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"rocesim: RoCE fabric simulator for AI training clusters"};
  app.require_subcommand(0, 1);
  app.set_version_flag("--version", version_text(), "Print the version, build type and git commit, then exit");
  rocesim::app::CommandContext ctx;
  // Subcommand registrations: one line each.
  rocesim::app::register_compare(app, ctx);
  rocesim::app::register_convert(app, ctx);
  rocesim::app::register_run(app, ctx);
  rocesim::app::register_sweep(app, ctx);
  rocesim::app::register_topo(app, ctx);
  rocesim::app::register_traffic(app, ctx);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return rocesim::kExitBadInput;
  } catch (const rocesim::ConfigError& e) {
    std::cerr << "error: " << e.what() << '\n';
    return rocesim::kExitBadInput;
  } catch (const rocesim::ResourceError& e) {
    std::cerr << "error: " << e.what() << '\n';
    return rocesim::kExitResources;
  } catch (const std::bad_alloc&) {
    // Unwinding has freed what the failed build held, so the message may allocate again.
    const std::string& what = rocesim::current_activity();
    std::cerr << "error: out of memory while " << (what.empty() ? std::string("running") : what)
              << " (limit " << rocesim::gib_string(rocesim::memory_limit_bytes())
              << "; physical memory or ulimit -v)\n";
    return rocesim::kExitResources;
  } catch (const std::exception& e) {
    std::cerr << "internal error: " << e.what() << " (please report it with the command line)\n";
    return rocesim::kExitInternal;
  }
  if (app.get_subcommands().empty()) {
    std::cout << app.help();
  }
  return ctx.exit_code;
}
