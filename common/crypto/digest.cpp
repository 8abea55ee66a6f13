// Hashing, keyed hashing, random secrets and hex over OpenSSL's libcrypto (see digest.h).
#include "common/crypto/digest.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

namespace atelier::crypto {

std::string to_hex(std::span<const unsigned char> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0xf]);
  }
  return out;
}

Sha256 sha256(std::string_view data) {
  Sha256 md{};
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md.data(), &len, EVP_sha256(), nullptr);
  return md;
}

std::string sha256_hex(std::string_view data) {
  return to_hex(sha256(data));
}

Sha256 hmac_sha256(std::string_view key, std::string_view message) {
  Sha256 mac{};
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac.data(), &len);
  return mac;
}

std::string labelled_message(std::string_view label,
                             std::initializer_list<std::string_view> fields) {
  std::string message(label);
  for (std::string_view f : fields) {
    message.push_back('\0');
    message.append(f);
  }
  return message;
}

Result<std::string> random_bytes(std::size_t bytes) {
  std::string out(bytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(out.size())) != 1) {
    return Error(ErrorCode::kInternal, "the system random generator failed");
  }
  return out;
}

Result<std::string> random_hex(std::size_t bytes) {
  auto raw = random_bytes(bytes);
  if (!raw.ok()) return std::move(raw).error();
  const std::string& r = raw.value();
  return to_hex({reinterpret_cast<const unsigned char*>(r.data()), r.size()});
}

}  // namespace atelier::crypto
