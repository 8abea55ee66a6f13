// The signature of a stored check result: what bytes are signed (canonical_result) and how a
// record's signature is made and checked. The same bytes are rebuilt by `atelier results verify`
// from a bundle's runs.json, so this form is a format: change it only with a new version tag.
#pragma once

#include <string>

#include "controller/evidence/signing_key.h"
#include "controller/store/store.h"

namespace atelier::store {

// The canonical serialisation of a result as the store keeps it: the tag line
// "atelier-result/1\n", then for each field in this fixed order
//   result_id session candidate task check_index host description status expected observed
//   run_id started_at finished_at received_at run_by
// one line "NAME LENGTH:VALUE\n" where LENGTH is VALUE's size in bytes (so no value can forge a
// field boundary), integers in decimal and times in milliseconds since the Unix epoch (the
// store's precision). Then, only for a result that carries tamper evidence (a non-empty
// integrity), one more line "integrity LENGTH:VALUE\n". signature and signing_key are not part of
// it.
std::string canonical_result(const ResultRecord& result);

struct SignedFields {
  std::string signature;        // base64 of the 64-byte Ed25519 signature; "" without a key
  std::string key_fingerprint;  // evidence::fingerprint of the key; "" without a key
};
SignedFields sign_result(const evidence::SigningKey* key, const ResultRecord& result);

// Whether `result.signature` is `key`'s signature of canonical_result(result) (false when the
// result is unsigned).
bool verify_result(const evidence::PublicKey& key, const ResultRecord& result);

}  // namespace atelier::store
