// Copyright 2026 The leakprof Authors.
//
// One line per event on stderr: "2026-11-23T12:00:00.123Z leakprof-agent:
// <message>". Thread-safe (one write(2) per line).

#ifndef LEAKPROF_AGENT_LOG_H_
#define LEAKPROF_AGENT_LOG_H_

#include "absl/strings/string_view.h"

namespace leakprof {
namespace agent {

void Log(absl::string_view message);

}  // namespace agent
}  // namespace leakprof

#endif  // LEAKPROF_AGENT_LOG_H_
