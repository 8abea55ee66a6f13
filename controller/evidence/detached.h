// Detached signatures of graded exports: FILE.sig beside FILE (csv, json, junit, html), a short
// text naming the file, its SHA-256 and the key, with atelierd's Ed25519 signature of the file's
// exact bytes. `atelier results verify FILE` checks it offline like a bundle.
#pragma once

#include <string>
#include <string_view>

#include "controller/evidence/bundle.h"
#include "controller/evidence/signing_key.h"

namespace atelier::evidence {

inline constexpr std::string_view kDetachedMagic = "atelier-signature/1";

// The .sig text:
//   atelier-signature/1
//   file: NAME
//   sha256: HEX
//   key: BASE64 public key
//   fingerprint: FP
//   signature: BASE64 (of the 64-byte signature of the file's bytes)
std::string make_detached_signature(std::string_view file_name, std::string_view data,
                                    const SigningKey& key);

// Checks `data` against `sig_text` and `expected`; problems name the file, the key or the
// signature. The report's manifest holds one entry (the file) and the .sig's fields.
VerifyReport verify_detached(std::string_view data, std::string_view sig_text,
                             const PublicKey& expected);

}  // namespace atelier::evidence
