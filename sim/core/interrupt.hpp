// SIGINT/SIGTERM as a polite stop: the handler only records the signal (async-signal-safe: one
// sig_atomic_t store); the simulator loop polls the flag and the caller reports "interrupted at
// simulated t; no report written" and exits 128 + signal (130 for SIGINT, 143 for SIGTERM).
// The handler is one-shot (SA_RESETHAND): a second Ctrl-C kills at once.
// Thread safety: the flag is process-wide; install from the main thread.
#pragma once

#include <csignal>
#include <stdexcept>
#include <string>

#include "core/units.hpp"

namespace rocesim {

// Installs the handler for SIGINT and SIGTERM (without SA_RESTART, so a blocking waitpid returns
// EINTR and the caller can look at the flag).
void install_interrupt_handlers();
// 0, or the number of the first signal received since install_interrupt_handlers.
int interrupt_signal();
const volatile std::sig_atomic_t* interrupt_flag();

// Thrown by a run loop that saw the flag.
class InterruptedError : public std::runtime_error {
 public:
  InterruptedError(int signal, Time at)
      : std::runtime_error("interrupted at simulated t = " + std::to_string(at.us()) + " us; no report written"),
        signal_(signal) {}
  int signal() const { return signal_; }

 private:
  int signal_;
};

}  // namespace rocesim
