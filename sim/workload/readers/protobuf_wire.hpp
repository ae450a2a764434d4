// Protocol Buffers wire-format decoding, just enough to read Chakra traces without libprotobuf.
//
// The wire format (protobuf encoding spec): a message is a sequence of fields, each a varint key
// (field_number << 3 | wire_type) followed by a value whose shape the wire type gives:
//   0 VARINT  base-128 little-endian varint, at most 10 bytes (int32/64, uint32/64, bool, enum;
//             sint32/64 are zigzag encoded on top)
//   1 I64     8 bytes little-endian (fixed64, sfixed64, double)
//   2 LEN     varint length, then that many bytes (string, bytes, sub-message, packed repeated scalars)
//   5 I32     4 bytes little-endian (fixed32, sfixed32, float)
// Wire types 3 and 4 (deprecated groups) and 6, 7 are rejected as corrupt input.
// WireReader walks one buffer; every failure throws WireError carrying the absolute byte offset so the
// caller can name the file and record. Unknown fields are skipped by simply ignoring what next() returns.
// Thread safety: a reader is a short-lived local over a buffer it does not own.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace rocesim::workload::wire {

class WireError : public std::runtime_error {
 public:
  WireError(std::uint64_t offset, const std::string& message)
      : std::runtime_error(message), offset_(offset) {}
  std::uint64_t offset() const { return offset_; }

 private:
  std::uint64_t offset_;
};

enum class WireType : std::uint8_t { kVarint = 0, kI64 = 1, kLen = 2, kI32 = 5 };

struct Field {
  std::uint32_t number = 0;
  WireType type = WireType::kVarint;
  std::uint64_t value = 0;      // kVarint, kI64, kI32 (raw bits)
  std::string_view bytes;       // kLen payload
  std::uint64_t bytes_offset = 0;  // absolute offset of the kLen payload
  std::uint64_t offset = 0;        // absolute offset of the key
};

class WireReader {
 public:
  // `base_offset` is the absolute offset of data[0], so errors point into the whole file.
  explicit WireReader(std::string_view data, std::uint64_t base_offset = 0)
      : data_(data), base_(base_offset) {}

  bool at_end() const { return pos_ >= data_.size(); }
  std::uint64_t offset() const { return base_ + pos_; }

  std::uint64_t read_varint();
  // Reads `n` raw bytes. Throws WireError when fewer remain.
  std::string_view read_bytes(std::uint64_t n);
  // Reads the next field (key and value). REQUIRES: !at_end().
  Field next();

 private:
  std::string_view data_;
  std::uint64_t base_;
  std::size_t pos_ = 0;
};

constexpr std::int64_t zigzag_decode(std::uint64_t v) {
  return static_cast<std::int64_t>(v >> 1) ^ -static_cast<std::int64_t>(v & 1);
}

// The values of a repeated varint field: a LEN field holds them packed, a VARINT field holds one.
void append_varints(const Field& f, std::vector<std::uint64_t>& out);

}  // namespace rocesim::workload::wire
