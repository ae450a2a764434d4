// mmu.control_in_buffer: ACK/NAK/CNP frames take switch shared-pool bytes while queued and are
// dropped when the pool is full (packet_net.hpp, "Control frames").
#include <doctest/doctest.h>

#include <algorithm>
#include <string>

#include "net_fixtures.hpp"

using namespace rocesim;
using namespace rocesim::net;
using namespace rocesim::net::testing;

namespace {

struct Outcome {
  std::vector<Time> done;
  NetCounters counters;
};

// 2:1 incast on a star (hosts 0 and 1 → host 2, 2 MB each) plus host 2 → host 0 (1 MB), so ACKs
// to host 0 queue behind data at the switch port toward host 0. Static PFC (thresholds on
// ingress bytes, which control frames do not touch).
Outcome run(bool control_in_buffer) {
  NetParams p;
  p.pfc.threshold = PfcThreshold::fixed;
  p.mmu.control_in_buffer = control_in_buffer;
  Harness h(leaf_spine(1, 3, 0), p);
  h.send(0, 2, 2'000'000, 0);
  h.send(1, 2, 2'000'000, 1);
  h.send(2, 0, 1'000'000, 2);
  h.sim.run();
  check_conservation(h.net, true);  // buffered_bytes() back to 0: every control byte released
  Outcome o;
  for (std::uint64_t k = 0; k < 3; ++k) o.done.push_back(h.rec.done.at(k));
  o.counters = h.net.counters();
  return o;
}

}  // namespace

TEST_CASE("control frames in the switch buffer: accounting alone changes nothing while the pool has room") {
  // 32 MiB of buffer, a few queued 86 B ACKs: the pool never fills, static PFC and ECN read
  // ingress bytes and egress queues, which the control accounting does not change: every
  // completion time is the same to the picosecond, and no control frame is dropped.
  const Outcome off = run(false), on = run(true);
  CHECK(on.done == off.done);
  CHECK(on.counters.control_drops == 0);
  CHECK(on.counters.drops == 0);
  CHECK(on.counters.acks_sent == off.counters.acks_sent);
}

TEST_CASE("control frames in the switch buffer: a switch left with no shared pool is refused, not run dropping every ACK") {
  // Star switch, 3 ports, 1 data class: reserve 8192 B + headroom 50,000 B per port, buffer
  // exactly 3 x 58,192 B: the shared pool would be 0 B, so each ACK (86 B of pool) would be
  // dropped and the senders would wait for their RTO while the receivers had every byte (the
  // 72 x 14.4 Tb/s scale-up switch of rack72_3x800g_1k did this with the default 32 MiB:
  // scale_up_buffer_test.cpp). The least pool with dynamic thresholds is ceil(4082 / 0.125) =
  // 32,656 B (one frame under XOFF), so the least buffer is 174,576 + 32,656 = 207,232 B.
  NetParams p;
  p.mmu.control_in_buffer = true;
  p.mmu.headroom = Bytes{50000};
  p.mmu.reserve_per_port = Bytes{8192};
  p.mmu.buffer = Bytes{3 * (8192 + 50000)};
  try {
    Harness h(leaf_spine(1, 3, 0), p);
    FAIL("a switch with no shared pool was accepted");
  } catch (const ConfigError& e) {
    CHECK(e.path() == "/mmu/buffer");
    CHECK(std::string(e.message()).find("mmu.buffer >= 207232 B") != std::string::npos);
  }
  // With that pool the same flow is acknowledged in full: no control frame is dropped.
  p.mmu.buffer = Bytes{207'232};
  Harness g(leaf_spine(1, 3, 0), p);
  g.send(0, 2, 400'000, 0);
  g.sim.run();
  check_conservation(g.net, true);
  CHECK(g.net.counters().control_drops == 0);
}

TEST_CASE("control frames in the switch buffer: on by default; the key is read, range-checked and written only when off") {
  CHECK(NetParams{}.mmu.control_in_buffer);
  nlohmann::json doc = nlohmann::json::parse(R"({"mmu": {"control_in_buffer": false}})");
  JsonReader r(doc, "p.json", "/backend");
  const NetParams p = read_net_params(r);
  CHECK_FALSE(p.mmu.control_in_buffer);
  CHECK(to_json(p)["mmu"]["control_in_buffer"] == false);
  CHECK_FALSE(to_json(NetParams{})["mmu"].contains("control_in_buffer"));
  nlohmann::json bad = nlohmann::json::parse(R"({"mmu": {"control_in_buffer": "yes"}})");
  JsonReader rb(bad, "p.json", "/backend");
  CHECK_THROWS_AS(read_net_params(rb), ConfigError);
}
