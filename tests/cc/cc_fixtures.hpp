// Shared helpers of the congestion-control tests: a recording CcHost for unit tests that drive a
// strategy directly, and a packet-fabric harness that runs a strategy inside PacketNet.
#pragma once

#include <doctest/doctest.h>

#include <memory>
#include <vector>

#include "../net/net_fixtures.hpp"
#include "net/cc_strategy.hpp"

namespace rocesim::cc::testing {

// Records cc_changed() calls (timer-driven changes the NIC must act on).
struct RecordingHost final : net::CcHost {
  std::vector<std::uint32_t> changed;
  void cc_changed(std::uint32_t qp) override { changed.push_back(qp); }
};

inline net::QpInfo qp_info(std::uint32_t qp, Rate line = Rate::gbps(100), Time base_rtt = Time::from_us(10),
                           std::uint32_t src = 0, std::uint32_t dst = 1) {
  return net::QpInfo{qp, src, dst, Bytes{1 << 30}, line, base_rtt};
}

// A fabric, router, simulator and PacketNet running `strategy` (null = no CC).
struct CcHarness {
  topology::Fabric fabric;
  routing::Router router;
  Simulator sim;
  net::PacketNet net;
  net::testing::Recorder rec;

  CcHarness(topology::Fabric f, net::NetParams params, std::unique_ptr<net::CcStrategy> strategy,
            routing::RoutingParams rp = {})
      : fabric(std::move(f)), router(fabric, rp), net(sim, fabric, router, std::move(params), std::move(strategy)) {
    net.set_sink(&rec);
  }
  void send(std::uint32_t src, std::uint32_t dst, std::int64_t bytes, std::uint64_t tag, std::uint32_t label = 0) {
    net.start(TransferRequest{src, dst, Bytes{bytes}, label, 0, tag});
  }
};

// Jain's fairness index (Σx)² / (n·Σx²): 1 when all equal, 1/n when one takes everything.
inline double jain(const std::vector<double>& x) {
  double s = 0, s2 = 0;
  for (double v : x) {
    s += v;
    s2 += v * v;
  }
  return s2 > 0 ? s * s / (static_cast<double>(x.size()) * s2) : 0.0;
}

}  // namespace rocesim::cc::testing
