#include "cli_runner.hpp"

#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>

#include <cstdio>
#include <utility>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace rocesim::test {
std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int run_cli_in(const std::string& dir, const std::string& args) {
  const std::string cmd = "cd '" + dir + "' && '" + std::string(ROCESIM_EXE) + "' " + args +
                          " >stdout.txt 2>stderr.txt </dev/null";
  const int status = std::system(cmd.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::vector<std::string> readme_commands() {
  std::ifstream in(std::string(ROCESIM_SOURCE_DIR) + "/README.md");
  std::vector<std::string> out;
  std::string line;
  bool in_sh = false;
  while (std::getline(in, line)) {
    if (line.rfind("```", 0) == 0) {
      in_sh = !in_sh && line == "```sh";
      continue;
    }
    if (in_sh && line.rfind("rocesim ", 0) == 0) out.push_back(line.substr(8));
  }
  return out;
}

std::string scratch_dir(const std::string& name) {
  const std::filesystem::path dir = std::filesystem::path(ROCESIM_BINARY_DIR) / "test-scratch" / name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

void write_file(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

CliResult run_cli(const std::string& args) {
  static_assert(sizeof(ROCESIM_EXE) > 1, "ROCESIM_EXE must name the built binary");
  const std::string dir = scratch_dir("cli-" + std::to_string(std::hash<std::string>{}(args)));
  const std::string out = dir + "/stdout", err = dir + "/stderr";
  const std::string cmd = "cd '" + std::string(ROCESIM_SOURCE_DIR) + "' && '" + std::string(ROCESIM_EXE) + "' " + args +
                          " >'" + out + "' 2>'" + err + "' </dev/null";
  const int status = std::system(cmd.c_str());
  CliResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = read_file(out);
  r.err = read_file(err);
  return r;
}

PtyResult run_cli_pty(const std::string& args, double timeout_s) {
  PtyResult r;
  const std::string cmd = "cd '" + std::string(ROCESIM_SOURCE_DIR) + "' && exec '" + std::string(ROCESIM_EXE) + "' " + args;
  int master = -1;
  struct winsize ws {};
  ws.ws_row = 40;
  ws.ws_col = 120;
  const pid_t pid = forkpty(&master, nullptr, nullptr, &ws);
  if (pid < 0) return r;
  if (pid == 0) {
    execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + std::chrono::duration<double>(timeout_s);
  char buf[4096];
  int status = 0;
  bool reaped = false;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) {
      r.timed_out = true;
      kill(pid, SIGKILL);
      break;
    }
    struct pollfd pfd {master, POLLIN, 0};
    const int ready = poll(&pfd, 1, static_cast<int>(std::min<long long>(left, 200)));
    if (ready > 0) {
      const ssize_t n = read(master, buf, sizeof buf);
      if (n > 0) {
        r.output.append(buf, static_cast<std::size_t>(n));
        continue;
      }
      // EIO: the child closed the terminal (it exited); reap below.
    }
    if (waitpid(pid, &status, ready > 0 ? 0 : WNOHANG) == pid) {
      reaped = true;
      // Drain what the child wrote just before it exited.
      for (ssize_t n; (n = read(master, buf, sizeof buf)) > 0;) r.output.append(buf, static_cast<std::size_t>(n));
      break;
    }
  }
  if (!reaped) waitpid(pid, &status, 0);
  close(master);
  if (!r.timed_out && WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  return r;
}

int shell(const std::string& cmd) {
  const int status = std::system(cmd.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string quoted_exe() { return "'" + std::string(ROCESIM_EXE) + "'"; }

std::string source_path(const std::string& rel) { return std::string(ROCESIM_SOURCE_DIR) + "/" + rel; }

std::vector<std::vector<std::string>> csv_cells(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> cells;
    std::string cell;
    bool quoted = false;
    for (char c : line) {
      if (c == '"') quoted = !quoted;
      else if (c == ',' && !quoted) cells.push_back(std::exchange(cell, {}));
      else cell += c;
    }
    cells.push_back(cell);
    rows.push_back(cells);
  }
  return rows;
}

}  // namespace rocesim::test
