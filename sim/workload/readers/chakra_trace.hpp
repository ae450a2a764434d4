// Decoding of one Chakra execution-trace file (MLCommons Chakra, schema/protobuf/et_def.proto).
//
// File layout: optionally gzip-compressed (detected by the 1f 8b magic, inflated with zlib); then a
// stream of records, each a varint byte length followed by one protobuf message. Record 0 is a
// GlobalMetadata, every later record a Node.
// Streaming: the file is read and inflated in 64 KiB chunks and decoded one record at a time
// (byte_stream.hpp), validating as it goes, so a bad trace fails at its first bad record whatever
// it inflates to: a record longer than kMaxChakraRecordBytes (64 MiB; real Node records are KiB)
// and a node id seen before in the file are errors at that record, and every 4096 records the
// decoded nodes are checked against the memory limit (core/memory_budget.hpp, exit 3).
// Field numbers read:
//   GlobalMetadata: 1 version (string), 2 attr (AttributeProto: kept as text in `metadata`)
//   Node:           1 id (uint64), 2 name (string), 3 type (NodeType enum), 4 ctrl_deps (repeated
//                   uint64, packed or not), 5 data_deps (same), 6 start_time_micros (uint64),
//                   7 duration_micros (uint64), 10 attr (repeated AttributeProto)
//   AttributeProto: 1 name (string); value oneof: 7 int32, 9 int64, 11 uint32, 13 uint64, 15 sint32,
//                   17 sint64, 19 fixed32, 21 fixed64, 23 sfixed32, 25 sfixed64, 27 bool (integers);
//                   29 string_val; 3 double, 5 float (reals). Lists and bytes are recognised, not decoded.
// Attributes kept: comm_type (CollectiveCommType), comm_size (bytes), pg_name (communicator),
// comm_src / comm_dst / comm_tag (point-to-point peers and tag), is_cpu_op (host-side op, as written by
// Chakra's PyTorch converter), num_ops (operation count) and tensor_size (bytes, memory nodes).
// Everything else a Node carries (inputs 8, outputs 9, start_time_micros, other attributes such as
// rf_id, op_schema, involved_dim, unknown field numbers) is counted per name in `unused`, never
// silently dropped: the converter reports those counts.
// Errors: ConfigError(file, "record K (byte B)", ...) with B counted in the decompressed stream.
// Thread safety: free functions without shared state.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rocesim::workload {

// NodeType values of et_def.proto.
enum class ChakraNodeType : std::uint64_t {
  kInvalid = 0, kMetadata = 1, kMemLoad = 2, kMemStore = 3, kComp = 4,
  kCommSend = 5, kCommRecv = 6, kCommColl = 7,
};
// CollectiveCommType values of et_def.proto.
enum class ChakraCollective : std::int64_t {
  kAllReduce = 0, kReduce = 1, kAllGather = 2, kGather = 3, kScatter = 4, kBroadcast = 5,
  kAllToAll = 6, kReduceScatter = 7, kReduceScatterBlock = 8, kBarrier = 9,
};

std::string chakra_node_type_name(std::uint64_t type);
std::string chakra_collective_name(std::int64_t comm_type);

struct ChakraNode {
  std::uint64_t id = 0;
  std::string name;
  std::uint64_t type = 0;
  std::vector<std::uint64_t> ctrl_deps, data_deps;
  std::uint64_t start_time_micros = 0;
  std::uint64_t duration_micros = 0;
  std::optional<std::int64_t> comm_type, comm_size, comm_src, comm_dst, comm_tag, num_ops, tensor_size;
  std::optional<std::string> pg_name;
  bool is_cpu_op = false;  // absent = false, as in Chakra's feeder
  std::size_t record = 0;  // record index in its file (0 is the GlobalMetadata)
};

struct ChakraRankTrace {
  std::string file;
  std::string version;  // GlobalMetadata.version
  std::map<std::string, std::string> metadata;  // GlobalMetadata.attr, name → value as text
  std::vector<ChakraNode> nodes;
  // Node content not interpreted, by name ("attr rf_id", "field inputs", ...) → occurrences.
  std::map<std::string, std::int64_t> unused;
  std::uint64_t decoded_bytes = 0;  // heap held by `nodes` (lower bound), for the memory check
};

inline constexpr std::uint64_t kMaxChakraRecordBytes = std::uint64_t{64} << 20;

// `prior_bytes`: decoded bytes already held for other ranks, counted in the memory check.
ChakraRankTrace decode_chakra_file(const std::string& path, std::uint64_t prior_bytes = 0);
// `bytes` is the file content (plain or gzip); `file_label` names it in errors.
ChakraRankTrace decode_chakra_bytes(std::string_view bytes, const std::string& file_label);

}  // namespace rocesim::workload
