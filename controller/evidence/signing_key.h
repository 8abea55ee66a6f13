// atelierd's Ed25519 signing key (STATE_DIR/signing.key, 0600) and the primitives the evidence
// code needs around it: sign, verify, SHA-256, base64, fingerprints. All of it is OpenSSL's EVP;
// nothing here implements cryptography of its own.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "common/crypto/digest.h"
#include "common/result.h"

namespace atelier::evidence {

inline constexpr std::string_view kSigningKeyFile = "signing.key";

// A 32-byte Ed25519 public key, raw.
struct PublicKey {
  std::string raw;
  friend bool operator==(const PublicKey&, const PublicKey&) = default;
};

// The key's file form and its short name: base64 of the 32 raw bytes, and the first 16 hex
// digits of SHA-256 of the raw bytes (what `atelier key show` prints for a jury to compare).
std::string to_base64(const PublicKey& key);
std::string fingerprint(const PublicKey& key);
// Parses the base64 form (surrounding whitespace ignored). kInvalidArgument when it is not 32
// bytes.
Result<PublicKey> parse_public_key(std::string_view text);

class SigningKey {
 public:
  // Reads FILE, or creates it with a fresh key when it does not exist. Creation is atomic: the
  // key is written to a temporary file in the same folder (0600, fsynced) and link()ed to FILE,
  // so a reader never sees half a key and two processes creating it at once end up with one key
  // (the loser reads the winner's). The file holds the 32-byte private seed in base64 and a
  // newline. Errors: kIo (folder not writable...), kInvalidArgument (a file that is not a key:
  // it is left alone, the message says to move it away).
  static Result<SigningKey> load_or_create(const std::filesystem::path& file);
  // Reads FILE without ever creating it: kNotFound when it does not exist.
  static Result<SigningKey> load(const std::filesystem::path& file);
  // From the 32-byte private seed (tests).
  static Result<SigningKey> from_seed(std::string_view seed);
  // A fresh random key (tests: "another installation").
  static Result<SigningKey> generate();

  const PublicKey& public_key() const { return public_; }
  // The 64-byte Ed25519 signature of `message` (PureEdDSA: the message itself, no prehash).
  std::string sign(std::string_view message) const;

 private:
  SigningKey(std::shared_ptr<void> pkey, PublicKey pub)
      : pkey_(std::move(pkey)), public_(std::move(pub)) {}
  std::shared_ptr<void> pkey_;  // EVP_PKEY, shared: copies of a SigningKey sign with one key
  PublicKey public_;
};

// Whether `signature` is `key`'s Ed25519 signature of `message`.
bool verify(const PublicKey& key, std::string_view message, std::string_view signature);

using crypto::sha256_hex;  // common/crypto/digest.h
std::string base64_encode(std::string_view bytes);
// kInvalidArgument for text that is not base64 (whitespace is ignored).
Result<std::string> base64_decode(std::string_view text);

}  // namespace atelier::evidence
