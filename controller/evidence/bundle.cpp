// MANIFEST's text form, bundle assembly and offline verification (bundle.h).
#include "controller/evidence/bundle.h"

#include <algorithm>
#include <map>

namespace atelier::evidence {
namespace {

bool reserved(std::string_view name) {
  return name == kManifestName || name == kSignatureName || name == kPublicKeyName;
}

bool is_hex64(std::string_view s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

std::string trim_newline(std::string_view s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.remove_suffix(1);
  return std::string(s);
}

}  // namespace

std::string Manifest::field(std::string_view name) const {
  for (const auto& [k, v] : fields) {
    if (k == name) return v;
  }
  return "";
}

std::string render_manifest(const Manifest& m) {
  std::string out = std::string(kManifestMagic) + "\n";
  for (const auto& [k, v] : m.fields) out += k + ": " + v + "\n";
  out += "\n";
  for (const auto& e : m.files) out += e.sha256 + "  " + e.path + "\n";
  return out;
}

Result<Manifest> parse_manifest(std::string_view text) {
  Manifest m;
  std::size_t line_no = 0;
  bool in_files = false;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) {
      return Error(ErrorCode::kInvalidArgument, "MANIFEST does not end with a newline");
    }
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++line_no;
    auto bad = [&](const std::string& what) {
      return Error(ErrorCode::kInvalidArgument,
                   "MANIFEST line " + std::to_string(line_no) + ": " + what);
    };
    if (line_no == 1) {
      if (line != kManifestMagic) return bad("expected \"" + std::string(kManifestMagic) + "\"");
      continue;
    }
    if (!in_files) {
      if (line.empty()) {
        in_files = true;
        continue;
      }
      std::size_t colon = line.find(": ");
      if (colon == std::string_view::npos || colon == 0) return bad("expected \"key: value\"");
      m.fields.emplace_back(std::string(line.substr(0, colon)),
                            std::string(line.substr(colon + 2)));
      continue;
    }
    if (line.size() < 67 || !is_hex64(line.substr(0, 64)) || line.substr(64, 2) != "  ") {
      return bad("expected \"SHA256  PATH\"");
    }
    m.files.push_back({std::string(line.substr(0, 64)), std::string(line.substr(66))});
  }
  if (line_no == 0) return Error(ErrorCode::kInvalidArgument, "MANIFEST is empty");
  if (!in_files) return Error(ErrorCode::kInvalidArgument, "MANIFEST has no file list");
  return m;
}

std::string lab_hash(const std::vector<ManifestEntry>& entries) {
  std::vector<ManifestEntry> lab;
  for (const auto& e : entries) {
    if (e.path.rfind("lab/", 0) == 0) lab.push_back(e);
  }
  std::sort(lab.begin(), lab.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
  std::string lines;
  for (const auto& e : lab) lines += e.sha256 + "  " + e.path + "\n";
  return sha256_hex(lines);
}

Result<std::string> make_bundle(const std::vector<TarMember>& members,
                                std::vector<std::pair<std::string, std::string>> fields,
                                const SigningKey& key, std::int64_t mtime) {
  Manifest m;
  m.fields = std::move(fields);
  for (const auto& member : members) {
    if (reserved(member.name)) {
      return Error(ErrorCode::kInvalidArgument,
                   "\"" + member.name + "\" is reserved for the bundle's signature");
    }
    m.files.push_back({sha256_hex(member.data), member.name});
  }
  m.fields.emplace_back("key", fingerprint(key.public_key()));
  if (std::any_of(m.files.begin(), m.files.end(),
                  [](const auto& e) { return e.path.rfind("lab/", 0) == 0; })) {
    m.fields.emplace_back("lab-sha256", lab_hash(m.files));
  }
  const std::string manifest = render_manifest(m);
  std::vector<TarMember> all = members;
  all.push_back({std::string(kManifestName), manifest});
  all.push_back({std::string(kSignatureName), base64_encode(key.sign(manifest)) + "\n"});
  all.push_back({std::string(kPublicKeyName), to_base64(key.public_key()) + "\n"});
  return write_ustar(all, mtime);
}

namespace {

// The key and signature checks; true when MANIFEST's bytes can be trusted.
bool check_signature(const std::map<std::string, const TarMember*>& by_name,
                     const PublicKey& expected, VerifyReport& report) {
  const std::string want = fingerprint(expected);
  if (!by_name.count(std::string(kPublicKeyName))) {
    report.problems.push_back("signing-key.pub is missing");
  } else if (auto key = parse_public_key(by_name.at(std::string(kPublicKeyName))->data);
             !key.ok()) {
    report.problems.push_back("signing-key.pub is not a public key (it was changed)");
  } else {
    report.key_fingerprint = fingerprint(*key);
    if (!(*key == expected)) {
      report.problems.push_back(
          "the bundle is signed by key " + report.key_fingerprint + ", not the expected key " +
          want + " (a bundle from another installation, or signing-key.pub was changed)");
    }
  }
  if (!by_name.count(std::string(kManifestName)) || !by_name.count(std::string(kSignatureName))) {
    report.problems.push_back("MANIFEST or MANIFEST.sig is missing");
    return false;
  }
  const std::string& manifest = by_name.at(std::string(kManifestName))->data;
  auto sig = base64_decode(trim_newline(by_name.at(std::string(kSignatureName))->data));
  if (!sig.ok() || !verify(expected, manifest, *sig)) {
    report.problems.push_back("MANIFEST's signature does not verify with key " + want +
                              ": MANIFEST or MANIFEST.sig was changed, or another key signed it");
    return false;
  }
  return true;
}

void check_files(const std::vector<TarMember>& members,
                 const std::map<std::string, const TarMember*>& by_name, VerifyReport& report) {
  std::map<std::string, bool> listed;
  for (const auto& e : report.manifest.files) {
    listed[e.path] = true;
    auto it = by_name.find(e.path);
    if (it == by_name.end()) {
      report.problems.push_back(e.path + " is missing (the manifest lists it)");
      continue;
    }
    const std::string actual = sha256_hex(it->second->data);
    if (actual != e.sha256) {
      report.problems.push_back(e.path + " was changed: its SHA-256 is " + actual +
                                ", the signed manifest says " + e.sha256);
    }
  }
  for (const auto& m : members) {
    if (!reserved(m.name) && !listed.count(m.name)) {
      report.problems.push_back(m.name + " is not in the manifest (it was added)");
    }
  }
  const std::string lab = report.manifest.field("lab-sha256");
  if (!lab.empty() && lab != lab_hash(report.manifest.files)) {
    report.problems.push_back("the manifest's lab-sha256 does not match its lab/ files");
  }
}

}  // namespace

VerifyReport verify_bundle(std::string_view archive, const PublicKey& expected) {
  VerifyReport report;
  auto members = read_ustar(archive);
  if (!members.ok()) {
    report.problems.push_back("the archive is damaged: " + members.error().message());
    return report;
  }
  std::map<std::string, const TarMember*> by_name;
  for (const auto& m : *members) by_name[m.name] = &m;
  if (!check_signature(by_name, expected, report)) return report;
  auto manifest = parse_manifest(by_name.at(std::string(kManifestName))->data);
  if (!manifest.ok()) {
    report.problems.push_back(manifest.error().message());
    return report;
  }
  report.manifest = std::move(manifest).value();
  check_files(*members, by_name, report);
  return report;
}

}  // namespace atelier::evidence
