// Canonical bytes and Ed25519 signatures of stored results (result_signature.h).
#include "controller/store/result_signature.h"

#include <chrono>

namespace atelier::store {
namespace {

std::string millis(TimePoint t) {
  return std::to_string(
      std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count());
}

void field(std::string& out, const char* name, const std::string& value) {
  out += name;
  out += ' ';
  out += std::to_string(value.size());
  out += ':';
  out += value;
  out += '\n';
}

}  // namespace

std::string canonical_result(const ResultRecord& r) {
  std::string out = "atelier-result/1\n";
  field(out, "result_id", r.result_id);
  field(out, "session", r.session);
  field(out, "candidate", r.candidate);
  field(out, "task", r.task);
  field(out, "check_index", std::to_string(r.check_index));
  field(out, "host", r.host);
  field(out, "description", r.description);
  field(out, "status", r.status);
  field(out, "expected", r.expected);
  field(out, "observed", r.observed);
  field(out, "run_id", r.run_id);
  field(out, "started_at", millis(r.started_at));
  field(out, "finished_at", millis(r.finished_at));
  field(out, "received_at", millis(r.received_at));
  field(out, "run_by", r.run_by);
  // Tamper evidence is signed too (so it cannot be stripped), and only when there is some: the
  // bytes of every clean result are those of the format as first published.
  if (!r.integrity.empty()) field(out, "integrity", r.integrity);
  return out;
}

SignedFields sign_result(const evidence::SigningKey* key, const ResultRecord& result) {
  if (key == nullptr) return {};
  return {evidence::base64_encode(key->sign(canonical_result(result))),
          evidence::fingerprint(key->public_key())};
}

bool verify_result(const evidence::PublicKey& key, const ResultRecord& result) {
  auto sig = evidence::base64_decode(result.signature);
  return sig.ok() && evidence::verify(key, canonical_result(result), *sig);
}

}  // namespace atelier::store
