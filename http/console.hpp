#pragma once
// The web console: a few static files (http/console/) compiled into the binary by
// cmake/embed.cmake, served at / and /console/{file} without a key. The page then calls the
// public API with the key its user enters; it holds no other way in.

#include "http/message.hpp"

#include <cstddef>
#include <string_view>

namespace tallyman::http {

// One embedded file; the build generates the table (cmake/embed.cmake -> console_files.cpp).
struct EmbeddedFile {
  std::string_view name;
  std::string_view content_type;
  std::string_view content;
};
extern const EmbeddedFile console_files[];
extern const std::size_t console_file_count;

bool is_console_path(std::string_view path);

// The file for "/" (the page) or "/console/{file}", with a strict Content-Security-Policy;
// 404 for a file that is not there.
Response console_file(std::string_view path);

}  // namespace tallyman::http
