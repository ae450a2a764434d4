// Where sweep points run: one process (the default), or the ranks of an MPI job
// (`mpirun -np N rocesim sweep SPEC`, when rocesim was configured with ROCESIM_MPI). Point i runs on
// rank i mod N; every rank sends the rows of its points to rank 0, which alone writes sweep.csv.
// Point folders are written by the rank that ran the point (on its own machine's file system).
#pragma once

#include <memory>
#include <vector>

#include "app/sweep_table.hpp"

namespace rocesim::app {

class SweepPeers {
 public:
  virtual ~SweepPeers() = default;
  virtual int rank() const { return 0; }
  virtual int size() const { return 1; }
  // Rank != 0: hands a finished row to rank 0.
  virtual void send_row(const SweepRow&) {}
  // Rank 0: the rows other ranks finished since the last call; never blocks.
  virtual std::vector<SweepRow> receive_rows() { return {}; }
};

// True when this executable was built with MPI support.
bool sweep_mpi_built();

// MPI peers when built with MPI and started by an MPI launcher (its environment variables are
// set), otherwise the single-process default.
std::unique_ptr<SweepPeers> make_sweep_peers();

}  // namespace rocesim::app
