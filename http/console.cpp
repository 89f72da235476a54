#include "console.hpp"

#include "problem.hpp"

#include <string>

namespace tallyman::http {

bool is_console_path(std::string_view path) { return path == "/" || path.starts_with("/console/"); }

Response console_file(std::string_view path) {
  const std::string_view name = path == "/" ? std::string_view("index.html") : path.substr(std::string_view("/console/").size());
  for (std::size_t k = 0; k < console_file_count; ++k) {
    const EmbeddedFile& f = console_files[k];
    if (f.name != name) continue;
    Response r;
    r.content_type = std::string(f.content_type);
    r.body = std::string(f.content);
    // Only this origin's own files and API; no inline script or style, no frames, no
    // calls anywhere else.
    r.headers.emplace_back("Content-Security-Policy",
                           "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
                           " connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'");
    r.headers.emplace_back("X-Content-Type-Options", "nosniff");
    r.headers.emplace_back("Referrer-Policy", "no-referrer");
    r.headers.emplace_back("Cache-Control", "no-cache");
    return r;
  }
  return problem(404, "there is no such file in the console");
}

}  // namespace tallyman::http
