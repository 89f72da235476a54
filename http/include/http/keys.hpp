#pragma once
// API keys: 256 random bits, shown once; only their SHA-256 is stored (OpenSSL libcrypto).

#include <string>
#include <string_view>

namespace tallyman::http {

// "tm_" and 43 base64url characters.
std::string new_api_key();
// Base64url without padding (RFC 4648 §5): keys, and the cursors of lists.
std::string base64url_encode(std::string_view bytes);
// Lowercase hex SHA-256 of the key, as stored in api_keys.key_hash.
std::string key_hash(std::string_view key);

}  // namespace tallyman::http
