// Graceful shutdown for a main() that wires components: block SIGINT and
// SIGTERM in every thread first, start the components, then wait for one of
// the two and stop them in order.
//
//   int main(int argc, char** argv) {
//     leakprof::BlockTerminationSignals();   // before any thread starts
//     ... start components ...
//     int sig = leakprof::WaitForTerminationSignal();
//     LOG: "got SIGTERM, stopping"; ... stop components ...
//   }
#ifndef LEAKPROF_COMMON_SERVER_SIGNALS_H_
#define LEAKPROF_COMMON_SERVER_SIGNALS_H_

#include "absl/time/time.h"

namespace leakprof {

// Blocks SIGINT and SIGTERM in the calling thread and in every thread it
// starts afterwards. REQUIRES: called before any other thread exists.
void BlockTerminationSignals();

// Waits until SIGINT or SIGTERM is pending and returns it (consumed), or
// returns 0 when `timeout` passes first.
// REQUIRES: BlockTerminationSignals() was called.
int WaitForTerminationSignal(absl::Duration timeout = absl::InfiniteDuration());

}  // namespace leakprof

#endif  // LEAKPROF_COMMON_SERVER_SIGNALS_H_
