// Decoy checks mixed into check bundles, and the verification of an agent's answer (decoys.h).
#include "controller/provisioning/decoys.h"

#include <algorithm>
#include <random>

#include "common/crypto/digest.h"

namespace atelier::provisioning {

namespace {

// Paths and names every guest image has (Debian's base files and passwd): a check that they
// exist passes on any honest host, whatever the candidate did to the lab's services.
const char* const kPresentFiles[] = {"/etc/passwd", "/etc/group", "/etc/os-release", "/etc/shells"};
const char* const kPresentDirectories[] = {"/etc", "/usr/bin", "/var/lib", "/usr/share"};
const char* const kPresentNames[] = {"root"};  // user and group
const char* const kFolders[] = {"/etc", "/etc/default", "/var/lib",
                                "/opt", "/srv",         "/usr/local/etc"};
const char* const kSuffixes[] = {".conf", ".cfg", "", ".d", ".ini", ".list"};

std::uint64_t pick(const RandomSource& random, std::uint64_t n) {
  return random() % n;
}

template <std::size_t N>
const char* pick(const RandomSource& random, const char* const (&items)[N]) {
  return items[pick(random, N)];
}

// A name that no image has: a letter then 7 to 11 letters and digits (as a service account or a
// configuration file would be named); 2^40 and more possibilities, drawn afresh for every bundle.
std::string random_name(const RandomSource& random) {
  static constexpr char kFirst[] = "abcdefghijklmnopqrstuvwxyz";
  static constexpr char kRest[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string out(1, kFirst[pick(random, 26)]);
  const std::size_t length = 7 + pick(random, 5);
  while (out.size() < length) out += kRest[pick(random, 36)];
  return out;
}

struct Made {
  checks::Check check;
  Decoy decoy;
};

// A file decoy: an existing or a random path, checked as present or absent, so that neither the
// path nor the polarity tells the outcome.
Made file_decoy(const RandomSource& random, bool expect_pass) {
  const bool known = pick(random, 2) == 0;  // a path every image has, or a random one
  checks::FileCheck f;
  if (known) {
    const bool directory = pick(random, 2) == 0;
    f.path = directory ? pick(random, kPresentDirectories) : pick(random, kPresentFiles);
    f.directory = directory;
  } else {
    f.path =
        std::string(pick(random, kFolders)) + "/" + random_name(random) + pick(random, kSuffixes);
  }
  // The true outcome is pass when presence is asked of a known path or absence of a random one.
  f.exists = known == expect_pass;
  std::string description = f.path + (f.exists ? " is in place" : " is absent");
  std::string what = "decoy file " + f.path + (f.exists ? " present" : " absent");
  return {checks::Check{"", std::move(description), std::chrono::milliseconds(5000), std::move(f)},
          Decoy{0, expect_pass, std::move(what)}};
}

// A user or group decoy: root, or a random account name, asked to exist or not.
Made account_decoy(const RandomSource& random, bool expect_pass) {
  const bool known = pick(random, 2) == 0;
  const bool user = pick(random, 2) == 0;
  const std::string name = known ? pick(random, kPresentNames) : random_name(random);
  const bool exists = known == expect_pass;
  const std::string noun = user ? "user" : "group";
  std::string description = "the " + noun + " " + name + (exists ? " exists" : " does not exist");
  std::string what = "decoy " + noun + " " + name + (exists ? " exists" : " absent");
  checks::CheckKind kind = user ? checks::CheckKind(checks::UserCheck{name, exists, {}, {}, {}})
                                : checks::CheckKind(checks::GroupCheck{name, exists, {}});
  return {
      checks::Check{"", std::move(description), std::chrono::milliseconds(5000), std::move(kind)},
      Decoy{0, expect_pass, std::move(what)}};
}

Made make_decoy(const RandomSource& random, bool expect_pass) {
  return pick(random, 3) == 0 ? account_decoy(random, expect_pass)
                              : file_decoy(random, expect_pass);
}

const char* status_word(protocol::CheckStatus s) {
  return protocol::to_string(s);
}

void add_evidence(std::string& integrity, const std::string& line) {
  if (!integrity.empty()) integrity += "; ";
  integrity += line;
}

}  // namespace

RandomSource random_source() {
  return [] {
    std::uint64_t v = 0;
    auto bytes = crypto::random_bytes(sizeof v);
    if (bytes.ok() && bytes->size() == sizeof v) {
      for (unsigned char c : *bytes) v = (v << 8) | c;
      return v;
    }
    // The CSPRNG failing is not expected; random_device is the next best thing.
    std::random_device device;
    return (std::uint64_t{device()} << 32) | device();
  };
}

DecoyedBundle add_decoys(protocol::RunChecks real, const RandomSource& random) {
  const std::size_t decoy_count = 2 + pick(random, 2);
  std::vector<Made> made;
  made.push_back(make_decoy(random, /*expect_pass=*/false));
  made.push_back(make_decoy(random, /*expect_pass=*/true));
  while (made.size() < decoy_count) made.push_back(make_decoy(random, pick(random, 2) == 0));
  const std::string host = real.checks.empty() ? std::string() : real.checks.front().on;

  // origin[i] >= 0: the real check of that index; < 0: decoy -origin-1. Fisher-Yates over all.
  std::vector<long> origin;
  for (std::size_t i = 0; i < real.checks.size(); ++i) origin.push_back(static_cast<long>(i));
  for (std::size_t d = 0; d < made.size(); ++d) origin.push_back(-static_cast<long>(d) - 1);
  for (std::size_t i = origin.size(); i > 1; --i) std::swap(origin[i - 1], origin[pick(random, i)]);

  DecoyedBundle out;
  out.bundle.bundle_id = real.bundle_id;
  out.real_positions.resize(real.checks.size());
  for (std::size_t pos = 0; pos < origin.size(); ++pos) {
    if (origin[pos] >= 0) {
      const auto r = static_cast<std::size_t>(origin[pos]);
      out.real_positions[r] = pos;
      out.bundle.checks.push_back(std::move(real.checks[r]));
    } else {
      Made& m = made[static_cast<std::size_t>(-origin[pos] - 1)];
      m.check.on = host;
      m.decoy.position = pos;
      out.bundle.checks.push_back(std::move(m.check));
      out.decoys.push_back(std::move(m.decoy));
    }
  }
  return out;
}

VerifiedResults verify_decoys(const DecoyedBundle& sent, const protocol::Results& answer) {
  VerifiedResults out;
  const std::size_t n = sent.bundle.checks.size();
  if (answer.bundle_id != sent.bundle.bundle_id) {
    add_evidence(out.integrity, "out of protocol: the answer is for bundle \"" + answer.bundle_id +
                                    "\", not \"" + sent.bundle.bundle_id + "\"");
  }
  if (answer.results.size() != n) {
    add_evidence(out.integrity, "out of protocol: " + std::to_string(answer.results.size()) +
                                    " results for " + std::to_string(n) + " checks");
  }
  // Each position answered at most once, by a result that names it and its kind.
  std::vector<const protocol::CheckResult*> at(n, nullptr);
  for (const auto& r : answer.results) {
    if (r.index >= n) {
      add_evidence(out.integrity, "out of protocol: a result for check " + std::to_string(r.index) +
                                      " of a bundle of " + std::to_string(n));
      continue;
    }
    if (at[r.index] != nullptr) {
      add_evidence(out.integrity,
                   "out of protocol: check " + std::to_string(r.index) + " answered twice");
      continue;
    }
    const std::string want_id = sent.bundle.bundle_id + "/" + std::to_string(r.index);
    const std::string want_kind = checks::kind_name(sent.bundle.checks[r.index].kind);
    if (r.result_id != want_id || r.kind != want_kind) {
      add_evidence(out.integrity, "out of protocol: result \"" + r.result_id + "\" (" + r.kind +
                                      ") does not match check " + want_id + " (" + want_kind + ")");
    }
    at[r.index] = &r;
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (at[i] == nullptr)
      add_evidence(out.integrity, "out of protocol: no result for check " + std::to_string(i));
  }
  for (const auto& d : sent.decoys) {
    const protocol::CheckResult* r = at[d.position];
    if (r == nullptr || r->status == protocol::CheckStatus::kError) continue;
    const bool passed = r->status == protocol::CheckStatus::kPass;
    if (passed != d.expect_pass) {
      add_evidence(out.integrity, d.what + ": expected " + (d.expect_pass ? "pass" : "fail") +
                                      ", agent answered " + status_word(r->status));
    }
  }
  for (std::size_t i = 0; i < sent.real_positions.size(); ++i) {
    const std::size_t pos = sent.real_positions[i];
    if (at[pos] != nullptr) {
      protocol::CheckResult r = *at[pos];
      r.index = i;
      out.results.push_back(std::move(r));
      continue;
    }
    const checks::Check& check = sent.bundle.checks[pos];
    protocol::CheckResult missing;
    missing.result_id = sent.bundle.bundle_id + "/" + std::to_string(pos);
    missing.index = i;
    missing.kind = checks::kind_name(check.kind);
    missing.description = check.description;
    missing.status = protocol::CheckStatus::kError;
    missing.observed = "the agent returned no result for this check";
    out.results.push_back(std::move(missing));
  }
  return out;
}

}  // namespace atelier::provisioning
