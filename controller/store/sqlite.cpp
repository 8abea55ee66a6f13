// RAII wrappers over SQLite (see sqlite.h).
#include "controller/store/sqlite.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <utility>

namespace atelier::store {
namespace {

Error sqlite_error(sqlite3* db, int rc, std::string_view what) {
  const char* msg = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  int primary = rc & 0xff;
  ErrorCode code = ErrorCode::kIo;
  if (primary == SQLITE_CONSTRAINT) code = ErrorCode::kAlreadyExists;
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) code = ErrorCode::kUnavailable;
  return Error(code, std::string("sqlite: ") + (msg ? msg : "unknown error"))
      .context(std::string(what));
}

}  // namespace

Result<Database> Database::open(const std::filesystem::path& file) {
  // Created 0600 before SQLite sees it: SQLite would make it 0644, and its -wal and -shm files
  // take the database file's mode. Only a file that does not exist yet is opened here: closing
  // any descriptor of a database this process already has open drops all of the process's POSIX
  // locks on it, after which another process's connection deletes the WAL still in use here
  // (writes then go to a deleted file and are lost).
  int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd >= 0) {
    ::close(fd);
  } else if (errno != EEXIST) {
    return Error(ErrorCode::kIo, std::strerror(errno)).context("open database " + file.string());
  }
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(
      file.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    Error err = sqlite_error(db, rc, "open database " + file.string());
    sqlite3_close(db);
    return err;
  }
  Database out(db);
  sqlite3_busy_timeout(db, 5000);
  ATELIER_RETURN_IF_ERROR(
      out.exec("PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; "
               "PRAGMA synchronous=NORMAL;"));
  return out;
}

Database::Database(Database&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}
Database& Database::operator=(Database&& other) noexcept {
  if (this != &other) {
    if (db_ != nullptr) sqlite3_close_v2(db_);
    db_ = std::exchange(other.db_, nullptr);
  }
  return *this;
}
Database::~Database() {
  if (db_ != nullptr) sqlite3_close_v2(db_);
}

Status Database::exec(std::string_view sql) {
  std::string text(sql);
  char* msg = nullptr;
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &msg);
  if (rc != SQLITE_OK) {
    std::string m = msg ? msg : sqlite3_errstr(rc);
    sqlite3_free(msg);
    return Error(ErrorCode::kIo, "sqlite: " + m).context("execute SQL");
  }
  return ok_status();
}

Result<Statement> Database::prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK)
    return sqlite_error(db_, rc, "prepare SQL: " + std::string(sql.substr(0, 60)));
  return Statement(db_, stmt);
}

std::int64_t Database::last_insert_rowid() const {
  return sqlite3_last_insert_rowid(db_);
}
int Database::changes() const {
  return sqlite3_changes(db_);
}
std::int64_t Database::total_changes() const {
  return sqlite3_total_changes64(db_);
}
Result<std::int64_t> Database::data_version() {
  auto st = prepare("PRAGMA data_version");
  if (!st.ok()) return std::move(st).error();
  auto row = st->step();
  if (!row.ok()) return std::move(row).error();
  return st->column_int(0);
}

Statement::Statement(Statement&& other) noexcept
    : db_(other.db_), stmt_(std::exchange(other.stmt_, nullptr)), bind_error_(other.bind_error_) {}
Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    if (stmt_ != nullptr) sqlite3_finalize(stmt_);
    db_ = other.db_;
    stmt_ = std::exchange(other.stmt_, nullptr);
    bind_error_ = other.bind_error_;
  }
  return *this;
}
Statement::~Statement() {
  if (stmt_ != nullptr) sqlite3_finalize(stmt_);
}

Statement& Statement::bind(int index, std::int64_t value) {
  int rc = sqlite3_bind_int64(stmt_, index, value);
  if (rc != SQLITE_OK && bind_error_ == 0) bind_error_ = rc;
  return *this;
}
Statement& Statement::bind_double(int index, double value) {
  int rc = sqlite3_bind_double(stmt_, index, value);
  if (rc != SQLITE_OK && bind_error_ == 0) bind_error_ = rc;
  return *this;
}
Statement& Statement::bind(int index, std::string_view value) {
  int rc = sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()),
                             SQLITE_TRANSIENT);
  if (rc != SQLITE_OK && bind_error_ == 0) bind_error_ = rc;
  return *this;
}
Statement& Statement::bind(int index, const std::optional<std::string>& value) {
  return value ? bind(index, std::string_view(*value)) : bind_null(index);
}
Statement& Statement::bind_null(int index) {
  int rc = sqlite3_bind_null(stmt_, index);
  if (rc != SQLITE_OK && bind_error_ == 0) bind_error_ = rc;
  return *this;
}

Result<bool> Statement::step() {
  if (bind_error_ != 0) return sqlite_error(nullptr, bind_error_, "bind SQL parameter");
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return sqlite_error(db_, rc, "run SQL: " + std::string(sqlite3_sql(stmt_)).substr(0, 60));
}

Status Statement::run() {
  auto r = step();
  if (!r.ok()) return std::move(r).error();
  return ok_status();
}

Status Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  bind_error_ = 0;
  return ok_status();
}

std::int64_t Statement::column_int(int index) const {
  return sqlite3_column_int64(stmt_, index);
}
double Statement::column_double(int index) const {
  return sqlite3_column_double(stmt_, index);
}
std::string Statement::column_text(int index) const {
  const unsigned char* t = sqlite3_column_text(stmt_, index);
  if (t == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(t),
                     static_cast<std::size_t>(sqlite3_column_bytes(stmt_, index)));
}
std::optional<std::string> Statement::column_optional_text(int index) const {
  if (column_is_null(index)) return std::nullopt;
  return column_text(index);
}
bool Statement::column_is_null(int index) const {
  return sqlite3_column_type(stmt_, index) == SQLITE_NULL;
}

Result<Transaction> Transaction::begin(Database& db) {
  ATELIER_RETURN_IF_ERROR(db.exec("BEGIN IMMEDIATE"));
  return Transaction(&db);
}
Transaction::Transaction(Transaction&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}
Transaction::~Transaction() {
  if (db_ != nullptr) (void)db_->exec("ROLLBACK");
}
Status Transaction::commit() {
  if (db_ == nullptr) return Error(ErrorCode::kInternal, "transaction already finished");
  Status s = db_->exec("COMMIT");
  if (s.ok()) db_ = nullptr;
  return s;
}

}  // namespace atelier::store
