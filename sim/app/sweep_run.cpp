#include "app/sweep_run.hpp"

#include "app/commands.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <thread>

#include "app/sweep_peers.hpp"
#include "app/sweep_spec.hpp"
#include "app/sweep_table.hpp"
#include "core/config_error.hpp"
#include "core/interrupt.hpp"

extern char** environ;

namespace rocesim::app {
namespace {

namespace fs = std::filesystem;

constexpr int kExitBadInput = 2;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Temp name + rename: a reader (or a crash) never sees a half-written file.
void write_atomic(const fs::path& path, const std::string& text) {
  const fs::path tmp = path.parent_path() / ("." + path.filename().string() + ".tmp");
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) throw ConfigError(path.string(), "", "cannot open for writing");
    f << text;
    f.flush();
    if (!f) throw ConfigError(path.string(), "", "write failed");
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) throw ConfigError(path.string(), "", "cannot rename the finished file into place: " + ec.message());
}

std::string child_executable() {
  if (const char* e = std::getenv("ROCESIM_SWEEP_EXE"); e != nullptr && *e != '\0') return e;
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (ec) throw ConfigError("/proc/self/exe", "", "cannot find the rocesim executable to run points with");
  return self.string();
}

void prepare_output(const fs::path& out) {
  std::error_code ec;
  fs::create_directories(out / "points", ec);
  if (ec) throw ConfigError(out.string(), "", "cannot create the output directory: " + ec.message());
  // Catches a read-only directory now rather than after the first point has run. One probe per
  // process: the ranks of an MPI sweep probe the same directory at once, and a shared name let
  // one rank remove the file another was renaming into place ("cannot rename", seen in CI).
  const fs::path probe = out / (".write-probe." + std::to_string(getpid()));
  write_atomic(probe, "");
  fs::remove(probe, ec);
}

std::optional<nlohmann::json> read_json(const fs::path& p) {
  std::error_code ec;
  if (!fs::is_regular_file(p, ec)) return std::nullopt;
  nlohmann::json j = nlohmann::json::parse(slurp(p), nullptr, false);
  if (j.is_discarded()) return std::nullopt;
  return j;
}

bool reusable(const fs::path& dir, const SweepPoint& p) {
  const auto record = read_json(dir / "point.json");
  if (!record || !record->is_object()) return false;
  return record->value("inputs", nlohmann::json()) == p.inputs && record->value("exit_code", -1) == 0 &&
         read_json(dir / "summary.json").has_value();
}

// Point directory lock: flock(2) on DIR/.lock, taken by the sweep before it starts a point and
// handed to the `rocesim run` child as descriptor 3 (flock locks belong to the open file, which
// the child shares), so the child holds it until it exits, even when the sweep itself is killed
// with SIGKILL. A resume, or a second sweep on the same --out, that finds the lock held leaves the
// point alone ("locked") instead of running it a second time in the same directory. The lock file
// stays (removing it would race a process about to lock it); the kernel drops the lock at exit.
constexpr int kLockFdInChild = 3;
constexpr int kLockHeld = -1, kLockError = -2;

// The locked descriptor (close-on-exec, ≥ 10 so it is never descriptor 3 itself), kLockHeld when
// another process holds the lock, kLockError when the lock file cannot be created.
int lock_point_dir(const fs::path& dir) {
  const int fd = ::open((dir / ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return kLockError;
  const int high = fcntl(fd, F_DUPFD_CLOEXEC, 10);
  ::close(fd);
  if (high < 0) return kLockError;
  if (flock(high, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    ::close(high);
    return err == EWOULDBLOCK ? kLockHeld : kLockError;
  }
  return high;
}

bool point_dir_locked(const fs::path& dir) {
  std::error_code ec;
  if (!fs::exists(dir / ".lock", ec)) return false;
  const int fd = lock_point_dir(dir);
  if (fd >= 0) ::close(fd);
  return fd == kLockHeld;
}

// Point folders named for another spec at an index this rank owns (not while a run holds one).
void remove_stale_dirs(const fs::path& points_dir, const std::vector<SweepPoint>& points, int rank, int size) {
  std::error_code ec;
  std::vector<fs::path> stale;
  for (const auto& entry : fs::directory_iterator(points_dir, ec)) {
    const std::string name = entry.path().filename().string();
    const std::size_t dash = name.find('-');
    if (dash == 0 || dash == std::string::npos || name.find_first_not_of("0123456789") != dash) continue;
    const std::size_t idx = std::stoul(name.substr(0, dash));
    if (idx < points.size() && static_cast<int>(idx % size) == rank && points[idx].dir_name != name) {
      stale.push_back(entry.path());
    }
  }
  for (const auto& p : stale) {
    if (!point_dir_locked(p)) fs::remove_all(p, ec);
  }
}

// REQUIRES: `lock_fd` holds the point directory's lock (lock_point_dir); the child inherits it.
pid_t spawn_point(const std::string& exe, const SweepPoint& p, const fs::path& dir, int lock_fd) {
  std::error_code ec;
  fs::remove(dir / "summary.json", ec);
  fs::remove(dir / "point.json", ec);
  std::vector<std::string> args = {exe, "run"};
  args.insert(args.end(), p.run_args.begin(), p.run_args.end());
  args.insert(args.end(), {"--out", dir.string()});
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const std::string log = (dir / "run.log").string();
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  posix_spawn_file_actions_adddup2(&fa, lock_fd, kLockFdInChild);  // a dup2'd descriptor survives exec
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, exe.c_str(), &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  return rc == 0 ? pid : -1;
}

std::string status_of(int wait_status) {
  if (WIFEXITED(wait_status)) {
    return WEXITSTATUS(wait_status) == 0 ? "ok" : "exit-" + std::to_string(WEXITSTATUS(wait_status));
  }
  if (WIFSIGNALED(wait_status)) return "signal-" + std::to_string(WTERMSIG(wait_status));
  return "exit-unknown";
}

// The first "error:" line of a failed point's log, to say why on the sweep's stderr.
std::string first_error(const fs::path& log) {
  std::istringstream in(slurp(log));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("error:", 0) == 0) return line;
  }
  return "";
}

class Sweep {
 public:
  Sweep(const SweepOptions& opt, SweepSpec spec, std::vector<SweepPoint> points)
      : opt_(opt), spec_(std::move(spec)), points_(std::move(points)), out_(opt.out) {
    for (const auto& a : spec_.axes) axis_keys_.push_back(a.key);
    rows_.resize(points_.size());
    for (const SweepPoint& p : points_) rows_[p.index] = row(p, "pending");
  }

  int run(SweepPeers& peers) {
    const int rank = peers.rank(), size = peers.size();
    remove_stale_dirs(out_ / "points", points_, rank, size);
    const std::string exe = child_executable();
    std::deque<std::size_t> todo;
    std::size_t remote_expected = 0;
    for (const SweepPoint& p : points_) {
      if (static_cast<int>(p.index % size) != rank) {
        ++remote_expected;
        continue;
      }
      if (reusable(out_ / "points" / p.dir_name, p)) {
        ++reused_;
        finished(peers, row(p, "ok"));
      } else {
        todo.push_back(p.index);
      }
    }
    if (rank == 0) write_csv();
    std::map<pid_t, std::size_t> running;
    std::size_t remote_got = 0;
    install_interrupt_handlers();
    while (!todo.empty() || !running.empty() || (rank == 0 && remote_got < remote_expected)) {
      if (const int sig = interrupt_signal()) return stop_children(sig, running);
      while (running.size() < opt_.jobs && !todo.empty()) {
        const SweepPoint& p = points_[todo.front()];
        todo.pop_front();
        const fs::path dir = out_ / "points" / p.dir_name;
        std::error_code ec;
        fs::create_directories(dir, ec);
        const int lock = lock_point_dir(dir);
        if (lock == kLockHeld) {
          std::cerr << "sweep: point " << p.dir_name << " is being run by another process (its directory is locked: "
                    << "a run left by a killed sweep, or a second sweep on this --out); left alone, rerun the sweep "
                    << "once it has finished\n";
          finished(peers, row(p, "locked"));
          continue;
        }
        if (lock == kLockError) {
          std::cerr << "sweep: point " << p.dir_name << ": cannot create " << (dir / ".lock").string() << ": "
                    << std::strerror(errno) << '\n';
          finished(peers, row(p, "spawn-failed"));
          continue;
        }
        const pid_t pid = spawn_point(exe, p, dir, lock);
        ::close(lock);  // the child holds it from here
        if (pid < 0) {
          std::cerr << "sweep: point " << p.dir_name << ": cannot start " << exe << ": " << std::strerror(errno) << '\n';
          finished(peers, row(p, "spawn-failed"));
        } else {
          running.emplace(pid, p.index);
        }
      }
      bool progressed = false;
      if (size == 1 && !running.empty()) {
        // One process: block until a child ends.
        int st = 0;
        const pid_t pid = waitpid(-1, &st, 0);
        if (pid > 0) progressed = child_done(peers, running, pid, st);
      } else {
        // MPI: children and other ranks' rows both need attention, so poll.
        for (auto it = running.begin(); it != running.end();) {
          int st = 0;
          const pid_t pid = it->first;
          ++it;
          if (waitpid(pid, &st, WNOHANG) == pid) progressed = child_done(peers, running, pid, st);
        }
        for (SweepRow& r : peers.receive_rows()) {
          ++remote_got;
          progressed = true;
          report(r);
          rows_[r.index] = std::move(r);
          write_csv();
        }
        if (!progressed) std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    }
    return exit_code(rank == 0);
  }

  // SIGINT/SIGTERM: forwards the signal to every running point and waits for each, so none is left
  // running (with PPID 1) to race a resume on its directory; the points that did not finish leave
  // no summary and rerun on resume. Returns 128 + sig.
  int stop_children(int sig, std::map<pid_t, std::size_t>& running) {
    for (const auto& [pid, index] : running) kill(pid, sig);
    for (const auto& [pid, index] : running) {
      int st = 0;
      while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
      }
    }
    std::cerr << "sweep: interrupted by signal " << sig << "; stopped " << running.size()
              << " running point(s) and waited for them; rerun the same command to resume\n";
    running.clear();
    return 128 + sig;
  }

  void print_summary() const {
    std::size_t ok = 0;
    for (const auto& r : rows_) ok += r.status == "ok";
    std::cout << "sweep: " << rows_.size() << " points, " << ok << " ok (" << reused_ << " reused from an earlier run), "
              << rows_.size() - ok << " failed; table: " << (out_ / "sweep.csv").string() << '\n';
  }

 private:
  SweepRow row(const SweepPoint& p, std::string status) const {
    SweepRow r;
    r.index = p.index;
    r.dir = "points/" + p.dir_name;
    for (const auto& v : p.axis_values) r.axis_cells.push_back(axis_value_text(v));
    r.status = std::move(status);
    if (r.status != "pending" && r.status != "spawn-failed") {
      if (const auto summary = read_json(out_ / "points" / p.dir_name / "summary.json")) {
        r.metrics = extract_metrics(*summary, spec_.metrics);
      } else if (r.status == "ok") {
        r.status = "no-summary";
      }
    }
    return r;
  }

  bool child_done(SweepPeers& peers, std::map<pid_t, std::size_t>& running, pid_t pid, int st) {
    const auto it = running.find(pid);
    if (it == running.end()) return false;  // not one of ours
    const SweepPoint& p = points_[it->second];
    running.erase(it);
    const fs::path dir = out_ / "points" / p.dir_name;
    const int code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    write_atomic(dir / "point.json", nlohmann::json{{"inputs", p.inputs}, {"exit_code", code}}.dump(2) + "\n");
    SweepRow r = row(p, status_of(st));
    if (r.status != "ok") {
      const std::string why = first_error(dir / "run.log");
      std::cerr << "sweep: point " << p.dir_name << " failed (" << r.status << ")" << (why.empty() ? "" : ": " + why)
                << "; log: " << (dir / "run.log").string() << '\n';
    }
    finished(peers, std::move(r));
    return true;
  }

  void finished(SweepPeers& peers, SweepRow r) {
    if (peers.rank() != 0) {
      own_.push_back(r.status);
      peers.send_row(r);
      return;
    }
    report(r);
    const std::size_t i = r.index;
    rows_[i] = std::move(r);
    if (csv_started_) write_csv();
  }

  void report(const SweepRow& r) {
    ++done_;
    if (!opt_.quiet) std::cerr << "[" << done_ << "/" << rows_.size() << "] " << r.dir << ": " << r.status << '\n';
  }

  void write_csv() {
    csv_started_ = true;
    write_atomic(out_ / "sweep.csv", sweep_csv(axis_keys_, rows_));
  }

  int exit_code(bool all_rows) const {
    std::vector<std::string> statuses = own_;
    if (all_rows) {
      for (const auto& r : rows_) statuses.push_back(r.status);
    }
    int code = 0;
    for (const auto& s : statuses) {
      if (s == "exit-" + std::to_string(kExitBadInput)) return kExitBadInput;
      if (s != "ok") code = 1;
    }
    return code;
  }

  const SweepOptions& opt_;
  SweepSpec spec_;
  std::vector<SweepPoint> points_;
  fs::path out_;
  std::vector<std::string> axis_keys_;
  std::vector<SweepRow> rows_;      // rank 0: every point's row
  std::vector<std::string> own_;    // other ranks: statuses of their own points
  std::size_t done_ = 0, reused_ = 0;
  bool csv_started_ = false;
};

}  // namespace

int run_sweep(const SweepOptions& opt) {
  SweepSpec spec = load_sweep_spec(opt.spec);
  std::vector<SweepPoint> points = expand_sweep(spec);
  // Every point's inputs are checked before anything is written, so an unknown key on an axis is
  // one clear error naming the point instead of a column of failed runs.
  // Checking takes ~0.01-0.1 s a point: say so, and report progress every 5 s, so a large sweep
  // is never silent for minutes.
  if (!opt.quiet && points.size() > 1) {
    std::cerr << "checking the inputs of " << points.size() << " points (rocesim run --check each)\n";
  }
  auto last_report = std::chrono::steady_clock::now();
  for (const SweepPoint& p : points) {
    if (!opt.quiet && std::chrono::steady_clock::now() - last_report > std::chrono::seconds(5)) {
      last_report = std::chrono::steady_clock::now();
      std::cerr << "checked " << p.index << "/" << points.size() << " points\n";
    }
    try {
      check_run_arguments(p.run_args);
    } catch (const ConfigError& e) {
      // A point's axis and base.set keys reach rocesim run as --set KEY=VALUE, so run labels their
      // errors "--set"; in a sweep that names an option the user never typed.
      const std::string what = e.file() != "--set" ? std::string(e.what())
                               : "an axis or base.set key" + (e.path().empty() ? "" : " (" + e.path() + ")") + ": " + e.message();
      throw ConfigError(opt.spec, "/axes", "point " + std::to_string(p.index) + " (" + p.dir_name + ") is invalid: " + what);
    }
  }
  if (opt.check) {
    if (!opt.quiet) std::cout << "inputs ok: " << points.size() << " points\n";
    return 0;
  }
  prepare_output(opt.out);
  std::unique_ptr<SweepPeers> peers = make_sweep_peers();
  Sweep sweep(opt, std::move(spec), std::move(points));
  const int code = sweep.run(*peers);
  if (peers->rank() == 0 && !opt.quiet) sweep.print_summary();
  return code;
}

}  // namespace rocesim::app
