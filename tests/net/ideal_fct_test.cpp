// PacketNet::ideal_fct: the FCT of a transfer alone on the idle fabric (packet_net.hpp), the
// denominator of FCT slowdown, against the simulated lone transfer.
#include <doctest/doctest.h>

#include "net_fixtures.hpp"

using namespace rocesim;
using namespace rocesim::net;
using namespace rocesim::net::testing;

TEST_CASE("packet ideal FCT: store-and-forward of the flow's frames; a lone flow matches it") {
  // 2 leaves × 2 hosts, 1 spine, 100 Gb/s, 1 us links: host 0 → host 3 crosses 4 links.
  // 1 MB = 250 full frames of 4082 B (326.56 ns each at 100 G):
  //   ideal = 4·(1 us + 326.56 ns) + 249·326.56 ns = 5.30624 us + 81.31344 us = 86.61968 us.
  Harness h(leaf_spine(2, 2, 1), NetParams{});
  const TransferRequest req{0, 3, Bytes{1'000'000}, 0, 0, 7};
  const Time ideal = h.net.ideal_fct(req);
  CHECK(ideal == Time::from_ps(4 * (1'000'000 + 326'560) + 249 * 326'560));
  h.net.start(req);
  h.sim.run();
  // Alone on the idle fabric with no CC, the simulated delivery is the same store-and-forward:
  // equal up to the per-frame rounding of serialization (exact here: 326.56 ns is whole ps).
  CHECK(h.rec.done.at(7) == ideal);
  // A short last frame: 1 MB + 1000 B = 250 full frames + one of 1082 B (86.56 ns). On equal rates
  // the short frame waits at each hop for the full one ahead, so it leaves the last hop at
  // 4·s + 249·s + s' after its start, which is the formula's Σ ser(F) + ser(W − F): equal again;
  // the header promises "within one frame time of the slowest hop", which is what is checked.
  Harness h2(leaf_spine(2, 2, 1), NetParams{});
  const TransferRequest odd{0, 3, Bytes{1'001'000}, 0, 0, 8};
  const Time ideal2 = h2.net.ideal_fct(odd);
  h2.net.start(odd);
  h2.sim.run();
  const Time sim2 = h2.rec.done.at(8);
  CHECK(sim2 >= ideal2);
  CHECK((sim2 - ideal2).ps <= 326'560);
  // With completion on the ACK the way back is added: 4 × (1 us + one 86 B control frame at 100 G).
  NetParams ack;
  ack.nic.complete_on = CompleteOn::ack;
  Harness h3(leaf_spine(2, 2, 1), ack);
  const Time ctrl = serialization_time(ack.wire.control_bytes, Rate::gbps(100));
  CHECK(h3.net.ideal_fct(req) == ideal + (Time::from_us(1) + ctrl) * 4);
}
