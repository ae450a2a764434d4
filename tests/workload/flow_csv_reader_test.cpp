// Flow-list CSV reader: exact mapping of rows to native send ops, ordering, speed and every error path.
#include <doctest/doctest.h>

#include <string>

#include "core/config_error.hpp"
#include "workload/readers/flow_csv_reader.hpp"

using rocesim::ConfigError;
using rocesim::workload::read_flow_csv_text;

namespace {

// The error message read_flow_csv_text throws for `text`, or "" when it does not throw.
std::string error_of(const std::string& text) {
  try {
    read_flow_csv_text(text, "flows.csv");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("flow CSV rows become send ops in one contiguous job sized by the largest endpoint") {
  // Endpoints 0..7 appear, so world_size = 8; flow 2 has no start and waits for flow 1.
  const auto doc = read_flow_csv_text(
      "id,src,dst,bytes,start_us,after\n"
      "1,3,7,64000,0,\n"
      "2,7,0,1000,,1\n"
      "3,1,2,5,12.5,\n",
      "dir/chain.csv");
  CHECK(doc["name"] == "chain");
  REQUIRE(doc["jobs"].size() == 1);
  const auto& job = doc["jobs"][0];
  CHECK(job["world_size"] == 8);
  CHECK(job["placement"]["kind"] == "contiguous");
  CHECK(job["iterations"] == 1);
  REQUIRE(job["ops"].size() == 3);
  CHECK(job["ops"][0] == nlohmann::json::parse(
                             R"({"id":"f1","type":"send","src":3,"dst":7,"bytes":64000,"qp":0,"start":"0ns"})"));
  CHECK(job["ops"][1] ==
        nlohmann::json::parse(R"({"id":"f2","type":"send","src":7,"dst":0,"bytes":1000,"qp":0,"deps":["f1"]})"));
  // 12.5 us is exactly 12500 ns: no floating point on the way.
  CHECK(job["ops"][2]["start"] == "12500ns");
}

TEST_CASE("flow CSV columns may be reordered; comments, blank lines and CRLF are tolerated") {
  const auto doc = read_flow_csv_text(
      "# generated\r\n"
      "after,id,bytes,dst,src,start_us\r\n"
      "\r\n"
      ",a,10,1,0,0.000001\r\n",
      "x.csv");
  const auto& op = doc["jobs"][0]["ops"][0];
  CHECK(op["id"] == "fa");
  CHECK(op["src"] == 0);
  CHECK(op["dst"] == 1);
  CHECK(op["bytes"] == 10);
  CHECK(op["start"] == "1ps");  // 0.000001 us is one picosecond, kept exactly
}

TEST_CASE("flow CSV 'after' may point forward: ops are reordered so every dep comes first") {
  const auto doc = read_flow_csv_text(
      "id,src,dst,bytes,start_us,after\n"
      "late,0,1,8,,early\n"
      "early,1,0,8,0,\n",
      "fwd.csv");
  const auto& ops = doc["jobs"][0]["ops"];
  CHECK(ops[0]["id"] == "fearly");
  CHECK(ops[1]["id"] == "flate");
}

TEST_CASE("flow CSV bad input names the file and line") {
  const std::string header = "id,src,dst,bytes,start_us,after\n";
  CHECK(error_of("") .find("empty flow list") != std::string::npos);
  CHECK(error_of("src,dst\n1,2\n").find("flows.csv: line 1: expected the header") != std::string::npos);
  CHECK(error_of("id,src,dst,bytes,start_us,later\n").find("unknown header column \"later\"") != std::string::npos);
  CHECK(error_of(header).find("no flows") != std::string::npos);
  CHECK(error_of(header + "1,0,1,8,0,\n2,0,x,8,0,\n").find("line 3: dst \"x\"") != std::string::npos);
  CHECK(error_of(header + "1,0,1,8,0\n").find("line 2: expected 6 comma-separated fields, got 5") !=
        std::string::npos);
  CHECK(error_of(header + "1,0,0,8,0,\n").find("line 2: src and dst are both 0") != std::string::npos);
  CHECK(error_of(header + "1,0,1,0,0,\n").find("line 2: bytes \"0\"") != std::string::npos);
  CHECK(error_of(header + "1,0,1,-5,0,\n").find("line 2: bytes \"-5\"") != std::string::npos);
  CHECK(error_of(header + "1,0,1,8,-1,\n").find("line 2: start_us \"-1\"") != std::string::npos);
  CHECK(error_of(header + "1,0,1,8,1e3,\n").find("line 2: start_us \"1e3\"") != std::string::npos);
  CHECK(error_of(header + "1,0,1,8,,\n").find("line 2: start_us is empty") != std::string::npos);
  CHECK(error_of(header + "1,0,1,8,0,\n1,1,0,8,0,\n").find("line 3: duplicate flow id \"1\"") !=
        std::string::npos);
  CHECK(error_of(header + "1,0,1,8,,9\n").find("line 2: after \"9\" names no flow") != std::string::npos);
  CHECK(error_of(header + "1,0,1,8,,1\n").find("line 2: flow 1 waits for itself") != std::string::npos);
  const std::string cycle = error_of(header + "1,0,1,8,,2\n2,1,0,8,,1\n");
  CHECK(cycle.find("dependency cycle") != std::string::npos);
  CHECK(cycle.find("f1") != std::string::npos);
  CHECK(cycle.find("f2") != std::string::npos);
}

TEST_CASE("flow CSV import of a 32,640-flow chain list (bench size) keeps every flow and chain") {
  // 128 hosts x 255 chained 64 KB steps, like ../shared/bench/ar_128n_g128_64KB.csv.
  std::string text = "id,src,dst,bytes,start_us,after\n";
  int id = 0;
  for (int chain = 0; chain < 128; ++chain) {
    for (int step = 0; step < 255; ++step) {
      ++id;
      const int src = (chain + step) % 128, dst = (chain + step + 1) % 128;
      text += std::to_string(id);
      text += ',';
      text += std::to_string(src);
      text += ',';
      text += std::to_string(dst);
      text += step == 0 ? ",64000,0," : ",64000,,";
      if (step != 0) text += std::to_string(id - 1);
      text += '\n';
    }
  }
  const auto doc = read_flow_csv_text(text, "big.csv");
  const auto& job = doc["jobs"][0];
  CHECK(job["ops"].size() == 32640);
  CHECK(job["world_size"] == 128);
  CHECK(job["ops"][32639]["deps"][0] == "f32639");
}
