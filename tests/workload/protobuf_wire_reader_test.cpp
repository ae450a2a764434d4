// Protobuf wire-format decoding on hand-computed byte strings (encoding rules of the protobuf spec).
#include <doctest/doctest.h>

#include <string>

#include "workload/readers/protobuf_wire.hpp"

using namespace rocesim::workload::wire;

namespace {

std::string bytes(std::initializer_list<int> list) {
  std::string out;
  for (int b : list) out += static_cast<char>(b);
  return out;
}

}  // namespace

TEST_CASE("wire: varint keys and values, including 64-bit and negative int64") {
  // Field 1, varint 150: key 0x08, value 0x96 0x01 (150 = 0b1_0010110).
  const std::string a = bytes({0x08, 0x96, 0x01});
  WireReader r(a);
  const Field f = r.next();
  CHECK(f.number == 1);
  CHECK(f.type == WireType::kVarint);
  CHECK(f.value == 150);
  CHECK(r.at_end());
  // int64 -1 is ten bytes: nine 0xff then 0x01.
  const std::string neg = bytes({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01});
  WireReader n(neg);
  CHECK(static_cast<std::int64_t>(n.read_varint()) == -1);
  // zigzag: 0→0, 1→-1, 2→1, 3→-2.
  CHECK(zigzag_decode(0) == 0);
  CHECK(zigzag_decode(1) == -1);
  CHECK(zigzag_decode(2) == 1);
  CHECK(zigzag_decode(3) == -2);
}

TEST_CASE("wire: fixed32, fixed64, length-delimited and packed repeated fields") {
  // Field 2 fixed32 0x01020304 (little endian), field 3 fixed64 1, field 4 LEN "hi",
  // field 5 packed varints {3, 270}.
  const std::string m = bytes({0x15, 0x04, 0x03, 0x02, 0x01, 0x19, 0x01, 0, 0, 0, 0, 0, 0, 0, 0x22, 0x02, 'h',
                               'i', 0x2a, 0x03, 0x03, 0x8e, 0x02});
  WireReader r(m, 100);
  Field f = r.next();
  CHECK((f.number == 2 && f.type == WireType::kI32 && f.value == 0x01020304));
  f = r.next();
  CHECK((f.number == 3 && f.type == WireType::kI64 && f.value == 1));
  f = r.next();
  CHECK((f.number == 4 && f.type == WireType::kLen && f.bytes == "hi"));
  CHECK(f.bytes_offset == 100 + 16);  // absolute offsets include the base
  f = r.next();
  std::vector<std::uint64_t> values;
  append_varints(f, values);
  CHECK(values == std::vector<std::uint64_t>{3, 270});
  // The same field unpacked (one varint per key) appends one value at a time.
  const std::string one = bytes({0x28, 0x07});  // the reader views, never owns, its buffer
  WireReader u(one);
  append_varints(u.next(), values);
  CHECK(values.back() == 7);
}

TEST_CASE("wire: malformed input throws WireError with the byte offset") {
  auto offset_of = [](const std::string& data) -> long long {
    try {
      WireReader r(data, 10);
      while (!r.at_end()) r.next();
    } catch (const WireError& e) {
      return static_cast<long long>(e.offset());
    }
    return -1;
  };
  CHECK(offset_of(bytes({0x08, 0x96})) == 11);                 // varint cut short
  CHECK(offset_of(bytes({0x22, 0x05, 'a'})) == 12);            // LEN runs past the end
  CHECK(offset_of(bytes({0x08, 0x01, 0x0b})) == 12);           // wire type 3 (group)
  CHECK(offset_of(bytes({0x00})) == 10);                       // field number 0
  CHECK(offset_of(std::string(11, '\x80') + '\x01') == 10);    // varint over 10 bytes
  CHECK(offset_of(bytes({0x15, 0x01, 0x02})) == 11);           // fixed32 with 2 bytes
}
