#include "workload/readers/chakra_trace.hpp"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstdio>
#include <unordered_map>

#include "core/config_error.hpp"
#include "core/memory_budget.hpp"
#include "workload/readers/byte_stream.hpp"
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

namespace {

// A buffered cursor over a ByteStream that knows its absolute (decompressed) offset.
class StreamCursor {
 public:
  explicit StreamCursor(ByteStream& stream) : stream_(stream), buf_(1 << 16) {}
  std::uint64_t offset() const { return offset_; }
  // The next byte, or -1 at the end of the stream.
  int get() {
    if (pos_ == end_ && !fill()) return -1;
    ++offset_;
    return static_cast<unsigned char>(buf_[pos_++]);
  }
  // Appends up to `n` bytes to `out`; returns how many (fewer only at the end of the stream).
  std::uint64_t take(std::uint64_t n, std::string& out) {
    std::uint64_t got = 0;
    while (got < n) {
      if (pos_ == end_ && !fill()) break;
      const std::size_t k = static_cast<std::size_t>(std::min<std::uint64_t>(n - got, end_ - pos_));
      out.append(buf_.data() + pos_, k);
      pos_ += k;
      got += k;
    }
    offset_ += got;
    return got;
  }

 private:
  bool fill() {
    pos_ = 0;
    end_ = stream_.read(buf_.data(), buf_.size());
    return end_ > 0;
  }
  ByteStream& stream_;
  std::vector<char> buf_;
  std::size_t pos_ = 0, end_ = 0;
  std::uint64_t offset_ = 0;
};

// A record's length prefix, whose first byte `first` has been read. Same rules as WireReader.
std::uint64_t read_length(StreamCursor& cur, int first, std::uint64_t start) {
  std::uint64_t value = 0;
  int byte = first;
  for (int i = 0; i < 10; ++i) {
    if (i > 0) byte = cur.get();
    if (byte < 0) throw wire::WireError(start, "truncated varint");
    if (i == 9 && byte > 1) throw wire::WireError(start, "varint longer than 64 bits");
    value |= static_cast<std::uint64_t>(byte & 0x7f) << (7 * i);
    if ((byte & 0x80) == 0) return value;
  }
  throw wire::WireError(start, "varint longer than 10 bytes");
}

// Heap bytes a decoded node holds (vector element, name, deps, the duplicate-id index entry): the
// lower bound the memory check adds up.
std::uint64_t node_bytes(const ChakraNode& n) {
  return sizeof(ChakraNode) + n.name.capacity() + 8 * (n.ctrl_deps.capacity() + n.data_deps.capacity()) + 32;
}

ChakraRankTrace decode_stream(ByteStream& stream, const std::string& file_label, std::uint64_t prior_bytes) {
  ChakraRankTrace trace;
  trace.file = file_label;
  StreamCursor cur(stream);
  const char* const where = stream.gzip() ? " (decompressed byte " : " (byte ";
  std::unordered_map<std::uint64_t, std::size_t> record_of_id;  // duplicate-id check; never iterated
  std::string msg;
  std::size_t record = 0;
  for (;; ++record) {
    const std::uint64_t start = cur.offset();
    const int first = cur.get();
    if (first < 0) break;
    auto place = [&](std::uint64_t at) {
      return "record " + std::to_string(record) + where + std::to_string(at) + ")";
    };
    try {
      const std::uint64_t length = read_length(cur, first, start);
      if (length > kMaxChakraRecordBytes) {
        throw ConfigError(file_label, place(start),
                          "record length " + std::to_string(length) + " B is over the " +
                              std::to_string(kMaxChakraRecordBytes >> 20) +
                              " MiB limit for one record (corrupt data, or not a Chakra trace?)");
      }
      const std::uint64_t body = cur.offset();
      msg.clear();
      const std::uint64_t got = cur.take(length, msg);
      if (got < length) {
        throw wire::WireError(body, "truncated: needs " + std::to_string(length) + " bytes, only " +
                                        std::to_string(got) + " left");
      }
      if (record == 0) {
        decode_metadata(msg, body, trace);
        continue;
      }
      ChakraNode node = decode_node(msg, body, trace.unused);
      node.record = record;
      const auto [it, fresh] = record_of_id.emplace(node.id, record);
      if (!fresh) {
        throw ConfigError(file_label, "record " + std::to_string(record),
                          "node " + std::to_string(node.id) + ": duplicate node id (also record " +
                              std::to_string(it->second) + ")");
      }
      trace.decoded_bytes += node_bytes(node);
      trace.nodes.push_back(std::move(node));
    } catch (const wire::WireError& e) {
      throw ConfigError(file_label, place(e.offset()),
                        std::string(e.what()) + (record == 0 ? " in the GlobalMetadata record" : " in a Node record"));
    }
    // Refuse before the decoded nodes, and the native document built from them (at least as
    // large again), outgrow the memory limit; checked every 4096 records, so the cost is nil.
    if (record % 4096 == 0) {
      const std::uint64_t held = prior_bytes + trace.decoded_bytes + 96 * trace.unused.size();
      require_memory(2 * held, "importing the Chakra trace " + file_label,
                     std::to_string(trace.nodes.size()) + " nodes decoded so far in this file, " +
                         std::to_string(held >> 20) +
                         " MiB held for the trace, as much again for the native document; the rest of the file not counted");
    }
  }
  if (record == 0) throw ConfigError(file_label, "record 0 (byte 0)", "empty trace: expected a GlobalMetadata record");
  return trace;
}

}  // namespace

ChakraRankTrace decode_chakra_bytes(std::string_view bytes, const std::string& file_label) {
  ByteStream stream(ByteStream::Memory{}, bytes, file_label);
  return decode_stream(stream, file_label, 0);
}

ChakraRankTrace decode_chakra_file(const std::string& path, std::uint64_t prior_bytes) {
  ByteStream stream(path, path);
  return decode_stream(stream, path, prior_bytes);
}

}  // namespace rocesim::workload
