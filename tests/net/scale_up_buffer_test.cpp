// A high-radix, very fast switch (a 72-accelerator switched scale-up domain at 14.4 Tb/s per
// port): its PFC headroom must fit in mmu.buffer with a shared pool left, or the run is refused.
#include <doctest/doctest.h>

#include <string>

#include "core/config_error.hpp"
#include "net_fixtures.hpp"

using namespace rocesim;
using namespace rocesim::net;
using namespace rocesim::net::testing;

namespace {

constexpr std::uint32_t kPorts = 72;
const Rate kRate = Rate::gbps(14400);
constexpr Time kLatency = Time::from_ns(250);

}  // namespace

TEST_CASE("scale-up switch, 72 x 14.4 Tb/s over 250 ns: a 32 MiB buffer cannot hold its headroom and is refused") {
  // Per port (one data class, lossless; F = 4000 + 82 B; pause 84 B):
  //   H = 2*ceil(14.4e12 b/s * 250 ns / 8) + 4*4082 + 84 = 2*450,000 + 16,328 + 84 = 916,412 B,
  //   set aside = reserve 8,192 + H = 924,604 B; x 72 ports = 66,571,488 B > 32 MiB = 33,554,432 B.
  // Before the fix the pool was clamped to 0 B silently: every ACK through the switch was dropped
  // and every ingress paused at its first frame past the reserve. Now: ConfigError at /mmu/buffer
  // naming the switch and the least buffer that leaves the smallest usable pool,
  //   66,571,488 + ceil(4082 / alpha 0.125) = 66,571,488 + 32,656 = 66,604,144 B.
  NetParams p;
  REQUIRE(p.mmu.buffer == Bytes{32LL << 20});
  try {
    Harness h(leaf_spine(1, kPorts, 0, kRate, kLatency), p);
    FAIL("a switch whose headroom exceeds its buffer was accepted");
  } catch (const ConfigError& e) {
    CHECK(e.path() == "/mmu/buffer");
    const std::string m = e.message();
    CHECK(m.find("72 ports") != std::string::npos);
    CHECK(m.find("sets aside 66571488 B") != std::string::npos);
    CHECK(m.find("shared pool of -33017056 B") != std::string::npos);
    CHECK(m.find("mmu.buffer >= 66604144 B") != std::string::npos);
  }
  // One byte short of that is still refused; exactly that is accepted.
  p.mmu.buffer = Bytes{66'604'144 - 1};
  CHECK_THROWS_AS(Harness(leaf_spine(1, kPorts, 0, kRate, kLatency), p), ConfigError);
  p.mmu.buffer = Bytes{66'604'144};
  CHECK_NOTHROW(Harness(leaf_spine(1, kPorts, 0, kRate, kLatency), p));
}

TEST_CASE("scale-up switch, 72 x 14.4 Tb/s, 128 MiB: an all-to-all is lossless, every ACK arrives, and it runs at S/B") {
  // Every accelerator sends S = 16 frames of 4000 B to each of the 71 others (5,112 QPs). Each
  // downlink then carries 71 * 16 * 4082 = 4,637,152 wire bytes at 14.4 Tb/s: 2.576 us, plus the
  // path of the last frame (2 cables of 250 ns and 2 serializations of 2.3 ns): T = 3.081 us; the
  // uplinks carry the same bytes, so no link is faster than that: T is a lower bound (ACKs of
  // 86 B take < 2.2 % more of the uplinks, PFC pauses may leave gaps): the run must end within
  // 10 % of it. The pool, 134,217,728 - 66,571,488 = 67,646,240 B, holds every queued ACK.
  NetParams p;
  p.mmu.buffer = Bytes{128LL << 20};
  Harness h(leaf_spine(1, kPorts, 0, kRate, kLatency), p);
  std::uint64_t tag = 0;
  for (std::uint32_t s = 0; s < kPorts; ++s) {
    for (std::uint32_t d = 0; d < kPorts; ++d) {
      if (d != s) h.send(s, d, 16 * 4000, tag++, s);
    }
  }
  h.sim.run();
  REQUIRE(h.rec.done.size() == kPorts * (kPorts - 1));
  check_conservation(h.net, true);  // every byte delivered and acknowledged, no stall
  const NetCounters& c = h.net.counters();
  CHECK(c.drops == 0);
  CHECK(c.control_drops == 0);
  CHECK(c.lossless_drops == 0);
  CHECK(c.timeouts == 0);
  const double bound_us = (71.0 * 16 * 4082 * 8 / 14.4e12 + 2 * 250e-9 + 2 * 4082 * 8 / 14.4e12) * 1e6;
  const double end_us = h.rec.makespan().us();
  CHECK(end_us >= bound_us * 0.999);
  CHECK(end_us <= bound_us * 1.10);
  // The last event is the last ACK, back over the 2 cables (2 x 250 ns) and 2 serializations of
  // 86 B (0.05 ns each): nothing runs on after the work (before the fix, with the pool at 0 B,
  // no ACK came back and the senders resent every 4 ms until the stall check stopped the run).
  CHECK(h.sim.now().us() <= end_us + 0.5 + 0.001);
}
