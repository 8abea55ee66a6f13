// The store's schema migrations (moved out of store.cpp): migration i brings the schema from
// version i to i + 1. Append only; never edit one that has shipped.
#include "controller/store/migrations.h"

#include <iterator>

namespace atelier::store {
namespace {

// Migrations in order: migration i brings the schema from version i to i + 1 (PRAGMA
// user_version). Append only; never edit one that has shipped.
constexpr const char* kMigrations[] = {
    // 1: the first schema.
    R"sql(
CREATE TABLE sessions (
  id TEXT PRIMARY KEY,
  lab_path TEXT NOT NULL,
  lab_id TEXT NOT NULL,
  seed INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  desired TEXT NOT NULL CHECK (desired IN ('active', 'destroyed')),
  status TEXT NOT NULL,
  feedback INTEGER NOT NULL DEFAULT 0,
  created_by TEXT NOT NULL
);
CREATE TABLE candidate_labs (
  session TEXT NOT NULL REFERENCES sessions(id),
  candidate TEXT NOT NULL,
  status TEXT NOT NULL,
  step_networks TEXT NOT NULL DEFAULT 'pending',
  step_disks TEXT NOT NULL DEFAULT 'pending',
  step_domains TEXT NOT NULL DEFAULT 'pending',
  step_booted TEXT NOT NULL DEFAULT 'pending',
  step_agent TEXT NOT NULL DEFAULT 'pending',
  step_roles TEXT NOT NULL DEFAULT 'pending',
  step_incidents TEXT NOT NULL DEFAULT 'pending',
  step_ready TEXT NOT NULL DEFAULT 'pending',
  error TEXT NOT NULL DEFAULT '',
  host TEXT,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (session, candidate)
);
CREATE TABLE hosts (
  name TEXT PRIMARY KEY,
  uri TEXT NOT NULL,
  memory_bytes INTEGER NOT NULL,
  vcpus INTEGER NOT NULL,
  enabled INTEGER NOT NULL
);
CREATE TABLE objects (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  session TEXT NOT NULL,
  candidate TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('network', 'volume', 'domain')),
  name TEXT NOT NULL,
  host TEXT NOT NULL,
  state TEXT NOT NULL,
  recorded_at INTEGER NOT NULL,
  UNIQUE (host, kind, name),
  FOREIGN KEY (session, candidate) REFERENCES candidate_labs(session, candidate)
);
CREATE TABLE results (
  result_id TEXT PRIMARY KEY,
  session TEXT NOT NULL,
  candidate TEXT NOT NULL,
  task TEXT NOT NULL,
  check_index INTEGER NOT NULL,
  host TEXT NOT NULL,
  description TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pass', 'fail', 'error')),
  expected TEXT NOT NULL,
  observed TEXT NOT NULL,
  run_id TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  finished_at INTEGER NOT NULL,
  received_at INTEGER NOT NULL,
  FOREIGN KEY (session, candidate) REFERENCES candidate_labs(session, candidate)
);
CREATE INDEX results_by_candidate ON results(session, candidate);
CREATE TABLE tokens (
  hash TEXT PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  role TEXT NOT NULL CHECK (role IN ('trainer', 'evaluator', 'candidate')),
  session TEXT REFERENCES sessions(id),
  candidate TEXT,
  label TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  revoked INTEGER NOT NULL DEFAULT 0,
  FOREIGN KEY (session, candidate) REFERENCES candidate_labs(session, candidate)
);
CREATE TABLE audit (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT NOT NULL,
  detail TEXT NOT NULL
);
)sql",
    // 2: when a candidate lab was handed over (its tickets open then; grading's time-to-resolve).
    R"sql(
ALTER TABLE candidate_labs ADD COLUMN handed_over_at INTEGER;
)sql",
    // 3: evaluator actions: notes, score overrides with their justification, the freeze.
    R"sql(
CREATE TABLE annotations (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  session TEXT NOT NULL,
  candidate TEXT NOT NULL,
  task TEXT NOT NULL,
  result_id TEXT NOT NULL,
  text TEXT NOT NULL,
  who TEXT NOT NULL,
  at INTEGER NOT NULL,
  FOREIGN KEY (session, candidate) REFERENCES candidate_labs(session, candidate)
);
CREATE INDEX annotations_by_candidate ON annotations(session, candidate);
CREATE TABLE overrides (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  session TEXT NOT NULL,
  candidate TEXT NOT NULL,
  task TEXT NOT NULL,
  points REAL NOT NULL CHECK (points >= 0),
  justification TEXT NOT NULL CHECK (length(trim(justification)) > 0),
  who TEXT NOT NULL,
  at INTEGER NOT NULL,
  FOREIGN KEY (session, candidate) REFERENCES candidate_labs(session, candidate)
);
CREATE INDEX overrides_by_candidate ON overrides(session, candidate);
CREATE TABLE freezes (
  session TEXT PRIMARY KEY REFERENCES sessions(id),
  at INTEGER NOT NULL,
  who TEXT NOT NULL
);
)sql",
    // 4: a session's own check interval (NULL: the lab's, then atelierd's; 0: no periodic
    // checks), and who started each check run ('' for the results stored before).
    R"sql(
ALTER TABLE sessions ADD COLUMN check_interval_s INTEGER CHECK (check_interval_s >= 0);
ALTER TABLE results ADD COLUMN run_by TEXT NOT NULL DEFAULT '';
)sql",
    // 5: the trainer's actions (reset, solve, check run), so that they outlive atelierd: written
    // when one starts and when it ends; candidates a comma list, verdicts the API's JSON array.
    R"sql(
CREATE TABLE actions (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('reset', 'solve', 'check_run')),
  session TEXT NOT NULL,
  candidates TEXT NOT NULL,
  host TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('running', 'done', 'failed')),
  error TEXT NOT NULL,
  run_id TEXT NOT NULL,
  verdicts TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  finished_at INTEGER
);
)sql",
    // 6: candidate access codes and their web sessions (access_codes.cpp). A code is never
    // stored: only its generation (the code is derived from it under the server key) and its
    // HMAC digest for lookup. A web session keeps the SHA-256 of its cookie and the code
    // generation it was opened with, so regenerating the code ends it.
    R"sql(
CREATE TABLE access_codes (
  session TEXT NOT NULL,
  candidate TEXT NOT NULL,
  generation INTEGER NOT NULL CHECK (generation >= 1),
  digest TEXT NOT NULL UNIQUE,
  PRIMARY KEY (session, candidate)
);
CREATE TABLE web_sessions (
  digest TEXT PRIMARY KEY,
  session TEXT NOT NULL,
  candidate TEXT NOT NULL,
  generation INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
)sql",
    // 7: every result is signed when stored (result_signature.h): atelierd's Ed25519 signature
    // of the record's canonical bytes (base64) and the signing key's fingerprint. Results
    // stored before this version keep '' in both: they are shown as unsigned, never as signed.
    R"sql(
ALTER TABLE results ADD COLUMN signature TEXT NOT NULL DEFAULT '';
ALTER TABLE results ADD COLUMN signing_key TEXT NOT NULL DEFAULT '';
)sql",
    // 8: token expiry (NULL: no fixed end; a candidate token still ends with its session), and
    // the index of the paged session list.
    R"sql(
ALTER TABLE tokens ADD COLUMN expires_at INTEGER;
CREATE INDEX sessions_by_creation ON sessions(created_at, id);
)sql",
    // 9: people's accounts (users.cpp): trainers and evaluators who sign in to the pages with a
    // name and a password (an scrypt string, never the password), and their browser sessions,
    // kept as the SHA-256 of the cookie like the candidates'. Disabling a user ends them at once
    // (find_staff_session joins on users.disabled).
    R"sql(
CREATE TABLE users (
  name TEXT PRIMARY KEY,
  role TEXT NOT NULL CHECK (role IN ('trainer', 'evaluator')),
  session TEXT,
  password TEXT NOT NULL,
  disabled INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL
);
CREATE TABLE staff_sessions (
  digest TEXT PRIMARY KEY,
  user TEXT NOT NULL REFERENCES users(name),
  expires_at INTEGER NOT NULL
);
)sql",
    // 10: the session flag candidate_resets (issue 14): a candidate may reset their own machines
    // from their page. Off for every session made before it.
    R"sql(
ALTER TABLE sessions ADD COLUMN candidate_resets INTEGER NOT NULL DEFAULT 0;
)sql",
    // 11: tamper evidence (decoys.h, issue 20): '' for a result whose host answered its bundle
    // cleanly, else the evidence in words ("decoy file /etc/x9q.conf present: expected fail,
    // agent answered pass"). Grading never counts a result with evidence as a pass.
    R"sql(
ALTER TABLE results ADD COLUMN integrity TEXT NOT NULL DEFAULT '';
)sql",
    // 12: each session's copy of its lab as it was at creation (session_labs.cpp, issue 19):
    // lab.yaml and the ticket texts it names, keyed by their path in the lab folder. Written in
    // the transaction that records the session; sessions made before have none and read their
    // lab_path.
    R"sql(
CREATE TABLE session_lab_files (
  session TEXT NOT NULL REFERENCES sessions(id),
  path TEXT NOT NULL,
  content BLOB NOT NULL,
  PRIMARY KEY (session, path)
);
)sql",
    // 13: the last agent instance each host of a candidate lab answered with (agent_instances.cpp,
    // issue 20), so that an agent restarted while atelierd was down is still evidence at the
    // first check run after atelierd's own restart.
    R"sql(
CREATE TABLE agent_instances (
  session TEXT NOT NULL REFERENCES sessions(id),
  candidate TEXT NOT NULL,
  host TEXT NOT NULL,
  nonce TEXT NOT NULL,
  started_unix_ms INTEGER NOT NULL,
  boot_id TEXT NOT NULL,
  PRIMARY KEY (session, candidate, host)
);
)sql",
    // 14: each candidate's display name ("Alice Martin"), given with the candidates when the
    // session is created (the trainer's new-session form); '' when none, as for earlier sessions.
    R"sql(
ALTER TABLE candidate_labs ADD COLUMN display_name TEXT NOT NULL DEFAULT '';
)sql",
};

}  // namespace

std::span<const char* const> migrations() {
  return {kMigrations, std::size(kMigrations)};
}

}  // namespace atelier::store
