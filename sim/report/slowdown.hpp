// FCT slowdown: how much longer a flow took than it would have alone on the idle fabric.
//
// Definition (per completed transfer with a known ideal, observe::TransferRecord::ideal):
//   slowdown = fct / ideal,   fct = end − start (handed to the backend → last byte delivered),
//   ideal = the backend's TransferBackend::ideal_fct (packet tier: store-and-forward of the
//   flow's frames over its route at line rate, net/packet_net.hpp; fluid tier: latency + overhead
//   + bytes at the path's narrowest rate, flow/fluid_net.hpp). Dimensionless, >= 1 up to rounding
//   (a packet flow whose last frame is short can finish up to one frame time early).
// summary.json "slowdown" (slowdown_json), the figure the HPCC/DCQCN/pFabric evaluations plot:
//   {"count","p50","p95","p99","max","buckets":[{"id","bytes_min","bytes_max","count","p50","p95","p99"}]}
//   with nearest-rank percentiles (report/percentiles.hpp), over every flow and per size bucket
//   [bytes_min, bytes_max) of kSlowdownBucketEdges (decades from 10 KB to 10 MB; the last bucket's
//   bytes_max is null; ids "<10KB", "10KB-100KB", "100KB-1MB", "1MB-10MB", ">=10MB"). A bucket
//   without flows has count 0 and null percentiles.
// Thread safety: pure functions.
#pragma once

#include <array>
#include <cstdint>

#include <nlohmann/json.hpp>

#include "observe/run_record.hpp"

namespace rocesim::report {

inline constexpr std::array<std::int64_t, 4> kSlowdownBucketEdges{10'000, 100'000, 1'000'000, 10'000'000};

// fct / ideal of t, or a negative value when it is not defined (not completed, ideal unknown).
double slowdown_of(const observe::TransferRecord& t);

// The "slowdown" object above; null when no transfer has a slowdown.
nlohmann::json slowdown_json(const observe::RunRecord& record);

}  // namespace rocesim::report
