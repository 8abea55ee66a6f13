// Reading rows of a prepared statement into containers: the loops the store's queries share.
#pragma once

#include <map>
#include <string>

#include "common/result.h"
#include "controller/store/sqlite.h"

namespace atelier::store {

// Every row of ST as column 0 -> column 1 (text); a later duplicate key keeps the first.
inline Result<std::map<std::string, std::string>> read_text_pairs(Statement& st) {
  std::map<std::string, std::string> out;
  for (;;) {
    auto row = st.step();
    if (!row.ok()) return std::move(row).error();
    if (!*row) return out;
    out.emplace(st.column_text(0), st.column_text(1));
  }
}

}  // namespace atelier::store
