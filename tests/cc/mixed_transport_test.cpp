// RoCE and UET on one fabric (issue 18): nic.transport per data class, a RoCE job in class 0
// (PFC, DCQCN, ECMP, go-back-N) and a UET job in class 1 (lossy, trimming, NSCC, spraying),
// each in its own queues, sharing a bottleneck by DWRR. cc/per_transport.hpp dispatches the CC.
#include <doctest/doctest.h>

#include "cc/cc_factory.hpp"
#include "cc/dcqcn.hpp"
#include "cc/nscc.hpp"
#include "cc/per_transport.hpp"
#include "cc_fixtures.hpp"
#include "core/config_error.hpp"

using namespace rocesim;
using namespace rocesim::cc;
using namespace rocesim::cc::testing;

namespace {

net::NetParams mixed() {
  net::NetParams p;
  p.queues.data_classes = 2;
  p.queues.lossless = {true, true};
  p.queues.scheduler = net::Scheduler::dwrr;
  p.queues.dwrr_weights = {1, 1};
  p.nic.transport = net::Transport::uet;
  p.nic.class_transport = {net::Transport::roce, net::Transport::uet};
  return p;
}

}  // namespace

TEST_CASE("mixed transports: parameters per class, the UET class lossy, the CC keys per transport") {
  const net::NetParams p = mixed();
  CHECK(p.mixed_transports());
  CHECK_FALSE(p.uet_class(0));
  CHECK(p.uet_class(1));
  CHECK(p.lossless(0));        // RoCE keeps PFC
  CHECK_FALSE(p.lossless(1));  // UET lossy by default
  const nlohmann::json j = net::to_json(p);
  CHECK(j["nic"]["transport"] == nlohmann::json::array({"roce", "uet"}));
  JsonReader r(j, "t.json", "");
  CHECK(net::read_net_params(r).mixed_transports());  // round trip
  nlohmann::json bad = j;
  bad["queues"]["data_classes"] = 1;
  bad["queues"]["lossless"] = {true};
  bad["queues"]["dwrr_weights"] = {1};
  JsonReader rb(bad, "t.json", "");
  CHECK_THROWS_AS(net::read_net_params(rb), ConfigError);  // one transport per class
  topology::Fabric f = net::testing::leaf_spine(1, 3, 0);
  routing::Router router(f, {});
  Simulator sim;
  nlohmann::json params = j;
  params["cc"] = {{"algorithm", "dcqcn"}, {"uet_algorithm", "nscc"}};
  nlohmann::json effective;
  CHECK(make_packet_net_with_cc(sim, f, router, params, "--set", "/backend", &effective) != nullptr);
  CHECK(effective["uet_algorithm"] == "nscc");
  params["cc"] = {{"algorithm", "nscc"}};  // in a mixed run, algorithm is the RoCE classes'
  CHECK_THROWS_AS(make_packet_net_with_cc(sim, f, router, params), ConfigError);
  params["cc"] = {{"algorithm", "dcqcn"}};  // the UET classes then run without CC
  CHECK(make_packet_net_with_cc(sim, f, router, params, "--set", "/backend", &effective) != nullptr);
  CHECK(effective["uet_algorithm"] == "none");
  nlohmann::json one = nlohmann::json{{"nic", {{"transport", "uet"}}}, {"cc", {{"algorithm", "none"}, {"uet_algorithm", "nscc"}}}};
  CHECK_THROWS_AS(make_packet_net_with_cc(sim, f, router, one), ConfigError);  // uet_algorithm needs both
}

TEST_CASE("mixed transports: a RoCE and a UET incast share one port by DWRR, each with its own mechanisms") {
  // One switch, 100 Gb/s, 1 us links. Hosts 1, 2 send 1 MB each to host 0 in class 0 (RoCE,
  // DCQCN); hosts 3, 4 send 1 MB each to host 0 in class 1 (UET, NSCC); DWRR weights 1:1.
  // Expected: while both classes are backlogged each gets half of the port into host 0, so each
  // class's 2 MB (2.04 MB on the wire) ends after about 4.08 MB·8/100 Gb/s = 326.6 us, both within
  // a few % of it (measured: 328.2 and 328.9 us). Class 0 keeps PFC and class 1 may only be
  // trimmed, so nothing is dropped, no RTO fires and every byte arrives exactly once.
  CcHarness h(net::testing::leaf_spine(1, 5, 0), mixed(),
              std::make_unique<PerTransportCc>(std::make_unique<Dcqcn>(DcqcnParams{}),
                                               std::make_unique<Nscc>(NsccParams{}, Bytes{4082})));
  for (std::uint32_t s = 1; s <= 4; ++s) {
    h.net.start(TransferRequest{s, 0, Bytes{1'000'000}, s, static_cast<std::uint8_t>(s <= 2 ? 0 : 1), s});
  }
  h.sim.run();
  REQUIRE(h.rec.done.size() == 4);
  net::testing::check_conservation(h.net, false);
  const double roce_us = std::max(h.rec.done.at(1).us(), h.rec.done.at(2).us());
  const double uet_us = std::max(h.rec.done.at(3).us(), h.rec.done.at(4).us());
  const net::NetCounters& c = h.net.counters();
  const net::PortCounters down = h.net.port_counters(net::testing::port_to(h.fabric, 5, 0));
  MESSAGE("mixed: roce " << roce_us << " us, uet " << uet_us << " us, trims " << c.trimmed << ", pauses "
                         << c.pause_frames << ", cnps " << c.cnps_sent);
  CHECK(c.drops == 0);
  CHECK(c.timeouts == 0);
  CHECK(down.trims == c.trimmed);
  CHECK(roce_us <= 1.05 * 326.6 + 3);
  CHECK(uet_us <= 1.05 * 326.6 + 3);
  CHECK(roce_us >= 0.9 * 326.6);
  CHECK(uet_us >= 0.9 * 326.6);
}
