// Event envelope decoding (flow/events.h) with simdjson On-Demand.
//
// Why one pass over each object's members instead of find_field(): Lambda
// does not promise member order, and find_field_unordered() rescans; walking
// the members once and switching on the key is both order-proof and a single
// pass. Strings from the parser's string buffer stay valid until the next
// iterate() of that parser, which is the lifetime events.h promises.
// Payloads that generated code re-parses are either views into the padded
// event body (raw JSON, always followed by more body bytes and the padding)
// or copies in the arena with kPayloadPadding zero bytes after them.
//
// Parsed in place (issue 5): keys and string members without escapes (all
// Lambda writes) are read as views of the event body, and Kinesis `data` is
// base64-decoded straight from the body into the arena, so the parser's
// string buffer never holds a second copy of the event (3.4 MB of a 4.15 MB
// q1 event; peak RSS 15.9 → 13.2 MiB) and no string is unescaped twice.
// Callgrind on a 5000-record q1 event: 25.9M → ~21M instructions a decode,
// of which simdjson's stage 1 (the structural index) is 7.7M.
//
// Kinesis events first go through kinesis_envelope.cpp's strict scanner,
// which needs no structural pass; whatever it does not take (it gives up on
// anything unusual) is decoded here from the start, as before. On the q1
// event: 1.3 → 0.7 ms a decode (numbers in kinesis_envelope.cpp).
#include <simdjson.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <charconv>
#include <cstring>
#include <string>

#include "flow/arena.h"
#include "flow/base64.h"
#include "flow/events.h"
#include "flow/json_check.h"
#include "flow/time.h"
#include "dynamodb_image.h"
#include "kinesis_envelope.h"

namespace flow {

static_assert(kBodyPadding >= simdjson::SIMDJSON_PADDING, "bodies must carry simdjson's padding");

namespace od = simdjson::ondemand;

std::string_view sourceKindName(SourceKind kind) {
  switch (kind) {
    case SourceKind::Kinesis: return "kinesis";
    case SourceKind::DynamoDb: return "dynamodb";
    case SourceKind::Sqs: return "sqs";
    case SourceKind::Kafka: return "kafka";
    case SourceKind::Http: return "http";
  }
  return "?";
}

namespace {

// What an event looks like, for error messages ("got an SQS event").
std::string describeEvent(std::string_view body) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(body.data(), body.size(), true).get(doc) != simdjson::SUCCESS) return "text that is not JSON";
  simdjson::dom::object root;
  if (doc.get_object().get(root) != simdjson::SUCCESS) return "JSON that is not an object";
  simdjson::dom::array records;
  if (root["Records"].get_array().get(records) == simdjson::SUCCESS) {
    if (records.size() == 0) return "an event with no records";
    simdjson::dom::object first;
    if (records.at(0).get_object().get(first) != simdjson::SUCCESS) return "an event whose records are not objects";
    std::string_view source;
    if (first["eventSource"].get_string().get(source) == simdjson::SUCCESS ||
        first["EventSource"].get_string().get(source) == simdjson::SUCCESS) {
      if (source == "aws:kinesis") return "a Kinesis event";
      if (source == "aws:sqs") return "an SQS event";
      if (source == "aws:dynamodb") return "a DynamoDB Streams event";
      if (source == "aws:s3") return "an S3 event";
      if (source == "aws:sns") return "an SNS event";
      return "an event from '" + json::excerpt(source) + "'";
    }
    return "an event with records of an unknown kind";
  }
  std::string_view source;
  if (root["eventSource"].get_string().get(source) == simdjson::SUCCESS && root["records"].error() == simdjson::SUCCESS) {
    return "a Kafka event";
  }
  simdjson::dom::object context;
  if (root["requestContext"].get_object().get(context) == simdjson::SUCCESS) {
    if (root["httpMethod"].error() == simdjson::SUCCESS) return "an API Gateway REST request";
    if (context["http"].error() == simdjson::SUCCESS) return "an HTTP API or function URL request";
    if (context["condition"].error() == simdjson::SUCCESS) return "an on-failure destination record";
  }
  if (root["awslogs"].error() == simdjson::SUCCESS) return "a CloudWatch Logs event";
  if (root["invocationId"].error() == simdjson::SUCCESS) return "a Firehose transformation event";
  return "a JSON object that is not a known Lambda event";
}

// "'eventSource' is '…'": a record of another kind. The source is the
// event's text, so an excerpt (the message is a function error Lambda logs).
std::string wrongSource(std::string_view source) { return "'eventSource' is '" + json::excerpt(source) + "'"; }

std::string_view expectedName(SourceKind kind) {
  switch (kind) {
    case SourceKind::Kinesis: return "a Kinesis event";
    case SourceKind::DynamoDb: return "a DynamoDB Streams event";
    case SourceKind::Sqs: return "an SQS event";
    case SourceKind::Kafka: return "a Kafka event";
    case SourceKind::Http: return "an API Gateway or function URL request";
  }
  return "?";
}

bool endsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool parseDecimal(std::string_view s, int64_t& v) {
  if (s.empty()) return false;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

// The text of a JSON string whose opening quote is just before `p`, when
// it holds no backslash (then the first '"' closes it and the raw text is
// its value): true with `out` a view of it; false at an escape. The string
// lies in a padded buffer (the event body, an arena copy: kBodyPadding bytes
// follow the data) and simdjson's structural pass saw its closing quote, so
// reading 16 bytes at a time up to that quote stays inside the buffer. The
// strings are short (keys, ids): callgrind put a libc memchr call at ~90
// instructions and a byte loop at ~5 a byte, against ~10 for a 16-byte step.
bool plainString(const char* p, std::string_view& out) {
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\');
  for (size_t i = 0;; i += 16) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    unsigned bits = static_cast<unsigned>(
        _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash))));
    if (bits != 0) {
      size_t at = i + static_cast<size_t>(__builtin_ctz(bits));
      if (p[at] != '"') return false;
      out = std::string_view(p, at);
      return true;
    }
  }
#else
  const char* e = p;
  while (*e != '"' && *e != '\\') ++e;
  if (*e != '"') return false;
  out = std::string_view(p, static_cast<size_t>(e - p));
  return true;
#endif
}

std::string_view trimRight(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == '\r' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

// A string member's value read in place when it holds no escape (all that
// Lambda writes): nothing is unescaped into the parser's string buffer (the
// envelope's keys and metadata are most of what the decoder reads; profiled,
// unescaping them was 14% of a Kinesis event's decode). An escape, or a
// token that is not a string: simdjson's get_string(), which unescapes,
// validates and names the type as before.
simdjson::simdjson_result<std::string_view> stringValue(od::value& v) {
  std::string_view token = v.raw_json_token(), text;
  if (!token.empty() && token.front() == '"' && plainString(token.data() + 1, text)) return text;
  return v.get_string();
}

// A member's key, in place when it has no escape (every key Lambda writes),
// else unescaped by simdjson as before.
simdjson::simdjson_result<std::string_view> memberKey(od::field& field) {
  std::string_view key;
  if (plainString(field.key().raw(), key)) return key;  // raw(): just past the opening quote
  return field.unescaped_key();
}

}  // namespace

struct EventDecoder::Impl {
  od::parser parser;      // the event
  od::parser subParser;   // an http body, a DynamoDB record
  std::string imageJson;  // a DynamoDB image as plain JSON, before it goes to the arena
  Arena arena{64 * 1024};  // payload copies for one invocation
  std::string error;      // what went wrong (without the "expected …" prefix)
  std::string_view body;
  SourceKind kind = SourceKind::Kinesis;
  bool fastPath = true;       // setEnvelopeFastPath()
  KinesisMetadataRead metadataRead;  // setKinesisMetadataRead()
  bool usedFastPath = false;  // by the last decode()

  bool fail(std::string message) {
    error = std::move(message);
    return false;
  }
  bool failAt(size_t record, std::string_view what) {
    error = "record " + std::to_string(record) + ": " + std::string(what);
    return false;
  }

  Status decode(SourceKind k, PayloadFormat format, std::string_view b, Batch& batch, BodyStream* arriving);
  bool decodeRecordsEvent(od::object root, Batch& batch);
  bool decodeKinesisRecord(od::object rec, size_t index, Record& out);
  bool decodeSqsRecord(od::object rec, size_t index, Record& out, Batch& batch);
  bool decodeDynamoRecord(od::object rec, size_t index, Record& out);
  bool decodeKafka(od::object root, Batch& batch);
  bool decodeHttp(od::object root, PayloadFormat format, Batch& batch);
  bool decodeWindow(od::value v, Batch& batch);
  std::string_view decodeBase64Into(std::string_view text, Record& rec);
  bool decodeBase64Member(od::value& v, Record& rec);
  std::string_view indexId(size_t i) {
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, i);
    char* p = arena.allocate(static_cast<size_t>(r.ptr - buf));
    std::memcpy(p, buf, static_cast<size_t>(r.ptr - buf));
    return {p, static_cast<size_t>(r.ptr - buf)};
  }
};

// Member helpers: each returns false (and sets error) when the member has the
// wrong type; the caller names the member.
#define FLOW_GET(expr, var, what)                                              \
  do {                                                                         \
    if ((expr).get(var) != simdjson::SUCCESS) return fail(std::string(what)); \
  } while (0)

std::string_view EventDecoder::Impl::decodeBase64Into(std::string_view text, Record& rec) {
  return detail::decodeBase64ToArena(arena, text, rec);
}

// A base64 string member (Kinesis `data`) decoded straight from the event
// body: when the string holds no escape, its raw text between the quotes is
// its value, so nothing is unescaped or copied (the parser's string buffer is
// never touched: no second copy of the event's biggest part). Base64 has no
// backslash, so a string with an escape (JSON allows "\/" for "/") fails the
// decode at it; only then is it unescaped and decoded again. Sets received,
// payload and decodeError (all three: a repeated member replaces the earlier
// one). False when the member is not a string.
bool EventDecoder::Impl::decodeBase64Member(od::value& v, Record& rec) {
  std::string_view raw = v.raw_json_token(), text;
  bool inPlace = false;
  if (!raw.empty() && raw.front() == '"') {
    raw = trimRight(raw);  // the token runs to the next structural character
    if (raw.size() >= 2 && raw.back() == '"') {
      text = raw.substr(1, raw.size() - 2);
      inPlace = true;
    }
  }
  if (!inPlace && v.get_string().get(text) != simdjson::SUCCESS) return false;
  rec.decodeError = {};
  rec.received = text;
  rec.payload = decodeBase64Into(text, rec);
  if (inPlace && !rec.decodeError.empty() && text.find('\\') != std::string_view::npos) {
    if (v.get_string().get(text) != simdjson::SUCCESS) return false;
    rec.decodeError = {};
    rec.received = text;
    rec.payload = decodeBase64Into(text, rec);
  }
  return true;
}

bool EventDecoder::Impl::decodeWindow(od::value v, Batch& batch) {
  od::object w;
  FLOW_GET(v.get_object(), w, "'window' is not an object");
  batch.window.present = true;
  for (auto f : w) {
    od::field field;
    std::string_view key, text;
    FLOW_GET(std::move(f), field, "malformed 'window'");
    FLOW_GET(memberKey(field), key, "malformed 'window'");
    if (key == "start" || key == "end") {
      FLOW_GET(stringValue(field.value()), text, "'window." + std::string(key) + "' is not a string");
      int64_t ms;
      if (!parseRfc3339(text, ms)) return fail("'window." + std::string(key) + "' is not an RFC 3339 time");
      (key == "start" ? batch.window.startMs : batch.window.endMs) = ms;
    }
  }
  return true;
}

bool EventDecoder::Impl::decodeKinesisRecord(od::object rec, size_t index, Record& out) {
  bool sawKinesis = false;
  for (auto f : rec) {
    od::field field;
    std::string_view key;
    if (std::move(f).get(field) != simdjson::SUCCESS || memberKey(field).get(key) != simdjson::SUCCESS) {
      return failAt(index, "malformed record");
    }
    if (key == "kinesis") {
      od::object k;
      if (field.value().get_object().get(k) != simdjson::SUCCESS) return failAt(index, "'kinesis' is not an object");
      sawKinesis = true;
      bool sawData = false, sawSeq = false;
      for (auto kf : k) {
        od::field kfield;
        std::string_view kkey;
        if (std::move(kf).get(kfield) != simdjson::SUCCESS || memberKey(kfield).get(kkey) != simdjson::SUCCESS) {
          return failAt(index, "malformed 'kinesis'");
        }
        if (kkey == "data") {
          if (!decodeBase64Member(kfield.value(), out)) return failAt(index, "'kinesis.data' is not a string");
          sawData = true;
        } else if (kkey == "partitionKey") {
          if (stringValue(kfield.value()).get(out.partitionKey) != simdjson::SUCCESS) {
            return failAt(index, "'kinesis.partitionKey' is not a string");
          }
        } else if (kkey == "sequenceNumber") {
          if (stringValue(kfield.value()).get(out.id) != simdjson::SUCCESS) {
            return failAt(index, "'kinesis.sequenceNumber' is not a string");
          }
          sawSeq = true;
        } else if (kkey == "approximateArrivalTimestamp") {
          double secs;
          if (kfield.value().get_double().get(secs) != simdjson::SUCCESS || !epochSecondsToMs(secs, out.arrivalMs)) {
            return failAt(index, "'kinesis.approximateArrivalTimestamp' is not a number of epoch seconds");
          }
        }
      }
      if (!sawData) return failAt(index, "'kinesis.data' is missing");
      if (!sawSeq) return failAt(index, "'kinesis.sequenceNumber' is missing");
    } else if (key == "eventID") {
      std::string_view id;
      if (stringValue(field.value()).get(id) != simdjson::SUCCESS) return failAt(index, "'eventID' is not a string");
      size_t colon = id.find(':');
      out.shardId = colon == std::string_view::npos ? id : id.substr(0, colon);
    } else if (key == "eventSource") {
      std::string_view source;
      if (stringValue(field.value()).get(source) != simdjson::SUCCESS) return failAt(index, "'eventSource' is not a string");
      if (source != "aws:kinesis") return failAt(index, wrongSource(source));
    }
  }
  if (!sawKinesis) return failAt(index, "no 'kinesis' member");
  return true;
}

bool EventDecoder::Impl::decodeSqsRecord(od::object rec, size_t index, Record& out, Batch& batch) {
  bool sawId = false, sawBody = false, sawFirstReceive = false, sawSent = false;
  for (auto f : rec) {
    od::field field;
    std::string_view key;
    if (std::move(f).get(field) != simdjson::SUCCESS || memberKey(field).get(key) != simdjson::SUCCESS) {
      return failAt(index, "malformed record");
    }
    if (key == "messageId") {
      if (stringValue(field.value()).get(out.id) != simdjson::SUCCESS) return failAt(index, "'messageId' is not a string");
      sawId = true;
    } else if (key == "body") {
      std::string_view body;
      if (stringValue(field.value()).get(body) != simdjson::SUCCESS) return failAt(index, "'body' is not a string");
      out.payload = arena.copyPadded(body, kPayloadPadding);
      out.received = out.payload;
      sawBody = true;
    } else if (key == "attributes") {
      od::object attrs;
      if (field.value().get_object().get(attrs) != simdjson::SUCCESS) return failAt(index, "'attributes' is not an object");
      for (auto af : attrs) {
        od::field afield;
        std::string_view akey, text;
        if (std::move(af).get(afield) != simdjson::SUCCESS || memberKey(afield).get(akey) != simdjson::SUCCESS) {
          return failAt(index, "malformed 'attributes'");
        }
        bool sent = akey == "SentTimestamp", first = akey == "ApproximateFirstReceiveTimestamp";
        if (sent || first) {
          int64_t ms;
          if (stringValue(afield.value()).get(text) != simdjson::SUCCESS || !parseDecimal(text, ms)) {
            return failAt(index, "'attributes." + std::string(akey) + "' is not a string of epoch milliseconds");
          }
          (sent ? out.sentMs : out.arrivalMs) = ms;
          (sent ? sawSent : sawFirstReceive) = true;
        } else if (akey == "MessageGroupId") {
          if (stringValue(afield.value()).get(out.groupId) != simdjson::SUCCESS) {
            return failAt(index, "'attributes.MessageGroupId' is not a string");
          }
          out.hasGroupId = true;
        }
      }
    } else if (key == "eventSource") {
      std::string_view source;
      if (stringValue(field.value()).get(source) != simdjson::SUCCESS) return failAt(index, "'eventSource' is not a string");
      if (source != "aws:sqs") return failAt(index, wrongSource(source));
    } else if (key == "eventSourceARN") {
      std::string_view arn;
      if (stringValue(field.value()).get(arn) != simdjson::SUCCESS) return failAt(index, "'eventSourceARN' is not a string");
      if (endsWith(arn, ".fifo")) batch.fifo = true;
      if (batch.eventSourceArn.empty()) batch.eventSourceArn = arn;
    }
  }
  if (!sawId) return failAt(index, "no 'messageId' member");
  if (!sawBody) return failAt(index, "no 'body' member");
  // Hand-written events may leave the attributes out; Lambda always sends them.
  if (!sawFirstReceive) out.arrivalMs = sawSent ? out.sentMs : nowEpochMs();
  if (!sawSent) out.sentMs = out.arrivalMs;
  return true;
}

bool EventDecoder::Impl::decodeDynamoRecord(od::object rec, size_t index, Record& out) {
  std::string_view dynamo;
  bool sawDynamo = false;
  for (auto f : rec) {
    od::field field;
    std::string_view key;
    if (std::move(f).get(field) != simdjson::SUCCESS || memberKey(field).get(key) != simdjson::SUCCESS) {
      return failAt(index, "malformed record");
    }
    if (key == "dynamodb") {
      od::object d;
      if (field.value().get_object().get(d) != simdjson::SUCCESS || d.raw_json().get(dynamo) != simdjson::SUCCESS) {
        return failAt(index, "'dynamodb' is not an object");
      }
      sawDynamo = true;
    } else if (key == "eventName") {
      if (stringValue(field.value()).get(out.eventName) != simdjson::SUCCESS) {
        return failAt(index, "'eventName' is not a string");
      }
    } else if (key == "eventSource") {
      std::string_view source;
      if (stringValue(field.value()).get(source) != simdjson::SUCCESS) return failAt(index, "'eventSource' is not a string");
      if (source != "aws:dynamodb") return failAt(index, wrongSource(source));
    }
  }
  if (!sawDynamo) return failAt(index, "no 'dynamodb' member");
  out.received = dynamo;
  // The 'dynamodb' object is a view into the padded event body; parse it on
  // the second parser so the first one's position is not disturbed.
  size_t capacity = static_cast<size_t>(body.data() + body.size() + kBodyPadding - dynamo.data());
  od::document doc;
  od::object d;
  if (subParser.iterate(dynamo.data(), dynamo.size(), capacity).get(doc) != simdjson::SUCCESS ||
      doc.get_object().get(d) != simdjson::SUCCESS) {
    return failAt(index, "'dynamodb' is not an object");
  }
  std::string_view newImage, oldImage;
  bool sawSeq = false, sawTime = false;
  for (auto f : d) {
    od::field field;
    std::string_view key;
    if (std::move(f).get(field) != simdjson::SUCCESS || memberKey(field).get(key) != simdjson::SUCCESS) {
      return failAt(index, "malformed 'dynamodb'");
    }
    if (key == "SequenceNumber") {
      std::string_view seq;
      if (stringValue(field.value()).get(seq) != simdjson::SUCCESS) {
        return failAt(index, "'dynamodb.SequenceNumber' is not a string");
      }
      // Views from subParser's string buffer would die with the next record.
      out.id = arena.copyPadded(seq, kPayloadPadding);
      sawSeq = true;
    } else if (key == "ApproximateCreationDateTime") {
      double secs;
      if (field.value().get_double().get(secs) != simdjson::SUCCESS || !epochSecondsToMs(secs, out.arrivalMs)) {
        return failAt(index, "'dynamodb.ApproximateCreationDateTime' is not a number of epoch seconds");
      }
      sawTime = true;
    } else if (key == "NewImage" || key == "OldImage") {
      od::object image;
      std::string_view raw;
      if (field.value().get_object().get(image) != simdjson::SUCCESS || image.raw_json().get(raw) != simdjson::SUCCESS) {
        return failAt(index, "'dynamodb." + std::string(key) + "' is not an object");
      }
      (key == "NewImage" ? newImage : oldImage) = raw;
    }
  }
  if (!sawSeq) return failAt(index, "'dynamodb.SequenceNumber' is missing");
  if (!sawTime) out.arrivalMs = nowEpochMs();
  std::string_view image = out.eventName == "REMOVE" ? oldImage : newImage;
  if (image.data() == nullptr) {
    out.decodeError = out.eventName == "REMOVE"
                          ? "the record has no OldImage (the stream's view type must include old images)"
                          : "the record has no NewImage (the stream's view type must include new images)";
    return true;
  }
  // The generated decoders read plain JSON: the image is rewritten as the
  // item it stands for (dynamodb_image.h), into the arena with the padding
  // payloads promise. An image that is not an item is a bad record.
  capacity = static_cast<size_t>(body.data() + body.size() + kBodyPadding - image.data());
  od::object item;
  if (subParser.iterate(image.data(), image.size(), capacity).get(doc) != simdjson::SUCCESS ||
      doc.get_object().get(item) != simdjson::SUCCESS) {
    out.decodeError = "the image is not an object";
    return true;
  }
  imageJson.clear();
  if (std::string why; !detail::dynamoImageToJson(item, imageJson, why)) {
    out.decodeError = arena.copy(why);
    return true;
  }
  out.payload = arena.copyPadded(imageJson, kPayloadPadding);
  return true;
}

bool EventDecoder::Impl::decodeRecordsEvent(od::object root, Batch& batch) {
  bool sawRecords = false;
  for (auto f : root) {
    od::field field;
    std::string_view key;
    FLOW_GET(std::move(f), field, "malformed event");
    FLOW_GET(memberKey(field), key, "malformed event");
    if (key == "Records") {
      od::array records;
      FLOW_GET(field.value().get_array(), records, "'Records' is not an array");
      sawRecords = true;
      size_t index = 0;
      for (auto r : records) {
        od::object rec;
        if (r.get_object().get(rec) != simdjson::SUCCESS) return failAt(index, "not an object");
        Record& out = batch.records.emplace_back();
        bool ok = kind == SourceKind::Kinesis ? decodeKinesisRecord(rec, index, out)
                  : kind == SourceKind::Sqs   ? decodeSqsRecord(rec, index, out, batch)
                                              : decodeDynamoRecord(rec, index, out);
        if (!ok) return false;
        ++index;
      }
    } else if (key == "window" && kind != SourceKind::Sqs) {
      if (!decodeWindow(field.value(), batch)) return false;
    } else if (key == "state" && kind != SourceKind::Sqs) {
      od::value v = field.value();
      bool isNull = false;
      if (v.is_null().get(isNull) == simdjson::SUCCESS && isNull) continue;
      od::object state;
      FLOW_GET(v.get_object(), state, "'state' is not an object");
      FLOW_GET(state.raw_json(), batch.window.stateJson, "'state' is not an object");
    } else if (key == "shardId" && kind != SourceKind::Sqs) {
      FLOW_GET(stringValue(field.value()), batch.window.shardId, "'shardId' is not a string");
    } else if (key == "eventSourceARN") {
      FLOW_GET(stringValue(field.value()), batch.eventSourceArn, "'eventSourceARN' is not a string");
    } else if (key == "isFinalInvokeForWindow" && kind != SourceKind::Sqs) {
      FLOW_GET(field.value().get_bool(), batch.window.isFinalInvokeForWindow, "'isFinalInvokeForWindow' is not a boolean");
    } else if (key == "isWindowTerminatedEarly" && kind != SourceKind::Sqs) {
      FLOW_GET(field.value().get_bool(), batch.window.isWindowTerminatedEarly, "'isWindowTerminatedEarly' is not a boolean");
    }
  }
  if (!sawRecords) return fail("no 'Records' array");
  return true;
}

bool EventDecoder::Impl::decodeKafka(od::object root, Batch& batch) {
  bool sawRecords = false, sawSource = false;
  int64_t now = nowEpochMs();
  size_t index = 0;
  for (auto f : root) {
    od::field field;
    std::string_view key;
    FLOW_GET(std::move(f), field, "malformed event");
    FLOW_GET(memberKey(field), key, "malformed event");
    if (key == "eventSource") {
      std::string_view source;
      FLOW_GET(stringValue(field.value()), source, "'eventSource' is not a string");
      if (source != "aws:kafka" && source != "SelfManagedKafka" && source != "aws:SelfManagedKafka") {
        return fail(wrongSource(source));
      }
      sawSource = true;
    } else if (key == "eventSourceArn") {
      FLOW_GET(stringValue(field.value()), batch.eventSourceArn, "'eventSourceArn' is not a string");
    } else if (key == "records") {
      od::object partitions;
      FLOW_GET(field.value().get_object(), partitions, "'records' is not an object");
      sawRecords = true;
      for (auto pf : partitions) {
        od::field pfield;
        od::array list;
        FLOW_GET(std::move(pf), pfield, "malformed 'records'");
        FLOW_GET(pfield.value().get_array(), list, "a 'records' member is not an array");
        for (auto r : list) {
          od::object rec;
          if (r.get_object().get(rec) != simdjson::SUCCESS) return failAt(index, "not an object");
          Record& out = batch.records.emplace_back();
          out.arrivalMs = now;
          bool sawValue = false, sawOffset = false;
          std::string_view keyText;
          for (auto rf : rec) {
            od::field rfield;
            std::string_view rkey;
            if (std::move(rf).get(rfield) != simdjson::SUCCESS || memberKey(rfield).get(rkey) != simdjson::SUCCESS) {
              return failAt(index, "malformed record");
            }
            if (rkey == "topic") {
              if (stringValue(rfield.value()).get(out.topic) != simdjson::SUCCESS) return failAt(index, "'topic' is not a string");
            } else if (rkey == "partition") {
              if (rfield.value().get_int64().get(out.partition) != simdjson::SUCCESS) return failAt(index, "'partition' is not an integer");
            } else if (rkey == "offset") {
              if (rfield.value().get_int64().get(out.offset) != simdjson::SUCCESS) return failAt(index, "'offset' is not an integer");
              sawOffset = true;
            } else if (rkey == "timestamp") {
              if (rfield.value().get_int64().get(out.kafkaTimeMs) != simdjson::SUCCESS) return failAt(index, "'timestamp' is not an integer");
            } else if (rkey == "value") {
              if (stringValue(rfield.value()).get(out.received) != simdjson::SUCCESS) return failAt(index, "'value' is not a string");
              sawValue = true;
            } else if (rkey == "key") {
              od::value kv = rfield.value();
              bool isNull = false;
              if (kv.is_null().get(isNull) == simdjson::SUCCESS && isNull) continue;
              if (kv.get_string().get(keyText) != simdjson::SUCCESS) return failAt(index, "'key' is not a string");
              out.hasKey = true;
            }
          }
          if (!sawValue) return failAt(index, "no 'value' member");
          if (!sawOffset) return failAt(index, "no 'offset' member");
          out.payload = decodeBase64Into(out.received, out);
          if (out.hasKey && out.decodeError.empty()) {
            // A bad key fails the record, but its value (decoded) is what the
            // dead letter shows: the payload stays, the error names the key.
            out.key = decodeBase64Into(keyText, out);
            if (!out.decodeError.empty()) {
              std::string m = "the key: " + std::string(out.decodeError);
              char* q = arena.allocate(m.size());
              std::memcpy(q, m.data(), m.size());
              out.decodeError = {q, m.size()};
            }
          }
          std::string id = std::string(out.topic) + "-" + std::to_string(out.partition) + ":" + std::to_string(out.offset);
          out.id = arena.copyPadded(id, kPayloadPadding);
          ++index;
        }
      }
    }
  }
  if (!sawSource) return fail("no 'eventSource' member");
  if (!sawRecords) return fail("no 'records' object");
  return true;
}

bool EventDecoder::Impl::decodeHttp(od::object root, PayloadFormat format, Batch& batch) {
  std::string_view bodyText;
  bool hasBody = false, base64 = false, sawV1Method = false, sawV2Http = false;
  std::string_view v1Path, v1Method;
  for (auto f : root) {
    od::field field;
    std::string_view key;
    FLOW_GET(std::move(f), field, "malformed request");
    FLOW_GET(memberKey(field), key, "malformed request");
    if (key == "httpMethod") {
      FLOW_GET(stringValue(field.value()), v1Method, "'httpMethod' is not a string");
      sawV1Method = true;
    } else if (key == "path") {
      FLOW_GET(stringValue(field.value()), v1Path, "'path' is not a string");
    } else if (key == "body") {
      od::value v = field.value();
      bool isNull = false;
      if (v.is_null().get(isNull) == simdjson::SUCCESS && isNull) continue;
      FLOW_GET(v.get_string(), bodyText, "'body' is not a string");
      hasBody = true;
    } else if (key == "isBase64Encoded") {
      FLOW_GET(field.value().get_bool(), base64, "'isBase64Encoded' is not a boolean");
    } else if (key == "requestContext") {
      od::object ctx;
      FLOW_GET(field.value().get_object(), ctx, "'requestContext' is not an object");
      for (auto cf : ctx) {
        od::field cfield;
        std::string_view ckey;
        FLOW_GET(std::move(cf), cfield, "malformed 'requestContext'");
        FLOW_GET(memberKey(cfield), ckey, "malformed 'requestContext'");
        if (ckey == "identity") {
          od::object identity;
          FLOW_GET(cfield.value().get_object(), identity, "'requestContext.identity' is not an object");
          for (auto idf : identity) {
            od::field ifield;
            std::string_view ikey;
            FLOW_GET(std::move(idf), ifield, "malformed 'requestContext.identity'");
            FLOW_GET(memberKey(ifield), ikey, "malformed 'requestContext.identity'");
            if (ikey == "sourceIp") {
              FLOW_GET(stringValue(ifield.value()), batch.sourceIp, "'requestContext.identity.sourceIp' is not a string");
            }
          }
        } else if (ckey == "http") {
          od::object http;
          FLOW_GET(cfield.value().get_object(), http, "'requestContext.http' is not an object");
          sawV2Http = true;
          for (auto hf : http) {
            od::field hfield;
            std::string_view hkey;
            FLOW_GET(std::move(hf), hfield, "malformed 'requestContext.http'");
            FLOW_GET(memberKey(hfield), hkey, "malformed 'requestContext.http'");
            if (hkey == "method") {
              FLOW_GET(stringValue(hfield.value()), batch.method, "'requestContext.http.method' is not a string");
            } else if (hkey == "path") {
              FLOW_GET(stringValue(hfield.value()), batch.path, "'requestContext.http.path' is not a string");
            } else if (hkey == "sourceIp") {
              FLOW_GET(stringValue(hfield.value()), batch.sourceIp, "'requestContext.http.sourceIp' is not a string");
            }
          }
        } else if (ckey == "requestTimeEpoch" || ckey == "timeEpoch") {
          FLOW_GET(cfield.value().get_int64(), batch.requestTimeMs,
                   "'requestContext." + std::string(ckey) + "' is not an integer");
        }
      }
    }
  }
  if (sawV2Http) {
    batch.httpPayloadVersion = 2;
  } else if (sawV1Method) {
    batch.httpPayloadVersion = 1;
    batch.method = v1Method;
    batch.path = v1Path;
  } else {
    return fail("no 'httpMethod' (REST API) or 'requestContext.http' (HTTP API, function URL) member");
  }
  if (batch.requestTimeMs == 0) batch.requestTimeMs = nowEpochMs();
  if (!hasBody) return true;

  // The body as bytes, padded, in the arena (base64-decoded when flagged).
  std::string_view bytes;
  if (base64) {
    Record probe;
    bytes = decodeBase64Into(bodyText, probe);
    if (!probe.decodeError.empty()) {
      Record& rec = batch.records.emplace_back(probe);
      rec.received = bodyText;
      rec.id = indexId(0);
      rec.arrivalMs = batch.requestTimeMs;
      return true;
    }
  } else {
    bytes = arena.copyPadded(bodyText, kPayloadPadding);
  }
  auto add = [&](std::string_view payload) {
    Record& rec = batch.records.emplace_back();
    rec.payload = payload;
    rec.received = payload;
    rec.id = indexId(batch.records.size() - 1);
    rec.arrivalMs = batch.requestTimeMs;
  };
  if (format == PayloadFormat::Text) {
    size_t start = 0;
    while (start < bytes.size()) {
      size_t nl = bytes.find('\n', start);
      size_t end = nl == std::string_view::npos ? bytes.size() : nl;
      std::string_view line = bytes.substr(start, end - start);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      add(line);
      if (nl == std::string_view::npos) break;
      start = nl + 1;
    }
    return true;
  }
  size_t first = bytes.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return true;  // an empty body: no records
  std::string_view whole = trimRight(bytes.substr(first));
  if (whole.front() != '[') {
    add(whole);
    return true;
  }
  // A JSON array: each element is a record. If the array is malformed, the
  // whole body is one record, which then fails to decode (and is
  // dead-lettered or skipped, never lost).
  size_t before = batch.records.size();
  auto asOne = [&] {
    batch.records.resize(before);
    add(whole);
    return true;
  };
  od::document doc;
  od::array array;
  if (subParser.iterate(bytes.data(), bytes.size(), bytes.size() + kPayloadPadding).get(doc) != simdjson::SUCCESS ||
      doc.get_array().get(array) != simdjson::SUCCESS) {
    return asOne();
  }
  for (auto e : array) {
    od::value v;
    od::json_type type;
    std::string_view raw;
    if (std::move(e).get(v) != simdjson::SUCCESS || v.type().get(type) != simdjson::SUCCESS) return asOne();
    simdjson::error_code err;
    if (type == od::json_type::object) {
      od::object o;
      err = v.get_object().get(o);
      if (!err) err = o.raw_json().get(raw);
    } else if (type == od::json_type::array) {
      od::array a;
      err = v.get_array().get(a);
      if (!err) err = a.raw_json().get(raw);
    } else {
      raw = trimRight(v.raw_json_token());
      err = simdjson::SUCCESS;
    }
    if (err) return asOne();
    add(trimRight(raw));
  }
  return true;
}

Status EventDecoder::Impl::decode(SourceKind k, PayloadFormat format, std::string_view b, Batch& batch,
                                  BodyStream* arriving) {
  kind = k;
  body = b;
  error.clear();
  auto reset = [&] {
    arena.reset();
    batch.kind = k;
    batch.fifo = false;
    batch.records.clear();
    batch.eventSourceArn = {};
    batch.httpPayloadVersion = 0;
    batch.method = batch.path = batch.sourceIp = {};
    batch.requestTimeMs = 0;
    batch.window = TumblingWindow{};
  };
  reset();
  usedFastPath = false;
  auto lost = [&] {
    batch.records.clear();
    return runtimeError("EventIncomplete", "the connection to the Runtime API failed while the event arrived");
  };
  if (k == SourceKind::Kinesis && fastPath) {
    detail::EnvelopeScan scan = detail::scanKinesisEnvelope(b, arena, batch, metadataRead, arriving);
    if (scan == detail::EnvelopeScan::Taken) {
      usedFastPath = true;
      return std::nullopt;
    }
    if (scan == detail::EnvelopeScan::Lost) return lost();
    reset();  // it gave up: simdjson decodes the event from the start
  }
  if (arriving != nullptr && !receiveAll(*arriving, b.size())) return lost();

  od::document doc;
  od::object root;
  bool ok;
  if (parser.iterate(b.data(), b.size(), b.size() + kBodyPadding).get(doc) != simdjson::SUCCESS ||
      doc.get_object().get(root) != simdjson::SUCCESS) {
    ok = fail("");
  } else {
    switch (k) {
      case SourceKind::Kinesis:
      case SourceKind::Sqs:
      case SourceKind::DynamoDb: ok = decodeRecordsEvent(root, batch); break;
      case SourceKind::Kafka: ok = decodeKafka(root, batch); break;
      case SourceKind::Http: ok = decodeHttp(root, format, batch); break;
      default: ok = fail("unknown source kind");
    }
  }
  if (ok) return std::nullopt;
  batch.records.clear();
  std::string message = "expected " + std::string(expectedName(k)) + ", got " + describeEvent(b);
  if (!error.empty()) message += " (" + error + ")";
  return functionError("InvalidEvent", std::move(message));
}

EventDecoder::EventDecoder() : impl_(std::make_unique<Impl>()) {}
EventDecoder::~EventDecoder() = default;

Status EventDecoder::decode(SourceKind kind, PayloadFormat format, std::string_view body, Batch& batch,
                           BodyStream* arriving) {
  return impl_->decode(kind, format, body, batch, arriving);
}

void EventDecoder::setEnvelopeFastPath(bool enabled) { impl_->fastPath = enabled; }
void EventDecoder::setKinesisMetadataRead(KinesisMetadataRead read) { impl_->metadataRead = read; }
bool EventDecoder::lastDecodeUsedFastPath() const { return impl_->usedFastPath; }

}  // namespace flow
