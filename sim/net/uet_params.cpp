#include "net/uet_params.hpp"

#include "core/config_error.hpp"

namespace rocesim::net {

UetParams read_uet_params(JsonReader& r) {
  UetParams u;
  u.load_balancing = r.choice_or("load_balancing", {"reps", "spray"}, "reps") == "spray" ? UetSpray::oblivious
                                                                                          : UetSpray::reps;
  u.entropies = static_cast<int>(r.integer_or("entropies", u.entropies, 2, 65536));
  u.reps_buffer = static_cast<int>(r.integer_or("reps_buffer", u.reps_buffer, 1, 1024));
  u.trimming = r.boolean_or("trimming", u.trimming);
  u.trim_threshold = r.bytes_or("trim_threshold", u.trim_threshold);
  u.trimmed_bytes = r.bytes_or("trimmed_bytes", u.trimmed_bytes);
  if (r.has("no_trim")) {
    const auto& a = r.array("no_trim");
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (!a[i].is_string()) throw ConfigError(r.file(), r.element_path("no_trim", i), "expected a switch name");
      u.no_trim.push_back(a[i].get<std::string>());
    }
  }
  u.lossless = r.boolean_or("lossless", u.lossless);
  u.loss_threshold = static_cast<int>(r.integer_or("loss_threshold", u.loss_threshold, 1, 1 << 20));
  if (r.has("ack_bytes")) {
    u.ack_bytes = r.bytes("ack_bytes", 0);
    if (u.ack_bytes.n > (1 << 20)) r.fail("ack_bytes", "must be at most 1MiB (0: ACK every nic.ack_every packets)");
  }
  r.finish();
  return u;
}

void validate_uet(const UetParams& u, Bytes data_frame, Bytes buffer, int window, const std::string& file) {
  const auto fail = [&](const std::string& path, const std::string& msg) { throw ConfigError(file, "/uet/" + path, msg); };
  if (u.entropies < 2 || u.entropies > 65536) fail("entropies", "must be in [2, 65536]");
  if (u.reps_buffer < 1 || u.reps_buffer > 1024) fail("reps_buffer", "must be in [1, 1024]");
  if (u.trim_threshold < data_frame || u.trim_threshold > buffer) {
    fail("trim_threshold", "threshold " + to_string(u.trim_threshold) + " is outside [one data frame (" +
                               to_string(data_frame) + "), mmu.buffer (" + to_string(buffer) + ")]");
  }
  if (u.trimmed_bytes.n < 64 || u.trimmed_bytes >= data_frame) {
    fail("trimmed_bytes", "a trimmed header must be >= 64 B and below one data frame (" + to_string(data_frame) + ")");
  }
  if (u.loss_threshold < 1 || u.loss_threshold >= window) {
    fail("loss_threshold", "must be in [1, nic.reorder_window (" + std::to_string(window) + ")) PSNs");
  }
}

nlohmann::json to_json(const UetParams& u) {
  nlohmann::json j = {{"load_balancing", u.load_balancing == UetSpray::oblivious ? "spray" : "reps"},
          {"entropies", u.entropies},
          {"reps_buffer", u.reps_buffer},
          {"trimming", u.trimming},
          {"trim_threshold", to_string(u.trim_threshold)},
          {"trimmed_bytes", to_string(u.trimmed_bytes)},
          {"no_trim", u.no_trim},
          {"lossless", u.lossless},
          {"loss_threshold", u.loss_threshold}};
  j["ack_bytes"] = to_string(u.ack_bytes);
  return j;
}

}  // namespace rocesim::net
