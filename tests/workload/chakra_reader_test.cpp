// Chakra reader: traces written here by a small protobuf encoder (plain and gzip) round-trip into the
// expected native ops; corrupt, truncated and inconsistent traces fail with file and record.
#include <doctest/doctest.h>

#include <filesystem>
#include <functional>
#include <set>
#include <fstream>
#include <string>
#include <vector>

#include "core/config_error.hpp"
#include "workload/readers/chakra_reader.hpp"
#include "workload/trace_import.hpp"
#include "chakra_test_encoder.hpp"
#include "gzip_for_tests.hpp"

using nlohmann::json;
using rocesim::ConfigError;
using namespace rocesim::workload;
using namespace rocesim::test::chakra_encoder;
using rocesim::test::gzip;

namespace {

std::string scratch(const std::string& name) {
  const auto dir = std::filesystem::path(ROCESIM_BINARY_DIR) / "test-scratch" / name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

void write(const std::string& path, const std::string& bytes) { std::ofstream(path, std::ios::binary) << bytes; }

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

const json* find_op(const json& doc, const std::string& id) {
  for (const auto& op : doc["jobs"][0]["ops"]) {
    if (op["id"] == id) return &op;
  }
  return nullptr;
}

// Four ranks: compute → world all-reduce → compute; then an all-gather inside pairs {0,1} and {2,3}.
std::vector<std::string> four_rank_traces() {
  std::vector<std::string> files;
  for (int r = 0; r < 4; ++r) {
    const std::string pair = r < 2 ? "pair01" : "pair23";
    std::vector<TNode> nodes = {comp(10, 100 + static_cast<std::uint64_t>(r)),
                                coll(11, kAllReduce, 1 << 20, "", {10}),
                                comp(12, 50, {11}),
                                coll(13, kAllGather, 1000, pair, {12})};
    nodes[2].packed = false;
    files.push_back(encode_trace(nodes));
  }
  return files;
}

}  // namespace

TEST_CASE("chakra: compute and collectives across 4 ranks map to native ops with global deps") {
  const std::string dir = scratch("chakra-four");
  const auto files = four_rank_traces();
  for (std::size_t r = 0; r < files.size(); ++r) write(dir + "/trace." + std::to_string(r) + ".et", files[r]);
  const json doc = read_chakra(dir);
  const json& job = doc["jobs"][0];
  CHECK(job["world_size"] == 4);
  CHECK(job["placement"]["kind"] == "contiguous");
  // 4 ranks x 2 compute nodes + 1 world all-reduce + 2 pair all-gathers.
  CHECK(job["ops"].size() == 11);

  const json* c0 = find_op(doc, "r1_n10");
  REQUIRE(c0);
  CHECK(*c0 == json::parse(R"({"id":"r1_n10","type":"compute","duration":"101us","ranks":[1]})"));
  // One all-reduce for the world; it waits for every rank's first compute (deps are global).
  const json* ar = find_op(doc, "world_c0");
  REQUIRE(ar);
  CHECK((*ar)["type"] == "all_reduce");
  CHECK((*ar)["group"] == "world");
  CHECK((*ar)["bytes"] == 1 << 20);
  CHECK((*ar)["deps"] == json::array({"r0_n10", "r1_n10", "r2_n10", "r3_n10"}));
  // Unpacked repeated encoding of data_deps reads the same as packed.
  CHECK((*find_op(doc, "r2_n12"))["deps"] == json::array({"world_c0"}));
  // pg_name sorts "pair01" < "pair23": all-gather bytes are comm_size x 2 members (full buffer).
  const json* ag = find_op(doc, "pg0_c0");
  REQUIRE(ag);
  CHECK(*ag == json::parse(
                   R"({"id":"pg0_c0","type":"all_gather","ranks":[0,1],"bytes":2000,"deps":["r0_n12","r1_n12"]})"));
  CHECK((*find_op(doc, "pg1_c0"))["ranks"] == json::array({2, 3}));
  // Every dep refers to an op listed earlier.
  std::set<std::string> seen;
  for (const auto& op : job["ops"]) {
    for (const auto& d : op.value("deps", json::array())) CHECK(seen.count(d.get<std::string>()) == 1);
    seen.insert(op["id"].get<std::string>());
  }
  CHECK(doc["import_report"]["dropped"].empty());
  CHECK(doc["import_report"]["communicators"].size() == 3);
}

TEST_CASE("chakra: gzip traces and the prefix form give the same document as plain files") {
  const std::string plain = scratch("chakra-plain"), gz = scratch("chakra-gz");
  const auto files = four_rank_traces();
  for (std::size_t r = 0; r < files.size(); ++r) {
    write(plain + "/run." + std::to_string(r) + ".et", files[r]);
    write(gz + "/run." + std::to_string(r) + ".et", gzip(files[r]));
  }
  const json a = read_chakra(plain);
  const json b = read_chakra(gz + "/run");  // prefix form
  CHECK(a["jobs"][0]["ops"] == b["jobs"][0]["ops"]);
  CHECK(b["name"] == "run");
  CHECK(detect_trace_format(gz + "/run") == "chakra");
  CHECK(detect_trace_format(plain) == "chakra");
  const auto via_import = import_trace(plain);
  REQUIRE(via_import.has_value());
  CHECK(via_import->dump() == a.dump());  // deterministic
}

TEST_CASE("chakra: send/recv pair into one send op; unsupported nodes are counted, deps pass through") {
  const std::string dir = scratch("chakra-p2p");
  TNode send{2, kSend, 0, {1}, {}, {attr_int("comm_dst", 1), attr_int("comm_size", 4096), attr_int("comm_tag", 7)}, true};
  TNode recv{2, kRecv, 0, {1}, {}, {attr_int("comm_src", 0), attr_int("comm_tag", 7)}, true};
  // Rank 0: compute 1 → send 2 → metadata 3 → compute 4 (must now wait for the send).
  write(dir + "/t.0.et", encode_trace({comp(1, 5), send, TNode{3, kMetadata, 0, {2}, {}, {}, true}, comp(4, 5, {3})}));
  // Rank 1: compute 1 → recv 2 → REDUCE (unsupported collective) 3 → compute 4.
  write(dir + "/t.1.et", encode_trace({comp(1, 7), recv, coll(3, kReduce, 64, "", {2}), comp(4, 5, {3})}));
  const json doc = read_chakra(dir);
  const json* p = find_op(doc, "p0_1_t7_0");
  REQUIRE(p);
  CHECK(*p == json::parse(R"({"id":"p0_1_t7_0","type":"send","src":0,"dst":1,"bytes":4096,"qp":0,
                              "deps":["r0_n1","r1_n1"]})"));
  CHECK((*find_op(doc, "r0_n4"))["deps"] == json::array({"p0_1_t7_0"}));
  CHECK((*find_op(doc, "r1_n4"))["deps"] == json::array({"p0_1_t7_0"}));
  CHECK(doc["import_report"]["dropped"] == json::parse(R"({"COMM_COLL_NODE REDUCE":1,"METADATA_NODE":1})"));
  const std::string summary = import_report_summary(doc);
  CHECK(summary.find("2 records not converted") != std::string::npos);
  CHECK(summary.find("COMM_COLL_NODE REDUCE: 1") != std::string::npos);
}

TEST_CASE("chakra: truncated, corrupt and inconsistent traces name the file and record") {
  const std::string dir = scratch("chakra-bad");
  const std::string good = encode_trace({comp(1, 5), comp(2, 5, {1})});

  write(dir + "/cut.0.et", good.substr(0, good.size() - 3));
  std::string msg = error_of([&] { read_chakra(dir + "/cut.0.et"); });
  CHECK(msg.find("cut.0.et: record 2 (byte") != std::string::npos);
  CHECK(msg.find("truncated") != std::string::npos);

  std::string corrupt = good;
  corrupt[good.size() - encode_node(comp(2, 5, {1})).size()] = '\x0f';  // key with wire type 7
  write(dir + "/bad.0.et", corrupt);
  msg = error_of([&] { read_chakra(dir + "/bad.0.et"); });
  CHECK(msg.find("record 2") != std::string::npos);
  CHECK(msg.find("wire type 7") != std::string::npos);

  const std::string gz = gzip(good);
  write(dir + "/cutgz.0.et", gz.substr(0, gz.size() / 2));
  CHECK(error_of([&] { read_chakra(dir + "/cutgz.0.et"); }).find("truncated gzip stream") != std::string::npos);

  write(dir + "/empty.0.et", "");
  CHECK(error_of([&] { read_chakra(dir + "/empty.0.et"); }).find("empty trace") != std::string::npos);


  // Rank 0 all-reduces where rank 1 all-to-alls: the k-th collectives disagree.
  const std::string mix = scratch("chakra-mismatch");
  write(mix + "/m.0.et", encode_trace({coll(1, kAllReduce, 8, "")}));
  write(mix + "/m.1.et", encode_trace({coll(1, kAllToAll, 8, "")}));
  msg = error_of([&] { read_chakra(mix); });
  CHECK(msg.find("m.1.et: record 1") != std::string::npos);
  CHECK(msg.find("ALL_TO_ALL here but ALL_REDUCE on rank 0") != std::string::npos);

  const std::string gap = scratch("chakra-gap");
  write(gap + "/g.0.et", good);
  write(gap + "/g.2.et", good);
  CHECK(error_of([&] { read_chakra(gap); }).find("rank 1 is missing") != std::string::npos);

  // A dependency cycle across a dropped node is reported as a cycle.
  write(dir + "/cyc.0.et", encode_trace({comp(1, 5, {2}), comp(2, 5, {1})}));
  CHECK(error_of([&] { read_chakra(dir + "/cyc.0.et"); }).find("dependency cycle") != std::string::npos);
}

TEST_CASE("chakra: broadcast gets root position 0; one-rank and zero-byte collectives are dropped, counted") {
  const std::string dir = scratch("chakra-bcast");
  for (int r = 0; r < 2; ++r) {
    std::vector<TNode> nodes = {coll(1, 5 /* BROADCAST */, 256, "")};
    if (r == 1) nodes.push_back(coll(2, kAllReduce, 64, "solo", {1}));  // only rank 1 is in "solo"
    nodes.push_back(coll(3, kAllReduce, 0, "", {r == 1 ? 2u : 1u}));
    nodes.push_back(comp(4, 1, {3}));
    write(dir + "/b." + std::to_string(r) + ".et", encode_trace(nodes));
  }
  const json doc = read_chakra(dir);
  const json* b = find_op(doc, "world_c0");
  REQUIRE(b);
  CHECK(*b == json::parse(R"({"id":"world_c0","type":"broadcast","group":"world","bytes":256,"root":0})"));
  // Rank 1's compute reaches the broadcast through two dropped nodes.
  CHECK((*find_op(doc, "r1_n4"))["deps"] == json::array({"world_c0"}));
  CHECK(doc["import_report"]["dropped"] ==
        json::parse(R"({"COMM_COLL_NODE on a one-rank communicator":1,"COMM_COLL_NODE with comm_size 0":2})"));
  CHECK(doc["import_report"]["assumptions"].size() == 1);
}

TEST_CASE("chakra: 2,000 random corruptions of a trace either convert or fail with ConfigError, never crash") {
  // Deterministic mutations (xorshift): flip a byte, truncate, or insert garbage, in plain and gzip form.
  const std::string good = four_rank_traces()[0];
  const std::string dir = scratch("chakra-fuzz");
  std::uint64_t state = 0x9e3779b97f4a7c15ULL;
  auto next = [&state] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  int converted = 0, rejected = 0;
  for (int i = 0; i < 2000; ++i) {
    std::string bytes = good;
    const std::size_t at = next() % bytes.size();
    switch (next() % 3) {
      case 0: bytes[at] = static_cast<char>(next() & 0xff); break;
      case 1: bytes.resize(at); break;
      default: bytes.insert(at, std::string(1 + next() % 8, static_cast<char>(next() & 0xff))); break;
    }
    if (i % 4 == 0) bytes = gzip(bytes);
    if (i % 8 == 1) bytes = gzip(good).substr(0, at % gzip(good).size());
    try {
      (void)chakra_to_native({decode_chakra_bytes(bytes, "fuzz.0.et")}, "fuzz");
      ++converted;
    } catch (const ConfigError& e) {
      CHECK(std::string(e.what()).rfind("fuzz", 0) == 0);  // every message names the file first
      ++rejected;
    }
  }
  CHECK(converted + rejected == 2000);
  CHECK(rejected > 0);
}
