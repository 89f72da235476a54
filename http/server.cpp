// The only file that includes Beast: the transport. What a request means is the router's.
#include "http/server.hpp"

#include "http/limits.hpp"
#include "http/log.hpp"
#include "problem.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <atomic>
#include <cmath>
#include <cstdio>
#include <list>
#include <random>
#include <stdexcept>
#include <thread>

namespace tallyman::http {

namespace {

namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

class Session;

// An I/O thread's own event loop: it runs its connections and nothing else, so they need no
// strand.
struct Loop {
  net::io_context ioc{1};
};

// What every connection shares: the router, where requests go (the workers, the credit desk),
// and the list of live connections that a stop signal walks to close the idle ones.
struct Shared {
  Shared(Router& r, WorkerPool& p, CreditDesk& d, std::vector<std::unique_ptr<Loop>>& l)
      : router(r), pool(p), desk(d), loops(l) {}
  Router& router;
  WorkerPool& pool;
  CreditDesk& desk;
  std::vector<std::unique_ptr<Loop>>& loops;  // one per I/O thread
  std::chrono::milliseconds read_timeout{0};
  std::atomic<bool> stopping{false};
  std::atomic<std::size_t> connections{0};
  std::atomic<std::uint64_t> requests{0};
  std::string id_prefix;  // random per process, so request ids differ across instances
  std::mutex sessions_mutex;
  std::list<std::weak_ptr<Session>> sessions;
};

bool is_request_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char ch : id)
    if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '-' && ch != '_' && ch != '.' && ch != ':') return false;
  return true;
}

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, Shared& shared, Loop& loop)
      : stream_(std::move(socket)), shared_(shared), loop_(loop) {
    shared_.router.metrics().connection(1);
  }
  ~Session() {
    shared_.router.metrics().connection(-1);
    shared_.connections.fetch_sub(1);
    std::lock_guard lock(shared_.sessions_mutex);
    shared_.sessions.erase(registration_);
  }

  void start() {
    {
      std::lock_guard lock(shared_.sessions_mutex);
      registration_ = shared_.sessions.insert(shared_.sessions.end(), weak_from_this());
    }
    net::dispatch(stream_.get_executor(), beast::bind_front_handler(&Session::read, shared_from_this()));
  }

  // On a stop signal: an idle connection closes now; a busy one after its response.
  void stop() {
    net::post(stream_.get_executor(), [self = shared_from_this()] {
      if (!self->busy_) self->close();
    });
  }

 private:
  void read() {
    if (shared_.stopping) return close();
    parser_.emplace();
    parser_->header_limit(request_header_bytes_max);
    // The largest body any route takes, while the header is read (the parser checks a
    // Content-Length against it then); on_header sets the route's own.
    parser_->body_limit(statement_body_bytes_max);
    stream_.expires_after(shared_.read_timeout);
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             beast::bind_front_handler(&Session::on_header, shared_from_this()));
  }

  void on_header(beast::error_code ec, std::size_t) {
    if (ec) return on_read(ec, 0);
    // A bank statement has a body limit of its own.
    const std::string_view target = parser_->get().target();
    body_limit_ = parser_->get().method() == bhttp::verb::post && target.substr(0, target.find('?')) == statement_target
                      ? statement_body_bytes_max
                      : request_body_bytes_max;
    parser_->body_limit(body_limit_);
    if (const auto length = parser_->content_length(); length && *length > body_limit_)
      return on_read(bhttp::error::body_limit, 0);
    // A client that asks first (curl does, for large bodies) is told to go on.
    if (beast::iequals(parser_->get()[bhttp::field::expect], "100-continue")) {
      static const char go_on[] = "HTTP/1.1 100 Continue\r\n\r\n";
      stream_.expires_after(write_timeout);
      net::async_write(stream_, net::buffer(go_on, sizeof go_on - 1),
                       [self = shared_from_this()](beast::error_code wec, std::size_t) {
                         if (wec) return self->close();
                         self->read_body();
                       });
      return;
    }
    read_body();
  }

  void read_body() {
    stream_.expires_after(shared_.read_timeout);
    bhttp::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&Session::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec == bhttp::error::end_of_stream || ec == beast::error::timeout || ec == net::error::operation_aborted)
      return close();
    method_ = parser_->get().method_string();
    target_ = parser_->get().target();
    start_ = std::chrono::steady_clock::now();
    request_id_ = std::string(parser_->get()["X-Request-Id"]);
    if (!is_request_id(request_id_)) {
      char id[40];
      std::snprintf(id, sizeof id, "%s-%llu", shared_.id_prefix.c_str(),
                    static_cast<unsigned long long>(shared_.requests.fetch_add(1)));
      request_id_ = id;
    }
    if (ec == bhttp::error::body_limit)
      return answer_and_close(problem(413, "the body is larger than " + std::to_string(body_limit_ >> 20) + " MiB"), true);
    if (ec == bhttp::error::header_limit) return answer_and_close(problem(431, "the header is larger than 8 KiB"), false);
    if (ec) {
      if (ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category())
        return answer_and_close(problem(400, "the request is not well-formed HTTP/1.1"), false);
      return close();
    }
    busy_ = true;
    auto& req = parser_->get();
    keep_alive_ = req.keep_alive();
    Request request;
    request.method = method_;
    request.target = target_;
    request.authorization = std::string(req[bhttp::field::authorization]);
    request.content_type = std::string(req[bhttp::field::content_type]);
    request.accept = std::string(req[bhttp::field::accept]);
    request.request_id = request_id_;
    request.body = std::move(req.body());

    // The route table says who answers (router.hpp, Lane).
    switch (shared_.router.lane(request)) {
      case Lane::here: return respond(shared_.router.handle(request, nullptr));
      case Lane::credit_desk: return hand_over(std::move(request), &CreditDesk::submit, shared_.desk);
      case Lane::workers: return hand_over(std::move(request), &WorkerPool::submit, shared_.pool);
    }
  }

  // Queues the request at the workers or the desk; the answer comes back on this connection's
  // loop. The work guard keeps the loop running for it even while a stop signal winds
  // everything else down.
  template <class Lane>
  void hand_over(Request request, bool (Lane::*submit)(Request, Done), Lane& lane) {
    auto done = [self = shared_from_this(), guard = net::make_work_guard(loop_.ioc)](Response response) mutable {
      net::post(self->stream_.get_executor(), [self, response = std::move(response)]() mutable {
        self->respond(std::move(response));
      });
      guard.reset();
    };
    if (!(lane.*submit)(std::move(request), std::move(done)))
      respond(problem(503, "too many requests are waiting for the database; try again shortly"));
  }

  void answer_and_close(Response response, bool drain) {
    busy_ = true;
    keep_alive_ = false;
    drain_ = drain;
    respond(std::move(response));
  }

  void respond(Response response) {
    auto res = std::make_shared<bhttp::response<bhttp::string_body>>(
        static_cast<bhttp::status>(response.status), 11);
    res->set(bhttp::field::server, "tallyman");
    res->set(bhttp::field::content_type, response.content_type);
    res->set("X-Request-Id", request_id_);
    for (const auto& [name, value] : response.headers) res->set(name, value);
    res->body() = std::move(response.body);
    res->keep_alive(keep_alive_ && !shared_.stopping);
    res->prepare_payload();
    stream_.expires_after(write_timeout);
    bhttp::async_write(stream_, *res,
                       [self = shared_from_this(), res, route = std::move(response.route)](beast::error_code ec,
                                                                                           std::size_t) {
                         self->on_write(ec, res->result_int(), route, res->keep_alive());
                       });
  }

  void on_write(beast::error_code ec, int status, const std::string& route, bool keep_alive) {
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    shared_.router.metrics().observe(route, status, seconds);
    const std::string_view path = std::string_view(target_).substr(0, target_.find('?'));
    log_event({{"method", method_}, {"path", path}, {"status", std::int64_t{status}}, {"ms", std::round(seconds * 1e6) / 1000},
               {"request_id", request_id_}});
    busy_ = false;
    if (ec || !keep_alive) return close();
    read();
  }

  void close() {
    beast::error_code ec;
    if (!drain_) {
      stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
      stream_.close();
      return;
    }
    // After a 413 the client may still be sending the body: read and drop it for a while,
    // so that it reads the answer rather than a connection reset.
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    drain_ = false;
    drain();
  }

  void drain() {
    stream_.expires_after(drain_timeout);
    stream_.async_read_some(net::buffer(sink_), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->stream_.close();
      self->drain();
    });
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::size_t body_limit_ = request_body_bytes_max;
  Shared& shared_;
  Loop& loop_;
  std::list<std::weak_ptr<Session>>::iterator registration_;
  bool busy_ = false;
  bool keep_alive_ = true;
  bool drain_ = false;
  std::string method_, target_, request_id_;
  std::chrono::steady_clock::time_point start_;
  std::array<char, 16 * 1024> sink_{};
};

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(Shared& shared, tcp::endpoint endpoint) : shared_(shared), acceptor_(shared.loops.front()->ioc) {
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(net::socket_base::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen(net::socket_base::max_listen_connections);
  }
  unsigned short port() const { return acceptor_.local_endpoint().port(); }
  void start() { accept(); }
  void stop() {
    net::post(acceptor_.get_executor(), [self = shared_from_this()] {
      beast::error_code ec;
      self->acceptor_.close(ec);
    });
  }

 private:
  void accept() {
    // Connections are dealt out to the loops in turn.
    target_ = shared_.loops[accepted_++ % shared_.loops.size()].get();
    acceptor_.async_accept(target_->ioc, beast::bind_front_handler(&Listener::on_accept, shared_from_this()));
  }
  void on_accept(beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !acceptor_.is_open()) return;
    if (!ec) {
      if (shared_.connections.fetch_add(1) >= connections_max) {
        shared_.connections.fetch_sub(1);
        socket.close(ec);  // over the limit: refused at once rather than starving the rest
      } else {
        socket.set_option(tcp::no_delay(true), ec);
        std::make_shared<Session>(std::move(socket), shared_, *target_)->start();
      }
    }
    accept();
  }

  Shared& shared_;
  tcp::acceptor acceptor_;
  Loop* target_ = nullptr;  // the loop the connection being accepted will live on
  std::size_t accepted_ = 0;
};

}  // namespace

void serve(Router& router, WorkerPool& pool, CreditDesk& desk, const ServerOptions& options,
           const std::function<void(unsigned short)>& on_listening) {
  std::vector<std::unique_ptr<Loop>> loops;
  for (std::size_t k = 0; k < std::max<std::size_t>(options.io_threads, 1); ++k) loops.push_back(std::make_unique<Loop>());
  net::io_context& ioc = loops.front()->ioc;  // also the listener's, the signals' and the log's
  Shared shared(router, pool, desk, loops);
  // The other loops wait for connections until the stop signal.
  std::vector<net::executor_work_guard<net::io_context::executor_type>> idle_guards;
  for (std::size_t k = 1; k < loops.size(); ++k) idle_guards.push_back(net::make_work_guard(loops[k]->ioc));
  shared.read_timeout = options.read_timeout;
  shared.id_prefix = [] {
    char prefix[16];
    std::snprintf(prefix, sizeof prefix, "%08x", static_cast<unsigned>(std::random_device{}()));
    return std::string(prefix);
  }();

  beast::error_code ec;
  const auto address = net::ip::make_address(options.address, ec);
  if (ec) throw std::runtime_error("cannot listen on " + options.address + ": not an IP address");
  std::shared_ptr<Listener> listener;
  try {
    listener = std::make_shared<Listener>(shared, tcp::endpoint(address, options.port));
  } catch (const boost::system::system_error& e) {
    throw std::runtime_error("cannot listen on " + options.address + ":" + std::to_string(options.port) + ": " +
                             e.code().message());
  }
  listener->start();

  net::steady_timer flush_timer(ioc);
  std::function<void()> schedule_flush = [&] {
    flush_timer.expires_after(log_flush_interval);
    flush_timer.async_wait([&](beast::error_code wait_ec) {
      log_flush();
      // Not again once stopping: a wait that had already ended when the stop signal cancelled
      // the timer comes here without an error, and waiting anew kept the service up for good.
      if (!wait_ec && !shared.stopping) schedule_flush();
    });
  };
  schedule_flush();

  net::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](beast::error_code, int) {
    shared.stopping = true;
    listener->stop();
    for (auto& guard : idle_guards) guard.reset();
    flush_timer.cancel();
    std::vector<std::shared_ptr<Session>> live;  // stopped outside the lock: a session's end takes it
    {
      std::lock_guard lock(shared.sessions_mutex);
      for (auto& weak : shared.sessions)
        if (auto session = weak.lock()) live.push_back(std::move(session));
    }
    for (auto& session : live) session->stop();
  });

  on_listening(listener->port());
  std::vector<std::thread> threads;
  for (std::size_t k = 1; k < loops.size(); ++k) threads.emplace_back([&, k] { loops[k]->ioc.run(); });
  ioc.run();
  for (std::thread& t : threads) t.join();
  desk.stop();
  pool.stop();
  log_flush();
}

}  // namespace tallyman::http
