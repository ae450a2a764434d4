#include "report/csv_writers.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>

#include "report/link_tiers.hpp"
#include "report/slowdown.hpp"
#include "topology/failures.hpp"

namespace rocesim::report {
namespace {

// A JSON value as a cell: empty for missing/null, strings quoted when needed, numbers as numbers.
std::string cell(const nlohmann::json& obj, const char* key) {
  const auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return {};
  if (it->is_string()) return csv_field(it->get<std::string>());
  if (it->is_boolean()) return it->get<bool>() ? "true" : "false";
  if (it->is_number_integer() || it->is_number_unsigned()) return it->dump();
  if (it->is_number_float()) return format_real(it->get<double>());
  return {};
}

}  // namespace

std::string csv_field(std::string_view text) {
  std::string out;
  append_csv_field(out, text);
  return out;
}

void append_csv_field(std::string& out, std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) {
    out += text;
    return;
  }
  out.reserve(out.size() + text.size() + 2);
  out += '"';
  for (const char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

void append_us(std::string& out, Time t) {
  const std::int64_t ps = t.ps;
  const bool neg = ps < 0;
  const std::uint64_t a = neg ? static_cast<std::uint64_t>(-ps) : static_cast<std::uint64_t>(ps);
  // "<µs>.<6 ps digits>" without trailing zeros (to_chars: this runs once per transfer and op).
  char buf[48];
  char* p = buf;
  if (neg) *p++ = '-';
  p = std::to_chars(p, buf + sizeof buf, a / 1000000).ptr;
  std::uint64_t frac = a % 1000000;
  if (frac != 0) {
    *p++ = '.';
    int digits = 6;
    while (frac % 10 == 0) {
      frac /= 10;
      --digits;
    }
    char tmp[8];
    const char* end = std::to_chars(tmp, tmp + sizeof tmp, frac).ptr;
    for (int pad = digits - static_cast<int>(end - tmp); pad > 0; --pad) *p++ = '0';
    for (const char* c = tmp; c != end; ++c) *p++ = *c;
  }
  out.append(buf, p);
}

std::string format_us(Time t) {
  std::string out;
  append_us(out, t);
  return out;
}

void append_real(std::string& out, double x) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, x, std::chars_format::general, 6);
  out.append(buf, r.ptr);
}

std::string format_real(double x) {
  std::string out;
  append_real(out, x);
  return out;
}

void append_int(std::string& out, std::int64_t v) {
  char buf[24];
  out.append(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
}

void append_uint(std::string& out, std::uint64_t v) {
  char buf[24];
  out.append(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
}

std::string collectives_csv_header() {
  return "job,iteration,op_id,type,algorithm,group_size,groups,bytes[B],start[us],end[us],duration[us],algbw[GB/s],"
         "busbw[GB/s],ideal[us],efficiency,bottleneck_tier\n";
}

void append_collectives_row(const nlohmann::json& op, std::string& out) {
  for (const char* key : {"job", "iteration", "id", "type", "algorithm", "group_size", "groups", "bytes", "start_us",
                          "end_us", "duration_us", "algbw_GBps", "busbw_GBps", "ideal_us", "efficiency"}) {
    out += cell(op, key);
    out += ',';
  }
  if (op.contains("attribution") && op["attribution"].is_object()) out += cell(op["attribution"], "bottleneck_tier");
  out += '\n';
}

void append_collectives_row(const CollectiveRow& r, std::string& out) {
  const auto text = [&](std::string_view v) {
    append_csv_field(out, v);
    out += ',';
  };
  const auto integer = [&](std::int64_t v) {
    if (v >= 0) append_int(out, v);
    out += ',';
  };
  const auto real = [&](double v) {
    if (!std::isnan(v)) append_real(out, v);
    out += ',';
  };
  text(r.job);
  integer(r.iteration);
  text(r.id);
  text(r.type);
  text(r.algorithm);
  integer(r.group_size);
  integer(r.groups);
  integer(r.bytes);
  for (double v : {r.start_us, r.end_us, r.duration_us, r.algbw, r.busbw, r.ideal_us, r.efficiency}) real(v);
  append_csv_field(out, r.bottleneck_tier);
  out += '\n';
}

std::string collectives_csv(const nlohmann::json& summary) {
  std::string out = collectives_csv_header();
  if (!summary.contains("ops")) return out;
  for (const nlohmann::json& op : summary["ops"]) append_collectives_row(op, out);
  return out;
}

std::vector<std::string> op_key_cells(const workload::WorkloadSpec& spec, const workload::LoweredWorkload& lowered) {
  std::vector<std::string> keys;
  keys.reserve(lowered.ops.size());
  for (const workload::OpRecord& op : lowered.ops) {
    const workload::JobSpec& job = spec.jobs[op.job];
    keys.push_back(csv_field(job.name) + ',' + std::to_string(op.iteration) + ',' + csv_field(job.ops[op.spec_index].id));
  }
  return keys;
}

namespace {

constexpr const char* kFlowsHeader =
    "transfer,src,dst,job,iteration,op_id,flow_label,bytes[B],start[us],end[us],fct[us],throughput[Gb/s],"
    "ideal[us],slowdown\n";

// One flows.csv row; `op_cell` is the transfer's "job,iteration,op_id" (",," without an op).
void append_flow_row(std::string& out, std::size_t i, const observe::TransferRecord& t, std::string_view op_cell) {
  append_uint(out, i);
  out += ',';
  append_uint(out, t.src);
  out += ',';
  append_uint(out, t.dst);
  out += ',';
  out += op_cell;
  out += ',';
  append_uint(out, t.flow_label);
  out += ',';
  append_int(out, t.bytes);
  out += ',';
  append_us(out, t.start);
  out += ',';
  if (t.end != Time::max()) {
    const Time fct = t.end - t.start;
    append_us(out, t.end);
    out += ',';
    append_us(out, fct);
    out += ',';
    if (fct.ps > 0) append_real(out, 8.0 * static_cast<double>(t.bytes) / fct.seconds() * 1e-9);
  } else {
    out += ",,";
  }
  out += ',';
  if (t.ideal.ps > 0) append_us(out, t.ideal);
  out += ',';
  if (const double s = slowdown_of(t); s >= 0) append_real(out, s);
  out += '\n';
}

}  // namespace

std::string flows_csv(const observe::RunRecord& rec, const std::vector<std::string>& op_cells) {
  std::string out = kFlowsHeader;
  out.reserve(out.size() + rec.transfers.size() * 90);
  // Appended piece by piece (one row per transfer): no temporary strings.
  for (std::size_t i = 0; i < rec.transfers.size(); ++i) {
    const observe::TransferRecord& t = rec.transfers[i];
    append_flow_row(out, i, t, t.op != observe::kNoOpIndex && t.op < op_cells.size() ? op_cells[t.op] : ",,");
  }
  return out;
}

void write_flows_csv(std::ostream& os, const observe::RunRecord& rec, const workload::WorkloadSpec& spec,
                     const workload::LoweredWorkload& lowered) {
  std::vector<std::string> job_cells;  // csv_field(job name) + ','
  for (const workload::JobSpec& job : spec.jobs) job_cells.push_back(csv_field(job.name) + ',');
  std::string out = kFlowsHeader, cell;
  for (std::size_t i = 0; i < rec.transfers.size(); ++i) {
    const observe::TransferRecord& t = rec.transfers[i];
    cell.clear();
    if (t.op != observe::kNoOpIndex && t.op < lowered.ops.size()) {
      // op_key_cells()'s cell, built per row instead of held for every op.
      const workload::OpRecord& op = lowered.ops[t.op];
      cell += job_cells[op.job];
      append_uint(cell, op.iteration);
      cell += ',';
      append_csv_field(cell, spec.jobs[op.job].ops[op.spec_index].id);
    } else {
      cell = ",,";
    }
    append_flow_row(out, i, t, cell);
    if (out.size() >= (std::size_t{1} << 20)) {
      os << out;
      out.clear();
    }
  }
  os << out;
}

std::string links_csv(const observe::RunRecord& rec, const topology::Fabric& fabric) {
  std::string out =
      "port,from,to,tier,direction,rate[Gb/s],bytes[B],utilization,paused[us],pause_frames,"
      "longest_pause[us],"
      "ecn_marks,drops,"
      "max_queue[B]";
  out += rec.has_trims ? ",trims\n" : "\n";  // UET runs only: RoCE reports keep their columns
  const double end_s = rec.end.seconds();
  const std::vector<std::string> names = topology::node_names(fabric);
  for (topology::PortId p = 0; p < rec.ports.size() && p < fabric.port_count(); ++p) {
    const observe::PortRecord& r = rec.ports[p];
    if (r.tx_bytes <= 0.0) continue;
    const topology::Port& port = fabric.port(p);
    const double bps = static_cast<double>(fabric.port_rate(p).bps);
    out += std::to_string(p) + ',' + csv_field(names[port.node]) + ',' + csv_field(names[port.peer]) + ',' + csv_field(link_tier_name(fabric, port.link)) + ',' + (port_goes_up(fabric, p) ? "up" : "down") + ',' +
           format_real(bps * 1e-9) + ',' + std::to_string(std::llround(r.tx_bytes)) + ',' +
           (end_s > 0 ? format_real(8.0 * r.tx_bytes / (bps * end_s)) : std::string()) + ',';
    if (rec.has_pfc) out += format_us(r.paused) + ',' + std::to_string(r.pauses_received);
    else out += ',';
    out += ',';
    if (rec.has_pfc) out += format_us(r.longest_pause);
    out += ',';
    if (rec.has_ecn) out += std::to_string(r.ecn_marks);
    out += ',';
    if (rec.has_drops) out += std::to_string(r.drops);
    out += ',';
    if (rec.has_queues) out += std::to_string(r.max_queue_bytes);
    if (rec.has_trims) out += ',' + std::to_string(r.trims);
    out += '\n';
  }
  return out;
}

std::string timeseries_csv(const observe::RunRecord& rec, const topology::Fabric& fabric) {
  std::string out = "time[us],port,from,to,tier,utilization,queue[B]\n";
  const observe::TimeSeries& ts = rec.series;
  const std::size_t width = ts.series();
  const bool queues = !ts.queue_bytes.empty();
  // Row prefixes do not change from sample to sample.
  std::vector<std::string> prefix(width);
  for (std::size_t k = 0; k < width; ++k) {
    if (ts.ports.empty()) {
      prefix[k] = ",,," + csv_field(ts.tiers[k]) + ',';
    } else {
      const topology::PortId p = ts.ports[k];
      const topology::Port& port = fabric.port(p);
      prefix[k] = std::to_string(p) + ',' + csv_field(topology::node_name(fabric, port.node)) + ',' +
                  csv_field(topology::node_name(fabric, port.peer)) + ',' + csv_field(link_tier_name(fabric, port.link)) + ',';
    }
  }
  for (std::size_t s = 0; s < ts.at.size(); ++s) {
    const std::string t = format_us(ts.at[s]);
    for (std::size_t k = 0; k < width; ++k) {
      const std::size_t i = s * width + k;
      out += t + ',' + prefix[k] + format_real(ts.utilization[i]) + ',';
      if (queues) out += std::to_string(ts.queue_bytes[i]);
      out += '\n';
    }
  }
  return out;
}

std::string tier_series_csv(const observe::RunRecord& rec) {
  std::string out = "time[us],tier,ports,mean_utilization,max_utilization,queued[B],paused[us]\n";
  const observe::TimeSeries& ts = rec.series;
  const std::size_t width = ts.tier_names.size();
  const bool max = !ts.tier_max_utilization.empty(), queues = !ts.tier_queue_bytes.empty(),
             pauses = !ts.tier_paused_us.empty();
  std::vector<std::string> prefix(width);
  for (std::size_t k = 0; k < width; ++k) prefix[k] = ',' + csv_field(ts.tier_names[k]) + ',' + std::to_string(ts.tier_ports[k]) + ',';
  for (std::size_t s = 0; s < ts.at.size() && width > 0; ++s) {
    const std::string t = format_us(ts.at[s]);
    for (std::size_t k = 0; k < width; ++k) {
      const std::size_t i = s * width + k;
      out += t + prefix[k] + format_real(ts.tier_mean_utilization[i]) + ',';
      if (max) out += format_real(ts.tier_max_utilization[i]);
      out += ',';
      if (queues) out += std::to_string(ts.tier_queue_bytes[i]);
      out += ',';
      if (pauses) out += format_real(ts.tier_paused_us[i]);
      out += '\n';
    }
  }
  return out;
}

}  // namespace rocesim::report
