#pragma once
// The books a service's worker or credit desk holds (core/books.hpp): sql's areas and the runs,
// on one connection of its own.

#include "core/books.hpp"
#include "jobs/runs.hpp"
#include "sql/books.hpp"

#include <memory>

namespace tallyman::jobs {

class ServiceBooks final : public Books {
 public:
  explicit ServiceBooks(std::unique_ptr<sql::Database> db) : sql_(std::move(db)), runs_(sql_.database()) {}
  AccessBooks& access() override { return sql_.access(); }
  LedgerBooks& ledger() override { return sql_.ledger(); }
  CreditBooks& credit() override { return sql_.credit(); }
  CollectionsBooks& collections() override { return sql_.collections(); }
  ReportBooks& reports() override { return sql_.reports(); }
  RunBooks& runs() override { return runs_; }
  CashBooks& cash() override { return sql_.cash(); }

 private:
  sql::SqlBooks sql_;
  Runs runs_;
};

}  // namespace tallyman::jobs
