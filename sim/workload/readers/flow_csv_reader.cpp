#include "workload/readers/flow_csv_reader.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <functional>
#include <queue>

#include "core/config_error.hpp"
#include "core/units.hpp"
#include "workload/readers/reader_util.hpp"

namespace rocesim::workload {
namespace {

// The six required columns, then the optional ones.
enum Column { kId, kSrc, kDst, kBytes, kStartUs, kAfter, kRequired, kQp = kRequired, kColumnCount };
constexpr std::array<std::string_view, kColumnCount> kColumnNames{"id", "src", "dst", "bytes", "start_us", "after", "qp"};
constexpr std::size_t kNoColumn = SIZE_MAX;
constexpr std::int64_t kMaxEndpoint = (std::int64_t{1} << 24) - 1;  // workload_spec's largest job
constexpr std::uint32_t kNone = UINT32_MAX;

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

// Open-addressing index id → row (slot = row + 1, 0 empty), ≥ 2 slots per row: 8 B per row where
// an unordered_set of string_views costs ~64 B. Lookups only; never iterated into output.
class IdIndex {
 public:
  explicit IdIndex(const FlowList& flows) : flows_(flows) {
    std::size_t cap = 16;
    while (cap < 2 * flows.size()) cap *= 2;
    slots_.assign(cap, 0);
  }
  // The row already holding `row`'s id, or kNone after inserting it.
  std::uint32_t insert(std::uint32_t row) {
    const std::string_view id = flows_.id(flows_.rows[row]);
    for (std::size_t s = slot_of(id);; s = (s + 1) & (slots_.size() - 1)) {
      if (slots_[s] == 0) {
        slots_[s] = row + 1;
        return kNone;
      }
      if (flows_.id(flows_.rows[slots_[s] - 1]) == id) return slots_[s] - 1;
    }
  }
  std::uint32_t find(std::string_view id) const {
    for (std::size_t s = slot_of(id);; s = (s + 1) & (slots_.size() - 1)) {
      if (slots_[s] == 0) return kNone;
      if (flows_.id(flows_.rows[slots_[s] - 1]) == id) return slots_[s] - 1;
    }
  }

 private:
  std::size_t slot_of(std::string_view id) const { return std::hash<std::string_view>{}(id) & (slots_.size() - 1); }
  const FlowList& flows_;
  std::vector<std::uint32_t> slots_;
};

// Output order: file order, except that a flow whose `after` comes later in the file moves behind
// it; among flows free to go, the lowest file position first (the stable Kahn order of
// order_ops_by_deps, which the DOM path used before). Each flow has at most one dependency.
void order_rows(FlowList& flows) {
  const auto n = static_cast<std::uint32_t>(flows.rows.size());
  bool in_order = true;
  for (std::uint32_t i = 0; i < n && in_order; ++i) in_order = flows.rows[i].after == kNone || flows.rows[i].after < i;
  if (in_order) return;
  std::vector<std::uint32_t> first_child(n + 1, 0), children;  // children of row p: [first_child[p], first_child[p+1])
  for (const FlowRow& r : flows.rows) {
    if (r.after != kNone) ++first_child[r.after + 1];
  }
  for (std::uint32_t p = 0; p < n; ++p) first_child[p + 1] += first_child[p];
  children.resize(first_child[n]);
  {
    std::vector<std::uint32_t> fill(first_child.begin(), first_child.end() - 1);
    for (std::uint32_t i = 0; i < n; ++i) {
      if (flows.rows[i].after != kNone) children[fill[flows.rows[i].after]++] = i;
    }
  }
  std::priority_queue<std::uint32_t, std::vector<std::uint32_t>, std::greater<>> ready;
  for (std::uint32_t i = 0; i < n; ++i) {
    if (flows.rows[i].after == kNone) ready.push(i);
  }
  std::vector<char> placed(n, 0);
  flows.order.reserve(n);
  while (!ready.empty()) {
    const std::uint32_t i = ready.top();
    ready.pop();
    flows.order.push_back(i);
    placed[i] = 1;
    for (std::uint32_t k = first_child[i]; k < first_child[i + 1]; ++k) ready.push(children[k]);
  }
  if (flows.order.size() == n) return;
  // Every unplaced flow waits on an unplaced flow: follow `after` from the first until one repeats.
  std::uint32_t cur = 0;
  while (placed[cur]) ++cur;
  std::vector<std::uint32_t> path;
  std::vector<int> seen_at(n, -1);
  while (seen_at[cur] < 0) {
    seen_at[cur] = static_cast<int>(path.size());
    path.push_back(cur);
    cur = flows.rows[cur].after;
  }
  std::string cycle;
  for (std::size_t k = static_cast<std::size_t>(seen_at[cur]); k < path.size(); ++k) {
    cycle += flow_op_id(flows.id(flows.rows[path[k]])) + " -> ";
  }
  cycle += flow_op_id(flows.id(flows.rows[cur]));
  throw ConfigError(flows.file, "", "dependency cycle: " + cycle + " (each op waits for the next)");
}

}  // namespace

FlowList parse_flow_csv(std::string text, const std::string& file_label) {
  FlowList flows;
  flows.file = file_label;
  const std::string stem = std::filesystem::path(file_label).stem().string();
  flows.name = stem.empty() ? std::string("flows") : stem;
  flows.text = std::move(text);
  const std::string_view all(flows.text);
  auto fail = [&](std::size_t line, const std::string& msg) { fail_at_line(file_label, line, msg); };

  std::array<std::size_t, kColumnCount> col{};
  col.fill(kNoColumn);
  std::size_t columns = 0;
  bool have_header = false;
  std::vector<std::string_view> fields;
  std::int64_t max_endpoint = -1;
  // One record per line at most: reserving that bound keeps the vector from doubling past it.
  flows.rows.reserve(static_cast<std::size_t>(std::count(all.begin(), all.end(), '\n')) + 1);

  // A UTF-8 byte-order mark (spreadsheet exports write one) is not part of the header.
  std::size_t pos = all.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0;
  std::size_t line_no = 0;
  while (pos < all.size()) {
    const std::size_t nl = all.find('\n', pos);
    const std::string_view line = trim(all.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos));
    pos = nl == std::string_view::npos ? all.size() : nl + 1;
    ++line_no;
    if (line_no >= kNone) fail(line_no, "more than 4294967294 lines");
    if (line.empty() || line.front() == '#') continue;
    split_fields(line, fields);

    if (!have_header) {
      for (std::size_t f = 0; f < fields.size(); ++f) {
        const auto it = std::find(kColumnNames.begin(), kColumnNames.end(), fields[f]);
        if (it == kColumnNames.end()) {
          fail(line_no, "expected the header \"id,src,dst,bytes,start_us,after\" (optionally \",qp\"): unknown header column " +
                            quote_field(fields[f]));
        }
        const auto c = static_cast<std::size_t>(it - kColumnNames.begin());
        if (col[c] != kNoColumn) fail(line_no, "header column " + quote_field(fields[f]) + " appears twice");
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
    FlowRow row;
    row.line = static_cast<std::uint32_t>(line_no);
    const std::string_view id = fields[col[kId]];
    if (!valid_id(id)) fail(line_no, "id " + quote_field(id) + " must be letters, digits, '_', '-' or '.'");
    if (id.size() >= kNone) fail(line_no, "id longer than 4 GiB");
    row.id_at = static_cast<std::uint64_t>(id.data() - all.data());
    row.id_len = static_cast<std::uint32_t>(id.size());
    auto endpoint = [&](Column c) {
      const auto v = parse_uint(fields[col[c]]);
      if (!v || *v > kMaxEndpoint) {
        fail_at_line(file_label, line_no, std::string(kColumnNames[c]) + " " + quote_field(fields[col[c]]) +
                                              " is not an endpoint number in [0, " + std::to_string(kMaxEndpoint) + "]");
      }
      return static_cast<std::uint32_t>(*v);
    };
    row.src = endpoint(kSrc);
    row.dst = endpoint(kDst);
    if (row.src == row.dst) fail(line_no, "src and dst are both " + std::to_string(row.src));
    const auto bytes = parse_uint(fields[col[kBytes]]);
    if (!bytes || *bytes == 0) fail(line_no, "bytes " + quote_field(fields[col[kBytes]]) + " is not a positive integer");
    row.bytes = *bytes;
    const std::string_view after = fields[col[kAfter]];
    if (!after.empty() && !valid_id(after)) fail(line_no, "after " + quote_field(after) + " is not a flow id");
    if (after == id) fail(line_no, "flow " + quote_field(id) + " waits for itself");
    row.after_at = after.empty() ? 0 : static_cast<std::uint64_t>(after.data() - all.data());
    row.after_len = static_cast<std::uint32_t>(std::min<std::size_t>(after.size(), kNone - 1));
    const std::string_view start = fields[col[kStartUs]];
    if (start.empty()) {
      if (after.empty()) fail(line_no, "start_us is empty and no 'after' flow is given: when does it start?");
    } else {
      const auto ps = parse_decimal_ps(start, 1000000);
      if (!ps) {
        fail(line_no, "start_us " + quote_field(start) +
                          " is not a non-negative decimal number of microseconds (at most 6 decimals)");
      }
      row.start_ps = *ps;
    }
    if (col[kQp] != kNoColumn) {
      const auto qp = parse_uint(fields[col[kQp]]);
      if (!qp || *qp > 65535) fail(line_no, "qp " + quote_field(fields[col[kQp]]) + " is not an integer in [0, 65535]");
      row.qp = static_cast<std::uint16_t>(*qp);
    } else {
      // Each flow of a trace is its own connection: its own QP, hence its own ECMP entropy.
      row.qp = static_cast<std::uint16_t>(flows.rows.size() % 65536);
    }
    max_endpoint = std::max<std::int64_t>({max_endpoint, row.src, row.dst});
    flows.rows.push_back(row);
  }
  if (!have_header) throw ConfigError(file_label, "line 1", "empty flow list: expected the header \"id,src,dst,bytes,start_us,after\"");
  if (flows.rows.empty()) throw ConfigError(file_label, "", "the flow list has a header but no flows");
  flows.world_size = static_cast<std::uint32_t>(max_endpoint + 1);

  // Ids and 'after' references are checked after all rows so `after` may point forward.
  IdIndex index(flows);
  const auto n = static_cast<std::uint32_t>(flows.rows.size());
  for (std::uint32_t i = 0; i < n; ++i) {
    if (index.insert(i) != kNone) fail(flows.rows[i].line, "duplicate flow id " + quote_field(flows.id(flows.rows[i])));
  }
  for (FlowRow& r : flows.rows) {
    if (r.after_len == 0) continue;
    const std::string_view after = std::string_view(flows.text).substr(r.after_at, r.after_len);
    r.after = index.find(after);
    if (r.after == kNone) fail(r.line, "after " + quote_field(after) + " names no flow in this file");
  }
  order_rows(flows);
  return flows;
}

FlowList parse_flow_csv_file(const std::string& path) { return parse_flow_csv(read_whole_file(path), path); }

nlohmann::json flow_list_to_native(const FlowList& flows) {
  nlohmann::json ops = nlohmann::json::array();
  ops.get_ref<nlohmann::json::array_t&>().reserve(flows.size());
  for (std::size_t k = 0; k < flows.size(); ++k) {
    const FlowRow& f = flows.at_position(k);
    // Filled key by key: nlohmann's initializer-list constructor copies every value.
    nlohmann::json& op = ops.emplace_back(nlohmann::json::value_t::object);
    op["id"] = flow_op_id(flows.id(f));
    op["type"] = "send";
    op["src"] = f.src;
    op["dst"] = f.dst;
    op["bytes"] = f.bytes;
    op["qp"] = f.qp;
    if (f.start_ps >= 0) op["start"] = to_string(Time::from_ps(f.start_ps));
    if (f.after != kNone) op["deps"].push_back(flow_op_id(flows.id(flows.rows[f.after])));
  }
  nlohmann::json job = {{"name", "flows"},
                        {"world_size", flows.world_size},
                        {"start", "0us"},
                        {"iterations", 1},
                        {"placement", {{"kind", "contiguous"}}},
                        {"ops", std::move(ops)}};
  return nlohmann::json{{"name", flows.name}, {"jobs", nlohmann::json::array({std::move(job)})}};
}

void write_flow_list_native(const FlowList& flows, std::ostream& out) {
  // nlohmann's dump(2) layout: objects with sorted keys, two spaces per level, ", " never used.
  std::string buf;
  buf.reserve(1 << 20);
  auto number = [&buf](std::int64_t v) {
    char digits[24];
    const auto end = std::to_chars(digits, digits + sizeof digits, v).ptr;
    buf.append(digits, end);
  };
  buf += "{\n  \"jobs\": [\n    {\n      \"iterations\": 1,\n      \"name\": \"flows\",\n      \"ops\": [\n";
  for (std::size_t k = 0; k < flows.size(); ++k) {
    const FlowRow& f = flows.at_position(k);
    buf += "        {\n          \"bytes\": ";
    number(f.bytes);
    if (f.after != kNone) {
      buf += ",\n          \"deps\": [\n            \"f";
      buf += flows.id(flows.rows[f.after]);
      buf += "\"\n          ]";
    }
    buf += ",\n          \"dst\": ";
    number(f.dst);
    buf += ",\n          \"id\": \"f";
    buf += flows.id(f);
    buf += "\",\n          \"qp\": ";
    number(f.qp);
    buf += ",\n          \"src\": ";
    number(f.src);
    if (f.start_ps >= 0) {
      buf += ",\n          \"start\": \"";
      buf += to_string(Time::from_ps(f.start_ps));
      buf += '"';
    }
    buf += ",\n          \"type\": \"send\"\n        }";
    buf += k + 1 < flows.size() ? ",\n" : "\n";
    if (buf.size() > (1 << 20) - 512) {
      out.write(buf.data(), static_cast<std::streamsize>(buf.size()));
      buf.clear();
    }
  }
  buf += "      ],\n      \"placement\": {\n        \"kind\": \"contiguous\"\n      },\n      \"start\": \"0us\",\n"
         "      \"world_size\": ";
  number(flows.world_size);
  buf += "\n    }\n  ],\n  \"name\": ";
  buf += nlohmann::json(flows.name).dump();
  buf += "\n}";
  out.write(buf.data(), static_cast<std::streamsize>(buf.size()));
}

WorkloadSpec flow_list_to_spec(const FlowList& flows, const std::string& file) {
  WorkloadSpec spec;
  spec.file = file;
  spec.name = flows.name;
  JobSpec& job = spec.jobs.emplace_back();
  job.name = "flows";
  job.path = "/jobs/0";
  job.world_size = flows.world_size;
  job.parallelism.dp = job.world_size;
  job.ops.reserve(flows.size());
  job.topo_order.reserve(flows.size());
  // Op position of each row (the rows are in file order, the ops deps-first).
  std::vector<std::uint32_t> position;
  if (!flows.order.empty()) {
    position.resize(flows.size());
    for (std::size_t k = 0; k < flows.size(); ++k) position[flows.order[k]] = static_cast<std::uint32_t>(k);
  }
  std::size_t with_after = 0;
  for (const FlowRow& f : flows.rows) with_after += f.after != kNone ? 1 : 0;
  if (with_after > 0) {
    job.dep_begin.reserve(flows.size() + 1);
    job.dep_begin.push_back(0);
    job.dep_ops.reserve(with_after);
  }
  for (std::size_t k = 0; k < flows.size(); ++k) {
    const FlowRow& f = flows.at_position(k);
    OpSpec& op = job.ops.emplace_back();
    op.id = flow_op_id(flows.id(f));
    op.type = OpType::send;
    op.bytes = Bytes{f.bytes};
    op.qp = f.qp;
    op.src = f.src;
    op.dst = f.dst;
    if (f.start_ps >= 0) op.start = Time::from_ps(f.start_ps);
    if (with_after > 0) {
      if (f.after != kNone) job.dep_ops.push_back(position.empty() ? f.after : position[f.after]);
      job.dep_begin.push_back(static_cast<std::uint32_t>(job.dep_ops.size()));
    }
    job.topo_order.push_back(static_cast<std::uint32_t>(k));
  }
  return spec;
}

nlohmann::json read_flow_csv(const std::string& path) { return flow_list_to_native(parse_flow_csv_file(path)); }

nlohmann::json read_flow_csv_text(const std::string& text, const std::string& file_label) {
  return flow_list_to_native(parse_flow_csv(text, file_label));
}

}  // namespace rocesim::workload
