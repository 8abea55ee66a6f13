// Ed25519 through OpenSSL's EVP interface, and the key file's atomic creation (signing_key.h).
#include "controller/evidence/signing_key.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cassert>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace atelier::evidence {
namespace {

constexpr std::size_t kSeedBytes = 32;

const unsigned char* bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

Result<std::string> read_file(const std::filesystem::path& file) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) {
    return Error(ErrorCode::kNotFound, "no such file").context("read " + file.string());
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) return Error(ErrorCode::kIo, std::strerror(errno)).context("read " + file.string());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Writes `text` to a new temporary file beside `file` (0600, fsynced) and links it to `file`.
// false (no error) when `file` appeared meanwhile: the caller reads that one.
Result<bool> create_exclusive(const std::filesystem::path& file, const std::string& text) {
  std::string tmp = (file.parent_path() / (".signing.key.XXXXXX")).string();
  int fd = ::mkstemp(tmp.data());  // mode 0600
  if (fd < 0)
    return Error(ErrorCode::kIo, std::strerror(errno))
        .context("create a file in " + file.parent_path().string());
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ok = ::fsync(fd) == 0 && ok;
  ok = ::close(fd) == 0 && ok;
  if (!ok) {
    ::unlink(tmp.c_str());
    return Error(ErrorCode::kIo, "short write").context("write " + tmp);
  }
  int linked = ::link(tmp.c_str(), file.c_str());
  int link_errno = errno;
  ::unlink(tmp.c_str());
  if (linked == 0) return true;
  if (link_errno == EEXIST) return false;
  return Error(ErrorCode::kIo, std::strerror(link_errno)).context("create " + file.string());
}

}  // namespace

std::string base64_encode(std::string_view data) {
  std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytes(data),
                          static_cast<int>(data.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

Result<std::string> base64_decode(std::string_view text) {
  std::string clean;
  for (char c : text) {
    if (!std::isspace(static_cast<unsigned char>(c))) clean.push_back(c);
  }
  if (clean.size() % 4 != 0)
    return Error(ErrorCode::kInvalidArgument, "not base64 (length is not a multiple of 4)");
  std::string out(clean.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytes(clean),
                          static_cast<int>(clean.size()));
  if (n < 0) return Error(ErrorCode::kInvalidArgument, "not base64");
  // EVP_DecodeBlock keeps the padding's zero bytes: drop one per '='.
  std::size_t pad = 0;
  for (auto it = clean.rbegin(); it != clean.rend() && *it == '='; ++it) ++pad;
  out.resize(static_cast<std::size_t>(n) - pad);
  return out;
}

std::string to_base64(const PublicKey& key) {
  return base64_encode(key.raw);
}
std::string fingerprint(const PublicKey& key) {
  return sha256_hex(key.raw).substr(0, 16);
}

Result<PublicKey> parse_public_key(std::string_view text) {
  auto raw = base64_decode(text);
  if (!raw.ok() || raw->size() != 32) {
    return Error(
        ErrorCode::kInvalidArgument,
        "not an Ed25519 public key (expected the 44 base64 characters `atelier key show` prints)");
  }
  return PublicKey{std::move(raw).value()};
}

Result<SigningKey> SigningKey::from_seed(std::string_view seed) {
  if (seed.size() != kSeedBytes)
    return Error(ErrorCode::kInvalidArgument, "an Ed25519 seed is 32 bytes");
  EVP_PKEY* raw = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, bytes(seed), seed.size());
  if (raw == nullptr) return Error(ErrorCode::kInternal, "OpenSSL refused an Ed25519 seed");
  std::shared_ptr<void> pkey(raw, [](void* p) { EVP_PKEY_free(static_cast<EVP_PKEY*>(p)); });
  std::string pub(32, '\0');
  std::size_t len = pub.size();
  if (EVP_PKEY_get_raw_public_key(raw, reinterpret_cast<unsigned char*>(pub.data()), &len) != 1 ||
      len != 32) {
    return Error(ErrorCode::kInternal, "OpenSSL gave no Ed25519 public key");
  }
  return SigningKey(std::move(pkey), PublicKey{std::move(pub)});
}

Result<SigningKey> SigningKey::generate() {
  std::string seed(kSeedBytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(seed.data()), static_cast<int>(seed.size())) !=
      1) {
    return Error(ErrorCode::kInternal, "the system random generator failed");
  }
  return from_seed(seed);
}

Result<SigningKey> SigningKey::load(const std::filesystem::path& file) {
  auto text = read_file(file);
  if (!text.ok()) return std::move(text).error();
  auto seed = base64_decode(*text);
  if (!seed.ok() || seed->size() != kSeedBytes) {
    return Error(ErrorCode::kInvalidArgument,
                 "not an atelier signing key; move it away to make a new one (signatures made with "
                 "it "
                 "will no longer verify against the new key)")
        .context("read " + file.string());
  }
  return from_seed(*seed);
}

Result<SigningKey> SigningKey::load_or_create(const std::filesystem::path& file) {
  auto existing = load(file);
  if (existing.ok() || existing.error().code() != ErrorCode::kNotFound) return existing;
  auto fresh = generate();
  if (!fresh.ok()) return fresh;
  // The seed again, for the file: from_seed keeps it only inside OpenSSL.
  std::string seed(kSeedBytes, '\0');
  std::size_t len = seed.size();
  EVP_PKEY_get_raw_private_key(static_cast<EVP_PKEY*>(fresh->pkey_.get()),
                               reinterpret_cast<unsigned char*>(seed.data()), &len);
  auto created = create_exclusive(file, base64_encode(seed) + "\n");
  if (!created.ok()) return std::move(created).error();
  if (!*created) return load(file);  // another process made it first: one key for both
  return fresh;
}

std::string SigningKey::sign(std::string_view message) const {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  std::string sig(64, '\0');
  std::size_t len = sig.size();
  bool ok = ctx != nullptr &&
            EVP_DigestSignInit(ctx, nullptr, nullptr, nullptr,
                               static_cast<EVP_PKEY*>(pkey_.get())) == 1 &&
            EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len, bytes(message),
                           message.size()) == 1;
  EVP_MD_CTX_free(ctx);
  // Ed25519 signing cannot fail for a valid key and a message in memory.
  assert(ok && len == 64);
  (void)ok;
  return sig;
}

bool verify(const PublicKey& key, std::string_view message, std::string_view signature) {
  if (key.raw.size() != 32 || signature.size() != 64) return false;
  EVP_PKEY* pkey =
      EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, bytes(key.raw), key.raw.size());
  if (pkey == nullptr) return false;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok = ctx != nullptr && EVP_DigestVerifyInit(ctx, nullptr, nullptr, nullptr, pkey) == 1 &&
            EVP_DigestVerify(ctx, bytes(signature), signature.size(), bytes(message),
                             message.size()) == 1;
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(pkey);
  return ok;
}

}  // namespace atelier::evidence
