// Candidate access codes for trainers: GET /sessions/{session}/codes (issues generation 1 to
// candidates that have none) and POST .../candidates/{candidate}/code (a new generation: the
// old code and its browser sessions stop working at once). Codes go to the caller, never to logs.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json.hpp>

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>

#include "common/crypto/digest.h"
#include "controller/api/handlers.h"
#include "controller/api/web_state.h"

namespace atelier::api {
namespace json = boost::json;

std::string derive_access_code(std::string_view key, std::string_view session,
                               std::string_view candidate, std::int64_t generation) {
  const crypto::Sha256 mac = crypto::hmac_sha256(
      key, crypto::labelled_message("atelier-access-code",
                                    {session, candidate, std::to_string(generation)}));
  std::uint64_t n = 0;
  for (int i = 0; i < 8; ++i) n = (n << 8) | mac[static_cast<std::size_t>(i)];
  std::string code;
  for (std::size_t i = 0; i < sessions::kAccessCodeSymbols; ++i) {
    if (i > 0 && i % 3 == 0) code.push_back('-');
    code.push_back(sessions::kAccessCodeAlphabet[n % sessions::kAccessCodeAlphabet.size()]);
    n /= sessions::kAccessCodeAlphabet.size();
  }
  return code;
}

Result<std::string> load_or_create_access_key(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (in) {
    std::string key;
    std::getline(in, key);
    if (key.size() < 32)
      return Error(ErrorCode::kInvalidArgument,
                   "the key is shorter than 32 characters; delete it to make a new one (every code "
                   "changes)")
          .context("read " + file.string());
    return key;
  }
  auto fresh = crypto::random_hex(32);
  if (!fresh.ok()) return std::move(fresh).error().context("create " + file.string());
  const std::string key = fresh.value();
  // O_EXCL: two atelierd starting at once cannot each write a different key.
  int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Error(ErrorCode::kIo, std::strerror(errno)).context("create " + file.string());
  std::string line = key + "\n";
  bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  ok = ::fsync(fd) == 0 && ok;
  ::close(fd);
  if (!ok) return Error(ErrorCode::kIo, "short write").context("write " + file.string());
  return key;
}

namespace {

HttpResponse no_key() {
  return json_error(503, "unavailable",
                    "atelierd has no access-code key (it is made in its state directory at start)");
}

store::AuditEntry code_audit(const HandlerContext& ctx, std::string action,
                             const std::string& candidate, std::int64_t generation) {
  // The generation, never the code: the audit log is read by more people than the trainer.
  return {0,
          store::Clock::now(),
          ctx.actor,
          std::move(action),
          "candidate " + ctx.route.session + "/" + candidate,
          "generation " + std::to_string(generation)};
}

Status put_code(const HandlerContext& ctx, const std::string& candidate, std::int64_t generation,
                const std::string& action) {
  const std::string& key = ctx.options.web.access_key;
  std::string code = derive_access_code(key, ctx.route.session, candidate, generation);
  store::AccessCodeRecord rec{ctx.route.session, candidate, generation,
                              sessions::hash_access_code(code, key)};
  return ctx.store.put_access_code(rec, code_audit(ctx, action, candidate, generation));
}

}  // namespace

HttpResponse handle_list_codes(const HandlerContext& ctx) {
  const std::string& key = ctx.options.web.access_key;
  if (key.empty()) return no_key();
  auto labs = ctx.store.list_candidate_labs(ctx.route.session);
  if (!labs.ok()) return error_response(labs.error());
  auto issued = ctx.store.list_access_codes(ctx.route.session);
  if (!issued.ok()) return error_response(issued.error());
  std::map<std::string, std::int64_t> generation;
  for (const auto& c : *issued) generation[c.candidate] = c.generation;
  json::array codes;
  for (const auto& lab : *labs) {
    if (!generation.contains(lab.candidate)) {
      // First read: generation 1 is issued and recorded, so that login can find it.
      Status put = put_code(ctx, lab.candidate, 1, "access_code.issue");
      if (!put.ok()) return error_response(put.error());
      generation[lab.candidate] = 1;
    }
    std::int64_t g = generation[lab.candidate];
    codes.push_back(
        json::object{{"candidate", lab.candidate},
                     {"code", derive_access_code(key, ctx.route.session, lab.candidate, g)},
                     {"generation", g}});
  }
  return json_response(200,
                       json::object{{"session", ctx.route.session}, {"codes", std::move(codes)}});
}

HttpResponse handle_regenerate_code(const HandlerContext& ctx) {
  const std::string& key = ctx.options.web.access_key;
  if (key.empty()) return no_key();
  auto issued = ctx.store.list_access_codes(ctx.route.session);
  if (!issued.ok()) return error_response(issued.error());
  std::int64_t next = 1;
  for (const auto& c : *issued) {
    if (c.candidate == ctx.route.candidate) next = c.generation + 1;
  }
  Status put = put_code(ctx, ctx.route.candidate, next, "access_code.regenerate");
  if (!put.ok()) return error_response(put.error());
  return json_response(
      200,
      json::object{{"session", ctx.route.session},
                   {"candidate", ctx.route.candidate},
                   {"code", derive_access_code(key, ctx.route.session, ctx.route.candidate, next)},
                   {"generation", next}});
}

}  // namespace atelier::api
