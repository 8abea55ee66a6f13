// `atelier session create|list|status|destroy` over atelierd's HTTP API (see session_commands.h).
#include "controller/cli/session_commands.h"

#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <boost/json.hpp>
#include <boost/program_options.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <thread>

#include "controller/api/http_client.h"
#include "controller/cli/candidate_args.h"
#include "controller/cli/commands.h"

namespace atelier::cli {
namespace po = boost::program_options;
namespace json = boost::json;
namespace fs = std::filesystem;

// What the process environment says, read once at the command's entry and passed down.

Environment read_environment() {
  auto get = [](const char* name) -> std::string {
    const char* v = std::getenv(name);
    return v ? v : "";
  };
  Environment env;
  env.server = get("ATELIER_SERVER");
  if (env.server.empty()) env.server = get("ATELIER_URL");
  env.token = get("ATELIER_TOKEN");
  std::string xdg = get("XDG_CONFIG_HOME");
  std::string home = get("HOME");
  if (!xdg.empty())
    env.config_file = fs::path(xdg) / "atelier" / "cli.yaml";
  else if (!home.empty())
    env.config_file = fs::path(home) / ".config" / "atelier" / "cli.yaml";
  return env;
}

// Flags win over the environment, which wins over the config file.
Result<Client> resolve_client(const po::variables_map& vm, const Environment& env) {
  Client c;
  if (vm.count("server")) c.server = vm["server"].as<std::string>();
  if (vm.count("token")) c.token = vm["token"].as<std::string>();
  if (vm.count("ca-file")) c.ca_file = vm["ca-file"].as<std::string>();
  if (c.server.empty()) c.server = env.server;
  if (c.token.empty()) c.token = env.token;
  if (!env.config_file.empty() && fs::exists(env.config_file)) {
    try {
      YAML::Node file = YAML::LoadFile(env.config_file.string());
      if (c.server.empty() && file["server"]) c.server = file["server"].as<std::string>();
      if (c.token.empty() && file["token"]) c.token = file["token"].as<std::string>();
      if (c.ca_file.empty() && file["ca_file"]) c.ca_file = file["ca_file"].as<std::string>();
    } catch (const YAML::Exception& e) {
      return Error(ErrorCode::kInvalidArgument, e.what())
          .context("read " + env.config_file.string());
    }
  }
  if (c.server.empty()) c.server = "http://127.0.0.1:8440";
  if (c.token.empty()) {
    return Error(
        ErrorCode::kInvalidArgument,
        "no token: give --token, set ATELIER_TOKEN, or put `token:` in ~/.config/atelier/cli.yaml "
        "(make one with `atelier token create --role trainer`)");
  }
  return c;
}

void add_client_options(po::options_description& opts) {
  opts.add_options()("server", po::value<std::string>(),
                     "atelierd's URL (default http://127.0.0.1:8440)")(
      "token", po::value<std::string>(), "API token")(
      "ca-file", po::value<std::string>(),
      "https: PEM file of the CA to trust (default: the system's)")(
      "output", po::value<std::string>()->default_value("text"), "text or json");
}

std::optional<Client> client_or_report(const std::string& name, const po::variables_map& vm,
                                       const Environment& env) {
  auto client = resolve_client(vm, env);
  if (!client.ok()) {
    std::cerr << "atelier " << name << ": " << client.error().to_string() << "\n";
    return std::nullopt;
  }
  return std::move(client).value();
}

std::optional<int> parse_command_line(const std::string& name, const std::vector<std::string>& args,
                                      const po::options_description& opts,
                                      const po::positional_options_description& pos,
                                      const std::string& usage, po::variables_map& vm) {
  try {
    po::store(po::command_line_parser(args).options(opts).positional(pos).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "atelier " << name << ": " << e.what() << "\n" << usage << opts;
    return kExitInvalid;
  }
  if (vm.count("help")) {
    std::cout << usage << opts;
    return kExitOk;
  }
  return std::nullopt;
}

std::optional<int> parse(const std::string& name, const std::vector<std::string>& args,
                         const po::options_description& opts,
                         const po::positional_options_description& pos, const std::string& usage,
                         po::variables_map& vm) {
  if (auto code = parse_command_line(name, args, opts, pos, usage, vm)) return code;
  const std::string& output = vm["output"].as<std::string>();
  if (output != "text" && output != "json") {
    std::cerr << "atelier " << name << ": --output must be text or json\n";
    return kExitInvalid;
  }
  return std::nullopt;
}

// The error message of an error answer: the API's {"error": {"message", "diagnostics"}}, else
// the body as it came.
std::string error_message(const api::HttpResponse& r) {
  boost::system::error_code ec;
  json::value v = json::parse(r.body, ec);
  if (ec || !v.is_object() || !v.as_object().contains("error") || !v.at("error").is_object())
    return r.body;
  const auto& e = v.at("error").as_object();
  if (!e.contains("message") || !e.at("message").is_string()) return r.body;
  std::string message(e.at("message").as_string());
  if (e.contains("diagnostics") && e.at("diagnostics").is_array()) {
    for (const auto& d : e.at("diagnostics").as_array()) {
      if (d.is_object() && d.as_object().contains("text")) message += "\n  " + str(d.at("text"));
    }
  }
  return message;
}

RawAnswer call_raw(const std::string& name, const Client& client, const std::string& method,
                   const std::string& target, const std::string& body) {
  api::ClientRequest req;
  req.method = method;
  req.target = target;
  req.token = client.token;
  req.body = body;
  req.ca_file = client.ca_file;
  auto r = api::http_call(client.server, req);
  if (!r.ok()) {
    std::cerr << "atelier " << name << ": " << r.error().to_string() << "\n";
    return {r.error().code() == ErrorCode::kInvalidArgument ? kExitInvalid : kExitFailure, {}};
  }
  if (r->status >= 200 && r->status < 300) return {kExitOk, std::move(r).value()};
  std::cerr << "atelier " << name << ": " << error_message(*r) << " (HTTP " << r->status << ")\n";
  // The caller's input was wrong: 400, 404, 409, 413. Anything else is the environment.
  const int s = r->status;
  return {(s == 400 || s == 404 || s == 409 || s == 413) ? kExitInvalid : kExitFailure,
          std::move(r).value()};
}

// An API call whose answer is JSON; prints the error and gives the exit code when it fails.
Answer call(const std::string& name, const Client& client, const std::string& method,
            const std::string& target, const std::string& body) {
  RawAnswer raw = call_raw(name, client, method, target, body);
  boost::system::error_code ec;
  json::value v = json::parse(raw.response.body, ec);
  if (ec) v = nullptr;
  if (raw.exit == kExitOk && ec) {
    std::cerr << "atelier " << name << ": the server's answer is not JSON (HTTP "
              << raw.response.status << ")\n";
    return {kExitFailure, std::move(v)};
  }
  return {raw.exit, std::move(v)};
}

std::string str(const json::value& v) {
  if (v.is_string()) return std::string(v.as_string());
  if (v.is_null()) return "-";
  return json::serialize(v);
}

// "networks done, disks running, ..." up to the first step not done.
std::string steps_line(const json::value& candidate) {
  std::string out;
  for (const auto& kv : candidate.at("steps").as_object()) {
    std::string state = str(kv.value());
    if (!out.empty()) out += " ";
    out += std::string(kv.key()) + "=" + state;
  }
  return out;
}

void print_session(const json::value& s) {
  std::cout << "session " << str(s.at("id")) << ": lab " << str(s.at("lab").at("id")) << ", seed "
            << str(s.at("seed")) << ", desired " << str(s.at("desired")) << ", status "
            << str(s.at("status")) << ", created " << str(s.at("created_at")) << "\n";
  // The interval in force (GET /sessions/{id}), else the session's own when it set one.
  const auto& o = s.as_object();
  const json::value* every = o.if_contains("checks_every");
  const json::value* own = o.if_contains("check_interval");
  if (every && every->is_object()) {
    std::string interval = str(every->at("interval"));
    std::string from = str(every->at("from"));
    std::cout << "  periodic checks: "
              << (interval == "off" ? std::string("off") : "every " + interval) << " (set by "
              << (from == "atelierd" ? from : "the " + from) << ")\n";
  } else if (own && own->is_string()) {
    std::string interval = str(*own);
    std::cout << "  periodic checks: "
              << (interval == "off" ? std::string("off") : "every " + interval)
              << " (set by the session)\n";
  }
  // What the candidates' page offers beyond their tickets and consoles (said only when on).
  const json::value* feedback = o.if_contains("feedback");
  const json::value* resets = o.if_contains("candidate_resets");
  bool fb = feedback && feedback->is_bool() && feedback->as_bool();
  bool cr = resets && resets->is_bool() && resets->as_bool();
  if (fb || cr) {
    std::cout << "  candidates may: " << (fb ? "check their work" : "") << (fb && cr ? ", " : "")
              << (cr ? "reset their machines" : "") << "\n";
  }
  for (const auto& c : s.at("candidates").as_array()) {
    std::cout << "  " << str(c.at("candidate"));
    const json::value* shown = c.as_object().if_contains("display_name");
    if (shown && shown->is_string() && !shown->as_string().empty())
      std::cout << " (" << str(*shown) << ")";
    std::cout << "  " << str(c.at("status")) << "  " << steps_line(c);
    if (!c.at("error").is_null()) std::cout << "  error: " << str(c.at("error"));
    std::cout << "\n";
  }
}

namespace {

// Redraws the progress lines of a --wait in place on a terminal: back over the `drawn` lines
// written last time, then the new ones.
void redraw(const std::vector<std::string>& lines, std::size_t& drawn) {
  if (drawn > 0) std::cout << "\033[" << drawn << "A";
  for (const auto& l : lines) std::cout << "\r\033[K" << l << "\n";
  std::cout << std::flush;
  drawn = lines.size();
}

}  // namespace

void print_access_codes(const std::string& name, const Client& client, const std::string& session,
                        const std::string& only) {
  Answer a = call(name, client, "GET", "/sessions/" + session + "/codes");
  // The codes are a convenience here: a trainer-only call that fails (a scoped token, an older
  // atelierd) says so on stderr and the command goes on.
  if (a.exit != kExitOk) return;
  bool header = false;
  for (const auto& c : a.body.at("codes").as_array()) {
    if (!only.empty() && str(c.at("candidate")) != only) continue;
    if (!header) std::cout << "web login (" << client.server << "/login), access codes:\n";
    header = true;
    std::cout << "  " << str(c.at("candidate")) << "  " << str(c.at("code")) << "\n";
  }
}

namespace {

// One candidate's progress bar: "ID [####    ] 4/8 roles running  ERROR".
std::string progress_bar(const std::string& cid, const std::string& status, const json::value& c) {
  std::size_t done = 0, steps = 0;
  std::string current;
  for (const auto& kv : c.at("steps").as_object()) {
    ++steps;
    std::string state = str(kv.value());
    if (state == "done")
      ++done;
    else if (current.empty() && state != "pending")
      current = std::string(kv.key()) + " " + state;
  }
  std::string bar(steps, ' ');
  for (std::size_t i = 0; i < done; ++i) bar[i] = '#';
  if (current.empty()) current = status;
  std::string err = c.at("error").is_null() ? "" : "  " + str(c.at("error")).substr(0, 60);
  char text[256];
  std::snprintf(text, sizeof text, "%-16s [%s] %zu/%zu %s%s", cid.c_str(), bar.c_str(), done, steps,
                current.c_str(), err.c_str());
  return text;
}

// `session create --wait`: polls the session until every candidate lab is ready (exit 0) or one
// failed (1), or `timeout_s` passed (1). On a terminal: one progress bar per candidate, redrawn in
// place; otherwise one plain line per candidate whenever its state changes (logs, pipes, tests).
int wait_until_ready(const std::string& name, const Client& client, const std::string& id,
                     int timeout_s, bool as_json) {
  const bool bars = !as_json && ::isatty(STDOUT_FILENO) == 1;
  std::size_t drawn = 0;  // bar lines on screen, to move back over
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  std::map<std::string, std::string> last;
  for (;;) {
    Answer s = call(name, client, "GET", "/sessions/" + id);
    if (s.exit != kExitOk) return s.exit;
    std::size_t ready = 0, failed = 0, total = 0;
    std::vector<std::string> bar_lines;
    for (const auto& c : s.body.at("candidates").as_array()) {
      ++total;
      std::string cid = str(c.at("candidate"));
      std::string status = str(c.at("status"));
      std::string line = status + "  " + steps_line(c);
      if (last[cid] != line && !as_json && !bars) std::cout << cid << ": " << line << std::endl;
      last[cid] = line;
      ready += status == "ready" ? 1 : 0;
      failed += status == "failed" ? 1 : 0;
      if (bars) {
        bar_lines.push_back(progress_bar(cid, status, c));
      }
    }
    if (bars) redraw(bar_lines, drawn);
    if (ready == total || failed > 0) {
      if (as_json)
        std::cout << json::serialize(s.body) << "\n";
      else
        std::cout << "session " << id << ": " << ready << "/" << total << " ready, " << failed
                  << " failed\n";
      return failed > 0 ? kExitFailure : kExitOk;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      std::cerr << "atelier " << name << ": timed out after " << timeout_s << " s with " << ready
                << "/" << total << " candidate labs ready; `atelier session status " << id
                << "` shows where they are\n";
      return kExitFailure;
    }
    std::this_thread::sleep_for(std::chrono::seconds(2));
  }
}

}  // namespace

int session_create(const std::vector<std::string>& args) {
  const std::string name = "session create";
  po::options_description opts("options");
  opts.add_options()("help,h", "show this help")("lab", po::value<std::string>(),
                                                 "a lab folder, its lab.yaml, or a lab id")(
      "candidates", po::value<std::string>(),
      "a file with one candidate a line (id or id,display name; a CSV), or a,b,c")(
      "seed", po::value<std::uint64_t>(),
      "the seed of the candidates' variants (drawn when absent)")(
      "name", po::value<std::string>(),
      "the session's id ([a-z0-9_], up to 24; drawn when absent)")(
      "feedback", "let candidates read their own results (and check their work from their page)")(
      "candidate-resets", "let candidates reset their own machines from their page")(
      "check-interval", po::value<std::string>(),
      "run the checks every DURATION (30s, 2m, 1h30m; 1s..24h), or `off`; overrides the lab's "
      "check_interval and atelierd's --check-interval")(
      "wait", "wait until every candidate lab is ready (or one failed)")(
      "timeout", po::value<int>()->default_value(1800), "seconds --wait waits");
  add_client_options(opts);
  const std::string usage =
      "usage: atelier session create --lab PATH --candidates FILE|a,b,c [--seed N] [--name NAME]\n"
      "                              [--feedback] [--candidate-resets]\n"
      "                              [--check-interval DURATION|off] [--wait]\n"
      "Records a session in atelierd: one candidate lab per candidate, built by the "
      "reconciler.\n\n";
  po::variables_map vm;
  if (auto code = parse(name, args, opts, {}, usage, vm)) return *code;
  if (!vm.count("lab") || !vm.count("candidates")) {
    std::cerr << "atelier " << name << ": --lab and --candidates are required\n" << usage << opts;
    return kExitInvalid;
  }
  Environment env = read_environment();
  auto client = client_or_report(name, vm, env);
  if (!client) return kExitInvalid;
  auto candidates = read_candidates(vm["candidates"].as<std::string>());
  if (!candidates.ok()) {
    std::cerr << "atelier " << name << ": " << candidates.error().to_string() << "\n";
    return kExitInvalid;
  }
  // A local path is sent absolute (atelierd checks it is inside its labs folder); anything
  // else is a lab id.
  std::string lab = vm["lab"].as<std::string>();
  std::error_code ec;
  if (fs::exists(lab, ec)) lab = fs::absolute(lab, ec).lexically_normal().string();
  json::object body{{"lab", lab}};
  json::array cands;
  for (const auto& c : candidates->ids) cands.push_back(json::value(c));
  body["candidates"] = std::move(cands);
  if (!candidates->display_names.empty()) {
    json::object names;
    for (const auto& [id, shown] : candidates->display_names) names[id] = shown;
    body["display_names"] = std::move(names);
  }
  if (vm.count("seed")) body["seed"] = vm["seed"].as<std::uint64_t>();
  if (vm.count("name")) body["name"] = vm["name"].as<std::string>();
  if (vm.count("feedback")) body["feedback"] = true;
  if (vm.count("candidate-resets")) body["candidate_resets"] = true;
  if (vm.count("check-interval")) body["check_interval"] = vm["check-interval"].as<std::string>();
  Answer a = call(name, *client, "POST", "/sessions", json::serialize(body));
  if (a.exit != kExitOk) return a.exit;
  bool as_json = vm["output"].as<std::string>() == "json";
  if (as_json && !vm.count("wait")) {
    std::cout << json::serialize(a.body) << "\n";
    return kExitOk;
  }
  std::string id = str(a.body.at("id"));
  if (!as_json) {
    print_session(a.body);
    print_access_codes(name, *client, id, "");
  }
  if (!vm.count("wait")) return kExitOk;

  return wait_until_ready(name, *client, id, vm["timeout"].as<int>(), as_json);
}

int session_list(const std::vector<std::string>& args) {
  const std::string name = "session list";
  po::options_description opts("options");
  opts.add_options()("help,h", "show this help");
  add_client_options(opts);
  const std::string usage = "usage: atelier session list [--output text|json]\n\n";
  po::variables_map vm;
  if (auto code = parse(name, args, opts, {}, usage, vm)) return *code;
  auto client = client_or_report(name, vm, read_environment());
  if (!client) return kExitInvalid;
  // Every page: atelierd answers GET /sessions a page at a time ("next": the following one's
  // start).
  json::array sessions;
  std::string target = "/sessions?limit=1000";
  for (;;) {
    Answer a = call(name, *client, "GET", target);
    if (a.exit != kExitOk) return a.exit;
    for (auto& s : a.body.at("sessions").as_array()) sessions.push_back(std::move(s));
    const auto* next = a.body.as_object().if_contains("next");
    if (next == nullptr || !next->is_string()) break;
    target = "/sessions?limit=1000&after=" + std::string(next->as_string());
  }
  if (vm["output"].as<std::string>() == "json") {
    std::cout << json::serialize(json::object{{"sessions", sessions}}) << "\n";
    return kExitOk;
  }
  std::printf("%-24s %-16s %-10s %-13s %-7s %s\n", "SESSION", "LAB", "DESIRED", "STATUS", "READY",
              "CREATED");
  for (const auto& s : sessions) {
    std::string ready = str(s.at("ready")) + "/" + str(s.at("candidates"));
    std::printf("%-24s %-16s %-10s %-13s %-7s %s\n", str(s.at("id")).c_str(),
                str(s.at("lab").at("id")).c_str(), str(s.at("desired")).c_str(),
                str(s.at("status")).c_str(), ready.c_str(), str(s.at("created_at")).c_str());
  }
  return kExitOk;
}

namespace {
int one_session(const std::string& name, const std::string& method,
                const std::vector<std::string>& args) {
  po::options_description opts("options");
  opts.add_options()("help,h", "show this help")("session", po::value<std::string>(),
                                                 "the session id (positional)");
  add_client_options(opts);
  po::positional_options_description pos;
  pos.add("session", 1);
  const std::string usage = "usage: atelier " + name + " SESSION [--output text|json]\n\n";
  po::variables_map vm;
  if (auto code = parse(name, args, opts, pos, usage, vm)) return *code;
  if (!vm.count("session")) {
    std::cerr << "atelier " << name << ": give the SESSION id\n" << usage << opts;
    return kExitInvalid;
  }
  auto client = client_or_report(name, vm, read_environment());
  if (!client) return kExitInvalid;
  std::string id = vm["session"].as<std::string>();
  Answer a = call(name, *client, method, "/sessions/" + id);
  if (a.exit != kExitOk) return a.exit;
  if (vm["output"].as<std::string>() == "json") {
    std::cout << json::serialize(a.body) << "\n";
  } else {
    print_session(a.body);
  }
  return kExitOk;
}

// Polls the session until atelierd has removed every candidate lab (session and candidates
// `destroyed`), showing each candidate's progress like `create --wait`: bars redrawn in place on
// a terminal, one plain line per change otherwise. 0 when all are removed, 1 on timeout.
int wait_destroyed(const std::string& name, const Client& client, const std::string& id,
                   bool as_json, int timeout_s) {
  const bool bars = !as_json && ::isatty(STDOUT_FILENO) == 1;
  std::size_t drawn = 0;
  const auto t0 = std::chrono::steady_clock::now();
  const auto deadline = t0 + std::chrono::seconds(timeout_s);
  std::map<std::string, std::string> last;
  for (;;) {
    Answer s = call(name, client, "GET", "/sessions/" + id);
    if (s.exit != kExitOk) return s.exit;
    std::size_t gone = 0, total = 0;
    std::vector<std::string> bar_lines;
    for (const auto& c : s.body.at("candidates").as_array()) {
      ++total;
      const std::string cid = str(c.at("candidate"));
      const std::string status = str(c.at("status"));
      const bool removed = status == "destroyed";
      gone += removed ? 1 : 0;
      if (last[cid] != status && !as_json && !bars) std::cout << cid << ": " << status << std::endl;
      last[cid] = status;
      char text[256];
      std::snprintf(text, sizeof text, "%-16s [%s] %s", cid.c_str(), removed ? "#" : " ",
                    status.c_str());
      bar_lines.push_back(text);
    }
    if (bars) redraw(bar_lines, drawn);
    const auto secs =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - t0);
    if (str(s.body.at("status")) == "destroyed" && gone == total) {
      if (as_json)
        std::cout << json::serialize(s.body) << "\n";
      else
        std::cout << "session " << id << ": " << gone << "/" << total
                  << " candidate labs removed in " << secs.count() << " s\n";
      return kExitOk;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      std::cerr << "atelier " << name << ": timed out after " << timeout_s << " s with " << gone
                << "/" << total
                << " candidate labs removed; atelierd keeps removing them (`atelier session status "
                << id << "` shows where they are)\n";
      return kExitFailure;
    }
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
}
}  // namespace

int session_status(const std::vector<std::string>& args) {
  return one_session("session status", "GET", args);
}

int session_destroy(const std::vector<std::string>& args) {
  const std::string name = "session destroy";
  po::options_description opts("options");
  opts.add_options()("help,h", "show this help")("session", po::value<std::string>(),
                                                 "the session id (positional)")(
      "wait", "wait until atelierd has removed every candidate lab of the session")(
      "timeout", po::value<int>()->default_value(900), "seconds --wait waits");
  add_client_options(opts);
  po::positional_options_description pos;
  pos.add("session", 1);
  const std::string usage =
      "usage: atelier session destroy SESSION [--wait [--timeout S]] [--output text|json]\n"
      "Marks the session destroyed; atelierd removes its candidate labs (VMs, networks, "
      "disks).\n\n";
  po::variables_map vm;
  if (auto code = parse(name, args, opts, pos, usage, vm)) return *code;
  if (!vm.count("session")) {
    std::cerr << "atelier " << name << ": give the SESSION id\n" << usage << opts;
    return kExitInvalid;
  }
  auto client = client_or_report(name, vm, read_environment());
  if (!client) return kExitInvalid;
  const std::string id = vm["session"].as<std::string>();
  Answer a = call(name, *client, "DELETE", "/sessions/" + id);
  if (a.exit != kExitOk) return a.exit;
  const bool as_json = vm["output"].as<std::string>() == "json";
  const bool wait = vm.count("wait") > 0;
  if (as_json && !wait) {
    std::cout << json::serialize(a.body) << "\n";
    return kExitOk;
  }
  if (!as_json && !wait) {
    std::cout << "session " << id
              << " marked destroyed; removal of its candidate labs continues in atelierd "
              << "(keep it running until `atelier session status " << id
              << "` says destroyed, or use --wait)\n";
    return kExitOk;
  }
  if (!as_json)
    std::cout << "session " << id << " marked destroyed; waiting for atelierd to remove its labs\n";
  return wait_destroyed(name, *client, id, as_json, vm["timeout"].as<int>());
}

}  // namespace atelier::cli
