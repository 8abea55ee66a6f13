// Detached signatures of exports (detached.h).
#include "controller/evidence/detached.h"

namespace atelier::evidence {

std::string make_detached_signature(std::string_view file_name, std::string_view data,
                                    const SigningKey& key) {
  std::string out = std::string(kDetachedMagic) + "\n";
  out += "file: " + std::string(file_name) + "\n";
  out += "sha256: " + sha256_hex(data) + "\n";
  out += "key: " + to_base64(key.public_key()) + "\n";
  out += "fingerprint: " + fingerprint(key.public_key()) + "\n";
  out += "signature: " + base64_encode(key.sign(data)) + "\n";
  return out;
}

VerifyReport verify_detached(std::string_view data, std::string_view sig_text,
                             const PublicKey& expected) {
  VerifyReport report;
  // The .sig has the manifest's "key: value" shape, without a file list.
  auto parsed =
      parse_manifest(std::string(kManifestMagic) + "\n" +
                     std::string(sig_text.substr(sig_text.find('\n') == std::string_view::npos
                                                     ? sig_text.size()
                                                     : sig_text.find('\n') + 1)) +
                     "\n");
  if (sig_text.substr(0, kDetachedMagic.size()) != kDetachedMagic || !parsed.ok()) {
    report.problems.push_back(
        "the .sig file is not an atelier signature (it was changed or is not one)");
    return report;
  }
  report.manifest = std::move(parsed).value();
  const std::string name = report.manifest.field("file");
  report.manifest.files.push_back({report.manifest.field("sha256"), name});
  auto key = parse_public_key(report.manifest.field("key"));
  if (!key.ok()) {
    report.problems.push_back("the .sig's key is not a public key (it was changed)");
  } else {
    report.key_fingerprint = fingerprint(*key);
    if (!(*key == expected)) {
      report.problems.push_back("signed by key " + report.key_fingerprint +
                                ", not the expected key " + fingerprint(expected) +
                                " (an export from another installation, or the .sig was changed)");
    }
  }
  const std::string actual = sha256_hex(data);
  if (actual != report.manifest.field("sha256")) {
    report.problems.push_back(name + " was changed: its SHA-256 is " + actual + ", the .sig says " +
                              report.manifest.field("sha256"));
  }
  auto sig = base64_decode(report.manifest.field("signature"));
  if (!sig.ok() || !verify(expected, data, *sig)) {
    report.problems.push_back("the signature of " + name + " does not verify with key " +
                              fingerprint(expected));
  }
  return report;
}

}  // namespace atelier::evidence
