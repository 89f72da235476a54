#include "sql/mysql_batch.hpp"

#include "sql/database.hpp"

#include <soci/mysql/soci-mysql.h>
#include <soci/soci.h>

namespace tallyman::sql {

namespace {

// (By name, not dynamic_cast: libsoci_mysql does not export the backend's type information.)
MYSQL* connection_of(soci::session& session) {
  if (session.get_backend_name() != "mysql") throw DatabaseError("the MariaDB C API needs a MySQL connection");
  return static_cast<soci::mysql_session_backend*>(session.get_backend())->conn_;
}

}  // namespace

void allow_statement_batches(soci::session& session) {
  MYSQL* c = connection_of(session);
  if (mysql_set_server_option(c, MYSQL_OPTION_MULTI_STATEMENTS_ON) != 0)
    throw DatabaseError(std::string("allowing statement batches: ") + mysql_error(c));
}

std::vector<TextRow> run_statements(soci::session& session, const std::string& sql) {
  MYSQL* c = connection_of(session);
  auto fail = [&] { throw DatabaseError(mysql_error(c)); };
  if (mysql_real_query(c, sql.data(), sql.size()) != 0) fail();
  std::vector<TextRow> last;
  for (;;) {  // every result is read, or the connection takes no further statement
    if (MYSQL_RES* result = mysql_store_result(c)) {
      last.clear();
      const unsigned columns = mysql_num_fields(result);
      while (MYSQL_ROW row = mysql_fetch_row(result)) {
        const unsigned long* lengths = mysql_fetch_lengths(result);
        TextRow& out = last.emplace_back();
        for (unsigned k = 0; k < columns; ++k)
          out.push_back(row[k] ? std::optional<std::string>(std::in_place, row[k], lengths[k]) : std::nullopt);
      }
      mysql_free_result(result);
    } else if (mysql_field_count(c) != 0) {
      fail();
    }
    const int next = mysql_next_result(c);
    if (next < 0) return last;
    if (next > 0) fail();
  }
}

}  // namespace tallyman::sql
