// The endpoint x role table and the route matcher (see roles.h).
#include "controller/api/roles.h"

#include "controller/api/handlers.h"

#include <array>
#include <optional>
#include <vector>

namespace atelier::api {
namespace {

// clang-format off
// A plain array: its size follows the rows.
constexpr Rule kRules[] = {
  //  endpoint                         method    pattern                                              open   trainer evaluator candidate handler
  {Endpoint::kHealthz,             "GET",    "/healthz",                                          true,  true,   true,     true, handle_healthz},
  {Endpoint::kMetrics,             "GET",    "/metrics",                                          true,  true,   true,     true, handle_metrics},
  {Endpoint::kCreateSession,       "POST",   "/sessions",                                         false, true,   false,    false, handle_create_session},
  {Endpoint::kListLabs,            "GET",    "/labs",                                             false, true,   false,    false, handle_list_labs},
  {Endpoint::kListSessions,        "GET",    "/sessions",                                         false, true,   true,     false, handle_list_sessions},
  {Endpoint::kGetSession,          "GET",    "/sessions/{session}",                               false, true,   true,     false, handle_get_session},
  {Endpoint::kDestroySession,      "DELETE", "/sessions/{session}",                               false, true,   false,    false, handle_destroy_session},
  {Endpoint::kGetCandidate,        "GET",    "/sessions/{session}/candidates/{candidate}",        false, true,   true,     true, handle_get_candidate},
  {Endpoint::kGetAccess,           "GET",    "/sessions/{session}/candidates/{candidate}/access", false, true,   false,    true, handle_get_access},
  {Endpoint::kGetTasks,            "GET",    "/sessions/{session}/candidates/{candidate}/tasks",  false, true,   true,     true, handle_get_tasks},
  {Endpoint::kGetCandidateResults, "GET",    "/sessions/{session}/candidates/{candidate}/results",false, true,   true,     true, handle_get_results},
  {Endpoint::kGetResults,          "GET",    "/sessions/{session}/results",                       false, true,   true,     false, handle_get_results},
  {Endpoint::kCreateToken,         "POST",   "/tokens",                                           false, true,   false,    false, handle_create_token},
  {Endpoint::kListTokens,          "GET",    "/tokens",                                           false, true,   false,    false, handle_list_tokens},
  {Endpoint::kRevokeToken,         "DELETE", "/tokens/{token}",                                   false, true,   false,    false, handle_revoke_token},
  {Endpoint::kSessionEvents,       "GET",    "/sessions/{session}/events",                        false, true,   true,     false, handle_session_events},
  {Endpoint::kResetLab,            "POST",   "/sessions/{session}/candidates/{candidate}/reset",  false, true,   false,    false, handle_lab_action},
  {Endpoint::kSolveLab,            "POST",   "/sessions/{session}/candidates/{candidate}/solve",  false, true,   false,    false, handle_lab_action},
  {Endpoint::kRunChecks,           "POST",   "/sessions/{session}/checks",                        false, true,   false,    false, handle_lab_action},
  {Endpoint::kGetAction,           "GET",    "/sessions/{session}/actions/{action}",              false, true,   false,    false, handle_lab_action},
  {Endpoint::kCreateAnnotation,    "POST",   "/sessions/{session}/annotations",                   false, true,   true,     false, handle_create_annotation},
  {Endpoint::kCreateOverride,      "POST",   "/sessions/{session}/overrides",                     false, true,   true,     false, handle_create_override},
  {Endpoint::kCollectResults,      "POST",   "/sessions/{session}/collect",                       false, true,   true,     false, handle_collect_results},
  {Endpoint::kListCodes,           "GET",    "/sessions/{session}/codes",                         false, true,   false,    false, handle_list_codes},
  {Endpoint::kRegenerateCode,      "POST",   "/sessions/{session}/candidates/{candidate}/code",   false, true,   false,    false, handle_regenerate_code},
  // The candidate's pages: no bearer token; the handlers accept only the candidate's own cookie.
  {Endpoint::kLoginPage,           "GET",    "/login",                                            true,  true,   true,     true, handle_login_page},
  {Endpoint::kLogin,               "POST",   "/login",                                            true,  true,   true,     true, handle_login},
  {Endpoint::kLogout,              "GET",    "/logout",                                           true,  true,   true,     true, handle_logout},
  {Endpoint::kCandidatePage,       "GET",    "/candidate",                                        true,  true,   true,     true, handle_candidate_page},
  {Endpoint::kAsset,               "GET",    "/assets/{rest}",                                    true,  true,   true,     true, handle_asset},
  {Endpoint::kConsolePage,         "GET",    "/candidate/console/{rest}",                         true,  true,   true,     true, handle_console_page},
  {Endpoint::kDisplayPage,         "GET",    "/candidate/display/{rest}",                         true,  true,   true,     true, handle_display_page},
  // Console recordings: evidence for evaluators, never for candidates.
  {Endpoint::kListRecordings,      "GET",    "/sessions/{session}/recordings",                    false, true,   true,     false, handle_list_recordings},
  {Endpoint::kGetRecording,        "GET",    "/sessions/{session}/candidates/{candidate}/recordings/{action}", false, true, true, false, handle_get_recording},
  // The evaluator's pages (grid, cell, sheet, exports, forms): evaluators and trainers, never
  // candidates. A cell's task id travels in {action}; the forms also need the CSRF token.
  {Endpoint::kEvaluatorGrid,       "GET",    "/evaluator/sessions/{session}",                     false, true,   true,     false, handle_evaluator_grid},
  {Endpoint::kEvaluatorCell,       "GET",    "/evaluator/sessions/{session}/candidates/{candidate}/tasks/{action}", false, true, true, false, handle_evaluator_cell},
  {Endpoint::kEvaluatorSheet,      "GET",    "/evaluator/sessions/{session}/candidates/{candidate}/sheet", false, true, true, false, handle_evaluator_sheet},
  {Endpoint::kEvaluatorExport,     "GET",    "/evaluator/sessions/{session}/export/{action}",     false, true,   true,     false, handle_evaluator_export},
  {Endpoint::kEvaluatorOverride,   "POST",   "/evaluator/sessions/{session}/overrides",           false, true,   true,     false, handle_evaluator_override},
  {Endpoint::kEvaluatorAnnotate,   "POST",   "/evaluator/sessions/{session}/annotations",         false, true,   true,     false, handle_evaluator_annotate},
  {Endpoint::kEvaluatorFreeze,     "POST",   "/evaluator/sessions/{session}/freeze",              false, true,   true,     false, handle_evaluator_freeze},
  // People's login and the trainer's pages (handlers_web_staff.cpp): a staff cookie is a principal
  // like a token (staff_auth.h); the pages' POST forms carry the CSRF field.
  {Endpoint::kStaffLoginPage,      "GET",    "/staff/login",                                      true,  true,   true,     true, handle_staff_login_page},
  {Endpoint::kStaffLogin,          "POST",   "/staff/login",                                      true,  true,   true,     true, handle_staff_login},
  {Endpoint::kStaffLogout,         "GET",    "/staff/logout",                                     true,  true,   true,     true, handle_staff_logout},
  {Endpoint::kTrainerPage,         "GET",    "/trainer",                                          false, true,   false,    false, handle_trainer_page},
  {Endpoint::kTrainerSessionPage,  "GET",    "/trainer/sessions/{session}",                       false, true,   false,    false, handle_trainer_session_page},
  {Endpoint::kTrainerReset,        "POST",   "/trainer/sessions/{session}/candidates/{candidate}/reset", false, true, false, false, handle_trainer_action},
  {Endpoint::kTrainerSolve,        "POST",   "/trainer/sessions/{session}/candidates/{candidate}/solve", false, true, false, false, handle_trainer_action},
  {Endpoint::kTrainerChecks,       "POST",   "/trainer/sessions/{session}/checks",                false, true,   false,    false, handle_trainer_action},
  {Endpoint::kTrainerDestroy,      "POST",   "/trainer/sessions/{session}/destroy",               false, true,   false,    false, handle_trainer_action},
  {Endpoint::kTrainerSlips,        "GET",    "/trainer/sessions/{session}/slips",                 false, true,   false,    false, handle_trainer_slips},
  // A candidate's machine's console for a trainer (its host name in {action}): watch, take over.
  {Endpoint::kTrainerConsolePage,  "GET",    "/trainer/sessions/{session}/candidates/{candidate}/console/{action}", false, true, false, false, handle_trainer_console_page},
  {Endpoint::kTrainerDisplayPage,  "GET",    "/trainer/sessions/{session}/candidates/{candidate}/display/{action}", false, true, false, false, handle_trainer_display_page},
  // The console log a machine printed (boot, provisioning), as text: what a provisioning error
  // points to.
  {Endpoint::kTrainerConsoleLog,   "GET",    "/trainer/sessions/{session}/candidates/{candidate}/console-log/{action}", false, true, false, false, handle_trainer_console_log},
  // The candidate's own actions (handlers_web_actions.cpp): open here like the candidate's pages;
  // the handlers accept only the candidate's cookie, the POSTs only with the CSRF field, and each
  // needs its session's flag (feedback; candidate_resets).
  {Endpoint::kCandidateCheck,      "POST",   "/candidate/check",                                  true,  true,   true,     true, handle_candidate_check},
  {Endpoint::kCandidateResetPage,  "GET",    "/candidate/reset/{rest}",                           true,  true,   true,     true, handle_candidate_reset_page},
  {Endpoint::kCandidateReset,      "POST",   "/candidate/reset/{rest}",                           true,  true,   true,     true, handle_candidate_reset},
  // The trainer's "new session" form (creates through the session service, like POST /sessions),
  // and the evaluator's home: the sessions the person may grade.
  {Endpoint::kTrainerNewSessionPage, "GET", "/trainer/sessions/new",                              false, true,   false,    false, handle_new_session_page},
  {Endpoint::kTrainerNewSession,   "POST",   "/trainer/sessions/new",                             false, true,   false,    false, handle_new_session},
  {Endpoint::kEvaluatorHome,       "GET",    "/evaluator",                                        false, true,   true,     false, handle_evaluator_home},
};
// clang-format on

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> parts;
  std::size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    std::size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    parts.push_back(path.substr(i, j - i));
    i = j;
  }
  return parts;
}

// Fills session/candidate from the placeholders; false when the shapes differ.
bool match_pattern(std::string_view pattern, std::string_view path, Route& out) {
  auto want = split_path(pattern);
  auto got = split_path(path);
  // A final {rest} takes every remaining segment (at least one), kept as sent.
  if (!want.empty() && want.back() == "{rest}") {
    if (got.size() < want.size()) return false;
    std::size_t prefix = want.size() - 1;
    for (std::size_t i = 0; i < prefix; ++i) {
      if (want[i] != got[i]) return false;
    }
    out.rest = std::string(path.substr(static_cast<std::size_t>(got[prefix].data() - path.data())));
    return true;
  }
  if (want.size() != got.size()) return false;
  if (!path.empty() && path.back() == '/' && path.size() > 1) return false;
  for (std::size_t i = 0; i < want.size(); ++i) {
    if (want[i] == "{session}")
      out.session = got[i];
    else if (want[i] == "{candidate}")
      out.candidate = got[i];
    else if (want[i] == "{action}")
      out.action = got[i];
    else if (want[i] == "{token}")
      out.token = got[i];
    else if (want[i] != got[i])
      return false;
  }
  return true;
}

}  // namespace

std::span<const Rule> rules() {
  return kRules;
}

const Rule& rule(Endpoint e) {
  for (const auto& r : kRules) {
    if (r.endpoint == e) return r;
  }
  return kRules[0];  // unreachable: every endpoint has a row (tested)
}

Result<Route> match_route(std::string_view method, std::string_view path) {
  bool path_matched = false;
  std::optional<Route> best;
  std::size_t best_literals = 0;
  for (const auto& r : kRules) {
    Route route{r.endpoint, {}, {}, {}, {}, {}};
    if (!match_pattern(r.pattern, path, route)) continue;
    path_matched = true;
    if (r.method != method) continue;
    std::size_t literals = 0;
    for (auto part : split_path(r.pattern)) literals += part.starts_with('{') ? 0 : 1;
    if (!best || literals > best_literals) {
      best = std::move(route);
      best_literals = literals;
    }
  }
  if (best) return *best;
  if (path_matched) {
    return Error(ErrorCode::kFailedPrecondition,
                 "method " + std::string(method) + " is not allowed on " + std::string(path));
  }
  return Error(ErrorCode::kNotFound, "no endpoint " + std::string(path) + "; see docs/api.md");
}

Decision authorize(const Route& route, const std::optional<store::TokenRecord>& token) {
  const Rule& r = rule(route.endpoint);
  if (r.open) return Decision::kAllow;
  if (!token) return Decision::kUnauthenticated;
  // A token limited to one session sees nothing of the others, and cannot act on "all".
  bool session_ok = !token->session || (!route.session.empty() && route.session == *token->session);
  switch (token->role) {
    case store::Role::kTrainer:
      if (!r.trainer) return Decision::kForbidden;
      // A session-limited trainer may list (filtered) sessions, and create, list and revoke
      // tokens of its own session (checked by the handlers), but not create sessions.
      if (route.endpoint == Endpoint::kListSessions || route.endpoint == Endpoint::kTrainerPage ||
          route.endpoint == Endpoint::kEvaluatorHome || route.endpoint == Endpoint::kCreateToken ||
          route.endpoint == Endpoint::kListTokens || route.endpoint == Endpoint::kRevokeToken) {
        return Decision::kAllow;
      }
      return session_ok ? Decision::kAllow : Decision::kForbidden;
    case store::Role::kEvaluator:
      if (!r.evaluator) return Decision::kForbidden;
      // The evaluator's home lists the sessions this evaluator may see (filtered by the handler).
      if (route.endpoint == Endpoint::kListSessions || route.endpoint == Endpoint::kEvaluatorHome) {
        return Decision::kAllow;
      }
      return session_ok ? Decision::kAllow : Decision::kForbidden;
    case store::Role::kCandidate:
      if (!r.candidate) return Decision::kForbidden;
      if (!token->session || !token->candidate) return Decision::kForbidden;
      return (route.session == *token->session && route.candidate == *token->candidate)
                 ? Decision::kAllow
                 : Decision::kForbidden;
  }
  return Decision::kForbidden;
}

}  // namespace atelier::api
