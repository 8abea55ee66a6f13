// Aliases kept while callers move: the names the action types and the scheduled-run actor had
// before they moved to controller/sessions/ (api::ActionRecord, grading::kScheduledRunActor, ...).
// Only declarations of names, no dependency on api/ or grading/. Remove once no caller uses them.
#pragma once

#include "controller/sessions/action_store.h"
#include "controller/sessions/lab_operations.h"
#include "controller/sessions/model.h"

namespace atelier::api {
// alias kept while callers move
using sessions::ActionKind;
using sessions::ActionRecord;
using sessions::ActionState;
using sessions::from_stored;
using sessions::HostAccess;
using sessions::LabAccess;
using sessions::LabOperations;
using sessions::parse_action_kind;
using sessions::parse_action_state;
using sessions::TaskVerdict;
using sessions::to_stored;
using sessions::to_string;
}  // namespace atelier::api

namespace atelier::grading {
using sessions::kScheduledRunActor;  // alias kept while callers move
}  // namespace atelier::grading
