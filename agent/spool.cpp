// The agent's spool of undelivered results (see spool.h).
#include "agent/spool.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <sstream>

#include "common/protocol/codec.h"

namespace atelier::agent {
namespace fs = std::filesystem;

namespace {
Status write_durably(const fs::path& path, const std::string& data) {
  fs::path tmp = path;
  tmp += ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Error(ErrorCode::kIo, "open " + tmp.string() + ": " + std::strerror(errno));
  std::string_view rest = data;
  while (!rest.empty()) {
    ssize_t n = ::write(fd, rest.data(), rest.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return Error(ErrorCode::kIo, "write " + tmp.string() + ": " + std::strerror(err));
    }
    rest.remove_prefix(static_cast<std::size_t>(n));
  }
  if (::fsync(fd) != 0) {
    int err = errno;
    ::close(fd);
    return Error(ErrorCode::kIo, "fsync " + tmp.string() + ": " + std::strerror(err));
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0)
    return Error(ErrorCode::kIo, "rename " + tmp.string() + ": " + std::strerror(errno));
  int dfd = ::open(path.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return ok_status();
}
}  // namespace

fs::path Spool::file_for(const std::string& bundle_id) const {
  // Bundle ids come from the controller: keep the file name to a safe alphabet.
  std::string name;
  for (char ch : bundle_id)
    name += std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_' ? ch : '_';
  // FNV-1a: stable across builds, so an upgraded agent still finds its older files by name.
  std::uint64_t hash = 14695981039346656037ull;
  for (unsigned char ch : bundle_id) hash = (hash ^ ch) * 1099511628211ull;
  std::ostringstream s;
  s << name.substr(0, 80) << "-" << std::hex << hash << ".json";
  return dir_ / s.str();
}

Status Spool::store(const protocol::Results& results) {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) return Error(ErrorCode::kIo, "create spool " + dir_.string() + ": " + ec.message());
  std::string line = protocol::encode(protocol::Envelope{0, std::nullopt, results});
  auto written = write_durably(file_for(results.bundle_id), line);
  if (!written)
    return std::move(written).error().context("spool results of bundle " + results.bundle_id);
  return ok_status();
}

std::vector<protocol::Results> Spool::pending(std::vector<std::string>* errors) const {
  std::vector<std::pair<fs::file_time_type, protocol::Results>> found;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    if (entry.path().extension() != ".json") continue;
    std::ifstream in(entry.path());
    std::string line;
    std::getline(in, line);
    auto decoded = protocol::decode(line);
    if (!decoded || !std::holds_alternative<protocol::Results>(decoded->body)) {
      if (errors)
        errors->push_back(entry.path().string() + ": " +
                          (decoded ? "not results" : decoded.error().to_string()));
      continue;
    }
    found.emplace_back(entry.last_write_time(ec),
                       std::get<protocol::Results>(std::move(decoded->body)));
  }
  std::sort(found.begin(), found.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<protocol::Results> out;
  out.reserve(found.size());
  for (auto& f : found) out.push_back(std::move(f.second));
  return out;
}

Status Spool::ack(const protocol::Ack& ack) {
  fs::path path = file_for(ack.bundle_id);
  std::ifstream in(path);
  if (!in) return ok_status();
  std::string line;
  std::getline(in, line);
  in.close();
  auto decoded = protocol::decode(line);
  if (!decoded || !std::holds_alternative<protocol::Results>(decoded->body)) {
    std::error_code ec;
    fs::remove(path, ec);  // unreadable: it could never be delivered anyway
    return ok_status();
  }
  auto results = std::get<protocol::Results>(std::move(decoded->body));
  std::erase_if(results.results, [&](const protocol::CheckResult& r) {
    return std::find(ack.result_ids.begin(), ack.result_ids.end(), r.result_id) !=
           ack.result_ids.end();
  });
  if (results.results.empty()) {
    std::error_code ec;
    fs::remove(path, ec);
    if (ec) return Error(ErrorCode::kIo, "remove " + path.string() + ": " + ec.message());
    return ok_status();
  }
  return store(results);
}

std::size_t Spool::size() const {
  std::size_t n = 0;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir_, ec))
    n += entry.path().extension() == ".json";
  return n;
}

}  // namespace atelier::agent
