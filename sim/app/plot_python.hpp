// Which Python `rocesim run --plots` runs scripts/plot_report.py with.
//
// Candidates, in order: the python3 found on PATH (the user's choice: a venv or conda Python that
// has matplotlib), then /usr/bin/python3 (Debian's, where `apt-get install python3-matplotlib`
// puts matplotlib). The first that can `import matplotlib` is used. A PATH python3 without
// matplotlib (a venv, a pyenv shim) shadowing a system Python that has it is the usual reason
// --plots said "not available" on a machine where plotting works.
// Thread safety: none needed (runs child processes, touches no shared state).
#pragma once

#include <string>
#include <vector>

namespace rocesim::app {

struct PlotPython {
  std::string path;                // the interpreter to use; empty when no candidate has matplotlib
  std::vector<std::string> tried;  // every candidate checked, in order (absolute paths)
};

PlotPython find_plot_python();

}  // namespace rocesim::app
