// Compiled with what tallyman_http's users see: its public headers and core's. It must compile.
#include "http/router.hpp"
