#include "core/notice.hpp"

#include "core/watch.hpp"

#include <algorithm>
#include <tuple>

namespace tallyman {

bool sends_notice(std::string_view action) {
  return action == "reminder" || action == "final_notice" || action == "collection_agency" || action == "legal";
}

namespace {

struct Wording {
  std::string subject;
  std::string opening;
  std::string closing;
};

// The level's wording, by its action. It cites only the notices the episode sent before
// (a customer may reach a level without the ones below it), and says so when new orders on
// credit are held.
Wording wording(const NoticeInput& in) {
  auto was_sent = [&](std::string_view action) { return std::find(in.sent.begin(), in.sent.end(), action) != in.sent.end(); };
  const std::string after = was_sent("final_notice") ? " after our final notice"
                            : was_sent("reminder")   ? " after our reminder"
                                                     : "";
  const std::string hold = in.credit_hold ? " Until it is paid, we cannot accept new orders on credit." : "";
  if (in.action == "final_notice")
    return {"Final notice",
            was_sent("reminder") ? "Despite our reminder, the following invoices remain unpaid."
                                 : "The following invoices remain unpaid.",
            "Please pay the total now." + hold};
  if (in.action == "collection_agency")
    return {"Transfer to a collection agency", "The following invoices remain unpaid" + after + ".",
            "Unless the total is paid at once, we will pass the claim to a collection agency." + hold};
  if (in.action == "legal")
    return {"Notice of legal action", "The following invoices remain unpaid" + after + ".",
            "Unless the total is paid at once, we will take legal action to recover it." + hold};
  return {"Payment reminder", "Our records show that the following invoices are past due.",
          "If you have paid already, please disregard this reminder; otherwise please pay the total." + hold};
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

constexpr const char* quote_reference = "Please quote each invoice's reference when you pay.";

RenderedNotice render_notice(const NoticeInput& in) {
  RenderedNotice n;
  const Wording w = wording(in);
  std::vector<NoticeLine> lines = in.lines;
  std::sort(lines.begin(), lines.end(), [](const NoticeLine& a, const NoticeLine& b) {
    return std::tie(a.due_date, a.invoice) < std::tie(b.due_date, b.invoice);
  });
  for (const NoticeLine& l : lines) n.total += l.open;
  n.total -= in.credit;
  const std::string cur = in.currency.str();
  n.subject = std::string(w.subject) + ": " + format_amount(n.total, in.currency) + " " + cur + " overdue";

  n.text = std::string(w.subject) + " (level " + std::to_string(in.level) + ")\n\n" + in.customer_name + " (" +
           in.customer_id + "), as of " + format_date(in.as_of) + "\n\n" + w.opening + "\n\n";
  const bool references = std::any_of(lines.begin(), lines.end(), [](const NoticeLine& l) { return !l.payment_reference.empty(); });
  n.text += std::string("invoice                due date    days overdue   open") + (references ? "              reference" : "") + "\n";
  for (const NoticeLine& l : lines) {
    std::string row = l.invoice;
    row.resize(std::max<std::size_t>(row.size() + 1, 23), ' ');
    row += format_date(l.due_date) + "  " + std::to_string(l.days_overdue);
    row.resize(std::max<std::size_t>(row.size() + 1, 49), ' ');
    row += format_amount(l.open, in.currency) + " " + cur;
    if (!l.payment_reference.empty()) {
      row.resize(std::max<std::size_t>(row.size() + 2, 67), ' ');
      row += l.payment_reference;
    }
    n.text += row + "\n";
  }
  if (in.credit > 0) {
    std::string row = "less the credit on your account";
    row.resize(48, ' ');
    n.text += row + "-" + format_amount(in.credit, in.currency) + " " + cur + "\n";
  }
  n.text += "\nTotal: " + format_amount(n.total, in.currency) + " " + cur + "\n\n";
  if (references) n.text += std::string(quote_reference) + "\n\n";
  n.text += w.closing + "\n";

  n.html = "<h1>" + html_escape(w.subject) + "</h1>\n<p>" + html_escape(in.customer_name) + " (" +
           html_escape(in.customer_id) + "), as of " + format_date(in.as_of) + "</p>\n<p>" + html_escape(w.opening) +
           "</p>\n<table>\n<tr><th>invoice</th><th>due date</th><th>days overdue</th><th>open</th>" +
           (references ? "<th>reference</th>" : "") + "</tr>\n";
  for (const NoticeLine& l : lines)
    n.html += "<tr><td>" + html_escape(l.invoice) + "</td><td>" + format_date(l.due_date) + "</td><td>" +
              std::to_string(l.days_overdue) + "</td><td>" + format_amount(l.open, in.currency) + " " + cur +
              "</td>" + (l.payment_reference.empty() ? "" : "<td>" + html_escape(l.payment_reference) + "</td>") +
              "</tr>\n";
  if (in.credit > 0)
    n.html += "<tr><td colspan=\"3\">less the credit on your account</td><td>-" + format_amount(in.credit, in.currency) +
              " " + cur + "</td></tr>\n";
  n.html += "</table>\n<p><strong>Total: " + format_amount(n.total, in.currency) + " " + cur + "</strong></p>\n";
  if (references) n.html += "<p>" + std::string(quote_reference) + "</p>\n";
  n.html += "<p>" + html_escape(w.closing) + "</p>\n";
  return n;
}

RenderedNotice render_watch_event(const Customer& customer, std::int64_t balance, Date as_of,
                                  const std::vector<Signal>& signals) {
  RenderedNotice n;
  n.subject = "Early warning: " + customer.name + " (" + customer.id + ")";
  n.total = balance;
  n.text = n.subject + ", as of " + format_date(as_of) + "\n";
  n.html = "<h1>" + html_escape(n.subject) + "</h1>\n<p>as of " + format_date(as_of) + "</p>\n<ul>\n";
  for (const Signal& s : signals) {
    n.text += "- " + s.code + ": " + s.detail + "\n";
    n.html += "<li><strong>" + html_escape(s.code) + "</strong>: " + html_escape(s.detail) + "</li>\n";
  }
  n.html += "</ul>\n";
  return n;
}

}  // namespace tallyman
