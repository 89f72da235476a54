#pragma once
// Assertions that stay on in release builds. A broken invariant (a ledger that does not
// balance, an amount in two currencies added together) is a bug: the process stops rather
// than write it. Never use these on user input: validate it and answer with an error.

namespace tallyman {

[[noreturn]] void assertion_failed(const char* expression, const char* file, int line);

}  // namespace tallyman

#define TM_ASSERT(expr) \
  ((expr) ? static_cast<void>(0) : ::tallyman::assertion_failed(#expr, __FILE__, __LINE__))
