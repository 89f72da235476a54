#include "http/credit_desk.hpp"

#include "handlers.hpp"
#include "problem.hpp"

#include <functional>

namespace tallyman::http {

namespace {

// The customer a credit check names, to pick its desk; "" when the body names none (it is
// then refused at whichever desk). Read as far as the "customer" member only (nlohmann's SAX
// interface, stopped there): the desk reads the whole body again when it checks it.
struct CustomerOf : nlohmann::json_sax<json> {
  std::string customer;
  int depth = 0;
  bool at_customer = false;
  bool found(bool more) {
    at_customer = false;
    return more;
  }
  bool null() override { return found(true); }
  bool boolean(bool) override { return found(true); }
  bool number_integer(number_integer_t) override { return found(true); }
  bool number_unsigned(number_unsigned_t) override { return found(true); }
  bool number_float(number_float_t, const string_t&) override { return found(true); }
  bool string(string_t& value) override {
    if (at_customer) customer = value;
    return found(!at_customer);  // stops once it has it
  }
  bool binary(binary_t&) override { return found(true); }
  bool start_object(std::size_t) override { return found(++depth > 0); }
  bool key(string_t& name) override {
    at_customer = depth == 1 && name == "customer";
    return true;
  }
  bool end_object() override { return found(--depth >= 0); }
  bool start_array(std::size_t) override { return found(++depth > 0); }
  bool end_array() override { return found(--depth >= 0); }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override { return false; }
};

std::string customer_of(const Request& request) {
  CustomerOf sax;
  json::sax_parse(request.body, &sax, nlohmann::detail::input_format_t::json, false);
  return sax.customer;
}

constexpr const char* route = "POST /v1/credit-checks";

}  // namespace

CreditDesk::CreditDesk(std::size_t desks, Connect connect, Router& router, std::size_t queue_max)
    : connect_(std::move(connect)), router_(router) {
  std::vector<RequestQueue*> queues;
  for (std::size_t k = 0; k < desks; ++k) {
    queues_.push_back(std::make_unique<RequestQueue>(queue_max));
    queues.push_back(queues_.back().get());
  }
  for (RequestQueue* q : queues) threads_.emplace_back([this, q] { run(*q); });
  reaper_.emplace(std::move(queues));
}

CreditDesk::~CreditDesk() { stop(); }

bool CreditDesk::submit(Request request, Done done) {
  const std::size_t desk = std::hash<std::string>{}(customer_of(request)) % queues_.size();
  return queues_[desk]->push(std::move(request), std::move(done));
}

void CreditDesk::stop() {
  for (auto& q : queues_) q->close();
  for (std::thread& t : threads_) t.join();
  threads_.clear();
  reaper_.reset();
}

void CreditDesk::run(RequestQueue& queue) {
  std::unique_ptr<Books> books;  // connected when first needed, again after a failure
  for (;;) {
    std::vector<Waiting> batch = queue.take(desk_batch_max);
    if (batch.empty()) return;  // closed and drained
    answer(batch, books);
  }
}

// Each request's key, role and body are checked as for any route (a refusal answers it at
// once); the checks that pass are decided together, in arrival order.
void CreditDesk::answer(std::vector<Waiting>& batch, std::unique_ptr<Books>& books) {
  std::vector<std::optional<Response>> responses(batch.size());
  std::vector<CreditCheckInput> checks;
  std::vector<std::size_t> asked;  // the index in `batch` of each check
  const Response failed = answered(router_.metrics(), batch.front().request.request_id, [&] {
    if (!books) books = connect_();
    for (std::size_t k = 0; k < batch.size(); ++k) {
      bool taken = false;
      Response refused = router_.handle(batch[k].request, books.get(), [&](Context& cx) {
        Response bad;
        std::optional<CreditCheckInput> input = credit_check_input(cx, bad);
        taken = input.has_value();
        if (taken) {
          checks.push_back(std::move(*input));
          asked.push_back(k);
        }
        return bad;
      });
      if (!taken) responses[k] = std::move(refused);
    }
    if (checks.empty()) return Response{};
    const CreditAnswers answers = books->credit().check_credits(checks, router_.today());
    router_.metrics().credit_batch(checks.size(), answers.reruns);
    for (std::size_t j = 0; j < asked.size(); ++j) {
      responses[asked[j]] = credit_check_response(answers.checks[j]);
      responses[asked[j]]->route = route;
    }
    return Response{};
  });
  // What failed around the checks (connecting, the batch's statements) answers all the batch
  // had not answered; a connection that failed is not trusted again.
  if (failed.status == 503 || failed.status == 500) books.reset();
  for (std::size_t k = 0; k < batch.size(); ++k) {
    Response response = responses[k] ? std::move(*responses[k]) : failed;
    if (!responses[k]) response.route = route;
    batch[k].done(std::move(response));
  }
}

}  // namespace tallyman::http
