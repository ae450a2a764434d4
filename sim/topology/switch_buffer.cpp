// Per-switch buffer sizes: reading and naming (see the header).
#include "topology/switch_buffer.hpp"

namespace rocesim::topology {

Bytes parse_switch_buffer(JsonReader& r, std::string_view key) {
  if (!r.has(key)) return Bytes{0};
  const Bytes b = r.bytes(key, 1);
  if (b.n > kMaxSwitchBuffer) {
    r.fail(key, "expected a switch buffer of at most 64 GiB (bytes, e.g. \"64MiB\"), got " + std::to_string(b.n) + " B");
  }
  return b;
}

std::string buffer_key(std::string_view json_path) {
  std::string key(json_path.substr(json_path.starts_with('/') ? 1 : 0));
  for (char& c : key) {
    if (c == '/') c = '.';
  }
  return key;
}

}  // namespace rocesim::topology
