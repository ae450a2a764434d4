// MPI transport of sweep rows (sweep_peers.hpp). Compiled to the single-process fallback unless the
// top-level ROCESIM_MPI option found MPI and defined ROCESIM_HAVE_MPI.
#include <cstdlib>
#include <string>

#include "app/sweep_peers.hpp"

#ifdef ROCESIM_HAVE_MPI
#include <mpi.h>
#endif

namespace rocesim::app {
namespace {

#ifdef ROCESIM_HAVE_MPI
constexpr int kRowTag = 8;

class MpiPeers final : public SweepPeers {
 public:
  MpiPeers() {
    MPI_Init(nullptr, nullptr);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
  }
  ~MpiPeers() override {
    // Rank 0 has received every row before it gets here, so no rank leaves with a message in flight.
    MPI_Barrier(MPI_COMM_WORLD);
    MPI_Finalize();
  }
  int rank() const override { return rank_; }
  int size() const override { return size_; }

  void send_row(const SweepRow& row) override {
    const std::string text = nlohmann::json(row).dump();
    MPI_Send(text.data(), static_cast<int>(text.size()), MPI_CHAR, 0, kRowTag, MPI_COMM_WORLD);
  }

  std::vector<SweepRow> receive_rows() override {
    std::vector<SweepRow> rows;
    for (;;) {
      int flag = 0;
      MPI_Status st;
      MPI_Iprobe(MPI_ANY_SOURCE, kRowTag, MPI_COMM_WORLD, &flag, &st);
      if (!flag) return rows;
      int count = 0;
      MPI_Get_count(&st, MPI_CHAR, &count);
      std::string text(static_cast<std::size_t>(count), '\0');
      MPI_Recv(text.data(), count, MPI_CHAR, st.MPI_SOURCE, kRowTag, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      rows.push_back(nlohmann::json::parse(text).get<SweepRow>());
    }
  }

 private:
  int rank_ = 0, size_ = 1;
};

bool launched_by_mpi() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE"}) {
    if (std::getenv(v) != nullptr) return true;
  }
  return false;
}
#endif

}  // namespace

bool sweep_mpi_built() {
#ifdef ROCESIM_HAVE_MPI
  return true;
#else
  return false;
#endif
}

std::unique_ptr<SweepPeers> make_sweep_peers() {
#ifdef ROCESIM_HAVE_MPI
  if (launched_by_mpi()) return std::make_unique<MpiPeers>();
#endif
  return std::make_unique<SweepPeers>();
}

}  // namespace rocesim::app
