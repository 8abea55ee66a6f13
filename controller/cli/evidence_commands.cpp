// `atelier key show`, `atelier results bundle` and `atelier results verify` (evidence_commands.h).
// They read atelierd's state folder directly (like `atelier token create`), not the API: the
// signing key never leaves that folder.
#include "controller/cli/evidence_commands.h"

#include <boost/json.hpp>
#include <boost/program_options.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include "controller/cli/bundle_contents.h"
#include "controller/cli/commands.h"
#include "controller/cli/session_commands.h"
#include "controller/cli/shipped_paths.h"
#include "controller/evidence/bundle.h"
#include "controller/evidence/detached.h"
#include "controller/grading/json.h"
#include "controller/store/result_signature.h"

namespace atelier::cli {
namespace {

namespace po = boost::program_options;
namespace fs = std::filesystem;
namespace json = boost::json;

constexpr const char* kDefaultStateDir = "/var/lib/atelier";

std::optional<std::string> read_file(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Writes through a temporary file and a rename: a reader never sees half an archive.
bool write_file(const fs::path& file, const std::string& data) {
  const fs::path tmp = file.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << data;
    out.close();
    if (!out) return false;
  }
  std::error_code ec;
  fs::rename(tmp, file, ec);
  return !ec;
}

// The key a bundle must be signed with: --key (a file holding the key, or the key itself),
// else the public half of STATE_DIR/signing.key. Prints why and gives nullopt when neither.
std::optional<evidence::PublicKey> expected_key(const std::string& name,
                                                const po::variables_map& vm) {
  if (vm.count("key")) {
    const std::string arg = vm["key"].as<std::string>();
    std::error_code ec;
    auto text = fs::is_regular_file(arg, ec) ? read_file(arg) : std::optional<std::string>(arg);
    auto key = evidence::parse_public_key(text.value_or(""));
    if (!key.ok()) {
      std::cerr << "atelier " << name << ": --key " << arg << ": " << key.error().message() << "\n";
      return std::nullopt;
    }
    return *key;
  }
  const fs::path file = fs::path(vm["state-dir"].as<std::string>()) / evidence::kSigningKeyFile;
  auto key = evidence::SigningKey::load(file);
  if (!key.ok()) {
    std::cerr << "atelier " << name << ": no key to check against (" << key.error().to_string()
              << "); give --key with the public key `atelier key show` prints on atelierd's host\n";
    return std::nullopt;
  }
  return key->public_key();
}

}  // namespace

int key_show(const std::vector<std::string>& args) {
  const std::string name = "key show";
  po::options_description opts("options");
  opts.add_options()("help,h", "show this help")(
      "state-dir", po::value<std::string>()->default_value(kDefaultStateDir),
      "atelierd's state directory")("output", po::value<std::string>()->default_value("text"),
                                    "text or json")(
      "out", po::value<std::string>(),
      "also write the public key to this file (for `results verify --key FILE`)");
  const std::string usage =
      "usage: atelier key show [--state-dir DIR] [--output text|json] [--out FILE]\n"
      "Prints atelierd's public signing key (Ed25519, base64) and its fingerprint. The key is\n"
      "made in DIR/signing.key (0600) on first use. Give the printed key to the jury: `atelier\n"
      "results verify --key KEY` checks bundles and signed exports with it, offline.\n\n";
  po::variables_map vm;
  if (auto code = parse(name, args, opts, {}, usage, vm)) return *code;
  auto key = evidence::SigningKey::load_or_create(fs::path(vm["state-dir"].as<std::string>()) /
                                                  evidence::kSigningKeyFile);
  if (!key.ok()) {
    std::cerr << "atelier " << name << ": " << key.error().to_string() << "\n";
    return kExitFailure;
  }
  const std::string b64 = evidence::to_base64(key->public_key());
  const std::string fp = evidence::fingerprint(key->public_key());
  if (vm.count("out") && !write_file(vm["out"].as<std::string>(), b64 + "\n")) {
    std::cerr << "atelier " << name << ": cannot write " << vm["out"].as<std::string>() << "\n";
    return kExitFailure;
  }
  if (vm["output"].as<std::string>() == "json") {
    std::cout << json::serialize(json::object{
                     {"algorithm", "ed25519"}, {"public_key", b64}, {"fingerprint", fp}})
              << "\n";
  } else {
    std::cout << "public key:  " << b64 << "\nfingerprint: " << fp << "\nalgorithm:   ed25519\n";
  }
  return kExitOk;
}

namespace {

// One candidate's bundle into OUT/atelier-SESSION-CANDIDATE.tar. Gives the exit code.
int write_bundle(store::Store& store, sessions::SessionService& sessions,
                 const std::string& session, const std::string& candidate,
                 const BundleSources& sources, const fs::path& out_dir) {
  const std::string name = "results bundle";
  auto members = bundle_members(store, sessions, session, candidate, sources);
  if (!members.ok()) {
    std::cerr << "atelier " << name << ": " << candidate << ": " << members.error().to_string()
              << "\n";
    return members.error().code() == ErrorCode::kNotFound ? kExitInvalid : kExitFailure;
  }
  std::vector<std::pair<std::string, std::string>> fields = {
      {"session", session},
      {"candidate", candidate},
      {"made-at", grading::time_to_json(sources.now)},
      {"made-by", "atelier " ATELIER_VERSION}};
  const auto secs =
      std::chrono::duration_cast<std::chrono::seconds>(sources.now.time_since_epoch()).count();
  auto archive = evidence::make_bundle(*members, std::move(fields), *store.signing_key(), secs);
  if (!archive.ok()) {
    std::cerr << "atelier " << name << ": " << candidate << ": " << archive.error().to_string()
              << "\n";
    return kExitFailure;
  }
  const fs::path file = out_dir / ("atelier-" + session + "-" + candidate + ".tar");
  if (!write_file(file, *archive)) {
    std::cerr << "atelier " << name << ": cannot write " << file.string() << "\n";
    return kExitFailure;
  }
  std::cout << file.string() << ": " << members->size() << " files, signed by key "
            << evidence::fingerprint(store.signing_key()->public_key()) << "\n";
  return kExitOk;
}

}  // namespace

int results_bundle(const std::vector<std::string>& args) {
  const std::string name = "results bundle";
  po::options_description opts("options");
  opts.add_options()("help,h", "show this help")("session", po::value<std::string>(),
                                                 "the session")(
      "candidate,c", po::value<std::string>(),
      "only this candidate (else one archive per candidate)")(
      "out,o", po::value<std::string>()->default_value("."), "the folder to write the archives in")(
      "state-dir", po::value<std::string>()->default_value(kDefaultStateDir),
      "atelierd's state directory")("recordings", po::value<std::string>(),
                                    "console recordings root (default STATE_DIR/recordings)")(
      "recipes", po::value<std::string>(),
      "the recipes folder the session's lab uses (default: the installed one)");
  po::positional_options_description pos;
  pos.add("session", 1);
  const std::string usage =
      "usage: atelier results bundle SESSION [--candidate C] [--out DIR] [--state-dir DIR]\n"
      "Writes DIR/atelier-SESSION-CANDIDATE.tar for each candidate: the graded results with their\n"
      "evidence, every stored check result with the signature it got when stored, the tickets\n"
      "with their times, the session, the lab's files, console recordings when there are any,\n"
      "MANIFEST (SHA-256 of each file), MANIFEST.sig (atelierd's Ed25519 signature of MANIFEST)\n"
      "and signing-key.pub. `atelier results verify` checks an archive offline. Run it where\n"
      "atelierd's state folder is (it signs with DIR/signing.key). Exit 0: written; 2: unknown\n"
      "session or candidate; 1: the store or a file could not be read or written.\n\n";
  po::variables_map vm;
  if (auto code = parse_command_line(name, args, opts, pos, usage, vm)) return *code;
  if (!vm.count("session")) {
    std::cerr << "atelier " << name << ": SESSION is required\n" << usage << opts;
    return kExitInvalid;
  }
  const fs::path state_dir = vm["state-dir"].as<std::string>();
  std::error_code ec;
  // Never make a new store (and key) for a mistyped folder.
  if (!fs::exists(store::Store::database_path(state_dir), ec)) {
    std::cerr << "atelier " << name << ": no store in " << state_dir.string()
              << " (give atelierd's --state-dir)\n";
    return kExitInvalid;
  }
  auto opened = store::Store::open(state_dir);
  if (!opened.ok()) {
    std::cerr << "atelier " << name << ": " << opened.error().to_string() << "\n";
    return kExitFailure;
  }
  sessions::SessionService::Options so;
  so.load.recipes_root = recipes_root_or_default(
      vm.count("recipes") ? std::optional<std::string>(vm["recipes"].as<std::string>())
                          : std::nullopt);
  sessions::SessionService sessions(*opened, so);
  const std::string session = vm["session"].as<std::string>();
  std::vector<std::string> candidates;
  if (vm.count("candidate")) {
    candidates.push_back(vm["candidate"].as<std::string>());
  } else {
    auto labs = opened->list_candidate_labs(session);
    if (!labs.ok()) {
      std::cerr << "atelier " << name << ": " << labs.error().to_string() << "\n";
      return kExitFailure;
    }
    for (const auto& l : *labs) candidates.push_back(l.candidate);
  }
  if (candidates.empty()) {
    std::cerr << "atelier " << name << ": no session \"" << session << "\" in "
              << state_dir.string() << "\n";
    return kExitInvalid;
  }
  const fs::path out_dir = vm["out"].as<std::string>();
  fs::create_directories(out_dir, ec);
  BundleSources sources;
  sources.recordings_root = vm.count("recordings") ? fs::path(vm["recordings"].as<std::string>())
                                                   : state_dir / "recordings";
  sources.now = store::Clock::now();
  int exit = kExitOk;
  for (const auto& c : candidates) {
    int code = write_bundle(*opened, sessions, session, c, sources, out_dir);
    if (code != kExitOk) exit = code;
  }
  return exit;
}

namespace {

// The per-result signatures of a verified bundle's runs.json: each must be the expected key's
// signature of the record as it was stored. Adds problems; returns how many verified.
std::size_t check_runs(const evidence::PublicKey& key, const std::string& runs_text,
                       std::vector<std::string>& problems) {
  auto runs = parse_runs_json(runs_text);
  if (!runs.ok()) {
    problems.push_back(runs.error().message());
    return 0;
  }
  std::size_t signed_ok = 0;
  for (const auto& r : *runs) {
    if (r.signature.empty()) {
      problems.push_back(
          "result " + r.result_id + " (task " + r.task + ", run " + r.run_id +
          ") was stored without a signature (before signing existed, or by a store without a key)");
    } else if (!store::verify_result(key, r)) {
      problems.push_back(
          "result " + r.result_id + " (task " + r.task + ", run " + r.run_id +
          "): its signature from when it was stored does not verify: the stored record was changed "
          "afterwards, or another key signed it");
    } else {
      ++signed_ok;
    }
  }
  return signed_ok;
}

// What a verified bundle covers, in one paragraph.
void print_coverage(const evidence::VerifyReport& r, std::size_t runs) {
  std::size_t lab = 0, recordings = 0;
  for (const auto& f : r.manifest.files) {
    lab += f.path.rfind("lab/", 0) == 0;
    recordings += f.path.rfind("recordings/", 0) == 0;
  }
  std::cout << "  session " << r.manifest.field("session") << ", candidate "
            << r.manifest.field("candidate") << ", made " << r.manifest.field("made-at") << "\n"
            << "  " << r.manifest.files.size()
            << " files hashed in the signed manifest: results, runs, tickets, "
            << "session, " << lab << " lab files (lab-sha256 " << r.manifest.field("lab-sha256")
            << "), " << recordings << " console recordings\n"
            << "  " << runs << " stored check results, each signed when it was stored\n";
}

// Verifies one file (a bundle, or an export with FILE.sig beside it). Gives the exit code.
int verify_one(const std::string& path, const evidence::PublicKey& key) {
  auto data = read_file(path);
  if (!data) {
    std::cerr << "atelier results verify: cannot read " << path << "\n";
    return kExitFailure;
  }
  const bool is_bundle = data->size() >= 512 && data->compare(257, 5, "ustar") == 0;
  evidence::VerifyReport report;
  std::size_t runs = 0;
  if (is_bundle) {
    report = evidence::verify_bundle(*data, key);
    if (report.ok()) {
      auto members = evidence::read_ustar(*data);
      for (const auto& m : *members) {
        if (m.name == "runs.json") runs = check_runs(key, m.data, report.problems);
      }
    }
  } else {
    auto sig = read_file(path + ".sig");
    if (!sig) {
      std::cerr << "atelier results verify: " << path << " is not a bundle and has no " << path
                << ".sig beside it\n";
      return kExitInvalid;
    }
    report = evidence::verify_detached(*data, *sig, key);
  }
  if (!report.ok()) {
    std::cout << "FAILED " << path << ":\n";
    for (const auto& p : report.problems) std::cout << "  " << p << "\n";
    return kExitFailure;
  }
  std::cout << "OK " << path << ": signed by the expected key " << evidence::fingerprint(key)
            << "\n";
  if (is_bundle) {
    print_coverage(report, runs);
  } else {
    std::cout << "  " << report.manifest.field("file") << ", sha256 "
              << report.manifest.field("sha256") << "\n";
  }
  return kExitOk;
}

}  // namespace

int results_verify(const std::vector<std::string>& args) {
  const std::string name = "results verify";
  po::options_description opts("options");
  opts.add_options()("help,h", "show this help")("file", po::value<std::vector<std::string>>(),
                                                 "bundles or exports")(
      "key", po::value<std::string>(),
      "the expected public key: the base64 text `atelier key show` prints, or a file")(
      "state-dir", po::value<std::string>()->default_value(kDefaultStateDir),
      "without --key: check against this atelierd's own key");
  po::positional_options_description pos;
  pos.add("file", -1);
  const std::string usage =
      "usage: atelier results verify FILE... [--key PUBKEY] [--state-dir DIR]\n"
      "Checks, offline, a bundle made by `atelier results bundle` (or an export with its "
      "FILE.sig):\n"
      "that it is signed by the expected key (--key, else DIR/signing.key's), that MANIFEST's\n"
      "signature holds, that every file matches its SHA-256, and that every stored result still\n"
      "carries the signature it got when stored. Prints OK and what the bundle covers, or FAILED\n"
      "and what changed. Exit 0: every file verifies; 1: one does not (or cannot be read); 2: bad\n"
      "usage or no key to check against.\n\n";
  po::variables_map vm;
  if (auto code = parse_command_line(name, args, opts, pos, usage, vm)) return *code;
  if (!vm.count("file")) {
    std::cerr << "atelier " << name << ": FILE is required\n" << usage << opts;
    return kExitInvalid;
  }
  auto key = expected_key(name, vm);
  if (!key) return kExitInvalid;
  int exit = kExitOk;
  for (const auto& f : vm["file"].as<std::vector<std::string>>()) {
    int code = verify_one(f, *key);
    if (code != kExitOk && exit != kExitInvalid) exit = code;
  }
  return exit;
}

}  // namespace atelier::cli
