// Compiled with what tallyman_sql exports (and core's): its public headers are found.
#include "sql/database.hpp"
