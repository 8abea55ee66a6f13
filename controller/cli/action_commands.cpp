// The trainer's action commands (see action_commands.h).
#include "controller/cli/action_commands.h"

#include <boost/json.hpp>
#include <boost/program_options.hpp>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <thread>

#include "controller/cli/commands.h"
#include "controller/cli/session_commands.h"

namespace atelier::cli {
namespace po = boost::program_options;
namespace json = boost::json;

namespace {

void add_wait_options(po::options_description& opts) {
  opts.add_options()("no-wait", "return once atelierd has accepted the action")(
      "timeout", po::value<int>()->default_value(900), "seconds to wait for the action");
}

// Polls the action until it is no longer running; prints it; 0 done, 1 failed or timed out.
int follow(const std::string& name, const Client& client, const po::variables_map& vm,
           json::value action, const std::function<void(const json::value&)>& print_done) {
  const bool as_json = vm["output"].as<std::string>() == "json";
  const std::string session = str(action.at("session"));
  const std::string id = str(action.at("id"));
  if (vm.count("no-wait")) {
    if (as_json)
      std::cout << json::serialize(action) << "\n";
    else
      std::cout << str(action.at("kind")) << " " << id << " started\n";
    return kExitOk;
  }
  if (!as_json)
    std::cout << str(action.at("kind")) << " " << id << " started; waiting" << std::endl;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(vm["timeout"].as<int>());
  while (str(action.at("state")) == "running") {
    if (std::chrono::steady_clock::now() >= deadline) {
      std::cerr << "atelier " << name << ": still running after " << vm["timeout"].as<int>()
                << " s (action " << id << ")\n";
      return kExitFailure;
    }
    std::this_thread::sleep_for(std::chrono::seconds(1));
    Answer a = call(name, client, "GET", "/sessions/" + session + "/actions/" + id);
    if (a.exit != kExitOk) return a.exit;
    action = std::move(a.body);
  }
  if (as_json) {
    std::cout << json::serialize(action) << "\n";
  } else if (str(action.at("state")) == "done") {
    print_done(action);
  }
  if (str(action.at("state")) != "done") {
    if (!as_json) std::cerr << "atelier " << name << ": " << str(action.at("error")) << "\n";
    return kExitFailure;
  }
  return kExitOk;
}

// SESSION CANDIDATE [HOST] positional commands: parse and resolve the client.
struct Parsed {
  po::variables_map vm;
  Client client;
};
std::optional<int> parse_lab_command(const std::string& name, const std::vector<std::string>& args,
                                     const std::string& usage, bool with_host, Parsed& out) {
  po::options_description opts("options");
  opts.add_options()("help,h", "show this help");
  if (with_host) {
    opts.add_options()("move", po::bool_switch(),
                       "provision the whole lab again on another hypervisor host (its host does "
                       "not answer, or is to be emptied)");
  }
  add_wait_options(opts);
  add_client_options(opts);
  po::options_description hidden;
  hidden.add_options()("session", po::value<std::string>())("candidate", po::value<std::string>())(
      "host", po::value<std::string>());
  po::options_description all;
  all.add(opts).add(hidden);
  po::positional_options_description pos;
  pos.add("session", 1).add("candidate", 1);
  if (with_host) pos.add("host", 1);
  if (auto code = parse(name, args, all, pos, usage, out.vm)) return code;
  if (!out.vm.count("session") || !out.vm.count("candidate")) {
    std::cerr << "atelier " << name << ": give SESSION and CANDIDATE\n" << usage << opts;
    return kExitInvalid;
  }
  auto client = client_or_report(name, out.vm, read_environment());
  if (!client) return kExitInvalid;
  out.client = *client;
  return std::nullopt;
}

}  // namespace

int lab_reset(const std::vector<std::string>& args) {
  const std::string name = "lab reset";
  Parsed p;
  if (auto code = parse_lab_command(
          name, args,
          "usage: atelier lab reset SESSION CANDIDATE [HOST | --move]\n"
          "Brings a candidate's host (or, without HOST, the whole lab) back to its state at "
          "hand-over:\na fresh disk, its roles and incidents again. The candidate's work on it "
          "is lost.\nWith --move, the whole lab is provisioned again on another hypervisor "
          "host.\n\n",
          true, p)) {
    return *code;
  }
  std::string session = p.vm["session"].as<std::string>(),
              candidate = p.vm["candidate"].as<std::string>();
  const bool move = p.vm["move"].as<bool>();
  if (move && p.vm.count("host")) {
    std::cerr << "atelier lab reset: --move provisions the whole lab again elsewhere; give it "
                 "without HOST\n";
    return kExitInvalid;
  }
  json::object body;
  if (p.vm.count("host")) body["host"] = p.vm["host"].as<std::string>();
  if (move) body["move"] = true;
  Answer a =
      call(name, p.client, "POST", "/sessions/" + session + "/candidates/" + candidate + "/reset",
           json::serialize(body));
  if (a.exit != kExitOk) return a.exit;
  return follow(name, p.client, p.vm, a.body, [&](const json::value&) {
    if (move) {
      std::cout << "moved: " << candidate
                << "'s lab is ready on another host (`atelier session status " << session
                << "` says which)\n";
      return;
    }
    std::cout << "reset done: " << candidate
              << (p.vm.count("host") ? " host " + p.vm["host"].as<std::string>()
                                     : std::string(" whole lab"))
              << " is ready again\n";
  });
}

int lab_solve(const std::vector<std::string>& args) {
  const std::string name = "lab solve";
  Parsed p;
  if (auto code = parse_lab_command(
          name, args,
          "usage: atelier lab solve SESSION CANDIDATE\n"
          "Applies the lab's reference solution to a candidate's ready lab (to prepare or "
          "test a session).\n\n",
          false, p)) {
    return *code;
  }
  std::string session = p.vm["session"].as<std::string>(),
              candidate = p.vm["candidate"].as<std::string>();
  Answer a = call(name, p.client, "POST",
                  "/sessions/" + session + "/candidates/" + candidate + "/solve", "{}");
  if (a.exit != kExitOk) return a.exit;
  return follow(name, p.client, p.vm, a.body, [&](const json::value&) {
    std::cout << "solved: the reference solution is applied to " << candidate << "'s lab\n";
  });
}

int check_run(const std::vector<std::string>& args) {
  const std::string name = "check run";
  po::options_description opts("options");
  opts.add_options()("help,h", "show this help")("candidate", po::value<std::string>(),
                                                 "only this candidate's lab");
  add_wait_options(opts);
  add_client_options(opts);
  po::options_description hidden;
  hidden.add_options()("session", po::value<std::string>());
  po::options_description all;
  all.add(opts).add(hidden);
  po::positional_options_description pos;
  pos.add("session", 1);
  const std::string usage =
      "usage: atelier check run SESSION [--candidate C]\n"
      "Runs every task's checks on the session's ready labs now; the results are stored (they feed "
      "grading).\n\n";
  po::variables_map vm;
  if (auto code = parse(name, args, all, pos, usage, vm)) return *code;
  if (!vm.count("session")) {
    std::cerr << "atelier " << name << ": give the SESSION id\n" << usage << opts;
    return kExitInvalid;
  }
  auto client = client_or_report(name, vm, read_environment());
  if (!client) return kExitInvalid;
  std::string session = vm["session"].as<std::string>();
  json::object body;
  if (vm.count("candidate")) body["candidate"] = vm["candidate"].as<std::string>();
  Answer a = call(name, *client, "POST", "/sessions/" + session + "/checks", json::serialize(body));
  if (a.exit != kExitOk) return a.exit;
  return follow(name, *client, vm, a.body, [](const json::value& action) {
    std::printf("%-16s %-8s %-6s %s\n", "CANDIDATE", "TASK", "RESULT", "CHECKS");
    for (const auto& v : action.at("verdicts").as_array()) {
      std::string checks = str(v.at("checks")) + " (" + str(v.at("failed")) + " failing)";
      std::printf("%-16s %-8s %-6s %s\n", str(v.at("candidate")).c_str(), str(v.at("task")).c_str(),
                  v.at("passed").as_bool() ? "pass" : "fail", checks.c_str());
    }
    std::cout << "run " << str(action.at("run_id")) << " stored\n";
  });
}

int access_show(const std::vector<std::string>& args) {
  const std::string name = "access";
  po::options_description opts("options");
  opts.add_options()("help,h", "show this help");
  add_client_options(opts);
  po::options_description hidden;
  hidden.add_options()("session", po::value<std::string>())("candidate", po::value<std::string>());
  po::options_description all;
  all.add(opts).add(hidden);
  po::positional_options_description pos;
  pos.add("session", 1).add("candidate", 1);
  const std::string usage =
      "usage: atelier access SESSION CANDIDATE\n"
      "How to reach a candidate's machines: their console and SSH (address, user, password).\n\n";
  po::variables_map vm;
  if (auto code = parse(name, args, all, pos, usage, vm)) return *code;
  if (!vm.count("session") || !vm.count("candidate")) {
    std::cerr << "atelier " << name << ": give SESSION and CANDIDATE\n" << usage << opts;
    return kExitInvalid;
  }
  auto client = client_or_report(name, vm, read_environment());
  if (!client) return kExitInvalid;
  std::string session = vm["session"].as<std::string>(),
              candidate = vm["candidate"].as<std::string>();
  Answer a =
      call(name, *client, "GET", "/sessions/" + session + "/candidates/" + candidate + "/access");
  if (a.exit != kExitOk) return a.exit;
  if (vm["output"].as<std::string>() == "json") {
    std::cout << json::serialize(a.body) << "\n";
    return kExitOk;
  }
  const json::value& b = a.body;
  print_access_codes(name, *client, session, candidate);
  std::cout << "candidate " << candidate << " of session " << session << ": "
            << str(b.at("status"));
  if (!b.at("placed_on").is_null()) std::cout << " on hypervisor host " << str(b.at("placed_on"));
  std::cout << "\n";
  if (b.at("console").is_null()) {
    for (const auto& h : b.at("hosts").as_array()) {
      std::cout << "  " << str(h.at("name"));
      for (const auto& ad : h.at("addresses").as_array()) {
        std::cout << "  " << str(ad.at("network")) << " " << str(ad.at("address"));
      }
      std::cout << "\n";
    }
    std::cout << "(console and SSH details appear once the lab is placed and planned)\n";
    return kExitOk;
  }
  const auto& ssh = b.at("ssh").as_object();
  for (const auto& c : b.at("console").as_array()) {
    std::string host = str(c.at("host"));
    std::cout << "  " << host << "  (" << str(c.at("domain")) << ")\n";
    std::cout << "    console: " << str(c.at("command")) << "\n";
    for (const auto& s : ssh.at("hosts").as_array()) {
      if (str(s.at("host")) != host) continue;
      for (const auto& ad : s.at("addresses").as_array()) {
        std::cout << "    ssh:     " << str(s.at("user")) << "@" << str(ad.at("address")) << "  ("
                  << str(ad.at("network")) << ")\n";
      }
      std::cout << "    password: " << str(s.at("password")) << "\n";
    }
  }
  std::cout << "note: " << str(ssh.at("note")) << "\n";
  return kExitOk;
}

}  // namespace atelier::cli
