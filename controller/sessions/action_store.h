// An action's record as the store keeps it (store::ActionRecord, written when the action starts
// and when it ends) and back; the verdicts are kept as the JSON array the API shows.
#pragma once

#include <boost/json/array.hpp>

#include <vector>

#include "common/result.h"
#include "controller/sessions/lab_operations.h"
#include "controller/store/store.h"

namespace atelier::sessions {

store::ActionRecord to_stored(const ActionRecord& action);
// kInternal for a record that does not parse.
Result<ActionRecord> from_stored(const store::ActionRecord& stored);

// The verdicts as a JSON array of {candidate, task, passed, checks, failed}.
boost::json::array verdicts_json(const std::vector<TaskVerdict>& verdicts);

}  // namespace atelier::sessions
