// `rocesim sweep SPEC [-j N] [--out DIR] [--quiet] [--check]`: runs every point of a sweep spec
// (app/sweep_spec.hpp) as a `rocesim run` child process and writes DIR/sweep.csv plus each point's
// report under DIR/points/ (app/sweep_run.hpp). Under `mpirun -np N` (when built with ROCESIM_MPI)
// the points are spread over the ranks (app/sweep_peers.hpp).
#include <CLI/CLI.hpp>

#include <memory>

#include "app/commands.hpp"
#include "app/sweep_peers.hpp"
#include "app/sweep_run.hpp"

namespace rocesim::app {

void register_sweep(CLI::App& app, CommandContext& ctx) {
  auto opt = std::make_shared<SweepOptions>();
  CLI::App* cmd = app.add_subcommand(
      "sweep", std::string("Run a grid or zip of rocesim run points from a JSON spec and tabulate them in sweep.csv") +
                   (sweep_mpi_built() ? " (MPI: built, use mpirun -np N)" : ""));
  cmd->add_option("spec", opt->spec, "Sweep spec JSON (base, axes, mode, metrics)")->required();
  cmd->add_option("-j,--jobs", opt->jobs, "Points run at the same time (per MPI rank)")
      ->check(CLI::Range(1u, 1024u))
      ->capture_default_str();
  cmd->add_option("--out", opt->out, "Output directory (sweep.csv, points/)")->capture_default_str();
  cmd->add_flag("--quiet", opt->quiet, "No progress lines on stderr and no summary on stdout");
  cmd->add_flag("--check", opt->check, "Validate every point's inputs (as rocesim run --check) and stop: nothing runs or is written");
  cmd->callback([opt, &ctx] { ctx.exit_code = run_sweep(*opt); });
}

}  // namespace rocesim::app
