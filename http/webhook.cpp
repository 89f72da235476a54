#include "http/webhook.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <optional>

namespace tallyman::http {

namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace net = boost::asio;

std::string notice_payload(const NoticeView& n) {
  nlohmann::ordered_json j{{"id", std::to_string(n.id)},   {"event", n.event}, {"task", std::to_string(n.task)},
                           {"customer", n.customer},        {"level", n.level},
                           {"subject", n.rendered.subject}, {"text", n.rendered.text},
                           {"html", n.rendered.html},       {"total", n.rendered.total},
                           {"currency", n.currency.str()}};
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string hmac_sha256_hex(std::string_view secret, std::string_view body) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()), reinterpret_cast<const unsigned char*>(body.data()),
       body.size(), digest, &length);
  static const char hex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < length; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 15];
  }
  return out;
}

namespace {

// The webhook's URL taken apart: http:// only, a host, a port (80 unless given), a target.
struct Endpoint {
  std::string host, port, authority, target;
};

std::optional<Endpoint> endpoint_of(const std::string& url, std::string& why) {
  const auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed) {
    why = "the webhook URL is not a URL: " + parsed.error().message();
    return std::nullopt;
  }
  const boost::urls::url_view& u = *parsed;
  if (u.scheme_id() != boost::urls::scheme::http || u.encoded_host().empty() || u.has_userinfo()) {
    why = "the webhook URL must be http://HOST[:PORT][/PATH]";
    return std::nullopt;
  }
  Endpoint e;
  e.host = u.host();
  e.port = u.has_port() ? std::string(u.port()) : "80";
  e.authority = std::string(u.encoded_host_and_port());
  e.target = u.encoded_path().empty() ? "/" : std::string(u.encoded_path());
  if (u.has_query()) e.target += "?" + std::string(u.encoded_query());
  return e;
}

}  // namespace

bool is_webhook_url(const std::string& url, std::string& why) { return endpoint_of(url, why).has_value(); }

Delivery post_signed(const std::string& url, const std::string& secret, const std::string& body) {
  std::string why;
  const std::optional<Endpoint> endpoint = endpoint_of(url, why);
  if (!endpoint) return {false, why};
  const auto& [host, port, authority, target] = *endpoint;
  try {
    net::io_context ioc;
    net::ip::tcp::resolver resolver(ioc);
    beast::tcp_stream stream(ioc);
    stream.expires_after(webhook_timeout);
    stream.connect(resolver.resolve(host, port));
    bhttp::request<bhttp::string_body> req{bhttp::verb::post, target, 11};
    req.set(bhttp::field::host, authority);
    req.set(bhttp::field::content_type, "application/json");
    req.set("X-Tallyman-Signature", "sha256=" + hmac_sha256_hex(secret, body));
    req.body() = body;
    req.prepare_payload();
    bhttp::write(stream, req);
    beast::flat_buffer buffer;
    bhttp::response<bhttp::string_body> res;
    bhttp::read(stream, buffer, res);
    beast::error_code ec;
    stream.socket().shutdown(net::ip::tcp::socket::shutdown_both, ec);
    if (res.result_int() / 100 == 2) return {true, ""};
    return {false, "the receiver answered " + std::to_string(res.result_int())};
  } catch (const std::exception& e) {
    return {false, e.what()};
  }
}

}  // namespace tallyman::http
