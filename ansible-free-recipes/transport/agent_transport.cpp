// AgentTransport: Transport's four primitives as agent requests.
#include "ansible-free-recipes/transport/agent_transport.h"

#include <sys/stat.h>

#include <sstream>

namespace atelier::transport {

AgentTransport::AgentTransport(protocol::AgentClient& client, std::string name,
                               std::chrono::seconds slack)
    : client_(client), name_(std::move(name)), slack_(slack) {}

Result<ExecResult> AgentTransport::exec(const std::string& command, std::chrono::seconds timeout) {
  protocol::ExecRequest request;
  request.shell = command;
  request.timeout = timeout;
  auto reply = client_.exec(request, timeout + slack_);
  if (!reply.ok()) return std::move(reply).error().context("run `" + command + "` on " + name_);
  if (reply->timed_out) {
    return Error(ErrorCode::kTimeout, "`" + command + "` on " + name_ + " ran past " +
                                          std::to_string(timeout.count()) + " s and was killed");
  }
  ExecResult out;
  out.exit_code = reply->signal ? -1 : reply->exit_code;
  out.stdout_text = std::move(reply->stdout_text);
  out.stderr_text = std::move(reply->stderr_text);
  return out;
}

Status AgentTransport::put_file(const std::string& path, const std::string& content, uint32_t mode,
                                const FileOwner& owner) {
  protocol::PutFileRequest request;
  request.path = path;
  request.content = content;
  request.mode = mode;
  auto st = client_.put_file(request, slack_);
  if (!st.ok()) return std::move(st).error().context("write " + path + " on " + name_);
  if (owner.uid || owner.gid) {
    std::string spec = (owner.uid ? std::to_string(*owner.uid) : "") +
                       (owner.gid ? ":" + std::to_string(*owner.gid) : "");
    auto r = exec("chown " + shell_quote(spec) + " " + shell_quote(path), slack_);
    if (!r.ok()) return std::move(r).error();
    if (r->exit_code != 0) {
      return Error(ErrorCode::kIo,
                   "chown " + spec + " " + path + " on " + name_ + ": " + r->stderr_text);
    }
  }
  return ok_status();
}

Result<std::string> AgentTransport::get_file(const std::string& path) {
  protocol::GetFileRequest request;
  request.path = path;
  auto file = client_.get_file(request, slack_);
  if (!file.ok()) {
    Error e = std::move(file).error();
    if (e.code() == ErrorCode::kNotFound) {
      return Error(ErrorCode::kNotFound, path + " does not exist on " + name_);
    }
    return std::move(e).context("read " + path + " on " + name_);
  }
  if (file->truncated) {
    return Error(ErrorCode::kIo, path + " on " + name_ + " is too large to read (" +
                                     std::to_string(file->size) + " bytes)");
  }
  return std::move(file->content);
}

Result<FileStat> parse_stat_output(const std::string& text) {
  std::istringstream in(text);
  std::string raw_mode;
  uint64_t uid = 0, gid = 0, size = 0;
  if (!(in >> raw_mode >> uid >> gid >> size)) {
    return Error(ErrorCode::kIo, "unexpected stat output: \"" + text + "\"");
  }
  unsigned long mode_bits = 0;
  try {
    mode_bits = std::stoul(raw_mode, nullptr, 16);
  } catch (const std::exception&) {
    return Error(ErrorCode::kIo, "unexpected stat mode: \"" + raw_mode + "\"");
  }
  FileStat st;
  if (S_ISREG(mode_bits)) {
    st.type = FileType::kRegular;
  } else if (S_ISDIR(mode_bits)) {
    st.type = FileType::kDirectory;
  } else if (S_ISLNK(mode_bits)) {
    st.type = FileType::kSymlink;
  } else {
    st.type = FileType::kOther;
  }
  st.mode = static_cast<uint32_t>(mode_bits & 07777);
  st.uid = static_cast<uint32_t>(uid);
  st.gid = static_cast<uint32_t>(gid);
  st.size = size;
  return st;
}

Result<FileStat> AgentTransport::stat(const std::string& path) {
  auto r = exec("stat -L -c '%f %u %g %s' -- " + shell_quote(path) + " 2>&1", slack_);
  if (!r.ok()) return std::move(r).error();
  if (r->exit_code != 0) {
    if (r->stdout_text.find("No such file") != std::string::npos) {
      return Error(ErrorCode::kNotFound, path + " does not exist on " + name_);
    }
    return Error(ErrorCode::kIo, "stat " + path + " on " + name_ + ": " + r->stdout_text);
  }
  return parse_stat_output(r->stdout_text);
}

}  // namespace atelier::transport
