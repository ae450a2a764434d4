// Packet backend parameters: JSON reading, defaults, and impossible values → ConfigError.
#include <doctest/doctest.h>

#include "core/config_error.hpp"
#include "net/make_packet_net.hpp"
#include "net_fixtures.hpp"

using namespace rocesim;
using namespace rocesim::net;

namespace {

NetParams read(const std::string& text) {
  const nlohmann::json j = parse_json_text(text, "net.json");
  JsonReader r(j, "net.json");
  return read_net_params(r);
}

// The ConfigError message for `text`, or "" if it was accepted.
std::string error_of(const std::string& text) {
  try {
    read(text);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("net params: defaults, units and every section read from JSON") {
  const NetParams d = read("{}");
  CHECK(d.wire.mtu == Bytes{4000});
  CHECK(d.wire.data_overhead == Bytes{82});  // 62 B RoCEv2/IPv4 headers + 20 B preamble and IFG
  CHECK(d.pfc.enabled);
  CHECK_FALSE(d.mmu.headroom.has_value());  // "auto": sized per port (net/pfc_headroom.hpp)
  CHECK(to_json(d)["mmu"]["headroom"] == "auto");
  CHECK_FALSE(read(R"({"mmu": {"headroom": "auto"}})").mmu.headroom.has_value());
  const NetParams p = read(R"({"wire": {"mtu": "1KiB"}, "queues": {"data_classes": 2, "lossless": [true, false],
      "scheduler": "dwrr", "dwrr_weights": [3, 1]}, "mmu": {"buffer": "16MiB", "headroom": "100KB"},
      "ecn": {"kmin": "10KB", "kmax": "20KB", "pmax": 1}, "pfc": {"threshold": "static", "xoff": "50KB", "xon": "40KB",
      "quanta": 1000, "watchdog": "1ms"}, "nic": {"qps_per_connection": 4, "ack_every": 8, "rto": "2ms",
      "complete_on": "ack"}, "stall_timeout": "50ms", "seed": 9})");
  CHECK(p.wire.mtu == Bytes{1024});
  CHECK(p.queues.data_classes == 2);
  CHECK(p.lossless(0));
  CHECK_FALSE(p.lossless(1));
  CHECK(p.queues.scheduler == Scheduler::dwrr);
  CHECK(p.mmu.buffer == Bytes{16 << 20});
  CHECK(p.mmu.headroom == Bytes{100000});
  CHECK(p.pfc.threshold == PfcThreshold::fixed);
  CHECK(p.pfc.xoff == Bytes{50000});
  CHECK(p.pfc.watchdog == Time::from_ms(1));
  CHECK(p.nic.qps_per_connection == 4);
  CHECK(p.nic.complete_on == CompleteOn::ack);
  CHECK(p.stall_timeout == Time::from_ms(50));
  CHECK(p.seed == 9);
}

TEST_CASE("net params: impossible values are ConfigErrors naming the key") {
  CHECK(error_of(R"({"ecn": {"kmin": "500KB", "kmax": "400KB"}})").find("/ecn/kmin") != std::string::npos);
  CHECK(error_of(R"({"ecn": {"pmax": 1.5}})").find("/ecn/pmax") != std::string::npos);
  CHECK(error_of(R"({"ecn": {"pmax": -0.1}})").find("/ecn/pmax") != std::string::npos);
  CHECK(error_of(R"({"pfc": {"threshold": "static", "xoff": "10KB", "xon": "20KB"}})").find("/pfc/xon") != std::string::npos);
  CHECK(error_of(R"({"mmu": {"headroom": "4000B"}})").find("/mmu/headroom") != std::string::npos);  // < 4082 B frame
  CHECK(error_of(R"({"mmu": {"headroom": "plenty"}})").find("/mmu/headroom") != std::string::npos);
  CHECK(error_of(R"({"wire": {"mtu": 0}})").find("/wire/mtu") != std::string::npos);
  CHECK(error_of(R"({"nic": {"rto": "0"}})").find("/nic/rto") != std::string::npos);
  // Plausibility ranges (issue 20): a 1 ps RTO retransmits for ever, a 1 B MTU crawls for ever.
  CHECK(error_of(R"({"nic": {"rto": "1ps"}})").find("/nic/rto: retransmission timeout 1ps is outside [10us, 10s]") != std::string::npos);
  CHECK(error_of(R"({"nic": {"rto": "9us"}})").find("/nic/rto") != std::string::npos);
  CHECK(error_of(R"({"nic": {"rto": "10us"}, "stall_timeout": "1ms"})").empty());
  CHECK(error_of(R"({"wire": {"mtu": 1}})").find("/wire/mtu: MTU 1B is outside [256B, 64KiB]") != std::string::npos);
  CHECK(error_of(R"({"wire": {"mtu": 255}})").find("/wire/mtu") != std::string::npos);
  CHECK(error_of(R"({"wire": {"mtu": "65537B"}})").find("/wire/mtu") != std::string::npos);
  CHECK(error_of(R"({"wire": {"mtu": 256}, "mmu": {"headroom": "100KB"}})").empty());
  CHECK(error_of(R"({"pfc": {"quanta": 0}})").find("/pfc/quanta") != std::string::npos);
  CHECK(error_of(R"({"queues": {"data_classes": 2, "lossless": [true]}})").find("/queues/lossless") != std::string::npos);
  CHECK(error_of(R"({"nic": {"window": "100B"}})").find("/nic/window") != std::string::npos);
  CHECK(error_of(R"({"stall_timeout": "100us"})").find("/stall_timeout") != std::string::npos);  // <= RTO
  // Zero rates never reach the model: the unit parser rejects them wherever a rate is read.
  CHECK_THROWS_AS(parse_rate("0Gbps"), UnitError);
  // Unknown keys and unknown choices are errors, not silent defaults.
  CHECK(error_of(R"({"pfc": {"xof": "10KB"}})").find("unknown key \"xof\"") != std::string::npos);
  CHECK(error_of(R"({"queues": {"scheduler": "wfq"}})").find("/queues/scheduler") != std::string::npos);
  CHECK(error_of(R"({"bogus": 1})").find("bogus") != std::string::npos);
  // A valid document is accepted.
  CHECK(error_of(R"({"pfc": {"threshold": "static", "xoff": "20KB", "xon": "10KB"}})").empty());
}

TEST_CASE("net params: a transfer naming a missing priority or endpoint is rejected") {
  testing::Harness h(testing::leaf_spine(1, 2, 0), NetParams{});
  CHECK_THROWS_AS(h.send(0, 1, 1000, 1, 0, 3), ConfigError);
  CHECK_THROWS_AS(h.send(0, 0, 1000, 1), ConfigError);
  CHECK_THROWS_AS(h.send(0, 5, 1000, 1), ConfigError);
  CHECK_THROWS_AS(h.send(0, 1, 0, 1), ConfigError);
}

TEST_CASE("make_packet_net: builds from --set style JSON, rejects unknown CC names and keys") {
  const auto f = testing::leaf_spine(1, 2, 0);
  const routing::Router router(f, {});
  Simulator sim;
  const auto net = make_packet_net(sim, f, router, nlohmann::json::parse(R"({"cc": "none", "nic": {"ack_every": 2}})"));
  CHECK(net->params().nic.ack_every == 2);
  const nlohmann::json eff = effective_packet_params(nlohmann::json::parse(R"({"nic": {"ack_every": 2}})"));
  CHECK(eff["cc"] == "none");
  CHECK(eff["nic"]["ack_every"] == 2);
  CHECK(eff["pfc"]["quanta"] == 65535);
  // A CC parameter object (sim/cc's form) passes through untouched.
  const nlohmann::json eff2 = effective_packet_params(nlohmann::json::parse(R"({"cc": {"algorithm": "dcqcn"}})"));
  CHECK(eff2["cc"]["algorithm"] == "dcqcn");
  CHECK(net->name() == "packet");
  CHECK_THROWS_AS(make_packet_net(sim, f, router, nlohmann::json::parse(R"({"cc": "dcqcn"})")), ConfigError);
  CHECK_THROWS_AS(make_packet_net(sim, f, router, nlohmann::json::parse(R"({"pfc": {"xoff": 1, "bogus": 2}})")), ConfigError);
  try {
    make_packet_net(sim, f, router, nlohmann::json::parse(R"({"ecn": {"pmax": 2}})"));
    FAIL("accepted Pmax = 2");
  } catch (const ConfigError& e) {
    CHECK(std::string(e.what()).find("/backend/ecn/pmax") != std::string::npos);
  }
}

TEST_CASE("net params: to_json lists every value and reads back to the same parameters") {
  const NetParams a = read(R"({"queues": {"data_classes": 2, "lossless": [true, false]}, "pfc": {"threshold": "static",
      "xoff": "50KB", "xon": "40KB"}, "nic": {"qps_per_connection": 4, "complete_on": "ack"}, "seed": 7})");
  const nlohmann::json j = to_json(a);
  CHECK(j["pfc"]["xoff"] == "50KB");
  CHECK(j["wire"]["data_overhead"] == "82B");
  JsonReader r(j, "effective");
  const NetParams b = read_net_params(r);
  CHECK(to_json(b) == j);
  CHECK(b.queues.lossless == a.queues.lossless);
  CHECK(b.nic.qps_per_connection == 4);
}
