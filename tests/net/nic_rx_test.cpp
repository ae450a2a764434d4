// nic.rx_buffer: a host NIC whose receive buffer drains slower than its link pauses the switch
// port feeding it (packet_net.hpp, "NIC receive buffer"; net_params.hpp, RxBufferParams).
#include <doctest/doctest.h>

#include "core/config_error.hpp"
#include "net/make_packet_net.hpp"
#include "net_fixtures.hpp"

using namespace rocesim;
using namespace rocesim::net;
using namespace rocesim::net::testing;

namespace {

constexpr std::int64_t kFrame = 4000 + 82;  // default MTU + RoCEv2 overhead, wire bytes

NetParams with_rx(std::int64_t size, Rate drain) {
  NetParams p;
  p.nic.rx_buffer.size = Bytes{size};
  p.nic.rx_buffer.drain_rate = drain;
  return p;
}

// The switch port of a star that feeds host `h` (its only link).
PortId port_into(const Harness& h, NodeId host) { return h.fabric.port(h.fabric.node(host).first_port).peer_port; }

std::string error_of(const std::string& text) {
  const nlohmann::json j = parse_json_text(text, "net.json");
  JsonReader r(j, "net.json");
  try {
    read_net_params(r);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("nic.rx_buffer: a host draining at half line rate pauses its ToR port half the time, losslessly") {
  // Star, 100 Gb/s links of 1 us. Host 1's NIC drains 50 Gb/s into a 256 KiB buffer; one 10 MB
  // flow 0 -> 1 (2,500 frames of 4,082 wire bytes, W = 10,205,000 B).
  //   Auto thresholds: headroom H = 2·12,500 + 4·4,082 + 84 = 41,412 B (the switch's equation),
  //   xoff = 262,144 − 41,412 = 220,732 B, xon = xoff/2 = 110,366 B.
  //   The transport sees the last byte when the drain has consumed W: FCT ≈ 8·W/D = 1,632.8 us
  //   (+ a few us for the first frame's way there).
  //   The switch port sends W at R = 100 Gb/s when not paused, i.e. 816.4 us busy; it has a
  //   backlog throughout (its own ingress pauses host 0), so its paused time is the rest up to
  //   the moment its last frame leaves, which is at most size/D = 41.9 us before the FCT:
  //   paused ∈ [1,632.8 − 816.4 − 41.9 − 5, 1,632.8 − 816.4] us → duty paused/FCT ∈ [0.47, 0.50].
  //   One cycle, with τ ≈ 1.33 us the way across the link (1 us + a frame): after B passes xoff
  //   the link keeps delivering for 2τ (the XOFF's way up, the last frames' way down) at R while
  //   the NIC drains D: peak ≈ xoff + 2τ·(R − D) = 237.3 KB. The XON leaves when the drain has
  //   brought that to xon, (peak − xon)/D = 20.2 us later, so the ToR port is paused from the
  //   XOFF's arrival to the XON's: 2τ + 20.2 = 22.9 us. Unpaused: τ for the XON's first frames to
  //   arrive, B then xon − 2τ·D, refilling to xoff at R − D, and τ for the XOFF:
  //   4τ + (xoff − xon)/(R − D) = 5.3 + 17.7 = 23.0 us. Cycle 45.9 us: 1,633 us hold 35–36
  //   XOFFs (no refresh: a 65,535-quanta pause is 335 us); longest pause 22.9 us ± 5 %.
  //   No frame is dropped anywhere.
  Harness h(leaf_spine(1, 2, 0), with_rx(262144, Rate::gbps(50)));
  h.send(0, 1, 10'000'000, 7);
  h.sim.run();
  check_conservation(h.net, true);
  const double fct_us = h.rec.done.at(7).us();
  CHECK(fct_us >= 1632.8);
  CHECK(fct_us <= 1632.8 + 5);
  const PortCounters tor = h.net.port_counters(port_into(h, 1));
  const double duty = tor.paused_time.us() / fct_us;
  CHECK(duty >= 0.47);
  CHECK(duty <= 0.50);
  CHECK(tor.longest_pause.us() >= 21.8);
  CHECK(tor.longest_pause.us() <= 24.0);
  CHECK(tor.pauses_received >= 34);
  CHECK(tor.pauses_received <= 38);
  CHECK(tor.resumes_received == tor.pauses_received);  // every pause ended by the NIC's XON
  const NetCounters& c = h.net.counters();
  CHECK(c.nic_rx_drops == 0);
  CHECK(c.nic_rx_peak_bytes > 220732);   // crossed xoff
  CHECK(c.nic_rx_peak_bytes <= 262144);  // and the headroom held the rest
  CHECK(c.nic_rx_peak_bytes == doctest::Approx(237300).epsilon(0.02));
  MESSAGE("duty " << duty << ", longest " << tor.longest_pause.us() << " us, XOFFs " << tor.pauses_received
                  << ", peak " << c.nic_rx_peak_bytes << " B, FCT " << fct_us << " us");
}

TEST_CASE("nic.rx_buffer: draining at line rate never pauses and delays each frame by its drain time") {
  // Frames arrive at most one per 8·4,082/100e9 = 326.56 ns, exactly the drain time of one: the
  // buffer never holds more than the frame draining, so no XOFF; the transport sees every frame
  // 326.56 ns after it arrived, so the delivery time of a 1 MB flow moves by exactly that. (A
  // frame arriving at the instant the one before finishes draining counts both at that instant:
  // the peak reads two frames.)
  NetParams off;
  Harness a(leaf_spine(1, 2, 0), off);
  a.send(0, 1, 1'000'000, 1);
  a.sim.run();
  Harness b(leaf_spine(1, 2, 0), with_rx(262144, Rate::gbps(100)));
  b.send(0, 1, 1'000'000, 1);
  b.sim.run();
  check_conservation(b.net, true);
  CHECK(b.rec.done.at(1) - a.rec.done.at(1) == serialization_time(Bytes{kFrame}, Rate::gbps(100)));
  CHECK(b.net.port_counters(port_into(b, 1)).pauses_received == 0);
  CHECK(b.net.counters().pause_frames == 0);
  CHECK(b.net.counters().nic_rx_peak_bytes == 2 * kFrame);
}

TEST_CASE("nic.rx_buffer: a lossy class is never paused; a full buffer drops") {
  // Same half-rate drain, lossy class, 64 KiB: the switch sends at 100 Gb/s, the buffer gains
  // 50 Gb/s and is full after ~10 us: frames are dropped there (go-back-N resends them), no
  // pause frame is sent by anyone.
  NetParams p = with_rx(65536, Rate::gbps(50));
  p.queues.lossless = {false};
  Harness h(leaf_spine(1, 2, 0), p);
  h.send(0, 1, 1'000'000, 1);
  h.sim.run_until(Time::from_us(100));
  const NetCounters& c = h.net.counters();
  CHECK(c.nic_rx_drops > 0);
  CHECK(c.lossless_drops == 0);
  CHECK(c.pause_frames == 0);
  CHECK(c.nic_rx_peak_bytes <= 65536);
}

TEST_CASE("nic.rx_buffer: off by default, read from JSON, range-checked, shown in the effective config only when on") {
  const NetParams d;
  CHECK_FALSE(d.nic.rx_buffer.enabled());
  CHECK_FALSE(to_json(d)["nic"].contains("rx_buffer"));
  const nlohmann::json j = parse_json_text(R"({"nic": {"rx_buffer": {"size": "1MiB", "drain_rate": "64Gbps", "xon": "100KB"}}})",
                                           "net.json");
  JsonReader r(j, "net.json");
  const NetParams p = read_net_params(r);
  CHECK(p.nic.rx_buffer.size == Bytes{1 << 20});
  CHECK(p.nic.rx_buffer.drain_rate == Rate::gbps(64));
  CHECK_FALSE(p.nic.rx_buffer.xoff.has_value());
  CHECK(*p.nic.rx_buffer.xon == Bytes{100000});
  const nlohmann::json shown = to_json(p)["nic"]["rx_buffer"];
  CHECK(shown["xoff"] == "auto");
  const nlohmann::json effective = to_json(p);
  JsonReader back(effective, "effective.json");
  CHECK(read_net_params(back).nic.rx_buffer.xon == p.nic.rx_buffer.xon);
  // Ranges: drain rate required, size >= 2 frames and <= 1 GiB, xoff < size, xon < xoff.
  CHECK(error_of(R"({"nic": {"rx_buffer": {"size": "1MiB"}}})").find("/nic/rx_buffer/drain_rate") != std::string::npos);
  CHECK(error_of(R"({"nic": {"rx_buffer": {"size": "8000B", "drain_rate": "50Gbps"}}})").find("/nic/rx_buffer/size") !=
        std::string::npos);
  CHECK(error_of(R"({"nic": {"rx_buffer": {"size": "2GiB", "drain_rate": "50Gbps"}}})").find("/nic/rx_buffer/size") !=
        std::string::npos);
  CHECK(error_of(R"({"nic": {"rx_buffer": {"size": "1MiB", "drain_rate": "50Gbps", "xoff": "1MiB"}}})")
            .find("/nic/rx_buffer/xoff") != std::string::npos);
  CHECK(error_of(R"({"nic": {"rx_buffer": {"size": "1MiB", "drain_rate": "50Gbps", "xoff": "100KB", "xon": "100KB"}}})")
            .find("/nic/rx_buffer/xon") != std::string::npos);
  CHECK(error_of(R"({"nic": {"rx_buffer": {"size": "1MiB", "drain_rate": "50Gbps", "bogus": 1}}})")
            .find("bogus") != std::string::npos);
  // "auto" xoff needs room above the headroom of the link (41,412 B at 100 Gb/s and 1 us).
  NetParams small = with_rx(40000, Rate::gbps(50));
  Fabric f = leaf_spine(1, 2, 0);
  routing::Router router(f, {});
  Simulator sim;
  CHECK_THROWS_AS(PacketNet(sim, f, router, small), ConfigError);
}

TEST_CASE("nic.rx_buffer: one buffer for all classes pauses every lossless class at once") {
  // Two lossless classes (strict priority at the switch), 5 MB in each from hosts 0 and 1 to
  // host 2, which drains 50 Gb/s into 256 KiB. The buffer is shared, so each XOFF episode sends
  // one pause frame per class: the ToR port into host 2 receives XOFFs in pairs (an even count,
  // each answered by an XON). Strict priority sends class 0 first while both are unpaused, yet
  // both transfers arrive whole: 10 MB of payload = 10,205,000 wire bytes drained at 50 Gb/s,
  // so the last one ends at 8·10,205,000/50e9 = 1,632.8 us (+ a few us of path), no drop.
  NetParams p = with_rx(262144, Rate::gbps(50));
  p.queues.data_classes = 2;
  p.queues.lossless = {true, true};
  p.queues.dwrr_weights = {1, 1};
  Harness h(leaf_spine(1, 3, 0), p);
  h.send(0, 2, 5'000'000, 0, 0, 0);
  h.send(1, 2, 5'000'000, 1, 0, 1);
  h.sim.run();
  check_conservation(h.net, true);
  CHECK(h.rec.makespan().us() >= 1632.8);
  CHECK(h.rec.makespan().us() <= 1632.8 + 5);
  const PortCounters tor = h.net.port_counters(port_into(h, 2));
  CHECK(tor.pauses_received > 0);
  CHECK(tor.pauses_received % 2 == 0);
  CHECK(tor.resumes_received == tor.pauses_received);
  CHECK(h.net.counters().nic_rx_drops == 0);
}

TEST_CASE("nic.rx_buffer.per_priority: a one-frame message of another class skips the bulk class's backlog") {
  // Star, 100 Gb/s links of 1 us, two lossless data classes (strict priority at the switch, 0
  // first). Host 2's NIC drains 50 Gb/s into 256 KiB (xoff 220,732 B, xon 110,366 B as above).
  // Host 0 sends 10 MB at priority 1 from t = 0; at t = 500 us, with that class cycling between
  // xon and xoff in the NIC, host 1 sends one 4,000 B frame (4,082 wire B) at priority 0.
  //   One buffer per port: the XOFFs stop both classes at the switch, and in the NIC the frame
  //   queues behind the bulk frames already there, at least xon = 110,366 B: it is delivered no
  //   earlier than 8·110,366/50e9 = 17.7 us after it arrives.
  //   A buffer per class: priority 0's buffer holds this frame only, so priority 0 is never
  //   paused; the switch sends it next (strict priority, after at most the bulk frame in
  //   transmission, 0.33 us) and the drain takes it right after the bulk frame it is draining
  //   (<= 0.65 us). Idle-path time: 2 × (1 us + 0.33 us serialization) + 0.65 us drain = 3.31 us;
  //   so it is delivered within 3.31 + 0.33 + 0.65 = 4.3 us (allow 4.5).
  //   The bulk flow is drain-bound either way: 8·10,205,000/50e9 = 1,632.8 us (+ the one frame's
  //   drain 0.65 us and a few us of path).
  const auto run = [](bool per_priority, double& msg_us, double& bulk_us, std::uint64_t& pauses) {
    NetParams p = with_rx(262144, Rate::gbps(50));
    p.queues.data_classes = 2;
    p.queues.lossless = {true, true};
    p.queues.dwrr_weights = {1, 1};
    p.nic.rx_buffer.per_priority = per_priority;
    Harness h(leaf_spine(1, 3, 0), p);
    h.send(0, 2, 10'000'000, 1, 0, 1);
    h.sim.run_until(Time::from_us(500));
    h.send(1, 2, 4000, 2, 0, 0);
    h.sim.run();
    check_conservation(h.net, true);
    msg_us = h.rec.done.at(2).us() - 500;
    bulk_us = h.rec.done.at(1).us();
    pauses = h.net.counters().pause_frames;
    CHECK(h.net.counters().nic_rx_drops == 0);
  };
  double shared_msg = 0, shared_bulk = 0, prio_msg = 0, prio_bulk = 0;
  std::uint64_t shared_pauses = 0, prio_pauses = 0;
  run(false, shared_msg, shared_bulk, shared_pauses);
  run(true, prio_msg, prio_bulk, prio_pauses);
  MESSAGE("one buffer: message " << shared_msg << " us, bulk " << shared_bulk << " us, " << shared_pauses
                                 << " pause frames; per class: " << prio_msg << " us, " << prio_bulk << " us, "
                                 << prio_pauses << " pause frames");
  CHECK(shared_msg >= 17.7);
  CHECK(prio_msg >= 3.31);
  CHECK(prio_msg <= 4.5);
  for (double bulk : {shared_bulk, prio_bulk}) {
    CHECK(bulk >= 1632.8);
    CHECK(bulk <= 1632.8 + 6);
  }
  CHECK(prio_pauses > 0);  // the bulk class still pauses
}

TEST_CASE("nic.rx_buffer.per_priority: read, written only when on, type-checked") {
  const nlohmann::json on = parse_json_text(
      R"({"nic": {"rx_buffer": {"size": "256KiB", "drain_rate": "50Gbps", "per_priority": true}}})", "net.json");
  JsonReader r(on, "net.json");
  const NetParams p = read_net_params(r);
  CHECK(p.nic.rx_buffer.per_priority);
  CHECK(to_json(p)["nic"]["rx_buffer"]["per_priority"] == true);
  NetParams off = p;
  off.nic.rx_buffer.per_priority = false;
  CHECK_FALSE(to_json(off)["nic"]["rx_buffer"].contains("per_priority"));
  CHECK(error_of(R"({"nic": {"rx_buffer": {"size": "256KiB", "drain_rate": "50Gbps", "per_priority": 1}}})")
            .find("/nic/rx_buffer/per_priority") != std::string::npos);
}
