// Small named fabrics and a completion recorder shared by the packet-backend tests.
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <vector>

#include "core/simulator.hpp"
#include "net/packet_net.hpp"
#include "routing/router.hpp"
#include "topology/fabric.hpp"

namespace rocesim::net::testing {

using topology::Fabric;
using topology::FabricBuilder;
using topology::kNone;
using topology::LinkKind;
using topology::NodeId;

// `leaves` leaves with `hosts` hosts each and `spines` spines, every leaf linked to every spine;
// all links `rate` and `latency`. Endpoint e sits on leaf e / hosts. One leaf and zero spines is
// a single switch (star).
inline Fabric leaf_spine(std::uint32_t leaves, std::uint32_t hosts, std::uint32_t spines, Rate rate = Rate::gbps(100),
                         Time latency = Time::from_us(1)) {
  FabricBuilder b("net-test", "hand");
  for (std::uint32_t e = 0; e < leaves * hosts; ++e) b.add_accelerator(e, 0, kNone, 0);
  std::vector<NodeId> leaf_ids, spine_ids;
  for (std::uint32_t l = 0; l < leaves; ++l) leaf_ids.push_back(b.add_switch(1, 0, {kNone, l, 0, 0, 0}, 0));
  for (std::uint32_t s = 0; s < spines; ++s) spine_ids.push_back(b.add_switch(2, 0, {kNone, kNone, 0, 0, 0}, 0));
  for (std::uint32_t e = 0; e < leaves * hosts; ++e) b.add_link(e, leaf_ids[e / hosts], rate, latency, LinkKind::nic);
  for (NodeId l : leaf_ids)
    for (NodeId s : spine_ids) b.add_link(l, s, rate, latency, LinkKind::fabric);
  return std::move(b).build();
}

// The port of `node` that leads to `peer`.
inline topology::PortId port_to(const Fabric& f, NodeId node, NodeId peer) {
  const auto& n = f.node(node);
  for (topology::PortId p = n.first_port; p < n.first_port + n.port_count; ++p) {
    if (f.port(p).peer == peer) return p;
  }
  FAIL("no port from " << node << " to " << peer);
  return kNone;
}

// |x − expected| <= rel · |expected| (doctest::Approx adds an absolute 1.0 scale, useless for
// values in seconds).
// Every link of `node`, ascending.
inline std::vector<std::uint32_t> links_of(const Fabric& f, NodeId node) {
  std::vector<std::uint32_t> out;
  for (const topology::Port& p : f.ports_of(node)) out.push_back(p.link);
  std::sort(out.begin(), out.end());
  return out;
}

// What LinkChangeDriver does at one instant: the Router first, then the backend. `H` is any
// harness with `router` and `net` (Harness here, cc::testing::CcHarness).
template <class H>
void change_links(H& h, const std::vector<std::uint32_t>& links, bool up, Rate rate = Rate{}) {
  std::vector<routing::Router::LinkState> states;
  for (const std::uint32_t l : links) states.push_back({l, up, rate});
  h.router.set_link_states(states);
  h.net.on_links_changed(links);
}

inline bool within(double x, double expected, double rel) { return std::abs(x - expected) <= rel * std::abs(expected); }

struct Recorder final : TransferSink {
  std::map<std::uint64_t, Time> done;  // tag -> completion time
  void on_transfer_done(std::uint64_t tag, Time now) override {
    CHECK(done.count(tag) == 0);  // each transfer completes exactly once
    done[tag] = now;
  }
  Time makespan() const {
    Time m{};
    for (const auto& [tag, t] : done) m = std::max(m, t);
    return m;
  }
};

// Everything a backend, router and simulator need, built in order.
struct Harness {
  Fabric fabric;
  routing::Router router;
  Simulator sim;
  PacketNet net;
  Recorder rec;

  Harness(Fabric f, NetParams params, routing::RoutingParams rp = {})
      : fabric(std::move(f)), router(fabric, rp), net(sim, fabric, router, std::move(params)) {
    net.set_sink(&rec);
  }
  void send(std::uint32_t src, std::uint32_t dst, std::int64_t bytes, std::uint64_t tag, std::uint32_t label = 0,
            std::uint8_t prio = 0) {
    net.start(TransferRequest{src, dst, Bytes{bytes}, label, prio, tag});
  }
};

// Conservation at the end of a run (issue item 6): every QP's bytes were delivered exactly once
// and acknowledged, the pool holds no packet, switches hold no byte, and, when every data class
// is lossless, nothing was dropped.
inline void check_conservation(const PacketNet& net, bool lossless) {
  for (const QpRecord& r : net.qps()) {
    CHECK(r.delivered == r.bytes);
    CHECK(r.acked == r.bytes);
  }
  CHECK(net.active_qps() == 0);
  CHECK(net.packets_in_use() == 0);
  CHECK(net.buffered_bytes() == 0);
  CHECK(net.counters().lossless_drops == 0);
  if (lossless) CHECK(net.counters().drops == 0);
  CHECK_FALSE(net.stall().stalled);
}

}  // namespace rocesim::net::testing
