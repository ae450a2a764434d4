// FluidNet strict priority between traffic classes (TransferRequest::priority, 0 highest): the
// higher class is solved on the full link rates, the next on what it leaves, exactly.
#include <doctest/doctest.h>

#include <vector>

#include "flow/fluid_net.hpp"
#include "leaf_spine_fixture.hpp"

using namespace rocesim;
using namespace rocesim::topology;
using namespace rocesim::routing;
using namespace rocesim::flow;

namespace {

using testing::kLine;
using testing::leaf_spine;

TransferRequest req(std::uint32_t src, std::uint32_t dst, std::int64_t bytes, std::uint64_t tag, std::uint8_t prio) {
  return TransferRequest{src, dst, Bytes{bytes}, 0, prio, tag};
}

struct Recorder : TransferSink {
  std::vector<std::pair<std::uint64_t, Time>> done;
  void on_transfer_done(std::uint64_t tag, Time now) override { done.emplace_back(tag, now); }
};

// 0->2 (class 0) and `other`->2 (class `low`), 1e6 B each, into one 400 Gb/s port of a one-leaf
// fabric of `hosts`; `extra` runs before the run starts (more flows). Returns the completions.
template <typename Extra>
std::vector<std::pair<std::uint64_t, Time>> contend(std::uint32_t hosts, std::uint8_t low, Extra extra) {
  const Fabric f = leaf_spine(1, hosts, 0);
  const Router router(f, RoutingParams{});
  Simulator sim;
  FluidNet net(sim, f, router, testing::payload_only(FluidParams{}));
  Recorder rec;
  net.set_sink(&rec);
  net.start(req(1, 2, 1000000, 11, low));
  net.start(req(0, 2, 1000000, 10, 0));
  extra(net);
  sim.run_until(Time::from_us(2));
  CHECK(net.rate_of(11) == 0.0);
  sim.run();
  return rec.done;
}

}  // namespace

TEST_CASE("strict priority: class 1 shares exactly what class 0 leaves") {
  // One leaf, hosts 0..7, 400 Gb/s. Class 0: A2 = 0->2, A3 = 0->3 share NIC 0: 200 each.
  // Class 1: B = 1->2, D = 6->2, C = 1->4. Port into host 2 has 400 − 200 = 200 left, shared by B
  // and D: 100 each (they saturate it at level 100 before NIC 1, shared by B and C, at 200); C
  // then takes NIC 1's rest: 400 − 100 = 300.
  // All in one class instead (max-min over the five): port into 2 holds A2, B, D at 400/3 each;
  // A3 = 400 − 400/3 = 800/3, C = 800/3 — so the classes visibly change the answer.
  const Fabric f = leaf_spine(1, 8, 0);
  const Router router(f, RoutingParams{});
  const double g = 1e9;
  for (bool classes : {true, false}) {
    Simulator sim;
    FluidNet net(sim, f, router, testing::payload_only(FluidParams{}));
    const std::uint8_t low = classes ? 1 : 0;
    net.start(req(0, 2, 1 << 24, 0, 0));
    net.start(req(0, 3, 1 << 24, 1, 0));
    net.start(req(1, 2, 1 << 24, 2, low));
    net.start(req(6, 2, 1 << 24, 3, low));
    net.start(req(1, 4, 1 << 24, 4, low));
    sim.run_until(Time::from_us(2));  // activated at 1 us (2 hops of 500 ns), none finished
    REQUIRE(net.active_flows() == 5);
    if (classes) {
      CHECK(net.rate_of(0) == doctest::Approx(200 * g));
      CHECK(net.rate_of(1) == doctest::Approx(200 * g));
      CHECK(net.rate_of(2) == doctest::Approx(100 * g));
      CHECK(net.rate_of(3) == doctest::Approx(100 * g));
      CHECK(net.rate_of(4) == doctest::Approx(300 * g));
    } else {
      CHECK(net.rate_of(0) == doctest::Approx(400 * g / 3));
      CHECK(net.rate_of(1) == doctest::Approx(800 * g / 3));
      CHECK(net.rate_of(2) == doctest::Approx(400 * g / 3));
      CHECK(net.rate_of(3) == doctest::Approx(400 * g / 3));
      CHECK(net.rate_of(4) == doctest::Approx(800 * g / 3));
    }
    // The port into host 2 is full either way.
    std::vector<PortId> path;
    REQUIRE(router.path(FlowKey::for_qp(0, 2, 0), path));
    CHECK(net.port_load(path.back()) == doctest::Approx(static_cast<double>(kLine.bps)));
  }
}

TEST_CASE("strict priority: a saturating class-0 flow starves class 1 until it finishes") {
  // 0->2 (class 0) and 1->2 (class 1), 1e6 B each, into one 400 Gb/s port. Class 0 takes all of
  // it: done at 1 us + 8e6 bit / 400 Gb/s = 21 us. Class 1 has rate 0 until then and its 1e6 B
  // then take 20 us: done at 41 us. (Sharing fairly, both would end at 1 + 40 = 41 us, the first
  // one 20 us later than here.)
  const auto done = contend(4, 1, [](FluidNet&) {});
  REQUIRE(done.size() == 2);
  CHECK(done[0] == std::make_pair(std::uint64_t{10}, Time::from_us(21)));
  CHECK(done[1] == std::make_pair(std::uint64_t{11}, Time::from_us(41)));
}

TEST_CASE("strict priority: what class 0 leaves reaches class 2 through a class 1 with no flow on the port") {
  // As above with the low flow in class 2, and a class-1 flow 3->4 on its own ports, so class 1
  // exists but never touches the port into host 2. Class 2 gets what class 1 leaves of what class
  // 0 leaves: 0 until 21 us, then 400 Gb/s: done at 41 us. The class-1 flow is alone: done at 21 us.
  const auto done = contend(8, 2, [](FluidNet& net) { net.start(req(3, 4, 1000000, 12, 1)); });
  REQUIRE(done.size() == 3);
  CHECK(done[0] == std::make_pair(std::uint64_t{10}, Time::from_us(21)));
  CHECK(done[1] == std::make_pair(std::uint64_t{12}, Time::from_us(21)));
  CHECK(done[2] == std::make_pair(std::uint64_t{11}, Time::from_us(41)));
}
