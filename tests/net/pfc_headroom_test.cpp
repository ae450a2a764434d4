// PFC headroom (net/pfc_headroom.hpp): the value from first principles, the per-port default, the
// warning for a configured headroom below it, and a lossless incast with the default: no drop.
#include <doctest/doctest.h>

#include "net/pfc_headroom.hpp"
#include "net_fixtures.hpp"

using namespace rocesim;
using namespace rocesim::net;
using namespace rocesim::net::testing;

TEST_CASE("pfc_headroom: 400 Gb/s, 1 us cable, 4000 B MTU, from first principles") {
  // On the cable one way: 400e9 b/s · 1e-6 s / 8 = 50,000 B; twice (before XOFF leaves, while it
  // travels) = 100,000 B. Largest frame F = 4000 + 82 = 4,082 B, four of them (the frame ahead of
  // the XOFF, the upstream's frame in progress, the one half received, the trigger frame when the
  // pool is exhausted) = 16,328 B; one 84 B pause frame. H = 100,000 + 16,328 + 84 = 116,412 B.
  CHECK(pfc_headroom(Rate::gbps(400), Time::from_us(1), Bytes{4082}, Bytes{84}, 1) == Bytes{116'412});
  // The former fixed default, 64 KiB = 65,536 B, is 56 % of that.
  CHECK(Bytes{64 << 10} < pfc_headroom(Rate::gbps(400), Time::from_us(1), Bytes{4082}, Bytes{84}, 1));
  // 100 Gb/s, 500 ns: 100e9 · 500e-9 / 8 = 6,250 B one way → 12,500 + 16,328 + 84 = 28,912 B.
  CHECK(pfc_headroom(Rate::gbps(100), Time::from_ns(500), Bytes{4082}, Bytes{84}, 1) == Bytes{28'912});
  // A partial byte on the cable rounds up: 1 Gb/s for 1 ps is 1/8000 B → 1 B each way.
  CHECK(pfc_headroom(Rate::gbps(1), Time{1}, Bytes{100}, Bytes{84}, 1) == Bytes{2 + 400 + 84});
  // 1.6 Tb/s over 10 us (r·d = 1.6e19 bit·ps, beyond 64 bits): 2,000,000 B one way.
  CHECK(pfc_headroom(Rate::gbps(1600), Time::from_us(10), Bytes{4082}, Bytes{84}, 2) ==
        Bytes{4'000'000 + 16'328 + 168});
}

TEST_CASE("PacketNet: the default headroom is pfc_headroom() of each port's link; a smaller configured one warns") {
  // Leaf-spine at 400 Gb/s with 1 us cables: every switch ingress needs 116,412 B (test above).
  const Bytes needed = pfc_headroom(Rate::gbps(400), Time::from_us(1), Bytes{4082}, Bytes{84}, 1);
  {
    Harness h(leaf_spine(2, 2, 1, Rate::gbps(400), Time::from_us(1)), NetParams{});
    const topology::NodeId leaf0 = 4, spine = 6;  // 4 accelerators, then leaves, then the spine
    CHECK(h.net.headroom(port_to(h.fabric, leaf0, 0), 0) == needed.n);      // from a host
    CHECK(h.net.headroom(port_to(h.fabric, spine, leaf0), 0) == needed.n);  // from a leaf
    CHECK(h.net.warnings().empty());
  }
  {
    NetParams p;
    p.mmu.headroom = Bytes{64 << 10};
    Harness h(leaf_spine(2, 2, 1, Rate::gbps(400), Time::from_us(1)), p);
    CHECK(h.net.headroom(port_to(h.fabric, 4, 0), 0) == 64 << 10);
    REQUIRE(h.net.warnings().size() == 1);
    const std::string w{h.net.warnings()[0]};
    CAPTURE(w);
    // Leaves have 2 host + 1 spine ports, the spine 2: all 8 switch ingress ports fall short.
    CHECK(w.find("mmu.headroom 64KiB") != std::string::npos);
    CHECK(w.find("on 8 of 8 switch ingress ports") != std::string::npos);
    CHECK(w.find("116412 B") != std::string::npos);
  }
  {
    NetParams p;
    p.mmu.headroom = needed;  // exactly enough: no warning
    Harness h(leaf_spine(2, 2, 1, Rate::gbps(400), Time::from_us(1)), p);
    CHECK(h.net.warnings().empty());
  }
}

TEST_CASE("a 7-to-1 incast at 400 Gb/s over 1 us cables is lossless with the default headroom, not with 64 KiB") {
  // Seven senders on two leaves into one receiver: the receiver's leaf and the spine pause their
  // upstreams for most of the run. A small buffer (2 MiB per switch) keeps XOFF frequent.
  const auto run = [](std::optional<Bytes> headroom) {
    NetParams p;
    p.mmu.buffer = Bytes{2 << 20};
    p.mmu.headroom = headroom;
    Harness h(leaf_spine(2, 4, 1, Rate::gbps(400), Time::from_us(1)), p);
    for (std::uint32_t s = 1; s < 8; ++s) h.send(s, 0, 2'000'000, s, s);
    h.sim.run();
    CHECK(h.rec.done.size() == 7);
    return h.net.counters();
  };
  const NetCounters lossless = run(std::nullopt);
  CHECK(lossless.pause_frames > 0);  // PFC was exercised
  CHECK(lossless.drops == 0);
  CHECK(lossless.lossless_drops == 0);
  const NetCounters small = run(Bytes{64 << 10});
  CHECK(small.lossless_drops > 0);  // the configured headroom overflows
}
