#include "workload/readers/chakra_trace.hpp"

#include <zlib.h>

#include <array>
#include <bit>
#include <cstdio>

#include "core/config_error.hpp"
#include "workload/readers/protobuf_wire.hpp"
#include "workload/readers/reader_util.hpp"

namespace rocesim::workload {
namespace {

using wire::Field;
using wire::WireReader;
using wire::WireType;

struct Attr {
  std::string name;
  std::optional<std::int64_t> integer;
  std::optional<double> real;
  std::optional<std::string> text;
  const char* other = nullptr;  // "list" or "bytes" when the value is one of those (not decoded)
};

double real_of(const Field& f) {
  if (f.type == WireType::kI64) return std::bit_cast<double>(f.value);
  return static_cast<double>(std::bit_cast<float>(static_cast<std::uint32_t>(f.value)));
}

Attr decode_attr(const Field& outer) {
  Attr a;
  WireReader r(outer.bytes, outer.bytes_offset);
  while (!r.at_end()) {
    const Field f = r.next();
    switch (f.number) {
      case 1:
        if (f.type == WireType::kLen) a.name = std::string(f.bytes);
        break;
      case 7: case 9: case 11: case 13: case 27:  // int32, int64, uint32, uint64, bool: plain varints
        if (f.type == WireType::kVarint) a.integer = static_cast<std::int64_t>(f.value);
        break;
      case 15: case 17:  // sint32, sint64: zigzag varints
        if (f.type == WireType::kVarint) a.integer = wire::zigzag_decode(f.value);
        break;
      case 19: case 23:  // fixed32, sfixed32
        if (f.type == WireType::kI32) {
          a.integer = f.number == 23 ? static_cast<std::int64_t>(static_cast<std::int32_t>(f.value))
                                     : static_cast<std::int64_t>(f.value);
        }
        break;
      case 21: case 25:  // fixed64, sfixed64
        if (f.type == WireType::kI64) a.integer = static_cast<std::int64_t>(f.value);
        break;
      case 3: case 5:  // double, float
        if (f.type == WireType::kI64 || f.type == WireType::kI32) a.real = real_of(f);
        break;
      case 29:
        if (f.type == WireType::kLen) a.text = std::string(f.bytes);
        break;
      case 31:
        a.other = "bytes";
        break;
      default:
        if (f.number >= 4 && f.number <= 32 && f.number % 2 == 0) a.other = "list";  // the *_list values
        break;
    }
  }
  return a;
}

std::string attr_text(const Attr& a) {
  if (a.text) return *a.text;
  if (a.integer) return std::to_string(*a.integer);
  if (a.real) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.17g", *a.real);
    return buf;
  }
  return a.other ? std::string("<") + a.other + ">" : std::string("<empty>");
}

std::int64_t integer_attr(const Attr& a, std::uint64_t offset) {
  if (!a.integer) throw wire::WireError(offset, "attribute " + a.name + " must hold an integer value");
  return *a.integer;
}

ChakraNode decode_node(std::string_view msg, std::uint64_t base, std::map<std::string, std::int64_t>& unused) {
  ChakraNode n;
  WireReader r(msg, base);
  while (!r.at_end()) {
    const Field f = r.next();
    auto expect = [&](WireType t, const char* what) {
      if (f.type != t) {
        throw wire::WireError(f.offset, std::string("Node field ") + std::to_string(f.number) + " (" + what +
                                            ") has the wrong wire type");
      }
    };
    switch (f.number) {
      case 1: expect(WireType::kVarint, "id"); n.id = f.value; break;
      case 2: expect(WireType::kLen, "name"); n.name = std::string(f.bytes); break;
      case 3: expect(WireType::kVarint, "type"); n.type = f.value; break;
      case 4: wire::append_varints(f, n.ctrl_deps); break;
      case 5: wire::append_varints(f, n.data_deps); break;
      case 6:
        expect(WireType::kVarint, "start_time_micros");
        n.start_time_micros = f.value;
        ++unused["field start_time_micros"];  // timing comes from deps and durations
        break;
      case 7: expect(WireType::kVarint, "duration_micros"); n.duration_micros = f.value; break;
      case 10: {
        expect(WireType::kLen, "attr");
        const Attr a = decode_attr(f);
        if (a.name == "comm_type") n.comm_type = integer_attr(a, f.offset);
        else if (a.name == "comm_size") n.comm_size = integer_attr(a, f.offset);
        else if (a.name == "comm_src") n.comm_src = integer_attr(a, f.offset);
        else if (a.name == "comm_dst") n.comm_dst = integer_attr(a, f.offset);
        else if (a.name == "comm_tag") n.comm_tag = integer_attr(a, f.offset);
        else if (a.name == "num_ops") n.num_ops = integer_attr(a, f.offset);
        else if (a.name == "tensor_size") n.tensor_size = integer_attr(a, f.offset);
        else if (a.name == "is_cpu_op") n.is_cpu_op = integer_attr(a, f.offset) != 0;
        else if (a.name == "pg_name") {
          if (!a.text) throw wire::WireError(f.offset, "attribute pg_name must hold a string");
          n.pg_name = *a.text;
        } else {
          ++unused["attr " + a.name];
        }
        break;
      }
      case 8: ++unused["field inputs"]; break;
      case 9: ++unused["field outputs"]; break;
      default:
        ++unused["field " + std::to_string(f.number)];  // not in et_def.proto's Node
        break;
    }
  }
  return n;
}

void decode_metadata(std::string_view msg, std::uint64_t base, ChakraRankTrace& trace) {
  WireReader r(msg, base);
  while (!r.at_end()) {
    const Field f = r.next();
    if (f.number == 1 && f.type == WireType::kLen) trace.version = std::string(f.bytes);
    if (f.number == 2 && f.type == WireType::kLen) {
      const Attr a = decode_attr(f);
      trace.metadata[a.name] = attr_text(a);
    }
  }
}

}  // namespace

std::string chakra_node_type_name(std::uint64_t type) {
  static constexpr std::array<const char*, 11> kNames{
      "INVALID_NODE",   "METADATA_NODE",  "MEM_LOAD_NODE", "MEM_STORE_NODE", "COMP_NODE",      "COMM_SEND_NODE",
      "COMM_RECV_NODE", "COMM_COLL_NODE", "STORAGE_NODE",  "BATCH_NODE",     "CHECKPOINT_NODE"};
  return type < kNames.size() ? kNames[type] : "NODE_TYPE_" + std::to_string(type);
}

std::string chakra_collective_name(std::int64_t comm_type) {
  static constexpr std::array<const char*, 10> kNames{"ALL_REDUCE", "REDUCE",    "ALL_GATHER",     "GATHER",
                                                      "SCATTER",    "BROADCAST", "ALL_TO_ALL",     "REDUCE_SCATTER",
                                                      "REDUCE_SCATTER_BLOCK", "BARRIER"};
  return comm_type >= 0 && comm_type < static_cast<std::int64_t>(kNames.size())
             ? kNames[static_cast<std::size_t>(comm_type)]
             : "COMM_TYPE_" + std::to_string(comm_type);
}

std::string gunzip(std::string_view bytes, const std::string& file_label) {
  std::string out;
  z_stream zs{};
  // 16 + MAX_WBITS: expect a gzip header and trailer.
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) throw ConfigError(file_label, "", "zlib initialisation failed");
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  zs.avail_in = static_cast<uInt>(bytes.size());
  std::array<char, 1 << 16> buf{};
  int rc = Z_OK;
  while (true) {
    zs.next_out = reinterpret_cast<Bytef*>(buf.data());
    zs.avail_out = static_cast<uInt>(buf.size());
    rc = inflate(&zs, Z_NO_FLUSH);
    out.append(buf.data(), buf.size() - zs.avail_out);
    if (rc == Z_STREAM_END) {
      if (zs.avail_in == 0) break;
      inflateReset(&zs);  // another gzip member follows
      continue;
    }
    if (rc != Z_OK) break;
    if (zs.avail_in == 0 && zs.avail_out != 0) {
      rc = Z_BUF_ERROR;  // input exhausted before the end of the stream
      break;
    }
  }
  const std::uint64_t consumed = bytes.size() - zs.avail_in;
  inflateEnd(&zs);
  if (rc != Z_STREAM_END) {
    throw ConfigError(file_label, "gzip byte " + std::to_string(consumed),
                      rc == Z_BUF_ERROR ? "truncated gzip stream" : "corrupt gzip stream");
  }
  return out;
}

ChakraRankTrace decode_chakra_bytes(std::string_view bytes, const std::string& file_label) {
  const bool gz = bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0x1f &&
                  static_cast<unsigned char>(bytes[1]) == 0x8b;
  std::string inflated;
  if (gz) {
    inflated = gunzip(bytes, file_label);
    bytes = inflated;
  }
  ChakraRankTrace trace;
  trace.file = file_label;
  if (bytes.empty()) throw ConfigError(file_label, "record 0 (byte 0)", "empty trace: expected a GlobalMetadata record");
  WireReader stream(bytes);
  std::size_t record = 0;
  const char* const where = gz ? " (decompressed byte " : " (byte ";
  while (!stream.at_end()) {
    try {
      const std::uint64_t length = stream.read_varint();
      const std::uint64_t body = stream.offset();
      const std::string_view msg = stream.read_bytes(length);
      if (record == 0) {
        decode_metadata(msg, body, trace);
      } else {
        ChakraNode node = decode_node(msg, body, trace.unused);
        node.record = record;
        trace.nodes.push_back(std::move(node));
      }
    } catch (const wire::WireError& e) {
      throw ConfigError(file_label, "record " + std::to_string(record) + where + std::to_string(e.offset()) + ")",
                        std::string(e.what()) + (record == 0 ? " in the GlobalMetadata record" : " in a Node record"));
    }
    ++record;
  }
  return trace;
}

ChakraRankTrace decode_chakra_file(const std::string& path) { return decode_chakra_bytes(read_whole_file(path), path); }

}  // namespace rocesim::workload
