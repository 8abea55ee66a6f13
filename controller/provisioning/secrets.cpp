// Keyed derivation of candidate-lab secrets (see secrets.h).
#include "controller/provisioning/secrets.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <array>

namespace atelier::provisioning {
namespace {

std::string hex(const unsigned char* data, std::size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(kDigits[data[i] >> 4]);
    out.push_back(kDigits[data[i] & 0xf]);
  }
  return out;
}

}  // namespace

std::string derive_root_password(std::string_view key, std::string_view session, std::string_view candidate,
                                 std::uint64_t seed) {
  // NUL separators: ("ab", "c") and ("a", "bc") give different messages.
  std::string message = "atelier-root";
  message.push_back('\0');
  message.append(session).push_back('\0');
  message.append(candidate).push_back('\0');
  message += std::to_string(seed);
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(message.data()),
       message.size(), mac.data(), &len);
  return hex(mac.data(), 8);
}

Result<std::string> random_secret_key() {
  std::array<unsigned char, 32> random{};
  if (RAND_bytes(random.data(), static_cast<int>(random.size())) != 1) {
    return Error(ErrorCode::kInternal, "the system random generator failed");
  }
  return hex(random.data(), random.size());
}

}  // namespace atelier::provisioning
