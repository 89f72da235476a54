// The changes a request can make to the books, each in one transaction with its audit entry.
// The ledger rules themselves live in LedgerStore (postings) and core (allocation, terms).
#include "core/check.hpp"
#include "core/text.hpp"
#include "audit.hpp"
#include "sql/books.hpp"
#include "books_shared.hpp"
#include "clock.hpp"
#include "sql/ledger_store.hpp"
#include "rows.hpp"
#include "statement.hpp"

#include <algorithm>
#include <map>

namespace tallyman::sql {




std::vector<Terms> SqlLedger::terms() {
  return guarded([&] {
    LedgerStore store(db_);
    std::vector<Terms> all;
    for (const auto& [code, t] : store.terms()) all.push_back(t);
    return all;
  });
}

LedgerResult SqlLedger::put_terms(const Actor& actor, const Terms& terms) {
  return write(db_, actor, "terms.put", "terms", terms.code, [&](LedgerStore& store) -> LedgerResult {
    const auto& known = store.terms();
    auto it = known.find(terms.code);
    if (it != known.end() && it->second == terms) return {LedgerOutcome::replayed, ""};
    Params p;
    const std::string code = p.add(terms.code), basis = p.add(std::string(to_string(terms.basis))),
                      days = p.add(static_cast<long long>(terms.days)),
                      ddays = p.add(terms.discount ? std::optional<long long>(terms.discount->days) : std::nullopt),
                      dbp = p.add(terms.discount ? std::optional<long long>(terms.discount->percent_bp) : std::nullopt);
    if (it == known.end())
      execute(db_,
              "INSERT INTO terms (code, basis, days, discount_days, discount_bp) VALUES (" + code + ", " + basis + ", " +
                  days + ", " + ddays + ", " + dbp + ")",
              p);
    else
      execute(db_,
              "UPDATE terms SET basis = " + basis + ", days = " + days + ", discount_days = " + ddays +
                  ", discount_bp = " + dbp + " WHERE code = " + code,
              p);
    return {it == known.end() ? LedgerOutcome::created : LedgerOutcome::updated, ""};
  });
}

LedgerResult SqlLedger::post_customer(const Actor& actor, const Customer& customer) {
  return write(db_, actor, "customer.create", "customer", customer.id,
               [&](LedgerStore& store) { return store.post_customers({&customer, 1}).front(); });
}

LedgerResult SqlLedger::patch_customer(const Actor& actor, const std::string& id, const CustomerPatch& patch) {
  return write(db_, actor, "customer.update", "customer", id, [&](LedgerStore& store) -> LedgerResult {
    auto found = store.customer(id);
    if (!found) return {LedgerOutcome::not_found, "id"};
    Customer c = *found;
    if (patch.name) c.name = *patch.name;
    if (patch.credit_limit) c.credit_limit = *patch.credit_limit;
    if (patch.terms) c.terms = *patch.terms;
    if (patch.collector) c.collector = *patch.collector;
    if (patch.grade) c.grade = *patch.grade;
    if (patch.on_hold) c.on_hold = *patch.on_hold;
    if (patch.salesperson) c.salesperson = *patch.salesperson;
    if (patch.bank_accounts) {
      c.bank_accounts = *patch.bank_accounts;
      std::sort(c.bank_accounts.begin(), c.bank_accounts.end());
      if (const LedgerResult r = store.put_bank_accounts(id, c.bank_accounts); !r.accepted()) return r;
    }
    // Every raise waits for a second person (a manager or an admin, not the requester),
    // whoever asks: the customer keeps its limit meanwhile.
    const bool held_for_approval = c.credit_limit && (!found->credit_limit || *c.credit_limit > *found->credit_limit);
    if (held_for_approval) {
      Params p;
      execute(db_,
              "INSERT INTO limit_changes (customer, old_limit, new_limit, status, requested_by, requested_at) VALUES (" +
                  p.add(id) + ", " +
                  p.add(found->credit_limit ? std::optional<long long>(*found->credit_limit) : std::nullopt) + ", " +
                  p.add(static_cast<long long>(*c.credit_limit)) + ", 'pending', " + p.add(actor.name) + ", " +
                  p.add(utc_timestamp()) + ")",
              p);
      c.credit_limit = found->credit_limit;
    }
    if (c == *found) return {held_for_approval ? LedgerOutcome::pending : LedgerOutcome::replayed, ""};
    if (!store.terms().contains(c.terms)) return {LedgerOutcome::unknown_terms, "terms"};
    Params p;
    const std::string sql =
        "UPDATE customers SET name = " + p.add(c.name) + ", search_name = " + p.add(search_key(c.name)) + ", credit_limit = " +
        p.add(c.credit_limit ? std::optional<long long>(*c.credit_limit) : std::nullopt) + ", terms = " + p.add(c.terms) +
        ", collector = " + p.add(c.collector) + ", grade = " +
        p.add(c.grade ? std::optional<std::string>(std::string(1, *c.grade)) : std::nullopt) +
        ", on_hold = " + p.add(static_cast<long long>(c.on_hold)) + ", salesperson = " + p.add(c.salesperson) +
        " WHERE id = " + p.add(id);
    execute(db_, sql, p);
    return {held_for_approval ? LedgerOutcome::pending : LedgerOutcome::updated, ""};
  });
}

LedgerResult SqlLedger::decide_limit_change(const Actor& actor, std::int64_t id, bool approve) {
  const char* action = approve ? "limit_change.approve" : "limit_change.reject";
  return write(db_, actor, action, "limit_change", std::to_string(id), [&](LedgerStore& store) -> LedgerResult {
    return decide("limit_changes", actor, id, approve, [&]() -> LedgerResult {
      Params p;
      std::string customer;
      long long new_limit = 0;
      Query(db_.session(),
            "SELECT customer, new_limit FROM limit_changes WHERE id = " + p.add(static_cast<long long>(id)), p)
          .into(customer)
          .into(new_limit)
          .run();
      store.lock_customers({customer});
      Params u;
      execute(db_,
              "UPDATE customers SET credit_limit = " + u.add(new_limit) + " WHERE id = " + u.add(customer), u);
      return {LedgerOutcome::updated, ""};
    });
  });
}

LedgerResult SqlLedger::post_invoice(const Actor& actor, const Invoice& invoice) {
  return write(db_, actor, "invoice.post", "invoice", invoice.number,
               [&](LedgerStore& store) { return store.post_invoices({&invoice, 1}).front(); });
}

LedgerResult SqlLedger::dispute(const Actor& actor, const std::string& number, const std::optional<std::string>& reason) {
  return write(db_, actor, reason ? "invoice.dispute" : "invoice.resolve_dispute", "invoice", number,
               [&](LedgerStore& store) -> LedgerResult {
                 auto inv = store.invoice(number);
                 if (!inv) return {LedgerOutcome::not_found, "number"};
                 if (!reason && !inv->disputed) return {LedgerOutcome::replayed, ""};
                 Params p;
                 execute(db_,
                         "UPDATE invoices SET disputed = " + p.add(static_cast<long long>(reason.has_value())) +
                             ", dispute_reason = " + p.add(reason) + " WHERE number = " + p.add(number),
                         p);
                 return {LedgerOutcome::updated, ""};
               });
}

LedgerResult SqlLedger::post_payment(const Actor& actor, const Payment& payment) {
  return write(db_, actor, "payment.post", "payment", payment.reference, [&](LedgerStore& store) {
    const LedgerResult r = store.post_payments({&payment, 1}).front();
    if (r.outcome == LedgerOutcome::created) end_episode_if_clear(db_, payment.customer, payment.received_date);
    return r;
  });
}


LedgerResult SqlLedger::reverse_payment(const Actor& actor, const std::string& reference, Date date,
                                     const std::string& reason) {
  return write(db_, actor, "payment.reverse", "payment", reference,
               [&](LedgerStore& store) { return store.reverse_payment(reference, date, reason); });
}

LedgerResult SqlLedger::apply_credit(const Actor& actor, const std::string& customer, const std::string& invoice,
                                  std::int64_t amount, Date date) {
  return write(db_, actor, "credit.apply", "invoice", invoice, [&](LedgerStore& store) {
    const LedgerResult r = store.apply_credit(customer, invoice, amount, date);
    if (r.outcome == LedgerOutcome::created) end_episode_if_clear(db_, customer, date);
    return r;
  });
}

LedgerResult SqlLedger::apply_remittance(const Actor& actor, const std::string& customer, const std::string& payment,
                                         const std::vector<Allocation>& lines, Date date) {
  return write(db_, actor, "remittance.apply", "payment", payment, [&](LedgerStore& store) -> LedgerResult {
    const LedgerStore::KnownPayment* paid = store.payment(payment);
    if (!paid) return {LedgerOutcome::not_found, "payment"};
    if (paid->customer != customer) return {LedgerOutcome::unknown_customer, "customer"};
    // The same advice again: every invoice it names holds exactly its amount of the payment.
    const LedgerStore::Applications applied = store.applications_of({payment});
    std::map<std::string, std::int64_t> named;
    for (const Allocation& line : lines) named[line.invoice] += line.amount;
    if (std::ranges::all_of(named, [&](const auto& invoice_amount) {
          const auto it = applied.find({payment, invoice_amount.first});
          return it != applied.end() && it->second == invoice_amount.second;
        }))
      return {LedgerOutcome::replayed, ""};
    for (std::size_t k = 0; k < lines.size(); ++k) {
      LedgerResult r = store.apply_credit(customer, lines[k].invoice, lines[k].amount, date, payment);
      if (r.outcome != LedgerOutcome::created) {
        r.field = "lines[" + std::to_string(k) + "]." + (r.field == "amount" ? "amount" : "invoice");
        return r;
      }
    }
    end_episode_if_clear(db_, customer, date);
    return {LedgerOutcome::created, ""};
  });
}

LedgerResult SqlLedger::post_credit_note(const Actor& actor, const CreditNote& note) {
  return write(db_, actor, "credit_note.post", "credit_note", note.number, [&](LedgerStore& store) {
    const LedgerResult r = store.post_credit_note(note);
    if (r.outcome == LedgerOutcome::created) end_episode_if_clear(db_, note.customer, note.date);
    return r;
  });
}

LedgerResult SqlLedger::request_write_off(const Actor& actor, const std::string& invoice, std::int64_t amount,
                                       const std::string& reason, std::int64_t& id) {
  return guarded([&]() -> LedgerResult {
    WriteTransaction tx(db_);
    LedgerStore store(db_);
    auto inv = store.invoice(invoice);
    if (!inv) return {LedgerOutcome::unknown_invoice, "invoice"};
    if (amount > inv->open_amount) return {LedgerOutcome::exceeds_open_amount, "amount"};
    Params p;
    execute(db_,
            "INSERT INTO write_offs (invoice, customer, amount, currency, reason, status, requested_by, requested_at)"
            " VALUES (" + p.add(invoice) + ", " + p.add(inv->invoice.customer) + ", " +
                p.add(static_cast<long long>(amount)) + ", " + p.add(inv->invoice.currency.str()) + ", " +
                p.add(reason) + ", 'pending', " + p.add(actor.name) + ", " + p.add(utc_timestamp()) + ")",
            p);
    id = last_insert_id(db_, "write_offs");
    record_audit(db_, actor, "write_off.request", "write_off", std::to_string(id));
    tx.commit();
    return {LedgerOutcome::created, ""};
  });
}

// A request that a second person approves or rejects (write-offs, credit-limit raises): the
// same columns in both tables, the same rules. `apply` carries an approval out.
LedgerResult SqlLedger::decide(const char* table, const Actor& actor, std::int64_t id, bool approve,
                            const std::function<LedgerResult()>& apply) {
  Params p;
  std::string status, requested_by, decided_by;
  soci::indicator decided_ind = soci::i_ok;
  Query q(db_.session(),
          std::string("SELECT status, requested_by, decided_by FROM ") + table + " WHERE id = " +
              p.add(static_cast<long long>(id)) + db_.for_update(),
          p);
  q.into(status).into(requested_by).into(decided_by, decided_ind);
  if (!q.run()) return {LedgerOutcome::not_found, "id"};
  const WriteOffStatus wanted = approve ? WriteOffStatus::approved : WriteOffStatus::rejected;
  if (status != "pending") {
    const bool same = status == to_string(wanted) && decided_ind == soci::i_ok && decided_by == actor.name;
    return {same ? LedgerOutcome::replayed : LedgerOutcome::already_decided, same ? "" : "id"};
  }
  if (approve && requested_by == actor.name) return {LedgerOutcome::same_person, "id"};
  if (approve) {
    const LedgerResult applied = apply();
    if (!applied.accepted()) return applied;
  }
  Params u;
  execute(db_,
          std::string("UPDATE ") + table + " SET status = " + u.add(std::string(to_string(wanted))) +
              ", decided_by = " + u.add(actor.name) + ", decided_at = " + u.add(utc_timestamp()) + " WHERE id = " +
              u.add(static_cast<long long>(id)),
          u);
  return {LedgerOutcome::updated, ""};
}

LedgerResult SqlLedger::decide_write_off(const Actor& actor, std::int64_t id, bool approve, Date today) {
  const char* action = approve ? "write_off.approve" : "write_off.reject";
  return write(db_, actor, action, "write_off", std::to_string(id), [&](LedgerStore& store) -> LedgerResult {
    return decide("write_offs", actor, id, approve, [&]() -> LedgerResult {
      Params p;
      std::string invoice;
      long long amount = 0;
      Query(db_.session(), "SELECT invoice, amount FROM write_offs WHERE id = " + p.add(static_cast<long long>(id)), p)
          .into(invoice)
          .into(amount)
          .run();
      LedgerResult posted = store.post_write_off(invoice, amount, today, "WO-" + std::to_string(id));
      if (!posted.accepted()) return posted;
      Params u;
      execute(db_,
              "UPDATE write_offs SET posted_on = " + u.add(format_date(today)) + " WHERE id = " +
                  u.add(static_cast<long long>(id)),
              u);
      return posted;
    });
  });
}

}  // namespace tallyman::sql
