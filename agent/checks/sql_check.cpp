// The `sql` check: logs in with libpq (PostgreSQL) or libmariadb (MariaDB/MySQL), runs the
// query, and compares the rows (in order, as text; NULL is "NULL") or their count. With
// `succeeds: false` the login or the query must fail (a revoked grant, a dropped table).
#include <libpq-fe.h>
#include <mysql.h>

#include <algorithm>
#include <vector>

#include "agent/checks/check.h"

namespace atelier::agent {
namespace {

using Rows = std::vector<std::vector<std::string>>;

struct QueryOutcome {
  bool ok = false;
  std::string error;  // the server's or client library's message
  Rows rows;
};

QueryOutcome query_postgresql(const checks::SqlCheck& c, std::chrono::milliseconds timeout) {
  QueryOutcome out;
  std::string port = std::to_string(c.port.value_or(5432));
  std::string connect_timeout =
      std::to_string(std::max<long>(1, static_cast<long>(timeout.count() / 1000)));
  std::string password = c.password.value_or("");
  const char* keys[] = {"host",    "port", "user", "password", "dbname", "connect_timeout",
                        "sslmode", nullptr};
  const char* values[] = {
      c.host.c_str(),          port.c_str(), c.user.c_str(), password.c_str(), c.database.c_str(),
      connect_timeout.c_str(), "prefer",     nullptr};
  PGconn* conn = PQconnectdbParams(keys, values, 0);
  if (PQstatus(conn) != CONNECTION_OK) {
    out.error = std::string("login: ") + PQerrorMessage(conn);
    PQfinish(conn);
    return out;
  }
  std::string statement_timeout = "SET statement_timeout = " + std::to_string(timeout.count());
  PQclear(PQexec(conn, statement_timeout.c_str()));
  PGresult* res = PQexec(conn, c.query.c_str());
  ExecStatusType st = PQresultStatus(res);
  if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
    out.error = std::string("query: ") + PQresultErrorMessage(res);
  } else {
    out.ok = true;
    for (int r = 0; r < PQntuples(res); ++r) {
      std::vector<std::string> row;
      row.reserve(static_cast<std::size_t>(PQnfields(res)));
      for (int f = 0; f < PQnfields(res); ++f)
        row.emplace_back(PQgetisnull(res, r, f) ? "NULL" : PQgetvalue(res, r, f));
      out.rows.push_back(std::move(row));
    }
  }
  PQclear(res);
  PQfinish(conn);
  while (!out.error.empty() && (out.error.back() == '\n' || out.error.back() == ' '))
    out.error.pop_back();
  return out;
}

QueryOutcome query_mariadb(const checks::SqlCheck& c, std::chrono::milliseconds timeout) {
  QueryOutcome out;
  MYSQL* db = mysql_init(nullptr);
  unsigned int seconds =
      static_cast<unsigned int>(std::max<long>(1, static_cast<long>(timeout.count() / 1000)));
  mysql_options(db, MYSQL_OPT_CONNECT_TIMEOUT, &seconds);
  mysql_options(db, MYSQL_OPT_READ_TIMEOUT, &seconds);
  mysql_options(db, MYSQL_OPT_WRITE_TIMEOUT, &seconds);
  unsigned int protocol = MYSQL_PROTOCOL_TCP;  // "localhost" would otherwise mean the local socket
  mysql_options(db, MYSQL_OPT_PROTOCOL, &protocol);
  if (!mysql_real_connect(db, c.host.c_str(), c.user.c_str(),
                          c.password ? c.password->c_str() : nullptr, c.database.c_str(),
                          c.port.value_or(3306), nullptr, 0)) {
    out.error = std::string("login: ") + mysql_error(db);
    mysql_close(db);
    return out;
  }
  if (mysql_query(db, c.query.c_str()) != 0) {
    out.error = std::string("query: ") + mysql_error(db);
    mysql_close(db);
    return out;
  }
  out.ok = true;
  if (MYSQL_RES* res = mysql_store_result(db)) {
    unsigned int fields = mysql_num_fields(res);
    while (MYSQL_ROW row = mysql_fetch_row(res)) {
      unsigned long* lengths = mysql_fetch_lengths(res);
      std::vector<std::string> r;
      for (unsigned int f = 0; f < fields; ++f)
        r.emplace_back(row[f] ? std::string(row[f], lengths[f]) : "NULL");
      out.rows.push_back(std::move(r));
    }
    mysql_free_result(res);
  }
  mysql_close(db);
  return out;
}

std::string render_rows(const Rows& rows) {
  std::string out = "[";
  for (std::size_t i = 0; i < rows.size() && i < 20; ++i) {
    if (i) out += ", ";
    out += "(";
    for (std::size_t f = 0; f < rows[i].size(); ++f) out += (f ? ", " : "") + rows[i][f];
    out += ")";
  }
  if (rows.size() > 20) out += ", ...";
  return out + "]";
}

}  // namespace

Evidence run_sql(const checks::SqlCheck& c, const CheckContext& ctx) {
  EvidenceBuilder ev;
  bool pg = c.engine == checks::SqlEngine::kPostgresql;
  std::string where = std::string(pg ? "postgresql" : "mariadb") + "://" + c.user + "@" + c.host +
                      ":" + std::to_string(c.port.value_or(pg ? 5432 : 3306)) + "/" + c.database;
  std::string want;
  if (!c.succeeds) {
    want = "query " + quote(c.query) + " fails on " + where;
  } else if (!c.rows.empty()) {
    want = "query " + quote(c.query) + " on " + where + " returns " + render_rows(c.rows);
  } else if (c.count) {
    want = "query " + quote(c.query) + " on " + where + " returns " + std::to_string(*c.count) +
           " rows";
  } else {
    want = "query " + quote(c.query) + " succeeds on " + where;
  }
  QueryOutcome q = pg ? query_postgresql(c, ctx.timeout) : query_mariadb(c, ctx.timeout);
  if (!q.ok) {
    ev.expect(want, "failed: " + q.error, !c.succeeds);
    return ev.finish();
  }
  std::string seen = std::to_string(q.rows.size()) + " rows " + render_rows(q.rows);
  bool ok = c.succeeds;
  if (!c.rows.empty()) ok = ok && q.rows == c.rows;
  if (c.count) ok = ok && static_cast<int>(q.rows.size()) == *c.count;
  ev.expect(want, seen, ok);
  return ev.finish();
}

}  // namespace atelier::agent
