// Reading a user's file with a bound, so that a huge (or endless, like
// /dev/zero) input is refused without being read whole.
#pragma once

#include <cstddef>
#include <string>

namespace flowc {

// Reads at most limit + 1 bytes of path into out (more than limit bytes in
// out means the file is too big: the caller says so in its own words).
// False with a message ("cannot read 'x': …") when the file cannot be read.
bool readBounded(const std::string& path, size_t limit, std::string& out, std::string& error);

}  // namespace flowc
