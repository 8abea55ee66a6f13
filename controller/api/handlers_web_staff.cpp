// People's pages: GET/POST /staff/login (name + password -> staff cookie), GET /staff/logout,
// the trainer's pages: the sessions list, one session (candidates x state, with reset, solve,
// run checks, destroy) and its access-code slips; and the evaluator's home (GET /evaluator). The
// pages' forms call the JSON API's own handlers (actions_api.h, handlers_sessions.cpp) under the
// signed-in user's principal, so what a page does is exactly what the API does, and audited under
// the user's name ("user:NAME").
#include <boost/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>

#include "controller/api/handlers.h"
#include "controller/api/staff_auth.h"
#include "controller/api/web_http.h"
#include "controller/api/web_state.h"
#include "controller/store/password.h"
#include "controller/web/slips.h"
#include "controller/web/staff_pages.h"

namespace atelier::api {
namespace {

// Where a signed-in person lands: trainers on the sessions list, evaluators on their home (the
// sessions they may grade: their one session's link when they are limited to it).
std::string home_of(const store::TokenRecord& who) {
  return who.role == store::Role::kTrainer ? "/trainer" : "/evaluator";
}

HttpResponse login_form(const HandlerContext& ctx, int status, const std::string& error_key,
                        const std::string& name = "") {
  std::string csrf = request_cookie(ctx.request, kCsrfCookieName);
  if (!is_cookie_secret(csrf) || !error_key.empty()) csrf = random_hex_string(32);
  web::Lang lang = lang_of(ctx.request);
  web::StaffLoginPage model{lang, csrf, error_key.empty() ? "" : web::message(lang, error_key),
                            name};
  HttpResponse r = html_response(status, web::render_staff_login(model));
  r.headers.emplace_back("Set-Cookie", set_cookie(ctx, kCsrfCookieName, csrf, 3600));
  remember_lang(ctx, r);
  return r;
}

// A fixed hash to verify against when the name is unknown, so that an unknown name costs the
// same scrypt time as a wrong password (a login's timing says nothing of who has an account).
const std::string& decoy_hash() {
  static const std::string kDecoy = [] {
    auto h = store::hash_password("atelier-decoy-password");
    return h.ok() ? *h : std::string();
  }();
  return kDecoy;
}

void limiter_note(const HandlerContext& ctx, bool failed) {
  const auto now = sessions::LoginRateLimiter::Clock::now();
  ctx.web.with_limiter([&](auto& l) {
    if (failed) {
      l.record_failure(ctx.request.client_address, now);
    } else {
      l.record_success(ctx.request.client_address);
    }
    return 0;
  });
}

}  // namespace

HttpResponse handle_staff_login_page(const HandlerContext& ctx) {
  auto who = staff_principal(ctx.store, ctx.request);
  if (!who.ok()) return error_response(who.error());
  if (who->has_value()) return see_other(home_of(**who));
  return login_form(ctx, 200, "");
}

HttpResponse handle_staff_login(const HandlerContext& ctx) {
  // Double submit, as on the candidate's login: a cross-site form cannot read our cookie.
  std::string form_csrf = form_value(ctx.request.body, "csrf");
  std::string cookie_csrf = request_cookie(ctx.request, kCsrfCookieName);
  if (!is_cookie_secret(cookie_csrf) || !sessions::digests_equal(form_csrf, cookie_csrf)) {
    return login_form(ctx, 403, "staff.expired_form");
  }
  const std::string& address = ctx.request.client_address;
  const auto now = sessions::LoginRateLimiter::Clock::now();
  long long wait = ctx.web.with_limiter(
      [&](auto& l) { return l.allowed(address, now) ? 0LL : l.retry_after_seconds(address, now); });
  const std::string name = form_value(ctx.request.body, "name");
  if (wait > 0) {
    HttpResponse r = login_form(ctx, 429, "login.too_many", name);
    r.headers.emplace_back("Retry-After", std::to_string(wait));
    return r;
  }
  std::optional<store::UserCredentials> found;
  if (store::valid_user_name(name)) {
    auto lookup = ctx.store.find_user(name);
    if (!lookup.ok()) return error_response(lookup.error());
    found = std::move(lookup).value();
  }
  // Handlers run on the server's worker thread (handlers.h): scrypt's ~100 ms never blocks io.
  const std::string password = form_value(ctx.request.body, "password");
  bool matches = store::verify_password(password, found ? found->password_hash : decoy_hash());
  if (!found || !matches) {
    limiter_note(ctx, true);
    return login_form(ctx, 401, "staff.wrong", name);
  }
  if (found->user.disabled) return login_form(ctx, 403, "staff.disabled", name);
  limiter_note(ctx, false);
  std::string secret = random_hex_string(32);
  if (secret.empty()) return json_error(500, "internal", "the system random generator failed");
  const auto ttl = ctx.options.web.web_session_ttl;
  Status made = ctx.store.create_staff_session(store::sha256_hex(secret), found->user.name,
                                               store::Clock::now() + ttl);
  if (!made.ok()) return error_response(made.error());
  Status logged = ctx.store.append_audit(
      {0, store::Clock::now(), std::string(kUserActorPrefix) + found->user.name, "user.login",
       "user " + found->user.name, "from " + address});
  if (!logged.ok()) return error_response(logged.error());
  HttpResponse r = see_other(home_of(principal_of(found->user)));
  r.headers.emplace_back("Set-Cookie", set_cookie(ctx, kStaffCookie, secret, ttl.count()));
  // The pages' forms carry this token for as long as the session lasts.
  r.headers.emplace_back("Set-Cookie", set_cookie(ctx, kCsrfCookieName, cookie_csrf, ttl.count()));
  return r;
}

HttpResponse handle_staff_logout(const HandlerContext& ctx) {
  std::string c = request_cookie(ctx.request, kStaffCookie);
  if (is_cookie_secret(c)) {
    Status ended = ctx.store.delete_staff_session(store::sha256_hex(c), store::Clock::now());
    if (!ended.ok()) return error_response(ended.error());
  }
  HttpResponse r = see_other("/staff/login");
  r.headers.emplace_back("Set-Cookie", set_cookie(ctx, kStaffCookie, "", 0));
  return r;
}

namespace {

// How far a candidate lab got: the step running (or failed), else the first one pending.
std::string current_step(const store::CandidateLabRecord& lab) {
  if (lab.status == store::LabStatus::kReady) return "";
  for (std::size_t i = 0; i < store::kSteps.size(); ++i) {
    auto s = lab.steps[i];
    if (s == store::StepState::kRunning || s == store::StepState::kFailed) {
      return std::string(store::to_string(store::kSteps[i]));
    }
  }
  for (std::size_t i = 0; i < store::kSteps.size(); ++i) {
    if (lab.steps[i] == store::StepState::kPending)
      return std::string(store::to_string(store::kSteps[i]));
  }
  return "";
}

bool contains_folded(const std::string& hay, const std::string& needle) {
  auto lower = [](std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
  };
  return lower(hay).find(lower(needle)) != std::string::npos;
}

// Who created a session, as people read it: the person's name for "user:NAME", a token's label
// with "(jeton)" for a token's id (the store keeps the id: labels may change, ids do not), and
// anything else ("cli" of older sessions) as it is.
std::string creator_text(web::Lang l, const std::string& created_by,
                         const std::map<std::string, std::string>& token_labels) {
  if (created_by.starts_with(kUserActorPrefix)) return created_by.substr(kUserActorPrefix.size());
  auto token = token_labels.find(created_by);
  if (token == token_labels.end()) return created_by;
  return token->second.empty() ? web::message(l, "trainer.unlabelled_token")
                               : token->second + " (" + web::message(l, "trainer.token") + ")";
}

Result<web::SessionRowView> session_row(const HandlerContext& ctx, const store::SessionRecord& s,
                                        web::Lang lang,
                                        const std::map<std::string, std::string>& token_labels) {
  auto labs = ctx.store.list_candidate_labs(s.id);
  if (!labs.ok()) return std::move(labs).error();
  web::SessionRowView row;
  row.id = s.id;
  row.lab = s.lab_id;
  row.status = std::string(store::to_string(s.status));
  row.destroyed = s.desired == store::DesiredState::kDestroyed;
  row.total = static_cast<int>(labs->size());
  for (const auto& l : *labs) row.ready += l.status == store::LabStatus::kReady ? 1 : 0;
  row.created_by = creator_text(lang, s.created_by, token_labels);
  row.age_seconds =
      std::chrono::duration_cast<std::chrono::seconds>(store::Clock::now() - s.created_at).count();
  return row;
}

}  // namespace

HttpResponse handle_trainer_page(const HandlerContext& ctx) {
  auto sessions = ctx.store.list_sessions();
  if (!sessions.ok()) return error_response(sessions.error());
  web::TrainerSessionsPage model;
  model.lang = lang_of(ctx.request);
  model.user = ctx.token->label;
  model.filter = query_value(ctx.request, "q");
  model.can_create = !ctx.token->session;  // authorize() refuses a session-limited trainer's create
  auto labels = ctx.store.token_labels();
  if (!labels.ok()) return error_response(labels.error());
  for (const auto& s : *sessions) {
    // A session-limited trainer sees their session only (authorize() let the list through).
    if (ctx.token->session && *ctx.token->session != s.id) continue;
    auto row = session_row(ctx, s, model.lang, *labels);
    if (!row.ok()) return error_response(row.error());
    // The filter matches what the row shows (the creator's name or label, not the token's id).
    if (!model.filter.empty() &&
        !contains_folded(s.id + " " + s.lab_id + " " + row->created_by, model.filter))
      continue;
    model.sessions.push_back(std::move(row).value());
  }
  HttpResponse r = html_response(200, web::render_trainer_sessions(model));
  remember_lang(ctx, r);
  return r;
}

HttpResponse handle_trainer_session_page(const HandlerContext& ctx) {
  auto s = ctx.store.get_session(ctx.route.session);
  if (!s.ok()) return error_response(s.error());
  auto labs = ctx.store.list_candidate_labs(ctx.route.session);
  if (!labs.ok()) return error_response(labs.error());
  web::TrainerSessionPage model;
  model.lang = lang_of(ctx.request);
  model.user = ctx.token->label;
  model.csrf_token = request_cookie(ctx.request, kCsrfCookieName);
  model.session = s->id;
  model.lab = s->lab_id;
  model.status = std::string(store::to_string(s->status));
  model.destroyed = s->desired == store::DesiredState::kDestroyed;
  std::string done = query_value(ctx.request, "done");
  if (done == "destroyed" || done == "destroy_mismatch") {
    model.notice = web::message(model.lang, "trainer." + done);
  } else if (!done.empty()) {
    model.notice = web::message(model.lang, "trainer.started") + " " + done;
  }
  for (const auto& l : *labs) {
    model.ready += l.status == store::LabStatus::kReady ? 1 : 0;
    model.candidates.push_back({l.candidate, l.display_name,
                                std::string(store::to_string(l.status)), current_step(l), l.error});
  }
  // The lab's machines (the same for every candidate): a console link each. A lab that cannot be
  // loaded any more (its file changed) only loses the links.
  if (!model.destroyed && !labs->empty()) {
    auto lab = ctx.sessions.candidate_lab(s->id, labs->front().candidate);
    if (lab.ok()) {
      for (const auto& h : lab->hosts) {
        model.hosts.push_back(h.name);
        if (h.display) model.display_hosts.push_back(h.name);
      }
    }
  }
  auto hypervisors = ctx.store.list_hosts();
  model.can_move = hypervisors.ok() && hypervisors->size() > 1;
  HttpResponse r = html_response(200, web::render_trainer_session(model));
  remember_lang(ctx, r);
  return r;
}

namespace {

// A candidate's machine's console or screen for a trainer: the page watches it and can take the
// keyboard (console.js and the bridge decide; display.js: the trainer chooses to type); a host
// outside the candidate's lab, or a screen of a host without one, is 404.
HttpResponse trainer_machine_page(const HandlerContext& ctx, bool display) {
  auto lab = ctx.sessions.candidate_lab(ctx.route.session, ctx.route.candidate);
  if (!lab.ok()) return error_response(lab.error());
  const web::Lang lang = lang_of(ctx.request);
  const std::string& host = ctx.route.action;
  const lab::Host* h = lab->host(host);
  if (h == nullptr) return html_response(404, web::render_console_missing(lang));
  if (display && !h->display) return html_response(404, web::render_console_missing(lang, true));
  web::ConsolePage page;
  page.lang = lang;
  page.host = host;
  page.candidate = ctx.route.candidate;
  page.socket_path = (display ? "/display/" : "/console/") + ctx.route.session + "/" +
                     ctx.route.candidate + "/" + host;
  page.back_url = "/trainer/sessions/" + ctx.route.session;
  page.trainer = true;
  HttpResponse r =
      html_response(200, display ? web::render_display(page) : web::render_console(page));
  remember_lang(ctx, r);
  return r;
}

}  // namespace

HttpResponse handle_trainer_console_page(const HandlerContext& ctx) {
  return trainer_machine_page(ctx, false);
}

HttpResponse handle_trainer_display_page(const HandlerContext& ctx) {
  return trainer_machine_page(ctx, true);
}

// The end of a machine's console log (kConsoleLogTail bytes at most, from a line's start): what
// it printed while it booted and was configured, where a provisioning error's cause shows.
HttpResponse handle_trainer_console_log(const HandlerContext& ctx) {
  constexpr std::uintmax_t kConsoleLogTail = 256 * 1024;
  const auto missing = [](const std::string& why) { return text_response(404, why + "\n"); };
  if (ctx.options.operations == nullptr)
    return text_response(503, "this atelierd runs no lab (--no-reconcile)\n");
  auto access = ctx.options.operations->access(ctx.route.session, ctx.route.candidate);
  if (!access.ok()) return missing(access.error().message());
  const sessions::HostAccess* host = nullptr;
  for (const auto& h : access->hosts) {
    if (h.name == ctx.route.action) host = &h;
  }
  if (host == nullptr) return missing("the lab has no machine " + ctx.route.action);
  if (host->console_log.empty())
    return missing("this atelierd keeps no console log (--console pty)");
  std::error_code ec;
  const std::uintmax_t size = std::filesystem::file_size(host->console_log, ec);
  std::ifstream in(host->console_log, std::ios::binary);
  if (ec || !in) return missing("the machine has printed nothing yet");
  std::string text;
  if (size > kConsoleLogTail) {
    in.seekg(static_cast<std::streamoff>(size - kConsoleLogTail));
    std::getline(in, text);  // a partial first line
    text = "[…]\n";
  }
  text.append(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return text_response(200, text);
}

// The sessions the person may grade, newest last as on /trainer; a session-limited evaluator
// (or trainer) sees their session only.
HttpResponse handle_evaluator_home(const HandlerContext& ctx) {
  auto sessions = ctx.store.list_sessions();
  if (!sessions.ok()) return error_response(sessions.error());
  web::EvaluatorHomePage model;
  model.lang = lang_of(ctx.request);
  model.user = ctx.token->label;
  model.trainer = ctx.token->role == store::Role::kTrainer;
  auto labels = ctx.store.token_labels();
  if (!labels.ok()) return error_response(labels.error());
  for (const auto& s : *sessions) {
    if (ctx.token->session && *ctx.token->session != s.id) continue;
    auto row = session_row(ctx, s, model.lang, *labels);
    if (!row.ok()) return error_response(row.error());
    auto frozen = ctx.store.get_freeze(s.id);
    if (!frozen.ok()) return error_response(frozen.error());
    row->frozen = frozen->has_value();
    model.sessions.push_back(std::move(row).value());
  }
  HttpResponse r = html_response(200, web::render_evaluator_home(model));
  remember_lang(ctx, r);
  return r;
}

// POST .../reset, .../solve, .../checks, .../destroy: the API's own handler, under this user,
// then back to the session's page with what happened.
HttpResponse handle_trainer_action(const HandlerContext& ctx) {
  const std::string back = "/trainer/sessions/" + ctx.route.session;
  Route api_route = ctx.route;
  HttpRequest api_request = ctx.request;
  api_request.body.clear();  // the form's fields are not the API's JSON body (reset's below)
  std::string kind;
  switch (ctx.route.endpoint) {
    case Endpoint::kTrainerReset: {
      api_route.endpoint = Endpoint::kResetLab;
      kind = "reset";
      // One machine (the form's list) or, with none chosen, the whole lab, or the whole lab on
      // another hypervisor host; the core refuses a host the lab does not have.
      const std::string host = form_value(ctx.request.body, "host");
      if (host == web::kMoveChoice) {
        api_request.body = boost::json::serialize(boost::json::object{{"move", true}});
      } else if (!host.empty()) {
        api_request.body = boost::json::serialize(boost::json::object{{"host", host}});
      }
      break;
    }
    case Endpoint::kTrainerSolve:
      api_route.endpoint = Endpoint::kSolveLab;
      kind = "solve";
      break;
    case Endpoint::kTrainerChecks:
      api_route.endpoint = Endpoint::kRunChecks;
      kind = "check_run";
      break;
    default:
      api_route.endpoint = Endpoint::kDestroySession;
      kind = "destroy";
      break;
  }
  HandlerContext api_ctx{api_request,  api_route,   ctx.token, ctx.actor,          ctx.store,
                         ctx.sessions, ctx.options, ctx.web,   ctx.response_counts};
  if (kind == "destroy") {
    if (form_value(ctx.request.body, "confirm") != ctx.route.session)
      return see_other(back + "?done=destroy_mismatch");
    HttpResponse r = handle_destroy_session(api_ctx);
    return r.status / 100 == 2 ? see_other(back + "?done=destroyed") : r;
  }
  HttpResponse r = handle_lab_action(api_ctx);
  if (r.status / 100 != 2) return r;
  std::string id;
  boost::system::error_code ec;
  auto body = boost::json::parse(r.body, ec);
  if (!ec && body.is_object() && body.as_object().contains("id") && body.at("id").is_string()) {
    id = std::string(body.at("id").as_string());
  }
  return see_other(back + "?done=" + kind + (id.empty() ? "" : "%20" + id));
}

// The printable slips of the session's codes (issued on first read, as GET .../codes does).
HttpResponse handle_trainer_slips(const HandlerContext& ctx) {
  Route codes_route = ctx.route;
  codes_route.endpoint = Endpoint::kListCodes;
  HandlerContext codes_ctx{ctx.request,  codes_route, ctx.token, ctx.actor,          ctx.store,
                           ctx.sessions, ctx.options, ctx.web,   ctx.response_counts};
  HttpResponse codes = handle_list_codes(codes_ctx);
  if (codes.status != 200) return codes;
  std::vector<web::CodeSlip> slips;
  boost::system::error_code ec;
  auto body = boost::json::parse(codes.body, ec);
  if (ec) return json_error(500, "internal", "the codes could not be read back");
  for (const auto& c : body.at("codes").as_array()) {
    slips.push_back(
        {std::string(c.at("candidate").as_string()), std::string(c.at("code").as_string())});
  }
  std::string host(ctx.request.header("Host"));
  std::string address = (ctx.options.web.secure_cookies ? "https://" : "http://") + host + "/login";
  return html_response(200, web::render_code_slips(address, ctx.route.session, slips));
}

}  // namespace atelier::api
