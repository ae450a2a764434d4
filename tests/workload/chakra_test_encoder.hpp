// A minimal Chakra trace encoder for tests: protobuf wire format by hand, with the field numbers of
// et_def.proto (Node: 1 id, 2 name, 3 type, 4 ctrl_deps, 5 data_deps, 7 duration_micros, 8 inputs,
// 10 attr; AttributeProto: 1 name, 9 int64_val, 29 string_val). Each node also carries fields the
// reader must skip (an inputs sub-message, unknown varint, fixed32 and fixed64 fields).
#pragma once

#include <cstdint>
#include <utility>
#include <string>
#include <vector>

namespace rocesim::test::chakra_encoder {

inline void put_varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out += static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
}
inline void put_key(std::string& out, std::uint32_t field, std::uint32_t wire_type) { put_varint(out, (field << 3) | wire_type); }
inline void put_uint(std::string& out, std::uint32_t field, std::uint64_t v) {
  put_key(out, field, 0);
  put_varint(out, v);
}
inline void put_len(std::string& out, std::uint32_t field, const std::string& payload) {
  put_key(out, field, 2);
  put_varint(out, payload.size());
  out += payload;
}
// One length-delimited record of the trace stream: varint byte length, then the message.
inline void put_record(std::string& out, const std::string& msg) {
  put_varint(out, msg.size());
  out += msg;
}
inline std::string attr_int(const std::string& name, std::int64_t v) {
  std::string a;
  put_len(a, 1, name);
  put_uint(a, 9, static_cast<std::uint64_t>(v));  // int64_val
  return a;
}
inline std::string attr_str(const std::string& name, const std::string& v) {
  std::string a;
  put_len(a, 1, name);
  put_len(a, 29, v);  // string_val
  return a;
}

enum : std::uint64_t { kMetadata = 1, kComp = 4, kSend = 5, kRecv = 6, kColl = 7 };
enum : std::int64_t { kAllReduce = 0, kReduce = 1, kAllGather = 2, kAllToAll = 6 };

struct TNode {
  std::uint64_t id = 0;
  std::uint64_t type = kComp;
  std::uint64_t duration_us = 0;
  std::vector<std::uint64_t> data_deps, ctrl_deps;
  std::vector<std::string> attrs;
  bool packed = true;
};

inline std::string encode_node(const TNode& n) {
  std::string m;
  put_uint(m, 1, n.id);
  put_len(m, 2, "node" + std::to_string(n.id));
  put_uint(m, 3, n.type);
  auto deps = [&](std::uint32_t field, const std::vector<std::uint64_t>& list) {
    if (list.empty()) return;
    if (n.packed) {
      std::string p;
      for (auto d : list) put_varint(p, d);
      put_len(m, field, p);
    } else {
      for (auto d : list) put_uint(m, field, d);
    }
  };
  deps(4, n.ctrl_deps);
  deps(5, n.data_deps);
  put_uint(m, 7, n.duration_us);
  // Fields the reader must skip: inputs (8, a sub-message), an unknown varint, fixed32 and fixed64.
  std::string io;
  put_len(io, 1, "[1,2]");
  put_len(m, 8, io);
  put_uint(m, 99, 12345);
  put_key(m, 98, 5);
  m += std::string(4, '\x01');
  put_key(m, 97, 1);
  m += std::string(8, '\x02');
  for (const auto& a : n.attrs) put_len(m, 10, a);
  return m;
}

inline std::string encode_trace(const std::vector<TNode>& nodes) {
  std::string meta;
  put_len(meta, 1, "0.0.4");
  std::string out;
  put_record(out, meta);
  for (const auto& n : nodes) put_record(out, encode_node(n));
  return out;
}

inline TNode comp(std::uint64_t id, std::uint64_t us, std::vector<std::uint64_t> deps = {}) {
  return TNode{id, kComp, us, std::move(deps), {}, {}, true};
}
inline TNode coll(std::uint64_t id, std::int64_t type, std::int64_t bytes, const std::string& pg,
                  std::vector<std::uint64_t> deps = {}) {
  TNode n{id, kColl, 0, std::move(deps), {}, {attr_int("comm_type", type), attr_int("comm_size", bytes)}, true};
  if (!pg.empty()) n.attrs.push_back(attr_str("pg_name", pg));
  return n;
}

// ---- Traces shaped like the output of Chakra's PyTorch converter -------------------------------
// Field for field what src/converter/pytorch_converter.py writes through et_def.proto (proto3, so
// zero scalars and empty repeated fields are omitted, fields in number order, repeated uint64 packed):
//   GlobalMetadata: attr schema (string), pid (uint64), time (string), start_ts, finish_ts (uint64);
//                   no version field.
//   Node: 1 id, 2 name, 3 type, 4 ctrl_deps (its caller in the PyTorch call tree), 5 data_deps (the
//         execution order), 7 duration_micros, 8 inputs and 9 outputs (IOInfo: values, shapes, types
//         as Python-printed strings), 10 attr: rf_id, fw_parent, seq_id, scope, tid, fw_tid (int64),
//         op_schema (string), is_cpu_op (bool, written even when false: oneof members have presence),
//         then for GPU collectives comm_type, comm_size (int64) and pg_name (string, when set); send/
//         recv kernels get comm_size and pg_name but no peer.
inline std::string attr_bool(const std::string& name, bool v) {
  std::string a;
  put_len(a, 1, name);
  put_uint(a, 27, v ? 1 : 0);  // bool_val
  return a;
}
inline std::string attr_u64(const std::string& name, std::uint64_t v) {
  std::string a;
  put_len(a, 1, name);
  put_uint(a, 13, v);  // uint64_val
  return a;
}

enum : std::uint64_t { kMemLoad = 2 };

struct PtNode {
  std::uint64_t id = 0;
  std::uint64_t type = kComp;
  std::string name;
  std::uint64_t duration_us = 0;
  std::vector<std::uint64_t> ctrl_deps, data_deps;
  bool cpu = false;
  std::vector<std::string> extra_attrs;  // after the converter's common ones
};

inline std::string encode_pt_node(const PtNode& n) {
  std::string m;
  put_uint(m, 1, n.id);
  put_len(m, 2, n.name);
  put_uint(m, 3, n.type);
  for (const auto& [field, list] : {std::pair{4u, &n.ctrl_deps}, std::pair{5u, &n.data_deps}}) {
    if (list->empty()) continue;
    std::string packed;
    for (auto d : *list) put_varint(packed, d);
    put_len(m, field, packed);
  }
  if (n.duration_us != 0) put_uint(m, 7, n.duration_us);
  for (const std::uint32_t field : {8u, 9u}) {
    std::string io;
    put_len(io, 1, "[[[" + std::to_string(n.id) + ", 5, 0, 64, 4, 'cuda:0']]]");
    put_len(io, 2, "[[64]]");
    put_len(io, 3, "['Tensor(float)']");
    put_len(m, field, io);
  }
  std::vector<std::string> attrs = {attr_int("rf_id", static_cast<std::int64_t>(n.id)), attr_int("fw_parent", 0),
                                    attr_int("seq_id", -1), attr_int("scope", 0),
                                    attr_int("tid", n.cpu ? 1 : 7), attr_int("fw_tid", 0),
                                    attr_str("op_schema", n.cpu ? n.name + "(Tensor self) -> Tensor" : ""),
                                    attr_bool("is_cpu_op", n.cpu)};
  attrs.insert(attrs.end(), n.extra_attrs.begin(), n.extra_attrs.end());
  for (const auto& a : attrs) put_len(m, 10, a);
  return m;
}

inline std::string encode_pt_trace(const std::vector<PtNode>& nodes) {
  std::string meta;
  put_len(meta, 2, attr_str("schema", "1.0.2-chakra.0.0.4"));
  put_len(meta, 2, attr_u64("pid", 4242));
  put_len(meta, 2, attr_str("time", "2024-05-15 01:02:03"));
  put_len(meta, 2, attr_u64("start_ts", 1000));
  put_len(meta, 2, attr_u64("finish_ts", 2000));
  std::string out;
  put_record(out, meta);
  for (const auto& n : nodes) put_record(out, encode_pt_node(n));
  return out;
}

// One rank of a two-rank PyTorch-converted step: 12 nodes (ids 3..21), of which
//   converted: 3 CPU COMP (10, 16, 21), 2 GPU COMP (11, 17), 1 CPU-side COMM_COLL launch (12, runs as
//              compute), 1 GPU all-reduce of 8 MiB on pg_name "0" (13, one op shared by both ranks);
//   dropped:   METADATA (3), a zero-duration GPU memset (14), a send kernel without a peer (18), a
//              MEM_LOAD of 4096 bytes (19), a kernel with num_ops but no duration (20).
// Dependencies on absent nodes: ctrl_deps of 3 (→1), 10, 12, 21 (→2, the thread root) and the
// data_dep 17 → 5: five per rank, on five nodes. Node 16's ctrl dep on kernel 17 points against the
// execution order (17 data-depends on 16), as real converter output does; ordering by ctrl_deps would
// make a cycle. Rank r's GEMM (11) takes 150 + 10·r µs.
inline std::vector<PtNode> pytorch_fixture_rank(int rank) {
  const std::uint64_t gemm = 150 + 10 * static_cast<std::uint64_t>(rank);
  return {
      PtNode{3, kMetadata, "[pytorch|profiler|execution_trace|thread]", 0, {1}, {}, true, {}},
      PtNode{10, kComp, "aten::linear", 20, {2}, {3}, true, {}},
      PtNode{11, kComp, "sm90_xmma_gemm_bf16bf16_bf16f32", gemm, {10}, {10}, false, {}},
      PtNode{12, kColl, "c10d::allreduce_", 6, {2}, {10}, true, {}},
      PtNode{13, kColl, "ncclDevKernel_AllReduce_Sum_bf16_RING_LL", 400, {12}, {12, 11}, false,
             {attr_int("comm_type", kAllReduce), attr_int("comm_size", 8 << 20), attr_str("pg_name", "0")}},
      PtNode{14, kComp, "Memset (Device)", 0, {13}, {13}, false, {}},
      PtNode{16, kComp, "aten::mul", 12, {17}, {14}, true, {}},
      PtNode{17, kComp, "vectorized_elementwise_kernel", 30, {16}, {16, 5}, false, {}},
      PtNode{18, kSend, "ncclDevKernel_SendRecv", 50, {17}, {17}, false,
             {attr_int("comm_size", 1 << 20), attr_str("pg_name", "1")}},
      PtNode{19, kMemLoad, "load_weights", 0, {}, {17}, false, {attr_u64("tensor_size", 4096)}},
      PtNode{20, kComp, "roofline_only_kernel", 0, {18}, {18}, false, {attr_int("num_ops", 1000000000)}},
      PtNode{21, kComp, "aten::sum", 25, {2}, {19, 20}, true, {}},
  };
}

}  // namespace rocesim::test::chakra_encoder
