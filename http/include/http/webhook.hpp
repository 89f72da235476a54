#pragma once
// Delivering notices to the webhook (TALLYMAN_WEBHOOK_URL): a JSON POST signed with
// HMAC-SHA256 of the body under a shared secret, in the header
//   X-Tallyman-Signature: sha256=<hex>
// so that the receiver can tell it came from us and was not changed. Plain http:// only.

#include "core/books.hpp"

#include <chrono>
#include <string>
#include <string_view>

namespace tallyman::http {

constexpr auto webhook_timeout = std::chrono::seconds(5);

// The JSON document POSTed for a notice.
std::string notice_payload(const NoticeView& notice);
// Lowercase hex HMAC-SHA256 of `body` under `secret`.
std::string hmac_sha256_hex(std::string_view secret, std::string_view body);

struct Delivery {
  bool delivered = false;  // the receiver answered 2xx
  std::string error;       // else why not
};

// Whether `url` is one post_signed takes (http://HOST[:PORT][/PATH]); else why not.
bool is_webhook_url(const std::string& url, std::string& why);
// POSTs `body` to `url` (http://HOST:PORT/PATH) with its signature; never throws.
Delivery post_signed(const std::string& url, const std::string& secret, const std::string& body);

}  // namespace tallyman::http
