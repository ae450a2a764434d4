// Shared helpers of the congestion-control tests: a recording CcHost for unit tests that drive a
// strategy directly, and a packet-fabric harness that runs a strategy inside PacketNet.
#pragma once

#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "../net/net_fixtures.hpp"
#include "cc/cc_factory.hpp"
#include "core/config_error.hpp"
#include "net/cc_strategy.hpp"

namespace rocesim::cc::testing {

// Records cc_changed() calls (timer-driven changes the NIC must act on); control(qp) is the one
// control block `ctl` points at (unit tests drive a single QP).
struct RecordingHost final : net::CcHost {
  std::vector<std::uint32_t> changed;
  net::CcControl* ctl = nullptr;
  void cc_changed(std::uint32_t qp) override { changed.push_back(qp); }
  net::CcControl& control(std::uint32_t) override { return *ctl; }
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
// The JSON path a ConfigError names for this `cc` object, or "no error".
inline std::string cc_error_path(const nlohmann::json& cc) {
  try {
    make_cc_strategy(cc, "t.json", CcContext{});
  } catch (const ConfigError& e) {
    return e.path();
  }
  return "no error";
}

inline double jain(const std::vector<double>& x) {
  double s = 0, s2 = 0;
  for (double v : x) {
    s += v;
    s2 += v * v;
  }
  return s2 > 0 ? s * s / (static_cast<double>(x.size()) * s2) : 0.0;
}

}  // namespace rocesim::cc::testing

namespace rocesim::cc::testing {

// Samples a running harness every `step` until `until` (or until every QP is done): per-QP
// delivered bytes, bytes buffered in switches and the wire bytes a watched port has sent.
struct Trace {
  std::vector<Time> t;
  std::vector<std::vector<std::int64_t>> delivered;  // [sample][qp]
  std::vector<std::int64_t> buffered;
  std::vector<std::uint64_t> port_tx;

  // Index of the first sample at or after `at`.
  std::size_t at(Time when) const {
    std::size_t i = 0;
    while (i + 1 < t.size() && t[i] < when) ++i;
    return i;
  }
  // Goodput of `qp` in bit/s between samples i and j.
  double rate(std::uint32_t qp, std::size_t i, std::size_t j) const {
    return static_cast<double>(delivered[j][qp] - delivered[i][qp]) * 8 / (t[j] - t[i]).seconds();
  }
  std::int64_t max_buffered(std::size_t i, std::size_t j) const {
    std::int64_t m = 0;
    for (std::size_t k = i; k <= j; ++k) m = std::max(m, buffered[k]);
    return m;
  }
  double mean_buffered(std::size_t i, std::size_t j) const {
    double s = 0;
    for (std::size_t k = i; k <= j; ++k) s += static_cast<double>(buffered[k]);
    return s / static_cast<double>(j - i + 1);
  }
};

inline Trace run_sampled(CcHarness& h, Time step, Time until, topology::PortId watch) {
  Trace tr;
  for (Time now = h.sim.now(); now <= until; now += step) {
    h.sim.run_until(now);
    tr.t.push_back(now);
    std::vector<std::int64_t> d;
    for (const net::QpRecord& r : h.net.qps()) d.push_back(r.delivered.n);
    tr.delivered.push_back(std::move(d));
    tr.buffered.push_back(h.net.buffered_bytes());
    tr.port_tx.push_back(h.net.port_counters(watch).tx_wire_bytes);
    if (!h.net.qps().empty() && h.net.active_qps() == 0) break;
  }
  return tr;
}

}  // namespace rocesim::cc::testing
