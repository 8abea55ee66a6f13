// Sessions: create-request validation and desired-state records (see session_service.h).
#include "controller/sessions/session_service.h"

#include <algorithm>
#include <random>
#include <set>
#include <system_error>

#include "common/files/beneath.h"
#include "common/lab/variant.h"
#include "controller/sessions/check_interval.h"

namespace atelier::sessions {
namespace fs = std::filesystem;

Status validate_id(std::string_view what, std::string_view id) {
  auto bad = [&](const std::string& why) {
    return Error(
        ErrorCode::kInvalidArgument,
        std::string(what) + " \"" + std::string(id) + "\" " + why +
            "; use 1 to 24 characters among a-z, 0-9 and '_', starting with a letter or digit");
  };
  if (id.empty()) return bad("is empty");
  if (id.size() > 24) return bad("is longer than 24 characters");
  for (std::size_t i = 0; i < id.size(); ++i) {
    char c = id[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c == '_' && i > 0);
    if (!ok) return bad(std::string("has '") + c + "' at position " + std::to_string(i + 1));
  }
  return ok_status();
}

namespace {

// The lab at `path` loaded from one read of its lab.yaml, kept in `copy`: the copy is exactly
// the text validated here.
lab::LoadReport load_lab_yaml(const fs::path& path, const lab::LoadOptions& options,
                              store::SessionLabFiles& copy) {
  lab::LoadReport report;
  // Read as the lab's other files are (capped, not through a symlink out of its folder).
  auto text =
      files::read_file_beneath(path.parent_path(), path.filename(), kMaxLabYamlBytes, "lab folder");
  if (!text.ok()) {
    report.io_failure = true;
    report.diagnostics.push_back({path.string(), {0, 0}, text.error().message()});
    return report;
  }
  report = lab::parse_lab_report(*text, path.string(), options);
  copy.emplace("lab.yaml", std::move(text).value());
  return report;
}

// The ticket texts of a loaded lab into the session's copy, under the paths the lab names them
// by. The loader read them without leaving the lab folder (lab_files.h), so nothing reached
// through a symlink out of it is ever copied.
void add_ticket_texts(const lab::Lab& lab, store::SessionLabFiles& copy) {
  for (const auto& task : lab.tasks) {
    const lab::Ticket& t = task.ticket;
    if (!t.text_files.fr.empty()) copy.emplace(t.text_files.fr, t.body.fr);
    if (!t.text_files.en.empty()) copy.emplace(t.text_files.en, t.body.en);
  }
}

}  // namespace

SessionService::SessionService(store::Store& store, Options options)
    : store_(store), options_(std::move(options)) {}

std::uint64_t SessionService::random() {
  if (options_.random) return options_.random();
  std::random_device rd;
  return (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
}

Result<fs::path> SessionService::resolve_lab_path(std::string_view lab) const {
  if (lab.empty())
    return Error(ErrorCode::kInvalidArgument, "\"lab\" is empty; give a lab id or a lab path");
  std::error_code ec;
  fs::path root = fs::weakly_canonical(options_.labs_dir, ec);
  if (ec)
    return Error(ErrorCode::kIo, ec.message())
        .context("resolve labs dir " + options_.labs_dir.string());
  fs::path p(lab);
  if (p.is_relative()) p = root / p;
  if (fs::is_directory(p, ec)) p /= "lab.yaml";
  p = fs::weakly_canonical(p, ec);
  if (ec) return Error(ErrorCode::kIo, ec.message()).context("resolve lab " + std::string(lab));
  auto [root_end, p_it] = std::mismatch(root.begin(), root.end(), p.begin(), p.end());
  if (root_end != root.end()) {
    return Error(ErrorCode::kPermissionDenied,
                 "the lab \"" + std::string(lab) + "\" is outside the labs folder " +
                     root.string() + "; atelierd only runs labs from there (--labs-dir)");
  }
  if (!fs::is_regular_file(p, ec)) {
    return Error(
        ErrorCode::kNotFound,
        "no lab at " + p.string() + " (looked for a lab folder with a lab.yaml, or a lab.yaml)");
  }
  return p;
}

namespace {

// Each display name names a listed candidate and fits on one line of a page.
Status validate_display_names(const CreateSessionRequest& request) {
  for (const auto& [c, shown] : request.display_names) {
    if (std::find(request.candidates.begin(), request.candidates.end(), c) ==
        request.candidates.end()) {
      return Error(ErrorCode::kInvalidArgument,
                   "a display name is given for \"" + c + "\", who is not in the candidates");
    }
    if (shown.size() > kMaxDisplayNameBytes ||
        std::any_of(shown.begin(), shown.end(), [](unsigned char ch) { return ch < 0x20; })) {
      return Error(ErrorCode::kInvalidArgument,
                   "the display name of candidate \"" + c + "\" is longer than " +
                       std::to_string(kMaxDisplayNameBytes) +
                       " bytes or holds control characters; shorten it to one line");
    }
  }
  return ok_status();
}

}  // namespace

Result<store::SessionRecord> SessionService::create(const CreateSessionRequest& request,
                                                    std::string_view actor,
                                                    std::vector<lab::Diagnostic>* diagnostics) {
  if (request.name) ATELIER_RETURN_IF_ERROR(validate_id("session name", *request.name));
  if (request.candidates.empty()) {
    return Error(ErrorCode::kInvalidArgument,
                 "\"candidates\" is empty; list at least one candidate id");
  }
  if (request.candidates.size() > kMaxCandidates) {
    return Error(ErrorCode::kInvalidArgument,
                 "more than " + std::to_string(kMaxCandidates) +
                     " candidates; split the group into several sessions");
  }
  std::set<std::string_view> seen;
  for (const auto& c : request.candidates) {
    ATELIER_RETURN_IF_ERROR(validate_id("candidate", c));
    if (!seen.insert(c).second) {
      return Error(ErrorCode::kInvalidArgument, "candidate \"" + c + "\" is listed twice");
    }
  }
  ATELIER_RETURN_IF_ERROR(validate_display_names(request));
  if (request.check_interval &&
      (request.check_interval->count() < 0 || *request.check_interval > kMaxCheckInterval)) {
    return Error(ErrorCode::kInvalidArgument,
                 "the check interval must lie between 1s and 24h, or be off (0)");
  }
  auto path = resolve_lab_path(request.lab);
  if (!path.ok()) return std::move(path).error();
  store::SessionLabFiles copy;
  lab::LoadReport report = load_lab_yaml(*path, options_.load, copy);
  if (!report.ok()) {
    if (diagnostics != nullptr) *diagnostics = report.diagnostics;
    if (report.io_failure) {
      return Error(ErrorCode::kNotFound, report.to_string()).context("load lab " + path->string());
    }
    return Error(ErrorCode::kInvalidArgument,
                 "the lab has " + std::to_string(report.diagnostics.size()) +
                     " error(s); fix them (atelier lab validate) and retry")
        .context("load lab " + path->string());
  }

  add_ticket_texts(*report.lab, copy);
  store::SessionRecord record;
  record.lab_path = path->string();
  record.lab_id = report.lab->id;
  // Drawn over all 64 bits: a small seed could be found by trying them all against what one
  // candidate sees of their own variant.
  record.seed = request.seed ? *request.seed : random();
  record.created_at = options_.clock();
  record.feedback = request.feedback;
  record.candidate_resets = request.candidate_resets;
  record.created_by = std::string(actor);
  record.check_interval = request.check_interval;
  for (int attempt = 0;; ++attempt) {
    if (request.name) {
      record.id = *request.name;
    } else {
      static constexpr char kHex[] = "0123456789abcdef";
      std::uint64_t r = random();
      record.id = "s";
      for (int i = 0; i < 8; ++i) record.id.push_back(kHex[(r >> (4 * i)) & 0xf]);
    }
    Status s = store_.create_session(
        record, request.candidates,
        {0, record.created_at, std::string(actor), "session.create", "session " + record.id,
         "lab " + record.lab_id + ", " + std::to_string(request.candidates.size()) +
             " candidate(s)" +
             (!record.check_interval ? std::string()
              : record.check_interval->count() == 0
                  ? std::string(", no periodic checks")
                  : ", checks every " + format_check_interval(*record.check_interval))},
        copy, request.display_names);
    if (s.ok()) return record;
    if (s.error().code() != ErrorCode::kAlreadyExists || request.name || attempt >= 4) {
      return std::move(s).error();
    }
  }
}

Status SessionService::destroy(std::string_view session, std::string_view actor) {
  return store_.set_desired_state(session, store::DesiredState::kDestroyed,
                                  {0, options_.clock(), std::string(actor), "session.destroy",
                                   "session " + std::string(session), ""});
}

Result<lab::Lab> SessionService::session_lab(const store::SessionRecord& record) {
  auto copy = store_.get_session_lab_files(record.id);
  if (!copy.ok()) return std::move(copy).error();
  auto yaml = copy->find("lab.yaml");
  if (yaml == copy->end()) {
    // A session made before copies were kept: its lab file as it is now.
    bool first = false;
    {
      std::lock_guard lock(legacy_mutex_);
      first = legacy_logged_.insert(record.id).second;
    }
    if (first && options_.log) {
      options_.log(
          "info",
          "session has no copy of its lab (made before copies were kept); reading it from its path",
          "session=" + record.id + " lab_path=" + record.lab_path);
    }
    return lab::load_lab(record.lab_path, options_.load);
  }
  lab::LoadOptions load = options_.load;
  load.lab_files = &*copy;
  return lab::parse_lab(yaml->second, record.lab_path, load);
}

Result<lab::Lab> SessionService::candidate_lab(std::string_view session,
                                               std::string_view candidate) {
  auto record = store_.get_session(session);
  if (!record.ok()) return std::move(record).error();
  auto cl = store_.get_candidate_lab(session, candidate);
  if (!cl.ok()) return std::move(cl).error();
  auto loaded = session_lab(*record);
  if (!loaded.ok()) {
    return std::move(loaded).error().context("reload lab of session " + std::string(session));
  }
  auto resolved = lab::resolve(*loaded, candidate, record->seed);
  if (!resolved.ok()) {
    return std::move(resolved).error().context("resolve lab for candidate " +
                                               std::string(candidate));
  }
  return resolved;
}

}  // namespace atelier::sessions
