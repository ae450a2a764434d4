// Runs a sweep: every point is a `rocesim run` child process (this executable, /proc/self/exe, or
// $ROCESIM_SWEEP_EXE when set, e.g. a wrapper script in tests), at most `jobs` at a time, each
// writing DIR/points/<index>-<slug>/ (summary.json, run.log with the child's output, point.json with
// the point's inputs and exit code). DIR/sweep.csv (sweep_table.hpp) is rewritten atomically after
// every finished point.
// Resume: a point whose point.json records the same inputs (arguments and input-file contents)
// and exit code 0, next to its summary.json, is reused instead of rerun; anything else (never
// started, killed mid-run, failed, inputs changed) is run again. Point folders of an earlier spec
// at the same index but under another name are removed.
// Point locks: each point directory has a .lock file, flock'ed by the sweep and held by the point's
// `rocesim run` until it exits (inherited as descriptor 3), even if the sweep is killed with
// SIGKILL. A point whose lock is held by another process (such an orphaned run, or a second sweep
// on the same DIR) is not run again: its row says "locked" and the sweep exits 1; rerun the sweep
// once that process has finished.
// Exit code: 0 every point ok, 2 some point rejected its input (rocesim run exit 2), 1 some other
// failure; the sweep always finishes the other points first.
#pragma once

#include <string>

namespace rocesim::app {

struct SweepOptions {
  std::string spec;
  unsigned jobs = 1;
  std::string out = "rocesim-sweep";
  bool quiet = false;
  bool check = false;  // validate every point (as rocesim run --check) and stop: nothing is run or written
};

// Throws ConfigError for a bad spec or an output directory it cannot write, before any point runs
// and before anything is written.
int run_sweep(const SweepOptions& opt);

}  // namespace rocesim::app
