#include "workload/readers/protobuf_wire.hpp"

namespace rocesim::workload::wire {

std::uint64_t WireReader::read_varint() {
  const std::uint64_t start = offset();
  std::uint64_t value = 0;
  for (int i = 0; i < 10; ++i) {
    if (pos_ >= data_.size()) throw WireError(start, "truncated varint");
    const auto byte = static_cast<std::uint8_t>(data_[pos_++]);
    // The 10th byte may only carry the top bit of a 64-bit value.
    if (i == 9 && byte > 1) throw WireError(start, "varint longer than 64 bits");
    value |= static_cast<std::uint64_t>(byte & 0x7f) << (7 * i);
    if ((byte & 0x80) == 0) return value;
  }
  throw WireError(start, "varint longer than 10 bytes");
}

std::string_view WireReader::read_bytes(std::uint64_t n) {
  if (n > data_.size() - pos_) {
    throw WireError(offset(), "truncated: needs " + std::to_string(n) + " bytes, only " +
                                  std::to_string(data_.size() - pos_) + " left");
  }
  const std::string_view out = data_.substr(pos_, n);
  pos_ += n;
  return out;
}

Field WireReader::next() {
  const std::uint64_t key_offset = offset();
  const std::uint64_t key = read_varint();
  Field f;
  f.offset = key_offset;
  if ((key >> 3) == 0 || (key >> 3) > 0x1fffffff) {
    throw WireError(key_offset, "invalid field number " + std::to_string(key >> 3));
  }
  f.number = static_cast<std::uint32_t>(key >> 3);
  const unsigned type = key & 7;
  auto little_endian = [this](int n) {
    const std::string_view b = read_bytes(static_cast<std::uint64_t>(n));
    std::uint64_t v = 0;
    for (int i = n - 1; i >= 0; --i) v = (v << 8) | static_cast<std::uint8_t>(b[static_cast<std::size_t>(i)]);
    return v;
  };
  switch (type) {
    case 0:
      f.type = WireType::kVarint;
      f.value = read_varint();
      break;
    case 1:
      f.type = WireType::kI64;
      f.value = little_endian(8);
      break;
    case 2: {
      f.type = WireType::kLen;
      const std::uint64_t n = read_varint();
      f.bytes_offset = offset();
      f.bytes = read_bytes(n);
      break;
    }
    case 5:
      f.type = WireType::kI32;
      f.value = little_endian(4);
      break;
    default:
      throw WireError(key_offset, "unsupported wire type " + std::to_string(type) + " for field " +
                                      std::to_string(f.number) + " (corrupt data?)");
  }
  return f;
}

void append_varints(const Field& f, std::vector<std::uint64_t>& out) {
  if (f.type == WireType::kVarint) {
    out.push_back(f.value);
    return;
  }
  if (f.type != WireType::kLen) {
    throw WireError(f.offset, "field " + std::to_string(f.number) + " should hold varints");
  }
  WireReader packed(f.bytes, f.bytes_offset);
  while (!packed.at_end()) out.push_back(packed.read_varint());
}

}  // namespace rocesim::workload::wire
