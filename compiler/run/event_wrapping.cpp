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

#include "run/runtime_api_server.h"
#include "support/json_writer.h"

namespace flowc::run {

namespace {

// Kinesis sequence numbers are 56 decimal digits that grow within a shard;
// a fixed prefix and a zero-padded counter keep them ordered as strings too.
constexpr std::string_view kSequencePrefix = "4959033827149025660855969253836157";  // 34 digits
constexpr uint64_t kSequenceBase = 1095921575989136588ULL;                           // 22 digits with padding
constexpr uint64_t kFifoSequenceBase = 849496460467696128ULL;
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

}  // namespace

std::optional<SourceKind> sourceKindFromName(std::string_view name) {
  if (name == "kinesis") return SourceKind::Kinesis;
  if (name == "sqs") return SourceKind::Sqs;
  if (name == "sqs-fifo") return SourceKind::SqsFifo;
  if (name == "http") return SourceKind::Http;
  return std::nullopt;
}

const char* sourceKindName(SourceKind kind) {
  switch (kind) {
    case SourceKind::Kinesis: return "kinesis";
    case SourceKind::Sqs: return "sqs";
    case SourceKind::SqsFifo: return "sqs-fifo";
    case SourceKind::Http: return "http";
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
  simdjson::dom::parser parser;
  records_.reserve(payloads.size());
  for (size_t i = 0; i < payloads.size(); ++i) {
    SourceRecord r;
    r.index = i;
    r.payload = std::move(payloads[i]);
    r.arrivalMs = options_.startEpochMs + static_cast<int64_t>(i) * options_.stepMs;
    std::optional<std::string> key = stringMember(parser, r.payload, options_.keyField);
    switch (options_.kind) {
      case SourceKind::Kinesis:
        r.id = fmt::format("{}{:022}", kSequencePrefix, kSequenceBase + i);
        r.key = key ? *key : fmt::format("pk-{}", i);
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
    }
    records_.push_back(std::move(r));
    queue_.push_back(i);
  }
}

bool EventSourceMapping::done() const {
  if (options_.kind == SourceKind::Kinesis) return checkpoint_ >= records_.size();
  return queue_.empty();
}

std::string EventSourceMapping::eventSourceArn() const {
  if (options_.kind == SourceKind::Kinesis)
    return fmt::format("arn:aws:kinesis:{}:{}:stream/{}", options_.region, options_.accountId, options_.streamName);
  return fmt::format("arn:aws:sqs:{}:{}:{}", options_.region, options_.accountId, options_.streamName);
}

std::string EventSourceMapping::wrap(const std::vector<size_t>& batch) {
  JsonWriter w(false);
  const std::string arn = eventSourceArn();
  switch (options_.kind) {
    case SourceKind::Kinesis: {
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
        w.key("eventID").value(fmt::format("{}:{}", options_.shardId, r.id));
        w.key("eventName").value("aws:kinesis:record");
        w.key("invokeIdentityArn").value(fmt::format("arn:aws:iam::{}:role/lambda-kinesis-role", options_.accountId));
        w.key("awsRegion").value(options_.region);
        w.key("eventSourceARN").value(arn);
        w.endObject();
      }
      w.endArray().endObject();
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

Batch EventSourceMapping::next() {
  Batch b;
  if (done()) return b;
  std::vector<size_t> picked;
  if (options_.kind == SourceKind::Kinesis) {
    for (size_t i = checkpoint_; i < records_.size() && picked.size() < options_.batchSize; ++i) picked.push_back(i);
  } else {
    for (size_t k = 0; k < queue_.size() && picked.size() < options_.batchSize; ++k) picked.push_back(queue_[k]);
  }
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
  if (options_.kind != SourceKind::Kinesis)
    queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(picked.size()));
  b.records = picked;
  b.attempt = records_[picked[0]].receiveCount;
  ++deliveries_;
  pending_ = b;
  return b;
}

std::vector<std::string> EventSourceMapping::complete(const std::optional<std::string>& responseBody) {
  std::vector<std::string> redelivered;
  if (!pending_) return redelivered;
  Batch b = std::move(*pending_);
  pending_.reset();
  if (options_.kind == SourceKind::Http) return redelivered;  // synchronous: nothing comes back

  // Which records of the batch failed (positions in b.records).
  std::vector<size_t> failed;
  std::optional<std::vector<std::string>> ids;
  if (responseBody) ids = batchItemFailures(*responseBody);
  bool all = !ids.has_value();
  if (ids) {
    std::set<std::string> wanted(ids->begin(), ids->end());
    for (size_t k = 0; k < b.records.size(); ++k)
      if (wanted.erase(records_[b.records[k]].id)) failed.push_back(k);
    if (!wanted.empty()) all = true;  // an id not in the batch: the whole batch failed
  }
  if (all) {
    failed.clear();
    for (size_t k = 0; k < b.records.size(); ++k) failed.push_back(k);
  }

  if (options_.kind == SourceKind::Kinesis) {
    size_t batchEnd = b.records.back() + 1;
    if (failed.empty()) {
      checkpoint_ = batchEnd;
      return redelivered;
    }
    size_t from = b.records[failed.front()];  // the lowest failed sequence number
    if (records_[from].receiveCount >= options_.maxAttempts) {
      for (size_t i = from; i < batchEnd; ++i)
        givenUp_.push_back({i, records_[i].id, records_[i].receiveCount});
      checkpoint_ = batchEnd;
      return redelivered;
    }
    checkpoint_ = from;
    for (size_t i = from; i < batchEnd; ++i) redelivered.push_back(records_[i].id);
    return redelivered;
  }

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

std::vector<std::string> wrapRecords(const std::vector<std::string>& payloads, const WrapOptions& options) {
  EventSourceMapping mapping(payloads, options);
  std::vector<std::string> events;
  while (!mapping.done()) {
    events.push_back(mapping.next().event);
    mapping.complete(std::string());
  }
  return events;
}

}  // namespace flowc::run
