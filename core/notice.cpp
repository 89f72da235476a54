#include "core/notice.hpp"

#include <algorithm>
#include <tuple>

namespace tallyman {

bool sends_notice(std::string_view action) {
  return action == "reminder" || action == "final_notice" || action == "collection_agency" || action == "legal";
}

namespace {

struct Wording {
  const char* subject;
  const char* opening;
  const char* closing;
};

// The level's wording, by its action.
Wording wording(std::string_view action) {
  if (action == "final_notice")
    return {"Final notice", "Despite our reminders, the following invoices remain unpaid.",
            "Please pay the total now. Until it is paid, we cannot accept new orders on credit."};
  if (action == "collection_agency")
    return {"Transfer to a collection agency", "The following invoices remain unpaid after our final notice.",
            "Unless the total is paid at once, we will pass the claim to a collection agency."};
  if (action == "legal")
    return {"Notice of legal action", "The following invoices remain unpaid after our final notice.",
            "Unless the total is paid at once, we will take legal action to recover it."};
  return {"Payment reminder", "Our records show that the following invoices are past due.",
          "If you have paid already, please disregard this reminder; otherwise please pay the total."};
}

std::string html_escape(std::string_view text) {
  std::string out;
  for (char ch : text) {
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += ch;
    }
  }
  return out;
}

}  // namespace

RenderedNotice render_notice(const NoticeInput& in) {
  RenderedNotice n;
  const Wording w = wording(in.action);
  std::vector<NoticeLine> lines = in.lines;
  std::sort(lines.begin(), lines.end(), [](const NoticeLine& a, const NoticeLine& b) {
    return std::tie(a.due_date, a.invoice) < std::tie(b.due_date, b.invoice);
  });
  for (const NoticeLine& l : lines) n.total += l.open;
  const std::string cur = in.currency.str();
  n.subject = std::string(w.subject) + ": " + format_amount(n.total, in.currency) + " " + cur + " overdue";

  n.text = std::string(w.subject) + " (level " + std::to_string(in.level) + ")\n\n" + in.customer_name + " (" +
           in.customer_id + "), as of " + format_date(in.as_of) + "\n\n" + w.opening + "\n\n";
  n.text += "invoice                due date    days overdue   open\n";
  for (const NoticeLine& l : lines) {
    std::string row = l.invoice;
    row.resize(std::max<std::size_t>(row.size() + 1, 23), ' ');
    row += format_date(l.due_date) + "  " + std::to_string(l.days_overdue);
    row.resize(std::max<std::size_t>(row.size() + 1, 49), ' ');
    n.text += row + format_amount(l.open, in.currency) + " " + cur + "\n";
  }
  n.text += "\nTotal: " + format_amount(n.total, in.currency) + " " + cur + "\n\n" + w.closing + "\n";

  n.html = "<h1>" + html_escape(w.subject) + "</h1>\n<p>" + html_escape(in.customer_name) + " (" +
           html_escape(in.customer_id) + "), as of " + format_date(in.as_of) + "</p>\n<p>" + w.opening +
           "</p>\n<table>\n<tr><th>invoice</th><th>due date</th><th>days overdue</th><th>open</th></tr>\n";
  for (const NoticeLine& l : lines)
    n.html += "<tr><td>" + html_escape(l.invoice) + "</td><td>" + format_date(l.due_date) + "</td><td>" +
              std::to_string(l.days_overdue) + "</td><td>" + format_amount(l.open, in.currency) + " " + cur +
              "</td></tr>\n";
  n.html += "</table>\n<p><strong>Total: " + format_amount(n.total, in.currency) + " " + cur + "</strong></p>\n<p>" +
            w.closing + "</p>\n";
  return n;
}

}  // namespace tallyman
