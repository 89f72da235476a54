#include "core/records.hpp"

#include <catch2/catch.hpp>

using namespace tallyman;

namespace {
using Fields = std::vector<std::string>;
}

TEST_CASE("records: the header must name the required columns and no unknown ones", "[core]") {
  CHECK(RecordLayout(RecordKind::invoices, {"number", "customer", "issue_date", "due_date", "amount", "currency", "order_ref"})
            .errors()
            .empty());
  CHECK(RecordLayout(RecordKind::invoices, {"currency", "amount", "issue_date", "customer", "number"}).errors().empty());
  auto missing = RecordLayout(RecordKind::payments, {"reference", "customer", "amount", "currency"}).errors();
  REQUIRE(missing.size() == 1);
  CHECK(missing[0].field == "received_date");
  auto unknown = RecordLayout(RecordKind::customers, {"id", "name", "currency", "colour"}).errors();
  CHECK(unknown.at(0).field == "colour");
  auto twice = RecordLayout(RecordKind::customers, {"id", "name", "currency", "id"}).errors();
  CHECK(twice.at(0).message == "is named twice in the header");
}

TEST_CASE("records: an invoice row becomes an invoice", "[core]") {
  RecordLayout layout(RecordKind::invoices, {"number", "customer", "issue_date", "due_date", "amount", "currency", "order_ref"});
  FieldErrors errors;
  Invoice i = layout.invoice(Fields{"INV-1", "C-1", "2026-01-15", "", "250000", "EUR", "SO-77"}, errors);
  CHECK(errors.empty());
  CHECK(i.amount == 250000);
  CHECK_FALSE(i.due_date.has_value());
  CHECK(i.order_ref == std::optional<std::string>("SO-77"));
}

TEST_CASE("records: every invalid value the contract names is refused", "[core]") {
  RecordLayout layout(RecordKind::invoices, {"number", "customer", "issue_date", "due_date", "amount", "currency", "order_ref"});
  auto field_of = [&](Fields f) {
    FieldErrors errors;
    layout.invoice(f, errors);
    return errors.empty() ? std::string() : errors[0].field;
  };
  CHECK(field_of({"INV 1", "C-1", "2026-01-15", "", "1", "EUR", ""}) == "number");
  CHECK(field_of({"INV-1", "C'1", "2026-01-15", "", "1", "EUR", ""}) == "customer");
  CHECK(field_of({"INV-1", "C-1", "2026-02-30", "", "1", "EUR", ""}) == "issue_date");
  CHECK(field_of({"INV-1", "C-1", "2026-01-15", "2026-01-14", "1", "EUR", ""}) == "due_date");
  CHECK(field_of({"INV-1", "C-1", "2026-01-15", "", "0", "EUR", ""}) == "amount");
  CHECK(field_of({"INV-1", "C-1", "2026-01-15", "", "12.5", "EUR", ""}) == "amount");
  CHECK(field_of({"INV-1", "C-1", "2026-01-15", "", "-3", "EUR", ""}) == "amount");
  CHECK(field_of({"INV-1", "C-1", "2026-01-15", "", "9007199254740992", "EUR", ""}) == "amount");
  CHECK(field_of({"INV-1", "C-1", "2026-01-15", "", "9007199254740991", "EUR", ""}).empty());
  CHECK(field_of({"INV-1", "C-1", "2026-01-15", "", "1", "eur", ""}) == "currency");
  CHECK(field_of({"INV-1", "C-1", "2026-01-15", "", "1", "EUR", "SO 1"}) == "order_ref");
}

TEST_CASE("records: customers take optional limit, terms and collector", "[core]") {
  RecordLayout layout(RecordKind::customers, {"id", "name", "currency", "credit_limit", "terms", "collector"});
  FieldErrors errors;
  Customer c = layout.customer(Fields{"C-1", "Acme GmbH", "EUR", "", "", ""}, errors);
  CHECK(errors.empty());
  CHECK_FALSE(c.credit_limit.has_value());
  CHECK(c.terms == "NET30");
  Customer z = layout.customer(Fields{"C-2", "Zero", "EUR", "0", "EOM30", "alice"}, errors);
  CHECK(errors.empty());
  CHECK(z.credit_limit == std::optional<std::int64_t>(0));
  CHECK(z.collector == std::optional<std::string>("alice"));
  layout.customer(Fields{"C-3", "", "EUR", "-1", "", ""}, errors);
  REQUIRE(errors.size() == 2);
  CHECK(errors[0].field == "credit_limit");
  CHECK(errors[1].field == "name");
}

TEST_CASE("records: a customer's name must be printable UTF-8", "[core]") {
  RecordLayout layout(RecordKind::customers, {"id", "name", "currency"});
  auto name_ok = [&](const std::string& name) {
    FieldErrors errors;
    layout.customer(Fields{"C-1", name, "EUR"}, errors);
    return errors.empty();
  };
  CHECK(name_ok("Bauer & Söhne KG"));
  CHECK(name_ok("株式会社テスト"));
  CHECK(name_ok("Emoji 🙂 Ltd"));
  CHECK(name_ok(std::string(200, 'x')));
  CHECK_FALSE(name_ok(std::string(201, 'x')));
  CHECK_FALSE(name_ok("Tab\there"));
  CHECK_FALSE(name_ok("Latin-1 \xE9t\xE9"));       // not UTF-8
  CHECK_FALSE(name_ok("overlong \xC0\xAF"));
  CHECK_FALSE(name_ok("surrogate \xED\xA0\x80"));
  CHECK_FALSE(name_ok("cut \xE2\x82"));
  CHECK_FALSE(name_ok("C1 control \xC2\x85"));
}

TEST_CASE("records: payment rows", "[core]") {
  RecordLayout layout(RecordKind::payments, {"reference", "customer", "received_date", "amount", "currency"});
  FieldErrors errors;
  Payment p = layout.payment(Fields{"PAY-9", "C-1", "2026-02-20", "300000", "EUR"}, errors);
  CHECK(errors.empty());
  CHECK(p.allocations.empty());
  layout.payment(Fields{"PAY-9", "C-1", "2026-02-20", "1e5", "EUR"}, errors);
  CHECK(errors.at(0).field == "amount");
}
