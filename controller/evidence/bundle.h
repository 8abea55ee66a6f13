// Evidence bundles: a ustar archive (ustar.h) of a candidate's files plus MANIFEST (the SHA-256
// of every other member), MANIFEST.sig (atelierd's Ed25519 signature of MANIFEST's bytes, base64)
// and signing-key.pub (the public key, base64). Making and verifying are pure functions of the
// bytes and keys given; the CLI (controller/cli/evidence_commands.cpp) gathers the files.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "controller/evidence/signing_key.h"
#include "controller/evidence/ustar.h"

namespace atelier::evidence {

inline constexpr std::string_view kManifestName = "MANIFEST";
inline constexpr std::string_view kSignatureName = "MANIFEST.sig";
inline constexpr std::string_view kPublicKeyName = "signing-key.pub";
inline constexpr std::string_view kManifestMagic = "atelier-bundle-manifest/1";

struct ManifestEntry {
  std::string sha256;  // 64 lowercase hex digits
  std::string path;    // the member's name
  friend bool operator==(const ManifestEntry&, const ManifestEntry&) = default;
};

// MANIFEST's text: the magic line, "key: value" lines (session, candidate, created-at, key,
// lab-sha256, ...), an empty line, then one "SHA256  PATH" line per member (sha256sum's format,
// so `sha256sum -c` can check an unpacked bundle from the lines after the empty one).
struct Manifest {
  std::vector<std::pair<std::string, std::string>> fields;
  std::vector<ManifestEntry> files;
  std::string field(std::string_view name) const;  // "" when absent
  friend bool operator==(const Manifest&, const Manifest&) = default;
};
std::string render_manifest(const Manifest& manifest);
// kInvalidArgument naming the line for text that render_manifest could not have written.
Result<Manifest> parse_manifest(std::string_view text);

// The hash of a lab: SHA-256 of the "SHA256  PATH\n" lines of the entries under "lab/", sorted
// by path. One number for "the lab these results were graded against".
std::string lab_hash(const std::vector<ManifestEntry>& entries);

// The archive: `members` (names must not be the three reserved ones), then MANIFEST with
// `fields` followed by key and lab-sha256 (when any member is under lab/), MANIFEST.sig and
// signing-key.pub. kInvalidArgument for a reserved or bad name.
Result<std::string> make_bundle(const std::vector<TarMember>& members,
                                std::vector<std::pair<std::string, std::string>> fields,
                                const SigningKey& key, std::int64_t mtime);

struct VerifyReport {
  // Empty when the bundle verifies. Otherwise one sentence per thing that changed, naming it:
  // the archive, the key, MANIFEST's signature, or a file (changed, missing or added).
  std::vector<std::string> problems;
  Manifest manifest;            // as read (when it could be)
  std::string key_fingerprint;  // of the bundle's signing-key.pub, when it parses
  bool ok() const { return problems.empty(); }
};

// Checks `archive` against `expected`: the bundle's key must be it, MANIFEST must carry its valid
// signature, and every member must match its manifest line, with no member missing or added.
VerifyReport verify_bundle(std::string_view archive, const PublicKey& expected);

}  // namespace atelier::evidence
