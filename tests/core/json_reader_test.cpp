#include <doctest/doctest.h>

#include <functional>

#include "core/json_reader.hpp"

using namespace rocesim;

namespace {
std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST_CASE("typed accessors read units and reject unknown keys with the JSON path") {
  const auto j = nlohmann::json::parse(R"({"link": {"speed": "400Gbps", "latency": "1us", "typo": 1}})");
  JsonReader root(j, "topo.json");
  JsonReader link = root.object("link");
  CHECK(link.rate("speed") == Rate::gbps(400));
  CHECK(link.time("latency") == Time::from_us(1));
  CHECK(link.bytes_or("buffer", Bytes{5}) == Bytes{5});
  const std::string msg = error_of([&] { link.finish(); });
  CHECK(msg.find("topo.json: /link/typo: unknown key") != std::string::npos);
  root.finish();
}

TEST_CASE("wrong types, ranges and units name file and path") {
  const auto j = nlohmann::json::parse(R"({"n": -1, "r": "400", "s": 5, "c": "ring2"})");
  JsonReader r(j, "f.json");
  CHECK(error_of([&] { r.integer("n", 1, 10); }) == "f.json: /n: expected an integer in [1, 10], got -1");
  CHECK(error_of([&] { r.rate("r"); }).find("f.json: /r: unknown rate unit") == 0);
  CHECK(error_of([&] { r.string("s"); }) == "f.json: /s: expected a string, got the number 5");
  CHECK(error_of([&] { r.choice("c", {"ring", "tree"}); }).find("expected one of: ring, tree") != std::string::npos);
  CHECK(error_of([&] { r.string("missing"); }) == "f.json: /missing: missing required key");
}

TEST_CASE("malformed JSON reports line and column") {
  const std::string msg = error_of([] { parse_json_text("{\n  \"a\": 1,\n  oops\n}", "bad.json"); });
  CHECK(msg.find("bad.json: malformed JSON at line 3") == 0);
}

TEST_CASE("--set overrides create nested keys and parse JSON values") {
  nlohmann::json doc = nlohmann::json::parse(R"({"cc": {"algo": "none"}})");
  apply_override(doc, "cc.algo=dcqcn");
  apply_override(doc, "cc.dcqcn.g=0.0625");
  apply_override(doc, "qps=4");
  CHECK(doc["cc"]["algo"] == "dcqcn");
  CHECK(doc["cc"]["dcqcn"]["g"].get<double>() == 0.0625);
  CHECK(doc["qps"].get<int>() == 4);
  CHECK_THROWS_AS(apply_override(doc, "novalue"), ConfigError);
  CHECK_THROWS_AS(apply_override(doc, "qps.x=1"), ConfigError);
}
