// NIC receivers and the CC control seam: nic.receiver parameters (bad values are ConfigError),
// the reorder-tolerant receiver's gap recovery on a lossy fabric, and a timer-driven rate change
// written through CcHost::control that re-paces the packet already waiting.
#include <doctest/doctest.h>

#include "core/config_error.hpp"
#include "net_fixtures.hpp"

using namespace rocesim;
using namespace rocesim::net;
using namespace rocesim::net::testing;

namespace {

std::string error_of(const std::string& text) {
  try {
    const nlohmann::json j = parse_json_text(text, "net.json");
    JsonReader r(j, "net.json", "/backend");
    read_net_params(r);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

// Lossy single switch with a tiny buffer; host 0 (100 Gb/s) receives from host 1 (100 Gb/s) and
// host 2 (80 Gb/s). The two senders' frames drift in phase against each other, so once the
// buffer is full the frame admitted after each departure alternates between them: both QPs lose
// scattered packets (not one contiguous tail, as senders in lockstep at one rate would).
NetParams lossy_params(Receiver receiver) {
  NetParams p;
  p.pfc.enabled = false;
  p.ecn.enabled = false;
  p.mmu.buffer = Bytes{200'000};
  p.mmu.reserve_per_port = Bytes{0};
  p.nic.receiver = receiver;
  p.nic.reorder_timeout = Time::from_us(10);
  p.nic.rto = Time::from_ms(1);
  p.stall_timeout = Time::from_ms(50);
  return p;
}

Fabric two_rate_star() {
  FabricBuilder b("two-rate-star", "hand");
  for (std::uint32_t e = 0; e < 3; ++e) b.add_accelerator(e, 0, kNone, 0);
  const NodeId sw = b.add_switch(1, 0, {kNone, 0, 0, 0, 0}, 0);
  b.add_link(0, sw, Rate::gbps(100), Time::from_us(1), LinkKind::nic);
  b.add_link(1, sw, Rate::gbps(100), Time::from_us(1), LinkKind::nic);
  b.add_link(2, sw, Rate::gbps(80), Time::from_us(1), LinkKind::nic);
  return std::move(b).build();
}

NetCounters run_lossy(Receiver receiver) {
  Harness h(two_rate_star(), lossy_params(receiver));
  h.send(1, 0, 2'000'000, 1, 1);
  h.send(2, 0, 2'000'000, 2, 2);
  h.sim.run();
  CHECK(h.rec.done.size() == 2);
  check_conservation(h.net, false);
  return h.net.counters();
}

}  // namespace

TEST_CASE("receiver params: names, defaults, effective values and bad input") {
  // The default stays go-back-N whatever the routing mode (the punishment spraying gets without
  // a reorder-tolerant NIC is part of what the simulator shows).
  const NetParams d;
  CHECK(d.nic.receiver == Receiver::go_back_n);
  const nlohmann::json j = to_json(d);
  CHECK(j["nic"]["receiver"] == "go_back_n");
  CHECK(j["nic"]["reorder_timeout"] == "100us");
  CHECK(j["nic"]["reorder_window"] == 1024);
  // Round trip of a set value.
  nlohmann::json set = nlohmann::json::object();
  set["nic"]["receiver"] = "reorder_tolerant";
  set["nic"]["reorder_window"] = 256;
  JsonReader r(set, "--set");
  const NetParams p = read_net_params(r);
  CHECK(p.nic.receiver == Receiver::reorder_tolerant);
  CHECK(p.nic.reorder_window == 256);
  CHECK(to_json(p)["nic"]["receiver"] == "reorder_tolerant");
  // Bad input names the JSON path (the CLI turns ConfigError into exit code 2).
  CHECK(error_of(R"({"nic": {"receiver": "selective_repeat"}})").find("/backend/nic/receiver") != std::string::npos);
  CHECK(error_of(R"({"nic": {"reorder_window": 100}})").find("/backend/nic/reorder_window") != std::string::npos);
  CHECK(error_of(R"({"nic": {"reorder_window": 0}})").find("/backend/nic/reorder_window") != std::string::npos);
  CHECK(error_of(R"({"nic": {"reorder_timeout": "0us"}})").find("/backend/nic/reorder_timeout") != std::string::npos);
  CHECK(error_of(R"({"nic": {"reorder_timout": "5us"}})").find("reorder_timout") != std::string::npos);
  CHECK(error_of(R"({"nic": {"receiver": "reorder_tolerant"}})").empty());
}

TEST_CASE("reorder-tolerant receiver: drops on a lossy fabric are recovered by selective NAKs") {
  // 180 Gb/s offered to a 100 Gb/s port of a switch with a 200 KB buffer and no PFC: the buffer
  // fills and then frames are tail-dropped (about 1 in 2 while both send), scattered over both QPs.
  // go_back_n: a drop discards every later packet of that QP until the resend, so each loss
  // costs a window of retransmissions. reorder_tolerant: later packets are placed, the gap at
  // the expected PSN outlives reorder_timeout (10 us), a selective NAK asks for that PSN alone:
  // every dropped packet is resent at least once, and far fewer packets are resent in total.
  // Both deliver every byte exactly once.
  const NetCounters gbn = run_lossy(Receiver::go_back_n);
  const NetCounters rt = run_lossy(Receiver::reorder_tolerant);
  REQUIRE(gbn.drops > 0);
  REQUIRE(rt.drops > 0);
  CHECK(rt.placed_out_of_order > 0);
  CHECK(rt.reorder_timeouts > 0);
  CHECK(rt.retransmitted_packets >= rt.drops);
  CHECK(gbn.retransmitted_packets > gbn.drops);
  CHECK(rt.retransmitted_packets < gbn.retransmitted_packets);
  CHECK(gbn.placed_out_of_order == 0);
  CHECK(gbn.reorder_timeouts == 0);
}

namespace {

// A fixed pacing rate that a timer halves at `at`, written through CcHost::control.
class HalvingCc final : public CcStrategy, public EventHandler {
 public:
  HalvingCc(Rate rate, Time at) : rate_(rate), at_(at) {}
  std::string_view name() const override { return "halving"; }
  void attach(Simulator& sim, CcHost& host) override {
    host_ = &host;
    sim.schedule_at(at_, this, 0, 0);
  }
  void on_qp_start(const QpInfo&, CcControl& ctl) override { ctl.rate = rate_; }
  void on_event(Simulator&, std::uint32_t, std::uint64_t) override {
    host_->control(0).rate = Rate{rate_.bps / 2};
    host_->cc_changed(0);
  }

 private:
  Rate rate_;
  Time at_;
  CcHost* host_ = nullptr;
};

}  // namespace

TEST_CASE("CC control: a timer-driven rate decrease re-paces the packet already waiting") {
  // One QP of 3 full packets (4082 wire bytes) paced at 25 Gb/s on 100 Gb/s links (1 us each)
  // through one switch. Packet 0 leaves at 0; packet 1 would be due at 4082·8/25G = 1306.24 ns.
  // At 500 ns a timer halves the rate to 12.5 Gb/s: packet 1 is re-paced to 0 + 4082·8/12.5G =
  // 2612.48 ns (not sent at 1306.24 ns at the old rate), packet 2 to 5224.96 ns. The last byte
  // arrives two hops later: 5224.96 + 2·(326.56 + 1000) = 7878.08 ns.
  Fabric f = leaf_spine(1, 2, 0);
  const routing::Router router(f, {});
  Simulator sim;
  PacketNet net(sim, f, router, NetParams{}, std::make_unique<HalvingCc>(Rate::gbps(25), Time::from_ns(500)));
  Recorder rec;
  net.set_sink(&rec);
  net.start(TransferRequest{0, 1, Bytes{3 * 4000}, 0, 0, 1});
  sim.run();
  REQUIRE(rec.done.size() == 1);
  CHECK(net.qps()[0].delivered_at == Time::from_ps(7'878'080));
}
