// Runs a bundle of checks in order and turns each executor's evidence into a protocol result
// with its id, timing and description.
#pragma once

#include <string>

#include "common/check_spec.h"
#include "common/protocol/messages.h"

namespace atelier::agent {

// The result id is "<bundle_id>/<index>", so a resend of the same run keeps its ids.
protocol::CheckResult run_one(const checks::Check& check, const std::string& bundle_id, std::size_t index);

protocol::Results run_bundle(const protocol::RunChecks& bundle, const std::string& host);

std::int64_t unix_ms_now();

}  // namespace atelier::agent
