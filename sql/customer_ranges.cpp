#include "customer_ranges.hpp"

namespace tallyman::sql {

std::string CustomerRange::where(Params& p, const char* column) const {
  std::string out;
  if (only) out += std::string(" AND ") + column + " = " + p.add(*only);
  if (from) out += std::string(" AND ") + column + " >= " + p.add(*from);
  if (to) out += std::string(" AND ") + column + " < " + p.add(*to);
  return out;
}

std::vector<CustomerRange> customer_ranges(Database& db, std::size_t parts, const std::optional<std::string>& only) {
  if (only || parts <= 1) return {CustomerRange{std::nullopt, std::nullopt, only}};
  Params none;
  long long customers = 0;
  Query(db.session(), "SELECT COUNT(*) FROM customers", none).into(customers).run();
  std::vector<std::string> points;
  for (std::size_t k = 1; k < parts; ++k) {
    Params p;
    std::string id;
    Query q(db.session(),
            "SELECT id FROM customers ORDER BY id LIMIT 1 OFFSET " +
                p.add(customers * static_cast<long long>(k) / static_cast<long long>(parts)),
            p);
    q.into(id);
    if (q.run() && (points.empty() || points.back() < id)) points.push_back(id);
  }
  std::vector<CustomerRange> ranges;
  std::optional<std::string> from;
  for (const std::string& point : points) {
    ranges.push_back({from, point, std::nullopt});
    from = point;
  }
  ranges.push_back({from, std::nullopt, std::nullopt});
  return ranges;
}

}  // namespace tallyman::sql
