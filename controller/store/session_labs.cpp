// Each session's copy of its lab, kept in the store (migration 12): written with the session in
// one transaction, so a crash leaves either both or neither, and private like the rest of it.
// Why the store rather than a folder under the state dir: the copy then needs no temporary
// names, renames or clean-up of leftovers at start, inherits the store's 0600, is backed up
// with it, and stays as long as the session's row does (a destroyed session's results and
// bundle still need its lab), leaving no file behind at any point. A lab is a few kB of text.

#include "controller/store/rows.h"
#include "controller/store/store.h"

namespace atelier::store {

Status Store::insert_session_lab_files(const std::string& session, const SessionLabFiles& files) {
  if (files.empty()) return ok_status();
  auto st = db_.prepare("INSERT INTO session_lab_files (session, path, content) VALUES (?, ?, ?)");
  if (!st.ok()) return std::move(st).error();
  for (const auto& [path, content] : files) {
    ATELIER_RETURN_IF_ERROR(st->reset());
    st->bind(1, session).bind(2, path).bind(3, content);
    Status s = st->run();
    if (!s.ok()) return std::move(s).error().context("record lab file " + path);
  }
  return ok_status();
}

Result<SessionLabFiles> Store::get_session_lab_files(std::string_view session) {
  auto st = db_.prepare("SELECT path, content FROM session_lab_files WHERE session = ?");
  if (!st.ok()) return std::move(st).error();
  st->bind(1, session);
  return read_text_pairs(*st);  // SessionLabFiles: path -> content
}

}  // namespace atelier::store
