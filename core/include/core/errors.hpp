#pragma once
// The environment failed: the database is unreachable, locked for too long, or refused a
// statement. Business outcomes are never reported this way (core/ledger_outcome.hpp). Caught at the
// boundary: a 503 problem over HTTP, exit status 1 on the command line.

#include <stdexcept>

namespace tallyman {

class StorageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The connection to the database was lost (the server or a cluster node went away, or the
// node may not serve) before the work committed: on a new connection it may run again.
class StorageLost : public StorageError {
 public:
  using StorageError::StorageError;
};

}  // namespace tallyman
