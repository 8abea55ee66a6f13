// file and line ops: content through get_file/put_file, attributes through stat, chmod/chown.
#include "ansible-free-recipes/engine/diff.h"
#include "ansible-free-recipes/engine/ops/op_util.h"
#include "common/text/regex.h"

namespace atelier::recipes {

using transport::shell_quote;

Result<LineEdit> edit_lines(const std::optional<std::string>& content, const LineOp& op) {
  if (!content) {
    if (op.state == PresenceState::kAbsent) return LineEdit{"", false};
    if (!op.create)
      return Error(ErrorCode::kNotFound,
                   op.path + " does not exist (set create: true to create it)");
  }
  std::vector<std::string> lines;
  const std::string text = content.value_or("");
  size_t start = 0;
  while (start < text.size()) {
    auto nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    lines.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  // RE2 (linear time): the guest's file may hold anything its candidate wrote.
  std::optional<text::Regex> re;
  if (op.regex) {
    auto compiled = text::Regex::compile(*op.regex);
    if (!compiled) {
      return Error(ErrorCode::kInvalidArgument,
                   "regex '" + *op.regex + "' is invalid: " + compiled.error().message());
    }
    re.emplace(std::move(*compiled));
  }
  auto matches = [&](const std::string& l) {
    return re ? re->search(l).has_value() : (op.line && l == *op.line);
  };
  LineEdit out;
  if (op.state == PresenceState::kAbsent) {
    std::string kept;
    for (const auto& l : lines) {
      if (matches(l))
        out.changed = true;
      else
        kept += l + "\n";
    }
    out.content = out.changed ? kept : text;
    return out;
  }
  // present: replace the last line the regex matches; else keep an identical line; else append.
  std::optional<size_t> hit;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (matches(lines[i])) hit = i;
  }
  if (hit) {
    if (lines[*hit] == *op.line) return LineEdit{text, false};
    lines[*hit] = *op.line;
    for (const auto& l : lines) out.content += l + "\n";
    out.changed = true;
    return out;
  }
  for (const auto& l : lines) {
    if (l == *op.line) return LineEdit{text, false};
  }
  out.content = text;
  if (!out.content.empty() && out.content.back() != '\n') out.content += '\n';
  out.content += *op.line + "\n";
  out.changed = true;
  return out;
}

namespace detail {
namespace {

// Brings mode and owner of an existing path in line; appends what it changed to `notes`.
Status fix_attributes(OpEnv& env, const std::string& path, const transport::FileStat& st,
                      std::optional<uint32_t> mode, std::optional<uint32_t> uid,
                      std::optional<uint32_t> gid, std::string& notes) {
  if (mode && st.mode != *mode) {
    notes += "mode " + mode_text(st.mode) + " -> " + mode_text(*mode) + "\n";
    if (!env.dry_run)
      ATELIER_RETURN_IF_ERROR(
          must(env, "chmod " + mode_text(*mode) + " -- " + shell_quote(path), "chmod " + path));
  }
  bool uid_differs = uid && st.uid != *uid;
  bool gid_differs = gid && st.gid != *gid;
  if (uid_differs || gid_differs) {
    if (uid_differs)
      notes += "owner " + std::to_string(st.uid) + " -> " + std::to_string(*uid) + "\n";
    if (gid_differs)
      notes += "group " + std::to_string(st.gid) + " -> " + std::to_string(*gid) + "\n";
    std::string spec = (uid ? std::to_string(*uid) : std::string()) +
                       (gid ? ":" + std::to_string(*gid) : std::string());
    if (!env.dry_run)
      ATELIER_RETURN_IF_ERROR(
          must(env, "chown " + spec + " -- " + shell_quote(path), "chown " + path));
  }
  return ok_status();
}

// state: directory. `st` is what stat() saw when `exists`.
OpResult apply_directory(const FileOp& op, OpEnv& env, bool exists, const transport::FileStat& st,
                         std::optional<uint32_t> uid, std::optional<uint32_t> gid) {
  std::string notes;
  if (exists && st.type != transport::FileType::kDirectory)
    return failed(op.path + " exists and is not a directory");
  if (!exists) {
    uint32_t mode = op.mode.value_or(0755);
    if (!env.dry_run) {
      auto s = must(env,
                    "mkdir -p -- " + shell_quote(op.path) + " && chmod " + mode_text(mode) +
                        " -- " + shell_quote(op.path) +
                        (uid || gid ? " && chown " + (uid ? std::to_string(*uid) : "") +
                                          (gid ? ":" + std::to_string(*gid) : "") + " -- " +
                                          shell_quote(op.path)
                                    : ""),
                    "create directory " + op.path);
      if (!s.ok()) return failed(s.error());
    }
    return changed("+ " + op.path + "/ (" + mode_text(mode) + ")\n",
                   env.dry_run ? "would create directory" : "created directory");
  }
  auto s = fix_attributes(env, op.path, st, op.mode, uid, gid, notes);
  if (!s.ok()) return failed(s.error());
  if (notes.empty()) return ok();
  return changed(notes, env.dry_run ? "would fix attributes" : "fixed attributes");
}

}  // namespace

OpResult apply_file(const FileOp& op, OpEnv& env) {
  if (op.path.empty() || op.path[0] != '/')
    return failed("path must be absolute: '" + op.path + "'");
  auto st = env.transport.stat(op.path);
  bool exists = st.ok();
  if (!st.ok() && st.error().code() != ErrorCode::kNotFound) return failed(st.error());

  if (op.state == FileState::kAbsent) {
    if (!exists) return ok("absent");
    if (!env.dry_run) {
      auto s = must(env, "rm -rf -- " + shell_quote(op.path), "remove " + op.path);
      if (!s.ok()) return failed(s.error());
    }
    return changed("- " + op.path + "\n", env.dry_run ? "would remove" : "removed");
  }

  // Owner names resolve on the target; in dry-run a user created by an earlier step may not exist
  // yet.
  std::optional<uint32_t> uid, gid;
  if (op.owner) {
    auto u = resolve_uid(env, *op.owner);
    if (!u.ok()) {
      if (env.dry_run)
        return changed("", "would change (owner " + *op.owner + " does not exist yet)");
      return failed(u.error());
    }
    uid = *u;
  }
  if (op.group) {
    auto g = resolve_gid(env, *op.group);
    if (!g.ok()) {
      if (env.dry_run)
        return changed("", "would change (group " + *op.group + " does not exist yet)");
      return failed(g.error());
    }
    gid = *g;
  }

  if (op.state == FileState::kDirectory)
    return apply_directory(op, env, exists, exists ? *st : transport::FileStat{}, uid, gid);

  // state: file
  if (exists && st->type == transport::FileType::kDirectory)
    return failed(op.path + " is a directory");
  std::optional<std::string> desired = op.content;
  if (!desired && !exists) desired = "";  // a file with no content given is created empty
  if (desired) {
    std::string current;
    if (exists) {
      auto c = env.transport.get_file(op.path);
      if (!c.ok()) return failed(c.error());
      current = std::move(c).value();
    }
    if (!exists || current != *desired) {
      std::string diff = unified_diff(exists ? current : "", *desired, op.path);
      if (!exists) diff = "+ " + op.path + " (new file)\n" + diff;
      uint32_t mode = op.mode.value_or(exists ? st->mode : 0644);
      transport::FileOwner owner{uid, gid};
      if (exists && !uid) owner.uid = st->uid;
      if (exists && !gid) owner.gid = st->gid;
      if (exists && mode != st->mode)
        diff += "mode " + mode_text(st->mode) + " -> " + mode_text(mode) + "\n";
      if (!env.dry_run) {
        auto s = env.transport.put_file(op.path, *desired, mode, owner);
        if (!s.ok()) return failed(s.error());
      }
      return changed(diff, env.dry_run ? "would write" : (exists ? "content updated" : "created"));
    }
  }
  std::string notes;
  auto s = fix_attributes(env, op.path, *st, op.mode, uid, gid, notes);
  if (!s.ok()) return failed(s.error());
  if (notes.empty()) return ok();
  return changed(notes, env.dry_run ? "would fix attributes" : "fixed attributes");
}

OpResult apply_line(const LineOp& op, OpEnv& env) {
  auto st = env.transport.stat(op.path);
  if (!st.ok() && st.error().code() != ErrorCode::kNotFound) return failed(st.error());
  std::optional<std::string> content;
  if (st.ok()) {
    auto c = env.transport.get_file(op.path);
    if (!c.ok()) return failed(c.error());
    content = std::move(c).value();
  }
  auto edit = edit_lines(content, op);
  if (!edit.ok()) return failed(edit.error());
  if (!edit->changed) return ok();
  std::string diff = unified_diff(content.value_or(""), edit->content, op.path);
  if (!env.dry_run) {
    transport::FileOwner owner;
    uint32_t mode = 0644;
    if (st.ok()) {
      owner = {st->uid, st->gid};
      mode = st->mode;
    } else {
      // create: true also creates the folder (sysctl.d, a conf.d that a package did not make).
      auto parent = op.path.substr(0, op.path.find_last_of('/'));
      if (!parent.empty() && !env.transport.stat(parent).ok()) {
        auto s = must(env, "mkdir -p -- " + shell_quote(parent), "create folder " + parent);
        if (!s.ok()) return failed(s.error());
      }
    }
    auto s = env.transport.put_file(op.path, edit->content, mode, owner);
    if (!s.ok()) return failed(s.error());
  }
  return changed(diff, env.dry_run ? "would edit" : "edited");
}

}  // namespace detail
}  // namespace atelier::recipes
