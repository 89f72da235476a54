#pragma once
// RFC 9457 problem documents: {"type", "title", "status", "detail", "errors"}. Each status the
// contract names has its type, documented in docs/openapi.yaml.

#include "core/validation.hpp"
#include "http/message.hpp"

#include <string>

namespace tallyman::http {

Response problem(int status, const std::string& detail, const FieldErrors& errors = {});

}  // namespace tallyman::http
