#include "core/books.hpp"

namespace tallyman {

std::string_view to_string(InvoiceStatus status) {
  switch (status) {
    case InvoiceStatus::open: return "open";
    case InvoiceStatus::paid: return "paid";
    case InvoiceStatus::written_off: return "written_off";
  }
  return "?";
}

std::optional<InvoiceStatus> parse_invoice_status(std::string_view text) {
  for (InvoiceStatus s : {InvoiceStatus::open, InvoiceStatus::paid, InvoiceStatus::written_off})
    if (to_string(s) == text) return s;
  return std::nullopt;
}

std::string_view to_string(WriteOffStatus status) {
  switch (status) {
    case WriteOffStatus::pending: return "pending";
    case WriteOffStatus::approved: return "approved";
    case WriteOffStatus::rejected: return "rejected";
  }
  return "?";
}

std::string_view to_string(TaskStatus status) {
  switch (status) {
    case TaskStatus::open: return "open";
    case TaskStatus::done: return "done";
    case TaskStatus::cancelled: return "cancelled";
    case TaskStatus::resolved: return "resolved";
  }
  return "?";
}

std::optional<TaskStatus> parse_task_status(std::string_view text) {
  for (TaskStatus s : {TaskStatus::open, TaskStatus::done, TaskStatus::cancelled, TaskStatus::resolved})
    if (to_string(s) == text) return s;
  return std::nullopt;
}

std::optional<WriteOffStatus> parse_write_off_status(std::string_view text) {
  for (WriteOffStatus s : {WriteOffStatus::pending, WriteOffStatus::approved, WriteOffStatus::rejected})
    if (to_string(s) == text) return s;
  return std::nullopt;
}

}  // namespace tallyman
