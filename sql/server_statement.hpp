#pragma once
// Internal to sql/: a statement prepared once on the MariaDB server (the C API's mysql_stmt_*)
// and executed again with new values. SOCI's MySQL backend sends the statement's text with
// the values each time, and MariaDB then parses and plans it again: for the credit check's
// position read that was most of a check's cost (docs/performance.md). Used for that one
// statement; everything else goes through SOCI.
//
// Parameters are bound as text; result columns are read as text (MariaDB converts numbers
// and dates), none meaning SQL NULL.

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace soci {
class session;
}

namespace tallyman::sql {

class ServerStatement {
 public:
  // `sql` with a '?' for each parameter; `columns` the number of result columns.
  ServerStatement(soci::session& session, const std::string& sql, std::size_t columns);
  ~ServerStatement();
  ServerStatement(const ServerStatement&) = delete;
  ServerStatement& operator=(const ServerStatement&) = delete;

  // Executes with these parameters; the first row's columns, or none when there is no row.
  std::optional<std::vector<std::optional<std::string>>> row(const std::vector<std::string>& params);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace tallyman::sql
