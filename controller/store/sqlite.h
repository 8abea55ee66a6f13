// Thin RAII wrappers over the SQLite C API: a connection, prepared statements with typed binds
// and columns, and a transaction guard. Errors come back as Status/Result with SQLite's message.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace atelier::store {

class Statement;

// One connection. Move-only; closes on destruction.
class Database {
 public:
  // Opens (creating if needed) the file, turns on WAL, foreign keys and a busy timeout so that
  // several connections (atelierd, `atelier token create`) can share the file.
  static Result<Database> open(const std::filesystem::path& file);

  Database(Database&& other) noexcept;
  Database& operator=(Database&& other) noexcept;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  ~Database();

  // Runs one or more statements without results (schema, pragmas).
  Status exec(std::string_view sql);
  Result<Statement> prepare(std::string_view sql);
  std::int64_t last_insert_rowid() const;
  int changes() const;
  // Rows changed by this connection's statements since it was opened.
  std::int64_t total_changes() const;
  // SQLite's PRAGMA data_version: moves when another connection commits to the file.
  Result<std::int64_t> data_version();
  sqlite3* raw() const { return db_; }

 private:
  explicit Database(sqlite3* db) : db_(db) {}
  sqlite3* db_ = nullptr;
};

// A prepared statement. bind() indexes start at 1, column() indexes at 0.
class Statement {
 public:
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, std::string_view value);
  Statement& bind(int index, const std::string& value) {
    return bind(index, std::string_view(value));
  }
  Statement& bind(int index, const char* value) { return bind(index, std::string_view(value)); }
  Statement& bind(int index, const std::optional<std::string>& value);  // nullopt -> NULL
  Statement& bind_null(int index);
  Statement& bind_double(int index,
                         double value);  // a name of its own: bind(i, 3) stays unambiguous

  // Steps once: true when a row is available, false when done. A bind error surfaces here.
  Result<bool> step();
  // Steps to completion, for statements without rows. kAlreadyExists on a constraint violation.
  Status run();
  Status reset();

  std::int64_t column_int(int index) const;
  double column_double(int index) const;
  std::string column_text(int index) const;
  std::optional<std::string> column_optional_text(int index) const;
  bool column_is_null(int index) const;

 private:
  friend class Database;
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
  int bind_error_ = 0;
};

// BEGIN IMMEDIATE on construction; ROLLBACK on destruction unless commit() succeeded.
// IMMEDIATE takes the write lock up front, so a writer waits (busy timeout) instead of failing
// half way through.
class Transaction {
 public:
  static Result<Transaction> begin(Database& db);
  Transaction(Transaction&& other) noexcept;
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();
  Status commit();

 private:
  explicit Transaction(Database* db) : db_(db) {}
  Database* db_ = nullptr;
};

}  // namespace atelier::store
