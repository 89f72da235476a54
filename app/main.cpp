// tallyman's command line. Exit status: 0 success, 2 bad usage or input, 1 anything else;
// errors go to stderr as one line that says what and where.
#include "cli.hpp"
#include "commands.hpp"
#include "sql/database.hpp"

#include <cstdio>
#include <string>

namespace {

const char* const usage =
    "usage: tallyman serve [--db URL] [--listen 127.0.0.1:8080]\n"
    "       tallyman config [--db URL] [--listen 127.0.0.1:8080]   (the settings serve would run with)\n"
    "       tallyman migrate [--db URL]\n"
    "       tallyman backup FILE [--db URL]                    (SQLite: a consistent copy while it serves)\n"
    "       tallyman keys create --role sales|collector|finance|manager|admin --name NAME [--db URL]\n"
    "       tallyman keys list [--db URL]\n"
    "       tallyman keys revoke NAME [--db URL]\n"
    "       tallyman import customers|invoices|payments|remittances FILE.csv [--db URL]\n"
    "       tallyman import statement FILE [--db URL]          (camt.053, camt.054 or MT940)\n"
    "       tallyman dunning run [--as-of D] [--db URL]\n"
    "       tallyman report aging [--as-of D] [--buckets 30,60,90] [--basis due_date|issue_date]\n"
    "                             [--currency EUR] [--customer ID] [--format table|json|csv] [--db URL]\n"
    "URL is sqlite:PATH (default sqlite:tallyman.db, or TALLYMAN_DB) or mysql://USER:PASSWORD@HOST:PORT/DATABASE\n";

}  // namespace

int main(int argc, char** argv) {
  using namespace tallyman;
  const std::string command = argc > 1 ? argv[1] : "";
  try {
    if (command == "migrate") return app::migrate_command(argc, argv);
    if (command == "backup") return app::backup_command(argc, argv);
    if (command == "import") return app::import_command(argc, argv);
    if (command == "report") return app::report_command(argc, argv);
    if (command == "serve") return app::serve_command(argc, argv);
    if (command == "config") return app::config_command(argc, argv);
    if (command == "keys") return app::keys_command(argc, argv);
    if (command == "dunning") return app::dunning_command(argc, argv);
    if (command == "help" || command == "--help" || command == "-h") {
      std::fputs(usage, stdout);
      return 0;
    }
    std::fprintf(stderr, "tallyman: %s\n%s", command.empty() ? "no command given" : ("unknown command " + command).c_str(),
                 usage);
    return 2;
  } catch (const app::UsageError& e) {
    std::fprintf(stderr, "tallyman %s: %s\n", command.c_str(), e.what());
    return 2;
  } catch (const sql::DatabaseError& e) {
    std::fprintf(stderr, "tallyman %s: database: %s\n", command.c_str(), e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tallyman %s: %s\n", command.c_str(), e.what());
    return 1;
  }
}
