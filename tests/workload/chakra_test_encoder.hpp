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
  put_varint(out, meta.size());
  out += meta;
  for (const auto& n : nodes) {
    const std::string m = encode_node(n);
    put_varint(out, m.size());
    out += m;
  }
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

}  // namespace rocesim::test::chakra_encoder
