// Event wrapping and the event source mapping's redelivery rules; see
// event_wrapping.h. Ids are deterministic (from WrapOptions::seed) so a run
// can be repeated and compared.
#include "run/event_wrapping.h"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <set>
#include <simdjson.h>

#include "flow/record_scan.h"  // the JSON number grammar, shared with the handlers
#include "run/runtime_api_server.h"
#include "support/json_writer.h"

namespace flowc::run {

namespace {

// Kinesis sequence numbers are 56 decimal digits that grow within a shard;
// a fixed prefix and a zero-padded counter keep them ordered as strings too.
constexpr std::string_view kSequencePrefix = "4959033827149025660855969253836157";  // 34 digits
constexpr uint64_t kSequenceBase = 1095921575989136588ULL;                           // 22 digits with padding
constexpr uint64_t kFifoSequenceBase = 849496460467696128ULL;
// DynamoDB Streams sequence numbers: 28 digits, the first being the
// sam-DynamoDBUpdate sample's 4421584500000000017450439091.
constexpr std::string_view kDynamoSequencePrefix = "44215845";  // then 20 digits with padding
constexpr uint64_t kDynamoSequenceBase = 17450439091ULL;
constexpr int64_t kDynamoShardEpochMs = 1763892000000;  // the "creation time" in dynamoDbShardId
constexpr size_t kMaxEventBytes = 6291456;  // Lambda's invocation payload limit (6 MB)

uint64_t splitmix(uint64_t& x) {
  uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::string hex(const uint8_t* bytes, size_t n) {
  static const char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (size_t i = 0; i < n; ++i) {
    out += digits[bytes[i] >> 4];
    out += digits[bytes[i] & 15];
  }
  return out;
}

std::string digestHex(const EVP_MD* md, std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest, &size, md, nullptr) != 1) return {};
  return hex(digest, size);
}

std::string sha256Hex(std::string_view bytes) { return digestHex(EVP_sha256(), bytes); }

std::string randomBase64(uint64_t seed, uint64_t n, size_t bytes) {
  std::string raw;
  uint64_t s = seed ^ (n * 0xD1B54A32D192ED03ULL);
  while (raw.size() < bytes) {
    uint64_t v = splitmix(s);
    for (int i = 0; i < 8 && raw.size() < bytes; ++i) raw += static_cast<char>((v >> (8 * i)) & 0xFF);
  }
  return base64Encode(raw);
}

std::optional<std::string> stringMember(simdjson::dom::parser& parser, const std::string& json,
                                        const std::string& field) {
  simdjson::dom::element doc;
  if (field.empty() || parser.parse(json).get(doc) != simdjson::SUCCESS) return std::nullopt;
  std::string_view s;
  if (doc.is_object() && doc[field].get_string().get(s) == simdjson::SUCCESS) return std::string(s);
  return std::nullopt;
}

// Epoch seconds with a millisecond fraction, as Kinesis writes them.
double epochSeconds(int64_t ms) { return static_cast<double>(ms) / 1000.0; }

std::string apiGatewayTime(int64_t ms) {
  static const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{:02}/{}/{:04}:{:02}:{:02}:{:02} +0000", tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900,
                     tm.tm_hour, tm.tm_min, tm.tm_sec);
}

namespace od = simdjson::ondemand;

// DynamoDB's size of a number: 1 byte per two significant digits (leading
// and trailing zeros trimmed), plus 1.
size_t dynamoNumberBytes(std::string_view s) {
  std::string digits;
  for (char c : s) {
    if (c == 'e' || c == 'E') break;
    if (c >= '0' && c <= '9') digits += c;
  }
  size_t from = digits.find_first_not_of('0');
  size_t significant = from == std::string::npos ? 0 : digits.find_last_not_of('0') - from + 1;
  return (significant + 1) / 2 + 1;
}

// One JSON value → a DynamoDB attribute value ({"S":…}, {"N":…}, …) appended
// to `out`; `bytes` grows by its item size (DynamoDB's rules: a string its
// UTF-8 bytes, BOOL/NULL 1, M/L 3 plus 1 per element and the elements, a map
// element's name too). `scalar`: the text of a string or number, for Keys.
bool writeAttribute(od::value v, std::string& out, size_t& bytes, std::optional<std::string>* scalar) {
  od::json_type type;
  if (v.type().get(type) != simdjson::SUCCESS) return false;
  switch (type) {
    case od::json_type::object: {
      od::object o;
      if (v.get_object().get(o) != simdjson::SUCCESS) return false;
      out += R"({"M":{)";
      bytes += 3;
      bool first = true;
      for (auto f : o) {
        od::field field;
        std::string_view name;
        if (std::move(f).get(field) != simdjson::SUCCESS ||
            field.unescaped_key().get(name) != simdjson::SUCCESS)
          return false;
        if (!first) out += ',';
        first = false;
        appendJsonString(out, name);
        out += ':';
        bytes += name.size() + 1;
        if (!writeAttribute(field.value(), out, bytes, nullptr)) return false;
      }
      out += "}}";
      return true;
    }
    case od::json_type::array: {
      od::array a;
      if (v.get_array().get(a) != simdjson::SUCCESS) return false;
      out += R"({"L":[)";
      bytes += 3;
      bool first = true;
      for (auto element : a) {
        od::value item;
        if (element.get(item) != simdjson::SUCCESS) return false;
        if (!first) out += ',';
        first = false;
        bytes += 1;
        if (!writeAttribute(item, out, bytes, nullptr)) return false;
      }
      out += "]}";
      return true;
    }
    case od::json_type::number: {
      std::string_view raw = v.raw_json_token();  // includes the spaces after it
      while (!raw.empty() && std::string_view(" \t\n\r").find(raw.back()) != std::string_view::npos)
        raw.remove_suffix(1);
      if (!flow::scan::isNumber(raw)) return false;  // on-demand hands a number over unchecked
      out += R"({"N":")";
      out += raw;  // digits, '-', '.', 'e', '+': nothing to escape
      out += "\"}";
      bytes += dynamoNumberBytes(raw);
      if (scalar) *scalar = std::string(raw);
      return true;
    }
    case od::json_type::string: {
      std::string_view text;
      if (v.get_string().get(text) != simdjson::SUCCESS) return false;  // bad escape, lone surrogate
      out += R"({"S":)";
      appendJsonString(out, text);  // valid UTF-8 from simdjson: written back byte for byte
      out += '}';
      bytes += text.size();
      if (scalar) *scalar = std::string(text);
      return true;
    }
    case od::json_type::boolean: {
      bool b = false;
      if (v.get_bool().get(b) != simdjson::SUCCESS) return false;
      out += b ? R"({"BOOL":true})" : R"({"BOOL":false})";
      bytes += 1;
      return true;
    }
    case od::json_type::null: {
      bool isNull = false;
      if (v.is_null().get(isNull) != simdjson::SUCCESS || !isNull) return false;
      out += R"({"NULL":true})";
      bytes += 1;
      return true;
    }
  }
  return false;
}

std::optional<DynamoDbItem> marshalItem(od::parser& parser, std::string_view json,
                                        std::string_view keyField) {
  simdjson::padded_string padded(json);
  od::document doc;
  od::object root;
  if (parser.iterate(padded).get(doc) != simdjson::SUCCESS || doc.get_object().get(root) != simdjson::SUCCESS)
    return std::nullopt;
  DynamoDbItem item;
  item.image = "{";
  bool first = true;
  for (auto f : root) {
    od::field field;
    std::string_view view;
    if (std::move(f).get(field) != simdjson::SUCCESS || field.unescaped_key().get(view) != simdjson::SUCCESS)
      return std::nullopt;
    std::string name(view);
    if (!first) item.image += ',';
    first = false;
    appendJsonString(item.image, name);
    item.image += ':';
    const size_t at = item.image.size();
    size_t bytes = 0;
    std::optional<std::string> scalar;
    if (!writeAttribute(field.value(), item.image, bytes, &scalar)) return std::nullopt;
    item.imageBytes += name.size() + bytes;
    if (scalar && item.keys.empty() && !keyField.empty() && name == keyField) {
      item.keys = "{";
      appendJsonString(item.keys, name);
      item.keys += ':';
      item.keys.append(item.image, at);
      item.keys += '}';
      item.key = std::move(*scalar);
      item.keyBytes = name.size() + bytes;
    }
  }
  item.image += '}';
  // Exactly one document: nothing but spaces after the object.
  const char* rest = nullptr;
  if (doc.current_location().get(rest) != simdjson::OUT_OF_BOUNDS) return std::nullopt;
  return item;
}

}  // namespace

std::optional<DynamoDbItem> marshalDynamoDbItem(std::string_view json, std::string_view keyField) {
  od::parser parser;
  return marshalItem(parser, json, keyField);
}

std::string dynamoDbShardId(size_t shard) {
  return fmt::format("shardId-{:020}-{}", kDynamoShardEpochMs,
                     md5Hex(fmt::format("shard-{}", shard)).substr(0, 8));
}

std::optional<SourceKind> sourceKindFromName(std::string_view name) {
  if (name == "kinesis") return SourceKind::Kinesis;
  if (name == "sqs") return SourceKind::Sqs;
  if (name == "sqs-fifo") return SourceKind::SqsFifo;
  if (name == "http") return SourceKind::Http;
  if (name == "dynamodb") return SourceKind::DynamoDb;
  return std::nullopt;
}

const char* sourceKindName(SourceKind kind) {
  switch (kind) {
    case SourceKind::Kinesis: return "kinesis";
    case SourceKind::Sqs: return "sqs";
    case SourceKind::SqsFifo: return "sqs-fifo";
    case SourceKind::Http: return "http";
    case SourceKind::DynamoDb: return "dynamodb";
  }
  return "?";
}

std::string base64Encode(std::string_view bytes) {
  static const char table[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t v = (static_cast<uint8_t>(bytes[i]) << 16) | (static_cast<uint8_t>(bytes[i + 1]) << 8) |
                 static_cast<uint8_t>(bytes[i + 2]);
    out += table[v >> 18];
    out += table[(v >> 12) & 63];
    out += table[(v >> 6) & 63];
    out += table[v & 63];
  }
  if (size_t rest = bytes.size() - i) {
    uint32_t v = static_cast<uint8_t>(bytes[i]) << 16;
    if (rest == 2) v |= static_cast<uint8_t>(bytes[i + 1]) << 8;
    out += table[v >> 18];
    out += table[(v >> 12) & 63];
    out += rest == 2 ? table[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::string md5Hex(std::string_view bytes) { return digestHex(EVP_md5(), bytes); }

size_t kinesisShardFor(std::string_view partitionKey, size_t shards) {
  if (shards <= 1) return 0;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(partitionKey.data(), partitionKey.size(), digest, &size, EVP_md5(), nullptr) != 1 || size != 16)
    return 0;
  uint64_t hi = 0, lo = 0;
  for (int i = 0; i < 8; ++i) hi = (hi << 8) | digest[i];
  for (int i = 8; i < 16; ++i) lo = (lo << 8) | digest[i];
  // floor((hi * 2^64 + lo) * K / 2^128) without a 192-bit product: the low
  // half's share carries into the high half only through its top 64 bits.
  using u128 = unsigned __int128;
  u128 top = static_cast<u128>(hi) * shards + ((static_cast<u128>(lo) * shards) >> 64);
  return static_cast<size_t>(top >> 64);
}

std::string kinesisShardId(size_t shard) { return fmt::format("shardId-{:012}", shard); }

std::string rfc3339(int64_t epochMs) {
  int64_t secs = epochMs >= 0 ? epochMs / 1000 : -((-epochMs + 999) / 1000);
  int64_t ms = epochMs - secs * 1000;
  std::time_t t = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::string out = fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                                tm.tm_hour, tm.tm_min, tm.tm_sec);
  if (ms) out += fmt::format(".{:03}", ms);
  return out + "Z";
}

namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
int64_t daysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool digits(std::string_view s, size_t at, size_t n, int& out) {
  if (at + n > s.size()) return false;
  out = 0;
  for (size_t i = at; i < at + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

}  // namespace

std::optional<int64_t> parseRfc3339(std::string_view s) {
  int year, month, day, hour, minute, second;
  if (!digits(s, 0, 4, year) || s.size() < 20 || s[4] != '-' || !digits(s, 5, 2, month) || s[7] != '-' ||
      !digits(s, 8, 2, day) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !digits(s, 11, 2, hour) ||
      s[13] != ':' || !digits(s, 14, 2, minute) || s[16] != ':' || !digits(s, 17, 2, second))
    return std::nullopt;
  static const int monthDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  if (month < 1 || month > 12 || day < 1 || day > monthDays[month - 1] || (month == 2 && day == 29 && !leap) ||
      hour > 23 || minute > 59 || second > 59)
    return std::nullopt;
  size_t i = 19;
  int64_t ms = 0;
  if (i < s.size() && s[i] == '.') {
    size_t n = 0;
    for (++i; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i, ++n)
      if (n < 3) ms = ms * 10 + (s[i] - '0');
    if (n == 0) return std::nullopt;
    for (; n < 3; ++n) ms *= 10;  // .5 is 500 ms; digits past the third are cut
  }
  int64_t offsetMinutes = 0;
  if (i < s.size() && (s[i] == 'Z' || s[i] == 'z')) {
    ++i;
  } else if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    int oh, om;
    if (!digits(s, i + 1, 2, oh) || i + 3 >= s.size() || s[i + 3] != ':' || !digits(s, i + 4, 2, om) || oh > 23 ||
        om > 59)
      return std::nullopt;
    offsetMinutes = (s[i] == '+' ? 1 : -1) * (oh * 60 + om);
    i += 6;
  } else {
    return std::nullopt;
  }
  if (i != s.size()) return std::nullopt;
  int64_t secs = daysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * 86400 +
                 hour * 3600 + minute * 60 + second - offsetMinutes * 60;
  return secs * 1000 + ms;
}

std::optional<std::string> arrivalTimesFromField(const std::vector<std::string>& payloads, const std::string& field,
                                                 std::vector<int64_t>& out) {
  out.clear();
  out.reserve(payloads.size());
  simdjson::dom::parser parser;
  for (size_t i = 0; i < payloads.size(); ++i) {
    std::string where = fmt::format("record {} (line {})", i, i + 1);
    simdjson::dom::element doc, value;
    if (parser.parse(payloads[i]).get(doc) != simdjson::SUCCESS || !doc.is_object() ||
        doc[field].get(value) != simdjson::SUCCESS)
      return fmt::format("{} has no member '{}' for its arrival time", where, field);
    std::optional<int64_t> ms;
    std::string_view text;
    int64_t n = 0;
    if (value.get_string().get(text) == simdjson::SUCCESS) {
      ms = parseRfc3339(text);
    } else if (value.get_int64().get(n) == simdjson::SUCCESS) {
      ms = n;
    }
    if (!ms)
      return fmt::format("{}: '{}' is {}, not an RFC 3339 time (2020-12-09T07:04:35Z) or whole epoch milliseconds",
                         where, field, simdjson::minify(value));
    if (!out.empty() && *ms < out.back())
      return fmt::format("{} arrives at {}, before record {} ({}): list the records in the order they arrive", where,
                         rfc3339(*ms), i - 1, rfc3339(out.back()));
    out.push_back(*ms);
  }
  return std::nullopt;
}

std::optional<std::vector<std::string>> batchItemFailures(const std::string& responseBody) {
  std::vector<std::string> ids;
  std::string_view trimmed = responseBody;
  while (!trimmed.empty() && std::isspace(static_cast<unsigned char>(trimmed.front()))) trimmed.remove_prefix(1);
  if (trimmed.empty()) return ids;  // an empty response: complete success
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(responseBody).get(doc) != simdjson::SUCCESS) return std::nullopt;
  if (doc.is_null()) return ids;
  if (!doc.is_object()) return std::nullopt;
  simdjson::dom::element failures;
  if (doc["batchItemFailures"].get(failures) != simdjson::SUCCESS || failures.is_null()) return ids;
  simdjson::dom::array list;
  if (failures.get_array().get(list) != simdjson::SUCCESS) return std::nullopt;
  for (simdjson::dom::element item : list) {
    std::string_view id;
    if (!item.is_object() || item["itemIdentifier"].get_string().get(id) != simdjson::SUCCESS || id.empty())
      return std::nullopt;
    ids.emplace_back(id);
  }
  return ids;
}

EventSourceMapping::EventSourceMapping(std::vector<std::string> payloads, WrapOptions options)
    : options_(std::move(options)) {
  if (options_.batchSize == 0) options_.batchSize = 1;
  if (options_.maxAttempts < 1) options_.maxAttempts = 1;
  // A FIFO queue's name ends in ".fifo" (SQS requires it).
  const std::string_view suffix = ".fifo";
  if (options_.kind == SourceKind::SqsFifo && !std::string_view(options_.streamName).ends_with(suffix))
    options_.streamName += suffix;
  if (options_.shards < 1 || !isStream()) options_.shards = 1;
  if (options_.tumblingWindowSeconds < 0 || !isStream()) options_.tumblingWindowSeconds = 0;
  simdjson::dom::parser parser;
  od::parser itemParser;
  records_.reserve(payloads.size());
  shards_.resize(isStream() ? static_cast<size_t>(options_.shards) : 0);
  for (size_t i = 0; i < payloads.size(); ++i) {
    SourceRecord r;
    r.index = i;
    r.payload = std::move(payloads[i]);
    r.arrivalMs = i < options_.arrivalMs.size() ? options_.arrivalMs[i]
                                                : options_.startEpochMs + static_cast<int64_t>(i) * options_.stepMs;
    std::optional<std::string> key;
    if (options_.kind != SourceKind::DynamoDb) key = stringMember(parser, r.payload, options_.keyField);
    switch (options_.kind) {
      case SourceKind::Kinesis:
        // One counter over the stream: unique ids (batchItemFailures name
        // records by sequence number) that also grow within each shard.
        r.id = fmt::format("{}{:022}", kSequencePrefix, kSequenceBase + i);
        r.key = key ? *key : fmt::format("pk-{}", i);
        r.shard = kinesisShardFor(r.key, shards_.size());
        shards_[r.shard].records.push_back(i);
        break;
      case SourceKind::Sqs:
      case SourceKind::SqsFifo:
        r.id = makeUuid(options_.seed, i + 1);
        r.key = key ? *key : "group-0";
        r.fifoSequenceNumber = fmt::format("18{:018}", kFifoSequenceBase + i * 65536);
        break;
      case SourceKind::Http:
        r.id = makeUuid(options_.seed, i + 1);
        break;
      case SourceKind::DynamoDb: {
        r.id = fmt::format("{}{:020}", kDynamoSequencePrefix, kDynamoSequenceBase + i);
        std::optional<DynamoDbItem> item = marshalItem(itemParser, r.payload, options_.keyField);
        if (item) {
          r.image = std::move(item->image);
          r.sizeBytes = item->imageBytes;
        }
        if (item && !item->keys.empty()) {
          r.keys = std::move(item->keys);
          r.key = std::move(item->key);
          r.sizeBytes += item->keyBytes;
        } else {
          r.key = fmt::format("pk-{}", i);
          r.keys = R"({"pk":{"S":")" + r.key + "\"}}";
          r.sizeBytes += 2 + r.key.size();
        }
        r.shard = kinesisShardFor(r.key, shards_.size());
        shards_[r.shard].records.push_back(i);
        break;
      }
    }
    records_.push_back(std::move(r));
    if (!isStream()) queue_.push_back(i);
  }
}

bool EventSourceMapping::isStream() const {
  return options_.kind == SourceKind::Kinesis || options_.kind == SourceKind::DynamoDb;
}

std::string EventSourceMapping::shardId(size_t shard) const {
  if (options_.shards == 1 && !options_.shardId.empty()) return options_.shardId;
  return options_.kind == SourceKind::DynamoDb ? dynamoDbShardId(shard) : kinesisShardId(shard);
}

int64_t EventSourceMapping::windowOf(int64_t arrivalMs) const {
  int64_t d = static_cast<int64_t>(options_.tumblingWindowSeconds) * 1000;
  int64_t q = arrivalMs / d;
  if (arrivalMs % d < 0) --q;  // floor, also before 1970
  return q * d;
}

bool EventSourceMapping::done() const {
  if (isStream()) {
    for (size_t k = 0; k < shards_.size(); ++k)
      if (nextTime(k)) return false;
    return true;
  }
  return queue_.empty();
}

std::optional<int64_t> EventSourceMapping::nextTime(size_t shard) const {
  const Shard& s = shards_[shard];
  if (s.finalDue)
    return s.terminatedEarly ? s.lastArrivalMs
                             : s.windowStartMs + static_cast<int64_t>(options_.tumblingWindowSeconds) * 1000;
  if (s.checkpoint < s.records.size()) return records_[s.records[s.checkpoint]].arrivalMs;
  return std::nullopt;
}

void EventSourceMapping::settle(Shard& s) {
  if (!windowed() || !s.windowOpen || s.finalDue) return;
  bool more = s.checkpoint < s.records.size() &&
              windowOf(records_[s.records[s.checkpoint]].arrivalMs) == s.windowStartMs;
  if (more) return;
  if (s.batchesInWindow > 0) {
    s.finalDue = true;
  } else {
    // Nothing since the window (re)started (its records were given up, or an
    // early end took the last of them): no final invoke for an empty state.
    s.windowOpen = false;
    s.state = "{}";
  }
}

std::string EventSourceMapping::eventSourceArn() const {
  if (options_.kind == SourceKind::Kinesis)
    return fmt::format("arn:aws:kinesis:{}:{}:stream/{}", options_.region, options_.accountId, options_.streamName);
  if (options_.kind == SourceKind::DynamoDb) {
    // The stream's label is its creation time (2015-06-27T00:48:05.899 in
    // the sample): here the first record's arrival, so it comes before them all.
    int64_t created = records_.empty() ? options_.startEpochMs : records_.front().arrivalMs;
    created -= ((created % 1000) + 1000) % 1000;  // whole seconds (also before 1970)
    std::string label = rfc3339(created);
    label.pop_back();  // no "Z"
    return fmt::format("arn:aws:dynamodb:{}:{}:table/{}/stream/{}.000", options_.region, options_.accountId,
                       options_.streamName, label);
  }
  return fmt::format("arn:aws:sqs:{}:{}:{}", options_.region, options_.accountId, options_.streamName);
}

std::string EventSourceMapping::wrap(const std::vector<size_t>& batch, const Batch* window, const std::string* state) {
  JsonWriter w(false);
  const std::string arn = eventSourceArn();
  // A window's members after "Records", the same for Kinesis and DynamoDB
  // (go-kinesis-time-window-event.json, go-dynamodb-time-window-event.json).
  auto windowMembers = [&] {
    if (!window) return;
    w.key("window").beginObject();
    w.key("start").value(rfc3339(window->windowStartMs)).key("end").value(rfc3339(window->windowEndMs));
    w.endObject();
    w.key("state").raw(state ? *state : std::string("{}"));
    w.key("shardId").value(window->shardId);
    w.key("eventSourceARN").value(arn);
    w.key("isFinalInvokeForWindow").value(window->finalInvoke);
    w.key("isWindowTerminatedEarly").value(window->terminatedEarly);
  };
  switch (options_.kind) {
    case SourceKind::Kinesis: {
      // Field order as in go-kinesis-time-window-event.json.
      w.beginObject().key("Records").beginArray();
      for (size_t i : batch) {
        const SourceRecord& r = records_[i];
        w.beginObject();
        w.key("kinesis").beginObject();
        w.key("kinesisSchemaVersion").value("1.0");
        w.key("partitionKey").value(r.key);
        w.key("sequenceNumber").value(r.id);
        w.key("data").value(base64Encode(r.payload));
        w.key("approximateArrivalTimestamp").value(epochSeconds(r.arrivalMs));
        w.endObject();
        w.key("eventSource").value("aws:kinesis");
        w.key("eventVersion").value("1.0");
        w.key("eventID").value(fmt::format("{}:{}", shardId(r.shard), r.id));
        w.key("eventName").value("aws:kinesis:record");
        w.key("invokeIdentityArn").value(fmt::format("arn:aws:iam::{}:role/lambda-kinesis-role", options_.accountId));
        w.key("awsRegion").value(options_.region);
        w.key("eventSourceARN").value(arn);
        w.endObject();
      }
      w.endArray();
      windowMembers();
      w.endObject();
      break;
    }
    case SourceKind::DynamoDb: {
      // Field order as in go-dynamodb-time-window-event.json.
      w.beginObject().key("Records").beginArray();
      for (size_t i : batch) {
        const SourceRecord& r = records_[i];
        w.beginObject();
        w.key("eventID").value(md5Hex(r.id));
        w.key("eventName").value("INSERT");
        w.key("eventVersion").value("1.1");
        w.key("eventSource").value("aws:dynamodb");
        w.key("awsRegion").value(options_.region);
        w.key("dynamodb").beginObject();
        w.key("ApproximateCreationDateTime").value(epochSeconds(r.arrivalMs));
        w.key("Keys").raw(r.keys);
        if (!r.image.empty()) w.key("NewImage").raw(r.image);  // none: not an item (see the header)
        w.key("SequenceNumber").value(r.id);
        w.key("SizeBytes").value(static_cast<uint64_t>(r.sizeBytes));
        w.key("StreamViewType").value("NEW_AND_OLD_IMAGES");
        w.endObject();
        w.key("eventSourceARN").value(arn);
        w.endObject();
      }
      w.endArray();
      windowMembers();
      w.endObject();
      break;
    }
    case SourceKind::Sqs:
    case SourceKind::SqsFifo: {
      bool fifo = options_.kind == SourceKind::SqsFifo;
      w.beginObject().key("Records").beginArray();
      for (size_t i : batch) {
        const SourceRecord& r = records_[i];
        w.beginObject();
        w.key("messageId").value(r.id);
        w.key("receiptHandle").value(r.receiptHandle);
        w.key("body").value(r.payload);
        w.key("attributes").beginObject();
        w.key("ApproximateReceiveCount").value(fmt::format("{}", r.receiveCount));
        w.key("SentTimestamp").value(fmt::format("{}", r.arrivalMs));
        if (fifo) {
          w.key("SequenceNumber").value(r.fifoSequenceNumber);
          w.key("MessageGroupId").value(r.key);
        }
        w.key("SenderId").value("AIDAIENQZJOLO23YVJ4VO");
        if (fifo) w.key("MessageDeduplicationId").value(sha256Hex(r.payload));
        w.key("ApproximateFirstReceiveTimestamp").value(fmt::format("{}", r.arrivalMs + 5));
        w.endObject();
        w.key("messageAttributes").beginObject().endObject();
        w.key("md5OfBody").value(md5Hex(r.payload));
        w.key("eventSource").value("aws:sqs");
        w.key("eventSourceARN").value(arn);
        w.key("awsRegion").value(options_.region);
        w.endObject();
      }
      w.endArray().endObject();
      break;
    }
    case SourceKind::Http: {
      std::string body;
      if (batch.size() == 1) {
        body = records_[batch[0]].payload;
      } else {
        body = "[";
        for (size_t k = 0; k < batch.size(); ++k) {
          if (k) body += ",";
          body += records_[batch[k]].payload;
        }
        body += "]";
      }
      const SourceRecord& first = records_[batch[0]];
      std::string apiId = "flowclocal";
      std::string host = fmt::format("{}.execute-api.{}.amazonaws.com", apiId, options_.region);
      std::string trace = fmt::format("Root=1-{:08x}-{}", static_cast<uint32_t>(first.arrivalMs / 1000),
                                      first.id.substr(0, 8) + first.id.substr(9, 4) + first.id.substr(14, 4) +
                                          first.id.substr(19, 4) + first.id.substr(24, 4));
      w.beginObject();
      w.key("version").value("2.0");
      w.key("routeKey").value("$default");
      w.key("rawPath").value("/");
      w.key("rawQueryString").value("");
      w.key("headers").beginObject();
      w.key("accept").value("*/*");
      w.key("content-length").value(fmt::format("{}", body.size()));
      w.key("content-type").value("application/json");
      w.key("host").value(host);
      w.key("user-agent").value("flowc-run");
      w.key("x-amzn-trace-id").value(trace);
      w.key("x-forwarded-for").value("127.0.0.1");
      w.key("x-forwarded-port").value("443");
      w.key("x-forwarded-proto").value("https");
      w.endObject();
      w.key("requestContext").beginObject();
      w.key("accountId").value(options_.accountId);
      w.key("apiId").value(apiId);
      w.key("domainName").value(host);
      w.key("domainPrefix").value(apiId);
      w.key("http").beginObject();
      w.key("method").value("POST");
      w.key("path").value("/");
      w.key("protocol").value("HTTP/1.1");
      w.key("sourceIp").value("127.0.0.1");
      w.key("userAgent").value("flowc-run");
      w.endObject();
      w.key("requestId").value(randomBase64(options_.seed, first.index + 1, 10).substr(0, 15) + "=");
      w.key("routeKey").value("$default");
      w.key("stage").value("$default");
      w.key("time").value(apiGatewayTime(first.arrivalMs));
      w.key("timeEpoch").value(first.arrivalMs);
      w.endObject();
      w.key("body").value(body);
      w.key("isBase64Encoded").value(false);
      w.endObject();
      break;
    }
  }
  return w.str();
}

Batch EventSourceMapping::nextStream() {
  Batch b;
  std::optional<size_t> best;
  int64_t bestTime = 0;
  for (size_t k = 0; k < shards_.size(); ++k) {
    std::optional<int64_t> t = nextTime(k);
    if (t && (!best || *t < bestTime)) {
      best = k;
      bestTime = *t;
    }
  }
  if (!best) return b;
  Shard& s = shards_[*best];
  b.shard = *best;
  b.shardId = shardId(*best);
  b.windowed = windowed();
  const int64_t windowMs = static_cast<int64_t>(options_.tumblingWindowSeconds) * 1000;
  if (s.finalDue) {
    b.finalInvoke = true;
    b.terminatedEarly = s.terminatedEarly;
    b.windowStartMs = s.windowStartMs;
    b.windowEndMs = s.windowStartMs + windowMs;
    b.attempt = s.finalAttempts + 1;
    b.stateBytes = s.state.size();
    b.event = wrap({}, &b, &s.state);
    ++deliveries_;
    pending_ = b;
    return b;
  }
  if (b.windowed && !s.windowOpen) {
    s.windowOpen = true;
    s.windowStartMs = windowOf(records_[s.records[s.checkpoint]].arrivalMs);
    s.state = "{}";
    s.batchesInWindow = 0;
    s.finalAttempts = 0;
  }
  std::vector<size_t> picked;
  for (size_t k = s.checkpoint; k < s.records.size() && picked.size() < options_.batchSize; ++k) {
    size_t i = s.records[k];
    if (b.windowed && windowOf(records_[i].arrivalMs) != s.windowStartMs) break;  // a batch is in one window
    picked.push_back(i);
  }
  if (b.windowed) {
    b.windowStartMs = s.windowStartMs;
    b.windowEndMs = s.windowStartMs + windowMs;
    b.stateBytes = s.state.size();
  }
  for (size_t i : picked) ++records_[i].receiveCount;
  const Batch* window = b.windowed ? &b : nullptr;
  b.event = wrap(picked, window, &s.state);
  // Lambda never sends more than 6 MB: shrink the batch until it fits.
  while (b.event.size() > kMaxEventBytes && picked.size() > 1) {
    size_t keep = picked.size() / 2;
    for (size_t k = keep; k < picked.size(); ++k) --records_[picked[k]].receiveCount;
    picked.resize(keep);
    b.event = wrap(picked, window, &s.state);
  }
  b.records = picked;
  b.attempt = records_[picked[0]].receiveCount;
  ++deliveries_;
  pending_ = b;
  return b;
}

Batch EventSourceMapping::next() {
  Batch b;
  if (done()) return b;
  if (isStream()) return nextStream();
  std::vector<size_t> picked;
  for (size_t k = 0; k < queue_.size() && picked.size() < options_.batchSize; ++k) picked.push_back(queue_[k]);
  for (size_t i : picked) {
    SourceRecord& r = records_[i];
    ++r.receiveCount;
    if (options_.kind == SourceKind::Sqs || options_.kind == SourceKind::SqsFifo)
      r.receiptHandle = "AQEB" + randomBase64(options_.seed ^ 0x5151, ++handleCounter_, 96);
  }
  b.event = wrap(picked);
  // Lambda never sends more than 6 MB: shrink the batch until it fits.
  while (b.event.size() > kMaxEventBytes && picked.size() > 1) {
    size_t keep = picked.size() / 2;
    for (size_t k = keep; k < picked.size(); ++k) --records_[picked[k]].receiveCount;
    picked.resize(keep);
    b.event = wrap(picked);
  }
  queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(picked.size()));
  b.records = picked;
  b.attempt = records_[picked[0]].receiveCount;
  ++deliveries_;
  pending_ = b;
  return b;
}

// Which records of the batch failed (positions in b.records): those its
// batchItemFailures name; all of them for a function error (no body), an
// unreadable answer, or an id that is not in the batch (as Lambda does).
std::vector<size_t> EventSourceMapping::failedInBatch(const Batch& b, const std::string* responseBody,
                                                      bool* wholeBatch) const {
  std::vector<size_t> failed;
  std::optional<std::vector<std::string>> ids;
  if (responseBody) ids = batchItemFailures(*responseBody);
  bool all = !ids.has_value();
  if (ids) {
    std::set<std::string> wanted(ids->begin(), ids->end());
    for (size_t k = 0; k < b.records.size(); ++k)
      if (wanted.erase(records_[b.records[k]].id)) failed.push_back(k);
    if (!wanted.empty()) all = true;
  }
  if (all) {
    failed.clear();
    for (size_t k = 0; k < b.records.size(); ++k) failed.push_back(k);
  }
  if (wholeBatch) *wholeBatch = all;
  return failed;
}

std::vector<std::string> EventSourceMapping::complete(const std::optional<std::string>& responseBody) {
  std::vector<std::string> redelivered;
  if (!pending_) return redelivered;
  Batch b = std::move(*pending_);
  pending_.reset();
  lastWindowError_.clear();
  lastStateBytes_.reset();
  if (options_.kind == SourceKind::Http) return redelivered;  // synchronous: nothing comes back
  if (isStream()) {
    Shard& s = shards_[b.shard];
    redelivered = completeStream(std::move(b), responseBody);
    settle(s);
    return redelivered;
  }

  std::vector<size_t> failed = failedInBatch(b, responseBody ? &*responseBody : nullptr);

  std::vector<size_t> back;
  for (size_t k : failed) {
    size_t i = b.records[k];
    if (records_[i].receiveCount >= options_.maxAttempts) {
      givenUp_.push_back({i, records_[i].id, records_[i].receiveCount});
    } else {
      back.push_back(i);
      redelivered.push_back(records_[i].id);
    }
  }
  if (options_.kind == SourceKind::SqsFifo) queue_.insert(queue_.begin(), back.begin(), back.end());
  else queue_.insert(queue_.end(), back.begin(), back.end());
  return redelivered;
}

namespace {

// A window response's state: the minified object, or why it is not one.
std::optional<std::string> windowState(const std::string& responseBody, bool stringsOnly, std::string& why) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc, state;
  if (parser.parse(responseBody).get(doc) != simdjson::SUCCESS || !doc.is_object()) {
    why = "the response is not a JSON object with a 'state' (Lambda treats a window response without one as failed)";
    return std::nullopt;
  }
  if (doc["state"].get(state) != simdjson::SUCCESS) {
    why = "the response has no 'state' (Lambda treats a window response without one as failed)";
    return std::nullopt;
  }
  simdjson::dom::object members;
  if (state.get_object().get(members) != simdjson::SUCCESS) {
    why = fmt::format("the response's 'state' is {}, not an object", simdjson::minify(state));
    return std::nullopt;
  }
  if (stringsOnly)
    for (auto field : members)
      if (!field.value.is_string()) {
        why = fmt::format("the response's state member '{}' is {}, not a string", std::string_view(field.key),
                          simdjson::minify(field.value));
        return std::nullopt;
      }
  return simdjson::minify(state);
}

}  // namespace

std::vector<std::string> EventSourceMapping::completeStream(Batch b, const std::optional<std::string>& responseBody) {
  std::vector<std::string> redelivered;
  Shard& s = shards_[b.shard];
  bool functionFailed = !responseBody.has_value();
  std::optional<std::string> newState;
  if (b.windowed && responseBody) {
    newState = windowState(*responseBody, options_.requireStringState, lastWindowError_);
    if (newState) lastStateBytes_ = newState->size();
    else functionFailed = true;
  }

  if (b.finalInvoke) {
    if (functionFailed && ++s.finalAttempts < options_.maxAttempts) return redelivered;  // retried
    if (functionFailed) givenUpWindows_.push_back({b.shardId, b.windowStartMs, b.windowEndMs, s.finalAttempts});
    s.finalDue = false;
    s.state = "{}";
    s.finalAttempts = 0;
    s.batchesInWindow = 0;
    // After an early end the window goes on, from {}; settle() closes it
    // when none of its records are left.
    s.windowOpen = s.terminatedEarly;
    s.terminatedEarly = false;
    return redelivered;
  }

  bool all = false;  // the whole batch failed (not only records it named)
  std::vector<size_t> failed = failedInBatch(b, functionFailed ? nullptr : &*responseBody, &all);
  // A failed invocation keeps the state of before the batch; an answered one
  // (partial failures included, see the header) moves it on.
  if (b.windowed && !all && newState) {
    s.state = std::move(*newState);
    ++s.batchesInWindow;
    if (s.state.size() > kMaxWindowStateBytes) {
      s.finalDue = true;
      s.terminatedEarly = true;
    }
  }

  const size_t start = s.checkpoint;  // the batch is s.records[start, start + n)
  const size_t batchEnd = start + b.records.size();
  s.lastArrivalMs = records_[b.records.back()].arrivalMs;
  if (failed.empty()) {
    s.checkpoint = batchEnd;
    return redelivered;
  }
  const size_t from = start + failed.front();  // the lowest failed sequence number
  if (records_[s.records[from]].receiveCount >= options_.maxAttempts) {
    for (size_t k = from; k < batchEnd; ++k) {
      const SourceRecord& r = records_[s.records[k]];
      givenUp_.push_back({r.index, r.id, r.receiveCount});
    }
    s.checkpoint = batchEnd;
    return redelivered;
  }
  s.checkpoint = from;
  for (size_t k = from; k < batchEnd; ++k) redelivered.push_back(records_[s.records[k]].id);
  return redelivered;
}

std::vector<std::string> wrapRecords(const std::vector<std::string>& payloads, const WrapOptions& options) {
  EventSourceMapping mapping(payloads, options);
  std::vector<std::string> events;
  while (!mapping.done()) {
    events.push_back(mapping.next().event);
    mapping.complete(std::string(mapping.windowed() ? "{\"state\":{}}" : ""));
  }
  return events;
}

}  // namespace flowc::run
