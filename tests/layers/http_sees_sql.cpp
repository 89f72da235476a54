// Compiled with what tallyman_http sees: it must not find sql/'s headers (tests/CMakeLists.txt).
#include "sql/database.hpp"
