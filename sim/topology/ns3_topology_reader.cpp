// ns-3 RDMA / SimAI plain-text topology reader (format in the header).
#include "topology/ns3_topology_reader.hpp"

#include <charconv>
#include <fstream>
#include <sstream>
#include <vector>

#include "core/config_error.hpp"

namespace rocesim::topology {
namespace {

constexpr std::uint64_t kMaxNodes = std::uint64_t{1} << 27;

struct Line {
  std::size_t number = 0;
  std::vector<std::string> tokens;
};

std::vector<Line> split_lines(const std::string& text) {
  std::vector<Line> lines;
  std::istringstream in(text);
  std::string raw;
  std::size_t number = 0;
  while (std::getline(in, raw)) {
    ++number;
    std::istringstream words(raw);
    Line l{number, {}};
    std::string w;
    while (words >> w) l.tokens.push_back(w);
    if (l.tokens.empty() || l.tokens.front()[0] == '#') continue;
    lines.push_back(std::move(l));
  }
  return lines;
}

class Reader {
 public:
  Reader(const std::string& file) : file_(file) {}

  [[noreturn]] void fail(std::size_t line, const std::string& msg) const {
    throw ConfigError(file_, "line " + std::to_string(line), msg);
  }

  std::uint64_t count(const Line& l, std::size_t i, const char* what) const {
    const std::string& s = l.tokens[i];
    std::uint64_t v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || end != s.data() + s.size()) {
      fail(l.number, std::string("expected ") + what + " as a non-negative integer, got \"" + s + "\"");
    }
    return v;
  }

 private:
  const std::string& file_;
};

}  // namespace

Ns3Topology parse_ns3_topology(const std::string& text, const std::string& file_label) {
  const Reader rd(file_label);
  const std::vector<Line> lines = split_lines(text);
  if (lines.empty()) throw ConfigError(file_label, "line 1", "empty topology file");
  const Line& head = lines.front();
  const std::size_t nt = head.tokens.size();
  Ns3Topology out;
  std::uint64_t nodes = 0, nvswitches = 0, switches = 0, links = 0;
  if (nt == 3) {
    nodes = rd.count(head, 0, "the node count");
    switches = rd.count(head, 1, "the switch count");
    links = rd.count(head, 2, "the link count");
  } else if (nt >= 5 && nt <= 7) {
    nodes = rd.count(head, 0, "the node count");
    const std::uint64_t per_server = rd.count(head, 1, "accelerators per server");
    nvswitches = rd.count(head, 2, "the scale-up (NVSwitch) count");
    switches = rd.count(head, 3, "the switch count");
    links = rd.count(head, 4, "the link count");
    if (per_server == 0 || per_server > (1u << 16)) rd.fail(head.number, "accelerators per server must be in [1, 65536]");
    out.accelerators_per_server = static_cast<std::uint32_t>(per_server);
    if (nt >= 6) out.accelerator_type = head.tokens[5];
    if (nt == 7 && rd.count(head, 6, "ngpus_per_node") != per_server) {
      rd.fail(head.number, "ngpus_per_node (" + head.tokens[6] + ") differs from accelerators per server (" +
                               head.tokens[1] + ")");
    }
  } else {
    rd.fail(head.number, "expected a header of 3 tokens (nodes switches links) or 5-7 tokens (nodes "
                         "gpus_per_server nvswitches switches links [gpu_type [ngpus_per_node]]), got " +
                             std::to_string(nt));
  }
  if (nodes == 0 || nodes > kMaxNodes) rd.fail(head.number, "node count must be in [1, 2^27]");
  if (nvswitches + switches >= nodes) {
    rd.fail(head.number, "switches (" + std::to_string(nvswitches + switches) + ") leave no accelerators among " +
                             std::to_string(nodes) + " nodes");
  }
  if (links > 64 * kMaxNodes) rd.fail(head.number, "link count too large");

  ExplicitGraphSpec& g = out.graph;
  g.origin = "ns3_text";
  g.nodes.resize(nodes);
  std::vector<std::size_t> listed_on(nodes, 0);
  // Switch ids: a flat run of tokens over as many lines as it takes.
  std::size_t li = 1;
  std::uint64_t seen = 0;
  while (seen < nvswitches + switches) {
    if (li >= lines.size()) {
      rd.fail(lines.back().number, "expected " + std::to_string(nvswitches + switches) + " switch ids, found " +
                                       std::to_string(seen));
    }
    const Line& l = lines[li++];
    if (seen + l.tokens.size() > nvswitches + switches) {
      rd.fail(l.number, "more switch ids than the header's " + std::to_string(nvswitches + switches) +
                            " (is the header's switch count right?)");
    }
    for (std::size_t t = 0; t < l.tokens.size(); ++t, ++seen) {
      const std::uint64_t id = rd.count(l, t, "a switch id");
      if (id >= nodes) rd.fail(l.number, "switch id " + std::to_string(id) + " is not below the node count " + std::to_string(nodes));
      if (listed_on[id] != 0) {
        rd.fail(l.number, "switch id " + std::to_string(id) + " listed twice (first on line " + std::to_string(listed_on[id]) + ")");
      }
      listed_on[id] = l.number;
      g.nodes[id].role = seen < nvswitches ? NodeRole::scale_up_switch : NodeRole::fabric_switch;
    }
  }
  for (std::uint64_t v = 0; v < nodes; ++v) {
    const char* prefix = g.nodes[v].role == NodeRole::accelerator ? "gpu" : g.nodes[v].role == NodeRole::fabric_switch ? "sw" : "nvsw";
    g.nodes[v].name = prefix + std::to_string(v);
  }

  std::vector<std::size_t> link_line;
  for (; li < lines.size(); ++li) {
    const Line& l = lines[li];
    if (g.links.size() == links) {
      rd.fail(l.number, "more links than the header's " + std::to_string(links));
    }
    if (l.tokens.size() != 5) {
      rd.fail(l.number, "expected \"src dst rate delay error_rate\" (5 tokens), got " + std::to_string(l.tokens.size()));
    }
    ExplicitLink link;
    const std::uint64_t a = rd.count(l, 0, "the source node id");
    const std::uint64_t b = rd.count(l, 1, "the destination node id");
    if (a >= nodes || b >= nodes) rd.fail(l.number, "node id out of range (node count " + std::to_string(nodes) + ")");
    link.a = static_cast<std::uint32_t>(a);
    link.b = static_cast<std::uint32_t>(b);
    try {
      link.rate = parse_rate(l.tokens[2]);
      link.latency = parse_time(l.tokens[3]);
    } catch (const UnitError& e) {
      rd.fail(l.number, e.what());
    }
    if (link.rate.bps == 0) rd.fail(l.number, "rate must be positive");
    double err = 0;
    try {
      std::size_t used = 0;
      err = std::stod(l.tokens[4], &used);
      if (used != l.tokens[4].size()) throw std::invalid_argument("trailing");
    } catch (const std::exception&) {
      rd.fail(l.number, "expected an error rate as a number, got \"" + l.tokens[4] + "\"");
    }
    if (!(err >= 0.0 && err <= 1.0)) rd.fail(l.number, "error rate must be in [0, 1], got " + l.tokens[4]);
    if (err != 0.0) rd.fail(l.number, "error rate " + l.tokens[4] + " is not modelled (rocesim has no random loss); use 0");
    g.links.push_back(link);
    link_line.push_back(l.number);
  }
  if (g.links.size() != links) {
    rd.fail(lines.back().number, "the header promises " + std::to_string(links) + " links, found " +
                                     std::to_string(g.links.size()));
  }
  check_explicit_links(g, file_label, [&](std::size_t i) { return "line " + std::to_string(link_line[i]); });
  return out;
}

Ns3Topology read_ns3_topology_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw ConfigError(path, "", "cannot open file");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_ns3_topology(text.str(), path);
}

bool looks_like_ns3_topology(const std::string& path) {
  std::ifstream in(path);
  char c = 0;
  while (in.get(c)) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') continue;
    // A sign before the first number ("-48 8 4 ...") is still this format with a bad count, which
    // the ns-3 parser names; JSON cannot start with a number and a sign.
    if (c == '-' || c == '+') {
      if (!in.get(c)) return false;
    }
    return c >= '0' && c <= '9';
  }
  return false;
}

}  // namespace rocesim::topology
