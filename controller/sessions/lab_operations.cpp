// Names of the action kinds and states (lab_operations.h): the text the store keeps and the API
// shows.
#include "controller/sessions/lab_operations.h"

namespace atelier::sessions {

std::string_view to_string(ActionKind k) {
  switch (k) {
    case ActionKind::kReset:
      return "reset";
    case ActionKind::kSolve:
      return "solve";
    case ActionKind::kCheckRun:
      return "check_run";
  }
  return "?";
}

std::string_view to_string(ActionState s) {
  switch (s) {
    case ActionState::kRunning:
      return "running";
    case ActionState::kDone:
      return "done";
    case ActionState::kFailed:
      return "failed";
  }
  return "?";
}

std::optional<ActionKind> parse_action_kind(std::string_view s) {
  for (auto k : {ActionKind::kReset, ActionKind::kSolve, ActionKind::kCheckRun}) {
    if (to_string(k) == s) return k;
  }
  return std::nullopt;
}

std::optional<ActionState> parse_action_state(std::string_view s) {
  for (auto st : {ActionState::kRunning, ActionState::kDone, ActionState::kFailed}) {
    if (to_string(st) == s) return st;
  }
  return std::nullopt;
}

}  // namespace atelier::sessions
