// What goes into a candidate's evidence bundle (`atelier results bundle`), read from atelierd's
// store and state folder: the graded results with evidence, every stored result with its
// signature, the tickets with their times, the session, the lab's files and the console
// recordings. Also reads runs.json back, for `atelier results verify`.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "controller/evidence/ustar.h"
#include "controller/sessions/session_service.h"
#include "controller/store/store.h"

namespace atelier::cli {

struct BundleSources {
  std::filesystem::path recordings_root;  // the console hub's: ROOT/SESSION/CANDIDATE/*.cast
  store::TimePoint now{};                 // grades as of this time
};

// The members of `candidate`'s bundle, without MANIFEST and its signature (evidence::make_bundle
// adds those): results.json (the graded JSON export of the candidate), runs.json (the stored
// results, each with its signature), tickets.json, session.json, lab/... (every file of the
// session's lab folder) and recordings/... (when there are any). Errors: kNotFound for an
// unknown session or candidate, kIo for a file that cannot be read, kInvalidArgument for a lab
// file whose name is too long for the archive.
Result<std::vector<evidence::TarMember>> bundle_members(store::Store& store,
                                                        sessions::SessionService& sessions,
                                                        const std::string& session,
                                                        const std::string& candidate,
                                                        const BundleSources& sources);

// runs.json's text for `results`, and back (kInvalidArgument naming the entry that is wrong).
std::string runs_json(const std::vector<store::ResultRecord>& results);
Result<std::vector<store::ResultRecord>> parse_runs_json(const std::string& text);

}  // namespace atelier::cli
