#include "core/check.hpp"

#include <cstdio>
#include <cstdlib>

namespace tallyman {

void assertion_failed(const char* expression, const char* file, int line) {
  std::fprintf(stderr, "tallyman: invariant broken: %s at %s:%d\n", expression, file, line);
  std::abort();
}

}  // namespace tallyman
