#pragma once
// One function per command of contract §6; each returns the exit status. And what they share.

#include "cli.hpp"
#include "core/books.hpp"
#include "core/money.hpp"

#include <memory>

namespace tallyman::sql {
class Database;
}

namespace tallyman::app {

int migrate_command(int argc, char** argv);
int backup_command(int argc, char** argv);
int import_command(int argc, char** argv);
int report_command(int argc, char** argv);
int serve_command(int argc, char** argv);  // serve.cpp
int config_command(int argc, char** argv);  // serve.cpp
int keys_command(int argc, char** argv);   // serve.cpp
int dunning_command(int argc, char** argv);  // serve.cpp

// The database of --db (or TALLYMAN_DB, or the default); throws UsageError for a bad URL.
std::unique_ptr<sql::Database> open_database(const Args& args);
// The same, checked to be at the schema version this binary writes.
std::unique_ptr<sql::Database> open_migrated(const Args& args);
// Who the command line acts as in the audit trail, having no API key: "cli:" and the system
// user, as much of it as an id may hold (an API key's name is an id).
Actor cli_actor(std::string request);
// TALLYMAN_CURRENCY, EUR unless set: the currency reports default to.
Currency base_currency();

}  // namespace tallyman::app
