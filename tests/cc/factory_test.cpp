// The CC factory: algorithm names, strict parameter reading, effective JSON with defaults, and
// bad input → ConfigError (which the CLI turns into exit 2).
#include <doctest/doctest.h>

#include "cc/cc_factory.hpp"
#include "cc_fixtures.hpp"
#include "cc/dcqcn.hpp"
#include "cc/hpcc.hpp"
#include "core/config_error.hpp"

using namespace rocesim;
using namespace rocesim::cc;

namespace {

CcSetup build(const std::string& text) {
  return make_cc_strategy(parse_json_text(text, "cc.json"), "cc.json", CcContext{});
}

std::string error_of(const std::string& text) {
  try {
    build(text);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("cc factory: every algorithm by name, none by default") {
  CHECK(make_cc_strategy(nlohmann::json(), "cc.json", CcContext{}).strategy->name() == "none");
  CHECK(build("{}").strategy->name() == "none");
  for (const char* name : {"none", "dcqcn", "hpcc", "timely", "admission"}) {
    const CcSetup s = build(std::string(R"({"algorithm": ")") + name + "\"}");
    CHECK(s.strategy->name() == name);
    CHECK(s.effective["algorithm"] == name);
  }
}

TEST_CASE("cc factory: the effective config carries every parameter with defaults filled") {
  const CcSetup s = build(R"({"algorithm": "dcqcn", "dcqcn": {"g": 0.0625, "rate_ai": "5Mbps"}})");
  const auto& d = s.effective["dcqcn"];
  CHECK(d["g"] == 0.0625);
  CHECK(d["rate_ai"] == "5Mbps");
  CHECK(d["alpha_interval"] == "55us");
  CHECK(d["decrease_interval"] == "4us");
  CHECK(d["min_rate"] == "100Mbps");
  CHECK(d.size() == 12);
  // Written back, the effective config reads to the same parameters.
  const CcSetup again = make_cc_strategy(s.effective, "effective.json", CcContext{});
  CHECK(again.effective == s.effective);
  const auto* dc = dynamic_cast<const Dcqcn*>(s.strategy.get());
  REQUIRE(dc != nullptr);
  CHECK(dc->params().g == 0.0625);
  CHECK(dc->params().rate_ai == Rate::mbps(5));
}

TEST_CASE("cc factory: --set style overrides reach the parameters") {
  nlohmann::json doc = parse_json_text(R"({"cc": {"algorithm": "none"}})", "run.json");
  apply_override(doc, "cc.algorithm=hpcc");
  apply_override(doc, "cc.hpcc.eta=0.9");
  apply_override(doc, "cc.hpcc.rate_ai=40Mbps");
  const CcSetup s = make_cc_strategy(doc["cc"], "run.json", CcContext{});
  const auto* h = dynamic_cast<const Hpcc*>(s.strategy.get());
  REQUIRE(h != nullptr);
  CHECK(h->params().eta == 0.9);
  CHECK(h->params().rate_ai == Rate::mbps(40));
}

TEST_CASE("cc factory: out-of-range and unknown input is a ConfigError naming the key") {
  CHECK(error_of(R"({"algorithm": "reno"})").find("/cc/algorithm") != std::string::npos);
  CHECK(error_of(R"({"algorithm": "dcqcn", "dcqcn": {"g": 0}})").find("/cc/dcqcn/g") != std::string::npos);
  CHECK(error_of(R"({"algorithm": "dcqcn", "dcqcn": {"g": 1}})").find("must be in (0, 1)") != std::string::npos);
  CHECK(error_of(R"({"dcqcn": {"g": 1.5}})") != "");  // checked even when another algorithm runs
  CHECK(error_of(R"({"algorithm": "hpcc", "hpcc": {"eta": 0}})").find("/cc/hpcc/eta") != std::string::npos);
  CHECK(error_of(R"({"algorithm": "hpcc", "hpcc": {"eta": 1.01}})") != "");
  CHECK(error_of(R"({"algorithm": "hpcc", "hpcc": {"eta": 1}})") == "");  // eta = 1 is allowed
  CHECK(error_of(R"({"algorithm": "hpcc", "hpcc": {"rate_ai": "fast"}})").find("/cc/hpcc/rate_ai: expected \"auto\" or a rate") !=
        std::string::npos);
  CHECK(error_of(R"({"algorithm": "timely", "timely": {"delta": 5}})").find("/cc/timely/delta") != std::string::npos);
  CHECK(error_of(R"({"algorithm": "hpcc", "hpcc": {"expected_flows": 2}})").find("expected_flows") != std::string::npos);
  CHECK(error_of(R"({"dcqcn": {"alpha_interval": "-1us"}})").find("/cc/dcqcn/alpha_interval") != std::string::npos);
  CHECK(error_of(R"({"dcqcn": {"increase_interval": "0"}})").find("positive") != std::string::npos);
  CHECK(error_of(R"({"dcqcn": {"decrease_interval": 4}})") != "");  // a time needs its unit
  CHECK(error_of(R"({"dcqcn": {"min_rate": "0bps"}})") != "");
  CHECK(error_of(R"({"timely": {"t_low": "600us"}})").find("exceeds t_high") != std::string::npos);
  CHECK(error_of(R"({"timely": {"beta": 0}})") != "");
  CHECK(error_of(R"({"timely": {"t_high": "-5us"}})") != "");
  CHECK(error_of(R"({"dcqcn": {"gain": 0.1}})").find("gain") != std::string::npos);  // unknown key
  CHECK(error_of(R"({"algorithm": "hpcc", "extra": 1})").find("extra") != std::string::npos);
  CHECK(error_of(R"({"algorithm": "admission", "admission": {"inflight": "1KB"}})").find("below one data frame") !=
        std::string::npos);
}

TEST_CASE("make_packet_net_with_cc: the packet backend from --set JSON, cc as a name or an object") {
  // A two-host star carrying 1 MB: HPCC (telemetry on) with eta set from the object form, DCQCN
  // from the name form; each delivers every byte. Errors name the path under /backend/cc.
  const topology::Fabric f = net::testing::leaf_spine(1, 2, 0);
  const routing::Router router(f, {});
  for (const char* text : {R"({"cc": {"algorithm": "hpcc", "hpcc": {"eta": 0.9}}})",
                           R"({"cc": "dcqcn", "ecn": {"kmin": "5KB", "kmax": "200KB", "pmax": 0.01}})"}) {
    Simulator sim;
    nlohmann::json effective;
    auto net = make_packet_net_with_cc(sim, f, router, nlohmann::json::parse(text), "--set", "/backend", &effective);
    CHECK(effective["algorithm"] == (std::string(text).find("hpcc") != std::string::npos ? "hpcc" : "dcqcn"));
    net::testing::Recorder rec;
    net->set_sink(&rec);
    net->start(TransferRequest{0, 1, Bytes{1'000'000}, 0, 0, 7});
    sim.run();
    CHECK(rec.done.count(7) == 1);
    net::testing::check_conservation(*net, true);
  }
  Simulator sim;
  const auto error_of = [&](const char* text) -> std::string {
    try {
      make_packet_net_with_cc(sim, f, router, nlohmann::json::parse(text));
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "";
  };
  CHECK(error_of(R"({"cc": {"algorithm": "hpcc", "hpcc": {"eta": 2}}})").find("/backend/cc/hpcc/eta") != std::string::npos);
  CHECK(error_of(R"({"cc": "cubic"})").find("/backend/cc/algorithm") != std::string::npos);
  CHECK(error_of(R"({"cc": 3})").find("/backend/cc") != std::string::npos);
  CHECK(error_of(R"({"pfc": {"bogus": 1}})").find("bogus") != std::string::npos);
}

TEST_CASE("cc factory: every algorithm's effective config reads back to itself") {
  // Reports embed the effective config; feeding it back must give the same parameters.
  for (const char* text : {R"({"algorithm": "hpcc", "hpcc": {"rate_ai": "80Mbps", "max_stage": 3, "fast_react": false}})",
                           R"({"algorithm": "hpcc"})",    // rate_ai "auto"
                           R"({"algorithm": "timely"})",  // delta "auto"
                           R"({"algorithm": "timely", "timely": {"t_low": "10us", "t_high": "100us", "delta": "100Mbps"}})",
                           R"({"algorithm": "admission", "admission": {"inflight": "1MiB"}})",
                           R"({"algorithm": "dcqcn", "dcqcn": {"byte_counter": 0, "clamp_target_rate": true}})"}) {
    const CcSetup s = build(text);
    const CcSetup again = make_cc_strategy(s.effective, "effective.json", CcContext{});
    CHECK(again.effective == s.effective);
    CHECK(again.strategy->name() == s.strategy->name());
  }
}
