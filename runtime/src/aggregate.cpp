// Key hashing and failed group rows (flow/aggregate.h).
#include "flow/aggregate.h"

#include "flow/json_writer.h"

namespace flow::agg {

uint64_t hashLongBytes(std::string_view s) {
  // 8 bytes at a time, each word mixed in; the length seeds the state.
  uint64_t h = 0x243f6a8885a308d3ULL ^ (static_cast<uint64_t>(s.size()) * 0x9e3779b97f4a7c15ULL);
  const char* p = s.data();
  size_t n = s.size();
  while (n >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    h = (h ^ mix(w)) * 0x9fb21c651e98df25ULL;
    p += 8;
    n -= 8;
  }
  if (n > 0) {
    uint64_t w = 0;
    std::memcpy(&w, p, n);
    h = (h ^ mix(w ^ (static_cast<uint64_t>(n) << 56))) * 0x9fb21c651e98df25ULL;
  }
  return mix(h);
}

void writeFailedGroupRow(std::string& out, std::string_view stream, std::string_view reason,
                         std::string_view keyJson) {
  out += "{\"stream\":\"_dead_letter\",\"source\":";
  appendJsonString(out, stream);
  out += ",\"reason\":";
  appendJsonString(out, reason);
  out += ",\"record\":";
  appendJsonString(out, keyJson);
  out += ",\"id\":\"\"}\n";
}

}  // namespace flow::agg
