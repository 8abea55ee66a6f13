// `atelier session codes`: reads or regenerates access codes over atelierd's API (see
// code_commands.h); the html format renders the slips with controller/web/slips.h.
#include "controller/cli/code_commands.h"

#include <boost/json.hpp>
#include <boost/program_options.hpp>

#include <iostream>

#include "controller/cli/commands.h"
#include "controller/cli/session_commands.h"
#include "controller/web/slips.h"

namespace atelier::cli {
namespace po = boost::program_options;
namespace json = boost::json;

int session_codes(const std::vector<std::string>& args) {
  const std::string name = "session codes";
  po::options_description opts("options");
  opts.add_options()("help,h", "show this help")(
      "format", po::value<std::string>()->default_value("text"),
      "text, or html: one slip per candidate to print and cut")(
      "regenerate", po::value<std::string>(),
      "give CANDIDATE a new code: the old one stops working at once")(
      "address", po::value<std::string>(),
      "the address candidates open (default: --server + /login)");
  add_client_options(opts);
  po::options_description hidden;
  hidden.add_options()("session", po::value<std::string>());
  po::options_description all;
  all.add(opts).add(hidden);
  po::positional_options_description pos;
  pos.add("session", 1);
  const std::string usage =
      "usage: atelier session codes SESSION [--format text|html] [--address URL] [--regenerate "
      "CANDIDATE]\n"
      "The candidates' access codes for the web login (issued on first read).\n\n";
  po::variables_map vm;
  if (auto code = parse(name, args, all, pos, usage, vm)) return *code;
  const std::string format = vm["format"].as<std::string>();
  if (!vm.count("session") || (format != "text" && format != "html")) {
    std::cerr << "atelier " << name << ": give SESSION, and --format text or html\n"
              << usage << opts;
    return kExitInvalid;
  }
  auto client = client_or_report(name, vm, read_environment());
  if (!client) return kExitInvalid;
  const std::string session = vm["session"].as<std::string>();
  const std::string address =
      vm.count("address") ? vm["address"].as<std::string>() : client->server + "/login";
  std::vector<web::CodeSlip> slips;
  json::value body;
  if (vm.count("regenerate")) {
    const std::string candidate = vm["regenerate"].as<std::string>();
    Answer a =
        call(name, *client, "POST", "/sessions/" + session + "/candidates/" + candidate + "/code");
    if (a.exit != kExitOk) return a.exit;
    slips.push_back({candidate, str(a.body.at("code"))});
    body = std::move(a.body);
  } else {
    Answer a = call(name, *client, "GET", "/sessions/" + session + "/codes");
    if (a.exit != kExitOk) return a.exit;
    for (const auto& c : a.body.at("codes").as_array())
      slips.push_back({str(c.at("candidate")), str(c.at("code"))});
    body = std::move(a.body);
  }
  if (vm["output"].as<std::string>() == "json") {
    std::cout << json::serialize(body) << "\n";
  } else if (format == "html") {
    std::cout << web::render_code_slips(address, session, slips);
  } else {
    std::cout << "candidates open " << address << "\n";
    for (const auto& s : slips) std::cout << "  " << s.candidate << "  " << s.code << "\n";
  }
  return kExitOk;
}

}  // namespace atelier::cli
