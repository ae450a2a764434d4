// Streaming Chakra decode (issue 20): the file is inflated and decoded one record at a time, so a
// bad trace fails at its first bad record however much it would inflate to, records that straddle
// the 64 KiB read chunks decode exactly, and the decoded nodes are held to the memory limit.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "chakra_test_encoder.hpp"
#include "gzip_for_tests.hpp"
#include "core/config_error.hpp"
#include "core/memory_budget.hpp"
#include "workload/readers/chakra_reader.hpp"

using rocesim::ConfigError;
using rocesim::MemoryLimitError;
using namespace rocesim::workload;
using namespace rocesim::test::chakra_encoder;
using rocesim::test::gzip;

namespace {

// A chain of `count` compute nodes (ids 1..count, each waiting for the previous).
std::string chain_trace(std::uint64_t count) {
  std::vector<TNode> nodes;
  for (std::uint64_t id = 1; id <= count; ++id) nodes.push_back(comp(id, 1, id > 1 ? std::vector<std::uint64_t>{id - 1} : std::vector<std::uint64_t>{}));
  return encode_trace(nodes);
}

std::string error_of(const std::string& bytes) {
  try {
    (void)decode_chakra_bytes(bytes, "s.0.et");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("chakra stream: records straddling the 64 KiB chunks decode exactly, plain, gzip and two gzip members") {
  // 5,000 nodes of ~60 B: ~250 KB, so 3 chunk boundaries fall inside records.
  const std::string plain = chain_trace(5000);
  REQUIRE(plain.size() > 3 * 65536);
  const ChakraRankTrace a = decode_chakra_bytes(plain, "p.0.et");
  REQUIRE(a.nodes.size() == 5000);
  CHECK(a.nodes[4999].id == 5000);
  CHECK(a.nodes[4999].data_deps == std::vector<std::uint64_t>{4999});
  CHECK(a.nodes[4999].record == 5000);
  const ChakraRankTrace b = decode_chakra_bytes(gzip(plain), "g.0.et");
  REQUIRE(b.nodes.size() == 5000);
  CHECK(b.nodes[2500].id == 2501);
  // Concatenated gzip members are one stream (as gunzip reads them): split mid-record.
  const std::string two = gzip(plain.substr(0, 100001)) + gzip(plain.substr(100001));
  const ChakraRankTrace c = decode_chakra_bytes(two, "two.0.et");
  REQUIRE(c.nodes.size() == 5000);
  CHECK(c.nodes[4999].duration_micros == 1);
}

TEST_CASE("chakra stream: a duplicate id or an oversized record fails at that record, before the rest is inflated") {
  // Record 2 repeats node id 7, then 64 MiB of zeros follow (64 KiB compressed): the error names
  // record 2 and the first record that held the id.
  std::string dup = encode_trace({comp(7, 1), comp(7, 1)});
  const std::string gz = gzip(dup) + gzip(std::string(64u << 20, '\0'));
  CHECK(gz.size() < (1u << 20));
  const std::string msg = error_of(gz);
  CHECK(msg == "s.0.et: record 2: node 7: duplicate node id (also record 1)");

  // Record 1 claims 64 MiB + 1 bytes: refused from its length prefix alone (1 + 10 bytes decoded).
  std::string big = encode_trace({});
  put_varint(big, (std::uint64_t{64} << 20) + 1);
  big += "xyz";
  CHECK(error_of(big).find("s.0.et: record 1 (byte 8): record length 67108865 B is over the 64 MiB limit") == 0);
  // Exactly 64 MiB is allowed by the cap and then reported as truncated (only 3 bytes follow).
  std::string at_cap = encode_trace({});
  put_varint(at_cap, std::uint64_t{64} << 20);
  at_cap += "xyz";
  CHECK(error_of(gzip(at_cap)).find("truncated: needs 67108864 bytes, only 3 left in a Node record") !=
        std::string::npos);
  // Zeros are empty records: record 0 an empty GlobalMetadata, 1 node id 0, 2 node id 0 again.
  CHECK(error_of(gzip(std::string(1u << 20, '\0'))) == "s.0.et: record 2: node 0: duplicate node id (also record 1)");
  // A gzip cut in the middle is still a truncated stream, found when the decoder reaches the cut.
  const std::string whole = gzip(chain_trace(3000));
  CHECK(error_of(whole.substr(0, whole.size() / 2)).find("truncated gzip stream") != std::string::npos);
  CHECK(error_of(whole + "junk").find("corrupt gzip stream") != std::string::npos);
}

TEST_CASE("chakra stream: decoded nodes are held to the memory limit (exit 3 path)") {
  // 20,000 nodes hold at least 20,000 × sizeof(ChakraNode) ≈ 4 MB; under a 1 MiB limit the check
  // at record 4096 (≥ 4096 × sizeof(ChakraNode) × 2 > 1 MiB) refuses, naming the trace.
  static_assert(4096 * sizeof(ChakraNode) * 2 > (1u << 20));
  const std::string plain = chain_trace(20000);
  rocesim::set_memory_limit_bytes(1u << 20);
  std::string msg;
  try {
    (void)decode_chakra_bytes(plain, "m.0.et");
  } catch (const MemoryLimitError& e) {
    msg = e.what();
  }
  rocesim::set_memory_limit_bytes(0);
  CHECK(msg.find("importing the Chakra trace m.0.et needs an estimated") == 0);
  CHECK(msg.find("4096 nodes decoded so far") != std::string::npos);
  CHECK(decode_chakra_bytes(plain, "m.0.et").nodes.size() == 20000);  // no limit set: fine
}
