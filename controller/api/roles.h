// The access rules of the API in one table: which role may call which endpoint, on whose
// behalf, and which handler serves it. Every request goes through authorize(); nothing else
// decides access. A new endpoint is one Endpoint value, one row and one handler (handlers.h).
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "controller/api/http_types.h"
#include "controller/store/store.h"

namespace atelier::api {

enum class Endpoint {
  kHealthz,
  kMetrics,
  kCreateSession,
  kListSessions,
  kGetSession,
  kDestroySession,
  kGetCandidate,
  kGetAccess,
  kGetTasks,
  kGetCandidateResults,
  kGetResults,
  kCreateToken,
  kListTokens,
  kRevokeToken,
  kSessionEvents,
  kResetLab,
  kSolveLab,
  kRunChecks,
  kGetAction,
  kCreateAnnotation,  // results_api.h
  kCreateOverride,
  kCollectResults,
  kListCodes,  // handlers_web_codes.cpp
  kRegenerateCode,
  kLoginPage,  // handlers_web.cpp: pages, open here, the candidate's cookie checked there
  kLogin,
  kLogout,
  kCandidatePage,
  kAsset,           // handlers_web_assets.cpp
  kConsolePage,     // handlers_web.cpp: the candidate's console page (cookie)
  kDisplayPage,     // ... and a machine's screen (`display: true`)
  kListRecordings,  // handlers_web_console.cpp
  kGetRecording,
  kEvaluatorGrid,  // handlers_web_grid.cpp: the evaluator's pages (a bearer token or a person's
                   // cookie)
  kEvaluatorCell,
  kEvaluatorSheet,
  kEvaluatorExport,
  kEvaluatorOverride,
  kEvaluatorAnnotate,
  kEvaluatorFreeze,
  kStaffLoginPage,  // handlers_web_staff.cpp: people's login, open; the pages after it by staff
                    // cookie
  kStaffLogin,
  kStaffLogout,
  kTrainerPage,
  kTrainerSessionPage,
  kTrainerReset,
  kTrainerSolve,
  kTrainerChecks,
  kTrainerDestroy,
  kTrainerSlips,
  kTrainerConsolePage,
  kTrainerDisplayPage,
  kTrainerConsoleLog,
  kCandidateCheck,  // handlers_web_actions.cpp: the candidate's own actions (cookie, CSRF)
  kCandidateResetPage,
  kCandidateReset,
  kTrainerNewSessionPage,  // handlers_web_new_session.cpp: the trainer's "new session" form
  kTrainerNewSession,
  kEvaluatorHome,  // the sessions an evaluator (or trainer) may grade
  kListLabs,       // handlers_labs.cpp: the labs and what they need, to size a room
};

struct HandlerContext;  // handlers.h
using EndpointHandler = HttpResponse (*)(const HandlerContext&);

// Who may call an endpoint, and which handler serves it. Trainer and evaluator tokens may be
// limited to one session (TokenRecord::session); candidate tokens are always limited to their own
// candidate lab.
struct Rule {
  Endpoint endpoint;
  std::string_view method;
  std::string_view pattern;  // "/sessions/{session}/candidates/{candidate}"
  bool open;                 // no token needed
  bool trainer;
  bool evaluator;
  bool candidate;           // only for the candidate named in the token
  EndpointHandler handler;  // handlers.h; runs after authorize() allowed the request
};

// The table (roles.cpp), one row per endpoint.
std::span<const Rule> rules();
const Rule& rule(Endpoint e);

struct Route {
  Endpoint endpoint;
  std::string session;    // from {session}, "" when the path has none
  std::string candidate;  // from {candidate}
  std::string action;     // from {action}
  std::string token;      // from {token}: a token's id
  std::string rest;       // from a final {rest}: the remaining path, one or more segments
};

// Matches method + path (no query); where several patterns match, the one with the most literal
// segments wins ("/trainer/sessions/new" over "/trainer/sessions/{session}"), whatever the rows'
// order. kNotFound when no pattern matches the path;
// kFailedPrecondition when the path matches but not with this method (405).
Result<Route> match_route(std::string_view method, std::string_view path);

enum class Decision { kAllow, kUnauthenticated, kForbidden };

// Whether `token` (nullopt: no valid token) may call `route`.
Decision authorize(const Route& route, const std::optional<store::TokenRecord>& token);

}  // namespace atelier::api
