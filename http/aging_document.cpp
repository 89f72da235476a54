#include "http/aging_document.hpp"

#include "core/csv.hpp"

#include <nlohmann/json.hpp>

namespace tallyman::http {

namespace {

nlohmann::ordered_json amounts(const AgingReport& report, const AgingRow& row) {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  for (std::size_t j = 0; j < report.labels.size(); ++j) out[report.labels[j]] = row.buckets[j];
  out["unapplied"] = row.unapplied;
  out["total"] = row.total();
  return out;
}

}  // namespace

std::string aging_json(const AgingReport& report, bool with_rows) {
  nlohmann::ordered_json doc;
  doc["as_of"] = format_date(report.spec.as_of);
  doc["basis"] = std::string(to_string(report.spec.basis));
  doc["currency"] = report.currency.str();
  doc["buckets"] = report.labels;
  doc["totals"] = amounts(report, report.totals);
  if (with_rows) {
    nlohmann::ordered_json rows = nlohmann::ordered_json::array();
    for (const AgingRow& row : report.customers) {
      nlohmann::ordered_json r;
      r["id"] = row.id;
      r["name"] = row.name;
      r.update(amounts(report, row));
      rows.push_back(std::move(r));
    }
    doc["customers"] = std::move(rows);
  }
  return doc.dump();
}

std::string aging_csv(const AgingReport& report) {
  std::vector<std::string> header{"id", "name"};
  header.insert(header.end(), report.labels.begin(), report.labels.end());
  header.push_back("unapplied");
  header.push_back("total");
  std::string out = csv_line(header);
  auto line = [&](const std::string& id, const std::string& name, const AgingRow& row) {
    std::vector<std::string> fields{csv_text(id), csv_text(name)};
    for (std::int64_t b : row.buckets) fields.push_back(std::to_string(b));
    fields.push_back(std::to_string(row.unapplied));
    fields.push_back(std::to_string(row.total()));
    out += csv_line(fields);
  };
  for (const AgingRow& row : report.customers) line(row.id, row.name, row);
  line("", "TOTAL", report.totals);
  return out;
}

}  // namespace tallyman::http
