#include "workload/readers/flow_csv_reader.hpp"

#include <algorithm>
#include <array>
#include <filesystem>
#include <unordered_set>
#include <vector>

#include "core/config_error.hpp"
#include "core/units.hpp"
#include "workload/readers/reader_util.hpp"

namespace rocesim::workload {
namespace {

// The six required columns, then the optional ones.
enum Column { kId, kSrc, kDst, kBytes, kStartUs, kAfter, kRequired, kQp = kRequired, kColumnCount };
constexpr std::array<std::string_view, kColumnCount> kColumnNames{"id", "src", "dst", "bytes", "start_us", "after", "qp"};
constexpr std::size_t kNoColumn = SIZE_MAX;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// Splits on ',' into `out` (reused between lines to avoid allocation).
void split_fields(std::string_view line, std::vector<std::string_view>& out) {
  out.clear();
  std::size_t begin = 0;
  while (true) {
    const std::size_t comma = line.find(',', begin);
    out.push_back(trim(line.substr(begin, comma == std::string_view::npos ? std::string_view::npos : comma - begin)));
    if (comma == std::string_view::npos) break;
    begin = comma + 1;
  }
}

bool valid_id(std::string_view id) {
  if (id.empty()) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '-' ||
           c == '.';
  });
}

// Native op id of a flow: "f" + its CSV id (built by appending; GCC 12 warns falsely on "f" + string).
std::string flow_op_id(std::string_view id) {
  std::string out;
  out.reserve(id.size() + 1);
  out += 'f';
  out += id;
  return out;
}

[[noreturn]] void fail_at_line(const std::string& file, std::size_t line, const std::string& msg) {
  throw ConfigError(file, "line " + std::to_string(line), msg);
}

struct Flow {
  std::string_view id, after;
  std::int64_t src = 0, dst = 0, bytes = 0, qp = 0;
  std::optional<std::int64_t> start_ps;
  std::size_t line = 0;
};

}  // namespace

nlohmann::json read_flow_csv_text(const std::string& text, const std::string& file_label) {
  auto fail = [&](std::size_t line, const std::string& msg) { fail_at_line(file_label, line, msg); };

  std::array<std::size_t, kColumnCount> col{};
  col.fill(kNoColumn);
  std::size_t columns = 0;
  bool have_header = false;
  std::vector<std::string_view> fields;
  std::vector<Flow> flows;
  std::int64_t max_endpoint = -1;

  std::size_t pos = 0, line_no = 0;
  while (pos < text.size()) {
    const std::size_t nl = text.find('\n', pos);
    const std::string_view line = trim(std::string_view(text).substr(pos, nl == std::string::npos ? std::string::npos : nl - pos));
    pos = nl == std::string::npos ? text.size() : nl + 1;
    ++line_no;
    if (line.empty() || line.front() == '#') continue;
    split_fields(line, fields);

    if (!have_header) {
      for (std::size_t f = 0; f < fields.size(); ++f) {
        const auto it = std::find(kColumnNames.begin(), kColumnNames.end(), fields[f]);
        if (it == kColumnNames.end()) {
          fail(line_no, "expected the header \"id,src,dst,bytes,start_us,after\" (optionally \",qp\"): unknown header column \"" +
                            std::string(fields[f]) + "\"");
        }
        const auto c = static_cast<std::size_t>(it - kColumnNames.begin());
        if (col[c] != kNoColumn) fail(line_no, "header column \"" + std::string(fields[f]) + "\" appears twice");
        col[c] = f;
      }
      for (std::size_t c = 0; c < kRequired; ++c) {
        if (col[c] == kNoColumn) {
          fail(line_no, "expected the header \"id,src,dst,bytes,start_us,after\" (optionally \",qp\"): column \"" +
                            std::string(kColumnNames[c]) + "\" is missing");
        }
      }
      columns = fields.size();
      have_header = true;
      continue;
    }

    if (fields.size() != columns) {
      fail(line_no, "expected " + std::to_string(columns) + " comma-separated fields, got " + std::to_string(fields.size()));
    }
    Flow flow;
    flow.line = line_no;
    flow.id = fields[col[kId]];
    if (!valid_id(flow.id)) fail(line_no, "id \"" + std::string(flow.id) + "\" must be letters, digits, '_', '-' or '.'");
    auto endpoint = [&](Column c) {
      const auto v = parse_uint(fields[col[c]]);
      if (!v) {
        fail_at_line(file_label, line_no, std::string(kColumnNames[c]) + " \"" + std::string(fields[col[c]]) +
                          "\" is not a non-negative integer endpoint number");
      }
      return *v;
    };
    flow.src = endpoint(kSrc);
    flow.dst = endpoint(kDst);
    if (flow.src == flow.dst) fail(line_no, "src and dst are both " + std::to_string(flow.src));
    const auto bytes = parse_uint(fields[col[kBytes]]);
    if (!bytes || *bytes == 0) {
      fail(line_no, "bytes \"" + std::string(fields[col[kBytes]]) + "\" is not a positive integer");
    }
    flow.bytes = *bytes;
    flow.after = fields[col[kAfter]];
    if (!flow.after.empty() && !valid_id(flow.after)) {
      fail(line_no, "after \"" + std::string(flow.after) + "\" is not a flow id");
    }
    if (flow.after == flow.id) fail(line_no, "flow " + std::string(flow.id) + " waits for itself");
    const std::string_view start = fields[col[kStartUs]];
    if (start.empty()) {
      if (flow.after.empty()) fail(line_no, "start_us is empty and no 'after' flow is given: when does it start?");
    } else {
      flow.start_ps = parse_decimal_ps(start, 1000000);
      if (!flow.start_ps) {
        fail(line_no, "start_us \"" + std::string(start) +
                          "\" is not a non-negative decimal number of microseconds (at most 6 decimals)");
      }
    }
    if (col[kQp] != kNoColumn) {
      const auto qp = parse_uint(fields[col[kQp]]);
      if (!qp || *qp > 65535) fail(line_no, "qp \"" + std::string(fields[col[kQp]]) + "\" is not an integer in [0, 65535]");
      flow.qp = *qp;
    } else {
      // Each flow of a trace is its own connection: its own QP, hence its own ECMP entropy.
      flow.qp = static_cast<std::int64_t>(flows.size() % 65536);
    }
    max_endpoint = std::max({max_endpoint, flow.src, flow.dst});
    flows.push_back(flow);
  }
  if (!have_header) throw ConfigError(file_label, "line 1", "empty flow list: expected the header \"id,src,dst,bytes,start_us,after\"");
  if (flows.empty()) throw ConfigError(file_label, "", "the flow list has a header but no flows");

  // Ids and 'after' references are checked before building JSON so errors carry line numbers.
  std::unordered_set<std::string_view> ids;  // lookups only
  ids.reserve(flows.size() * 2);
  for (const Flow& f : flows) {
    if (!ids.insert(f.id).second) fail(f.line, "duplicate flow id \"" + std::string(f.id) + "\"");
  }
  for (const Flow& f : flows) {
    if (!f.after.empty() && !ids.contains(f.after)) {
      fail(f.line, "after \"" + std::string(f.after) + "\" names no flow in this file");
    }
  }

  nlohmann::json ops = nlohmann::json::array();
  ops.get_ref<nlohmann::json::array_t&>().reserve(flows.size());
  for (const Flow& f : flows) {
    // Filled key by key: nlohmann's initializer-list constructor copies every value, and this loop
    // runs once per flow (32k+ in the bench lists).
    nlohmann::json& op = ops.emplace_back(nlohmann::json::value_t::object);
    op["id"] = flow_op_id(f.id);
    op["type"] = "send";
    op["src"] = f.src;
    op["dst"] = f.dst;
    op["bytes"] = f.bytes;
    op["qp"] = f.qp;
    if (f.start_ps) op["start"] = to_string(Time::from_ps(*f.start_ps));
    if (!f.after.empty()) op["deps"].push_back(flow_op_id(f.after));
  }
  order_ops_by_deps(ops, file_label);

  nlohmann::json job = {{"name", "flows"},
                        {"world_size", max_endpoint + 1},
                        {"start", "0us"},
                        {"iterations", 1},
                        {"placement", {{"kind", "contiguous"}}},
                        {"ops", std::move(ops)}};
  const std::string stem = std::filesystem::path(file_label).stem().string();
  return nlohmann::json{{"name", stem.empty() ? std::string("flows") : stem},
                        {"jobs", nlohmann::json::array({std::move(job)})}};
}

nlohmann::json read_flow_csv(const std::string& path) { return read_flow_csv_text(read_whole_file(path), path); }

}  // namespace rocesim::workload
