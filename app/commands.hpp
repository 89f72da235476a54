#pragma once
// One function per command of contract §6; each returns the exit status.

namespace tallyman::app {

int migrate_command(int argc, char** argv);
int import_command(int argc, char** argv);
int report_command(int argc, char** argv);

}  // namespace tallyman::app
