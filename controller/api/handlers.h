// The endpoint handlers, one file per resource (handlers_*.cpp), and what they are given. Each
// row of the role table (roles.cpp) names its handler: adding an endpoint is one row plus one
// handler. Handlers run on the server's worker thread, after routing and authorization (api.cpp).
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/lab/lab.h"
#include "controller/api/api.h"
#include "controller/api/http_types.h"
#include "controller/api/query_string.h"  // query_params
#include "controller/api/roles.h"
#include "controller/sessions/session_service.h"
#include "controller/store/store.h"

namespace atelier::api {

// One authorized request and the services a handler may use. `token` is set for every endpoint
// that is not open; `actor` is the token's id ("anonymous" without one), for the audit log.
struct HandlerContext {
  const HttpRequest& request;
  const Route& route;
  const std::optional<store::TokenRecord>& token;
  const std::string& actor;
  store::Store& store;
  sessions::SessionService& sessions;
  const Api::Options& options;
  WebState& web;  // the failed-login limiter (web_state.h)
  // The responses counted so far by status (for /metrics).
  std::function<std::map<int, std::uint64_t>()> response_counts;
};

// handlers_health.cpp
HttpResponse handle_healthz(const HandlerContext& c);
HttpResponse handle_metrics(const HandlerContext& c);
// handlers_sessions.cpp
HttpResponse handle_create_session(const HandlerContext& c);
HttpResponse handle_list_sessions(const HandlerContext& c);
HttpResponse handle_get_session(const HandlerContext& c);
HttpResponse handle_destroy_session(const HandlerContext& c);
// handlers_events.cpp
HttpResponse handle_session_events(const HandlerContext& c);
// handlers_candidates.cpp (a candidate's lab, access and tasks)
HttpResponse handle_get_candidate(const HandlerContext& c);
HttpResponse handle_get_access(const HandlerContext& c);
HttpResponse handle_get_tasks(const HandlerContext& c);
// handlers_results.cpp (results, annotations, overrides, collect)
HttpResponse handle_get_results(const HandlerContext& c);
HttpResponse handle_create_annotation(const HandlerContext& c);
HttpResponse handle_create_override(const HandlerContext& c);
HttpResponse handle_collect_results(const HandlerContext& c);
// handlers_tokens.cpp
HttpResponse handle_create_token(const HandlerContext& c);
HttpResponse handle_list_tokens(const HandlerContext& c);
HttpResponse handle_list_labs(const HandlerContext& c);  // handlers_labs.cpp
HttpResponse handle_revoke_token(const HandlerContext& c);
// handlers_actions.cpp: reset, solve, run checks, follow an action (actions_api.h)
HttpResponse handle_lab_action(const HandlerContext& c);

// handlers_web_codes.cpp: candidates' access codes, for trainers
HttpResponse handle_list_codes(const HandlerContext& c);
HttpResponse handle_regenerate_code(const HandlerContext& c);
// handlers_web.cpp: the candidate's pages (login, logout, workspace), authenticated by cookie
HttpResponse handle_login_page(const HandlerContext& c);
HttpResponse handle_login(const HandlerContext& c);
HttpResponse handle_logout(const HandlerContext& c);
HttpResponse handle_candidate_page(const HandlerContext& c);
// handlers_web_assets.cpp: installed stylesheets and scripts
HttpResponse handle_asset(const HandlerContext& c);
// handlers_web.cpp: the console page of one of the candidate's machines
HttpResponse handle_console_page(const HandlerContext& c);
HttpResponse handle_display_page(const HandlerContext& c);
// The candidate's web session from their cookie, nullopt when there is none or it ended.
Result<std::optional<store::WebSessionRecord>> web_session_of(store::Store& store,
                                                              const HttpRequest& request);
// handlers_web_console.cpp: console recordings, for trainers and evaluators
HttpResponse handle_list_recordings(const HandlerContext& c);
HttpResponse handle_get_recording(const HandlerContext& c);
// handlers_web_grid.cpp: the evaluator's pages (grid, cell, sheet, exports,
// override/annotate/freeze forms)
HttpResponse handle_evaluator_grid(const HandlerContext& c);
HttpResponse handle_evaluator_cell(const HandlerContext& c);
HttpResponse handle_evaluator_sheet(const HandlerContext& c);
HttpResponse handle_evaluator_export(const HandlerContext& c);
HttpResponse handle_evaluator_override(const HandlerContext& c);
HttpResponse handle_evaluator_annotate(const HandlerContext& c);
HttpResponse handle_evaluator_freeze(const HandlerContext& c);
// handlers_web_staff.cpp: people's login (staff cookie) and the trainer's pages
HttpResponse handle_staff_login_page(const HandlerContext& c);
HttpResponse handle_staff_login(const HandlerContext& c);
HttpResponse handle_staff_logout(const HandlerContext& c);
HttpResponse handle_trainer_page(const HandlerContext& c);
HttpResponse handle_trainer_session_page(const HandlerContext& c);
HttpResponse handle_trainer_action(const HandlerContext& c);
HttpResponse handle_trainer_slips(const HandlerContext& c);
HttpResponse handle_trainer_console_page(const HandlerContext& c);
HttpResponse handle_trainer_display_page(const HandlerContext& c);
HttpResponse handle_trainer_console_log(const HandlerContext& c);
// handlers_web_actions.cpp: the candidate's "check my work" and "reset this machine"
HttpResponse handle_candidate_check(const HandlerContext& c);
HttpResponse handle_candidate_reset_page(const HandlerContext& c);
HttpResponse handle_candidate_reset(const HandlerContext& c);
// handlers_web_new_session.cpp: the trainer's "new session" form (GET shows it, POST creates
// through the session service as POST /sessions does) and the evaluator's home
HttpResponse handle_new_session_page(const HandlerContext& c);
HttpResponse handle_new_session(const HandlerContext& c);
HttpResponse handle_evaluator_home(const HandlerContext& c);

// JSON shapes shared by several resources (handlers_json.cpp; docs/api.md).
boost::json::value candidate_json(const store::CandidateLabRecord& c);
// The seed, from which candidates' variants (and nothing secret) derive, is shown to trainers
// only (with_seed); otherwise the field is absent.
boost::json::object session_json(const store::SessionRecord& s, bool with_seed = false);
// session_json plus the list of its candidate labs.
Result<boost::json::object> session_with_candidates_json(store::Store& store,
                                                         const store::SessionRecord& s,
                                                         bool with_seed = false);
// Whether this request's token may see seeds (a trainer's).
bool shows_seed(const HandlerContext& ctx);
boost::json::value result_json(const store::ResultRecord& r);
boost::json::value text_json(const lab::Text& t);

// Request body readers: errors are kInvalidArgument, said plainly.
Result<boost::json::object> parse_object(const std::string& body);
Status check_fields(const boost::json::object& o, std::initializer_list<std::string_view> known);
Result<std::optional<std::string>> opt_string(const boost::json::object& o, std::string_view key);

}  // namespace atelier::api
