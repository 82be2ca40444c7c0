// libFuzzer target over libflowrt's untrusted-input paths. Every input goes
// through all of them (each is microseconds), so one corpus serves all:
//   1. flow::decodeBase64 — the input as base64 text (accepted exactly when an
//      independent checker says it is the canonical encoding of something,
//      and then re-encoding gives the input back), and the input as bytes
//      (decode(encode(x)) == x with an encoder written here); the SIMD
//      decoder against the scalar one on the input, on a long valid
//      encoding and on that encoding with the input's bytes spliced in;
//   2. EventDecoder::decode for every source kind × payload format; for
//      Kinesis, the envelope fast path against the simdjson path (same
//      status and batch, member by member);
//   3. the Runtime API client's answer parsing: parseAnswerHead() directly,
//      and RuntimeClient::next() reading the input as the server's bytes
//      through one end of a socketpair (no network), whose answer bodies go
//      to the event decoders as run() would hand them on.
// Structure-aware part: seeded with real Lambda events (shared/events/aws),
// a custom mutator parses a JSON input and rewrites one node (a value
// swapped for a tricky string/number/literal, a member dropped, duplicated
// or renamed to a key the decoders look for, an array element repeated,
// an http body replaced by a JSON array, lines or base64), falling back to
// libFuzzer's byte mutations otherwise. HTTP answers get their own: the
// numbers that decide framing set to boundary values, bodies re-chunked.
// Any violated invariant prints what and aborts; ASan/UBSan catch the rest.
#include <simdjson.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "flow/base64.h"
#include "flow/events.h"
#include "flow/runtime.h"
#include "runtime_client.h"

extern "C" size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t maxSize);

namespace {

[[noreturn]] void violated(const char* what, std::string_view detail = {}) {
  std::fprintf(stderr, "fuzz_events: invariant violated: %s %.*s\n", what, static_cast<int>(detail.size()),
               detail.data());
  std::abort();
}
#define CHECK(cond, ...) \
  do {                   \
    if (!(cond)) violated(#cond __VA_OPT__(, ) __VA_ARGS__); \
  } while (0)

volatile unsigned gSink;  // reads of every view go here, so ASan sees them

void touch(std::string_view s, size_t padding = 0) {
  if (s.data() == nullptr) return;
  unsigned h = 0;
  for (size_t i = 0; i < s.size() + padding; ++i) h = h * 31 + static_cast<unsigned char>(s.data()[i]);
  gSink = gSink + h;
}

// ------------------------------------------------------------- base64

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// RFC 4648 §4 by the book: 3 bytes → 4 symbols, '=' for a short last group.
std::string encodeBase64(std::string_view in) {
  std::string out;
  size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    unsigned v = static_cast<unsigned char>(in[i]) << 16 | static_cast<unsigned char>(in[i + 1]) << 8 |
                 static_cast<unsigned char>(in[i + 2]);
    for (int k = 3; k >= 0; --k) out += kAlphabet[(v >> (6 * k)) & 63];
  }
  size_t left = in.size() - i;
  if (left == 1) {
    unsigned v = static_cast<unsigned char>(in[i]) << 16;
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += "==";
  } else if (left == 2) {
    unsigned v = static_cast<unsigned char>(in[i]) << 16 | static_cast<unsigned char>(in[i + 1]) << 8;
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

bool inAlphabet(char c) { return c != '\0' && std::strchr(kAlphabet, c) != nullptr; }

// Whether `s` is the canonical encoding of some bytes: decode it leniently
// symbol by symbol (std::string::find over the alphabet, bits into a
// std::string) and see whether encoding that gives `s` back.
bool isCanonicalBase64(std::string_view s, std::string& bytes) {
  bytes.clear();
  if (s.size() % 4 != 0) return false;
  std::string_view body = s;
  if (!body.empty() && body.back() == '=') body.remove_suffix(1);
  if (!body.empty() && body.back() == '=') body.remove_suffix(1);
  unsigned acc = 0;
  int bits = 0;
  for (char c : body) {
    if (!inAlphabet(c)) return false;
    const char* p = std::strchr(kAlphabet, c);
    acc = (acc << 6) | static_cast<unsigned>(p - kAlphabet);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  return encodeBase64(bytes) == s;
}

// Every vector decoder this CPU runs (AVX-512 VBMI, AVX2) and the scalar one
// agree on everything: result, error kind and offset, size, bytes written.
void compareBase64Implementations(std::string_view text) {
  using flow::detail::Base64Impl;
  size_t room = flow::base64MaxDecodedSize(text.size());
  std::vector<char> a(room + 1, 'a'), b(room + 1, 'b');
  flow::Base64Result s = flow::detail::decodeBase64Scalar(text, a.data());
  for (Base64Impl impl : {Base64Impl::Avx2, Base64Impl::Avx512Vbmi, Base64Impl::Neon}) {
    if (!flow::detail::base64Available(impl)) continue;
    std::fill(b.begin(), b.end(), 'b');
    flow::Base64Result v = flow::detail::decodeBase64With(impl, text, b.data());
    CHECK(s.error == v.error && s.errorOffset == v.errorOffset, "SIMD and scalar base64 report different errors");
    CHECK(!s.ok() || (s.size == v.size && std::memcmp(a.data(), b.data(), s.size) == 0),
          "SIMD and scalar base64 decode differently");
    CHECK(a[room] == 'a' && b[room] == 'b', "a base64 decoder wrote past base64MaxDecodedSize");
  }
  flow::Base64Result d = flow::decodeBase64(text, b.data());
  CHECK(d.error == s.error && d.errorOffset == s.errorOffset && d.size == s.size);
}

void checkBase64(std::string_view input) {
  // SIMD against scalar: the input as text; a long valid encoding (vector
  // blocks); and that encoding with the input's bytes written into it at a
  // place the input chooses (vector blocks that go bad anywhere).
  compareBase64Implementations(input);
  {
    std::string valid = encodeBase64(input);
    compareBase64Implementations(valid);
    if (!input.empty() && !valid.empty()) {
      size_t at = static_cast<unsigned char>(input[0]) * valid.size() / 256;
      std::string spliced = valid.substr(0, at) + std::string(input.substr(1, 8)) + valid.substr(at);
      compareBase64Implementations(spliced);
      spliced = valid;
      spliced[at] = input[input.size() - 1];
      compareBase64Implementations(spliced);
    }
  }
  // The input as base64 text.
  std::vector<char> out(flow::base64MaxDecodedSize(input.size()) + 1);
  flow::Base64Result r = flow::decodeBase64(input, out.data());
  std::string expected;
  bool canonical = isCanonicalBase64(input, expected);
  CHECK(r.ok() == canonical, "decodeBase64 and the independent check disagree");
  if (r.ok()) {
    CHECK(r.size == expected.size() && std::memcmp(out.data(), expected.data(), r.size) == 0);
    CHECK(r.size <= flow::base64MaxDecodedSize(input.size()));
  } else {
    switch (r.error) {
      case flow::Base64Error::BadLength:
        CHECK(input.size() % 4 != 0 && r.errorOffset == input.size());
        break;
      case flow::Base64Error::BadCharacter:
        CHECK(r.errorOffset < input.size() && input[r.errorOffset] != '=' && !inAlphabet(input[r.errorOffset]));
        break;
      case flow::Base64Error::BadPadding:
        CHECK(r.errorOffset < input.size() && input[r.errorOffset] == '=');
        break;
      case flow::Base64Error::NonCanonical:
        CHECK(r.errorOffset < input.size() && input.size() % 4 == 0);
        break;
      case flow::Base64Error::None: violated("error without a kind");
    }
    char msg[96];
    std::string_view m = flow::describeBase64Error(r, msg, sizeof msg);
    CHECK(m.substr(0, 15) == "invalid base64:");
  }
  // The input as bytes: decode(encode(x)) == x.
  std::string text = encodeBase64(input);
  std::vector<char> back(flow::base64MaxDecodedSize(text.size()) + 1);
  flow::Base64Result b = flow::decodeBase64(text, back.data());
  CHECK(b.ok() && b.size == input.size(), "decode(encode(x)) failed");
  CHECK(input.empty() || std::memcmp(back.data(), input.data(), input.size()) == 0, "decode(encode(x)) != x");
}

// ------------------------------------------------------------- events

constexpr flow::SourceKind kKinds[] = {flow::SourceKind::Kinesis, flow::SourceKind::Sqs, flow::SourceKind::Http,
                                       flow::SourceKind::DynamoDb, flow::SourceKind::Kafka};
constexpr flow::PayloadFormat kFormats[] = {flow::PayloadFormat::Json, flow::PayloadFormat::Text};

// A decoded batch as owned strings, to compare two decodes of one body.
// Times that may come from the clock (absent members) are left out.
// withTimes: also the members a decode may take from the clock (Kafka
// arrivalMs, an HTTP request without a time) and the rest of the numbers.
std::string snapshot(const flow::Status& status, const flow::Batch& batch, bool withTimes = false) {
  std::string s;
  auto add = [&](std::string_view v) {
    s += std::to_string(v.size());
    s += ':';
    s += v;
    s += '|';
  };
  if (status) {
    add(status->type);
    add(status->message);
    return s;
  }
  add(batch.eventSourceArn);
  add(batch.method);
  add(batch.path);
  add(batch.sourceIp);
  s += std::to_string(batch.fifo) + std::to_string(batch.httpPayloadVersion) + std::to_string(batch.window.present) +
       std::to_string(batch.window.startMs) + std::to_string(batch.window.endMs);
  add(batch.window.stateJson);
  add(batch.window.shardId);
  for (const flow::Record& r : batch.records) {
    for (std::string_view v : {r.payload, r.received, r.id, r.decodeError, r.partitionKey, r.shardId, r.groupId,
                               r.eventName, r.topic, r.key}) {
      add(v);
    }
    s += std::to_string(r.hasGroupId) + std::to_string(r.hasKey) + "," +
         std::to_string(r.partition) + "," + std::to_string(r.offset) + "," + std::to_string(r.kafkaTimeMs) + ";";
    if (withTimes) s += std::to_string(r.arrivalMs) + "," + std::to_string(r.sentMs) + ";";
  }
  if (withTimes) {
    s += std::to_string(static_cast<int>(batch.kind)) + "," + std::to_string(batch.requestTimeMs) + "," +
         std::to_string(batch.window.isFinalInvokeForWindow) + std::to_string(batch.window.isWindowTerminatedEarly);
  }
  return s;
}

// A view the decoder returned: no longer than the event; when it points into
// the event buffer, wholly inside the event; every byte readable.
void checkView(std::string_view v, std::string_view body, const char* what) {
  CHECK(v.size() <= body.size(), what);
  const char* lo = body.data();
  const char* hi = body.data() + body.size() + flow::kBodyPadding;
  if (v.data() != nullptr && v.data() >= lo && v.data() < hi) {
    CHECK(v.data() + v.size() <= body.data() + body.size(), what);
  }
  touch(v);
}

void checkBatch(flow::SourceKind kind, flow::PayloadFormat format, std::string_view body, const flow::Status& status,
                const flow::Batch& batch) {
  CHECK(batch.kind == kind);
  if (status) {
    CHECK(status->type == "Function.InvalidEvent", status->type);
    CHECK(status->message.rfind("expected ", 0) == 0, status->message);
    CHECK(status->message.size() < 400, status->message);  // the event's text only in excerpts
    CHECK(batch.records.empty(), "an error and records at once");
    return;
  }
  CHECK(!body.empty(), "an empty body decoded");
  CHECK(batch.records.size() <= body.size(), "more records than bytes");
  CHECK(kind == flow::SourceKind::Http ? (batch.httpPayloadVersion == 1 || batch.httpPayloadVersion == 2)
                                       : batch.httpPayloadVersion == 0);
  CHECK(!batch.fifo || kind == flow::SourceKind::Sqs);
  for (std::string_view v : {batch.eventSourceArn, batch.method, batch.path, batch.sourceIp, batch.window.stateJson,
                             batch.window.shardId}) {
    checkView(v, body, "a batch member out of bounds");
  }
  for (size_t i = 0; i < batch.records.size(); ++i) {
    const flow::Record& r = batch.records[i];
    checkView(r.payload, body, "payload out of bounds");
    checkView(r.received, body, "received out of bounds");
    checkView(r.id, body, "id out of bounds");
    touch(r.decodeError);  // a message of the decoder's (static or in its arena)
    CHECK(r.decodeError.size() < 200, r.decodeError);
    for (std::string_view v : {r.partitionKey, r.shardId, r.groupId, r.eventName, r.topic, r.key}) {
      checkView(v, body, "a record member out of bounds");
    }
    if (r.decodeError.empty()) {
      // Generated code hands the payload to simdjson in place: it must be
      // followed by the padding.
      CHECK(r.payload.data() != nullptr, "a decoded record without payload storage");
      touch(r.payload, flow::kPayloadPadding);
    } else if (kind == flow::SourceKind::Kafka && r.decodeError.substr(0, 9) == "the key: ") {
      // A bad key: the value decoded, and is kept for the dead letter (padded).
      touch(r.payload, flow::kPayloadPadding);
    } else {
      CHECK(r.payload.empty(), "a decode error and a payload at once");
    }
    CHECK(r.hasKey || r.key.empty());
    CHECK(r.hasGroupId || r.groupId.empty());
    if (kind == flow::SourceKind::Http) {
      CHECK(r.id == std::to_string(i), r.id);
      CHECK(r.arrivalMs == batch.requestTimeMs);
      if (format == flow::PayloadFormat::Text && r.decodeError.empty()) {
        CHECK(r.payload.find('\n') == std::string_view::npos, "a text record with a newline");
      }
    }
  }
}

flow::EventDecoder& decoder() {
  static flow::EventDecoder d;  // long-lived, so arena reuse and growth are exercised
  return d;
}

// --- Kinesis envelope fast path: the decoder above takes it (the default);
// this one never does. Both must give the same status and batch, member by
// member: the fast path may only decline an event, never decode it otherwise.
flow::EventDecoder& simdjsonOnlyDecoder() {
  static flow::EventDecoder d;
  static const bool configured = (d.setEnvelopeFastPath(false), true);
  (void)configured;
  return d;
}

// `body` is followed by kBodyPadding readable bytes.
void decodeAll(std::string_view body) {
  flow::Batch batch;
  for (flow::SourceKind kind : kKinds) {
    for (flow::PayloadFormat format : kFormats) {
      if (kind != flow::SourceKind::Http && format == flow::PayloadFormat::Text) continue;  // format is http's only
      flow::Status status = decoder().decode(kind, format, body, batch);
      checkBatch(kind, format, body, status, batch);
      std::string first = snapshot(status, batch);
      if (kind == flow::SourceKind::Kinesis) {
        bool fast = decoder().lastDecodeUsedFastPath();
        CHECK(!fast || !status, "the fast path reported an error");
        flow::Batch reference;
        flow::Status referenceStatus = simdjsonOnlyDecoder().decode(kind, format, body, reference);
        CHECK(!simdjsonOnlyDecoder().lastDecodeUsedFastPath());
        CHECK(snapshot(status, batch, true) == snapshot(referenceStatus, reference, true),
              fast ? "the fast path decoded an event otherwise than simdjson"
                   : "a declined event decoded otherwise than simdjson");
      } else {
        CHECK(!decoder().lastDecodeUsedFastPath());
      }
      // The same body again after another kind: same result (no state leaks
      // from one decode into the next).
      flow::SourceKind other = kind == flow::SourceKind::Kinesis ? flow::SourceKind::Http : flow::SourceKind::Kinesis;
      flow::Batch scratch;
      (void)decoder().decode(other, flow::PayloadFormat::Text, body, scratch);
      status = decoder().decode(kind, format, body, batch);
      CHECK(snapshot(status, batch) == first, "two decodes of one body differ");
    }
  }
}

// ------------------------------------------------------------- Runtime API answers

// A socketpair holding `input` (as much as its buffer takes: `sent` bytes)
// with its writing end shut: fds[0] reads it, fds[1] is the caller's to close.
bool feedSocket(std::string_view input, int fds[2], size_t& sent) {
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) return false;
  int big = 4 << 20;
  ::setsockopt(fds[1], SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
  ::setsockopt(fds[0], SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
  sent = 0;
  while (sent < input.size()) {
    ssize_t n = ::send(fds[1], input.data() + sent, input.size() - sent, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<size_t>(n);
  }
  ::shutdown(fds[1], SHUT_WR);
  return true;
}

// The same bytes read by nextStreamed(), the body received piece by piece as
// run() receives it for a handler with streamBody: the first answer is the
// one next() read (`ok`, `status`, `body`), and zeros follow what has
// arrived after every piece.
void checkStreamedAnswer(std::string_view fed, bool ok, int status, const std::string& body) {
  int fds[2];
  size_t sent = 0;
  if (!feedSocket(fed, fds, sent)) return;
  flow::detail::Endpoint nowhere;
  nowhere.hostPort = "fuzz";
  flow::detail::RuntimeClient client(nowhere);
  client.adoptConnection(fds[0]);
  flow::detail::HttpAnswer answer;
  std::string error;
  bool streamedOk = sent == fed.size() && client.nextStreamed(answer, error);
  for (int n = 0; streamedOk && client.bodyPending(); ++n) {
    streamedOk = client.receiveBody(error, n % 2 == 0);  // waiting, and taking what has arrived
    if (!streamedOk) CHECK(!error.empty());
    if (streamedOk && client.bodyPending()) {
      for (size_t i = 0; i < flow::kBodyPadding; ++i) {
        CHECK(answer.body.data()[client.bodyReceived() + i] == '\0', "no zeros after what has arrived");
      }
    }
  }
  if (sent == fed.size()) {
    CHECK(streamedOk == ok, "nextStreamed and next disagree on whether the answer is whole");
    if (ok) {
      CHECK(answer.status == status && answer.body == body, "nextStreamed read another answer than next");
      if (answer.body.data() != nullptr) {
        for (size_t i = 0; i < flow::kBodyPadding; ++i) CHECK(answer.body.data()[answer.body.size() + i] == '\0');
      }
    }
  }
  ::close(fds[1]);
}

// The Runtime API server's bytes are the input; the client reads them from
// a socketpair whose other end is closed for writing after the input. A
// reconnect goes to an endpoint with no address family, which fails at
// socket() without any traffic.
void checkAnswers(std::string_view input) {
  int fds[2];
  size_t sent = 0;
  if (!feedSocket(input, fds, sent)) return;
  std::string_view fed = input.substr(0, sent);


  // parseAnswerHead on its own, against an independent reading of the status line.
  size_t headEnd = fed.find("\r\n\r\n");
  bool headOk = false;
  flow::detail::AnswerHead head;
  if (headEnd != std::string_view::npos && headEnd + 4 <= flow::detail::kMaxHeaderBytes) {
    std::string error;
    std::string headText(fed.substr(0, headEnd + 2));
    headOk = flow::detail::parseAnswerHead(headText, head, error);
    if (headOk) {
      CHECK(headText.rfind("HTTP/1.", 0) == 0 && headText[8] == ' ');
      CHECK(head.status == std::atoi(headText.substr(9, 3).c_str()) && head.status >= 100 && head.status <= 999);
      CHECK(!head.haveLength || head.length < 1000000000000000000ULL);
      for (std::string_view v : {head.requestId, head.deadlineMs, head.functionArn, head.traceId}) {
        CHECK(v.find('\n') == std::string_view::npos && v.find('\r') == std::string_view::npos, "a header value spans lines");
        CHECK(v.empty() || (v.data() >= headText.data() && v.data() + v.size() <= headText.data() + headText.size()));
      }
    } else {
      CHECK(!error.empty());
    }
  }


  flow::detail::Endpoint nowhere;  // ss_family AF_UNSPEC: socket() fails
  nowhere.hostPort = "fuzz";
  flow::detail::RuntimeClient client(nowhere);
  client.adoptConnection(fds[0]);
  flow::detail::HttpAnswer answer;
  std::string error;
  bool firstOk = false;
  int firstStatus = 0;
  std::string firstBody;
  for (int round = 0; round < 4; ++round) {
    error.clear();
    bool ok = client.next(answer, error);
    if (round == 0) {
      firstOk = ok;
      firstStatus = answer.status;
      firstBody.assign(answer.body);
    }
    if (round == 0 && headOk && head.haveLength && !head.chunked && headEnd + 4 + head.length <= fed.size()) {
      // Content-Length framing, checked independently: the body is the bytes after the head.
      CHECK(ok, error);
      CHECK(answer.status == head.status);
      CHECK(answer.body == fed.substr(headEnd + 4, head.length), "the body is not the bytes after the head");
    }
    if (round == 0 && headEnd != std::string_view::npos && headEnd + 4 <= flow::detail::kMaxHeaderBytes && !headOk) {
      CHECK(!ok, "a head parseAnswerHead refuses was accepted");
    }
    if (!ok) {
      CHECK(!error.empty());
      break;
    }
    CHECK(answer.status >= 100 && answer.status <= 999);
    CHECK(!answer.tooLarge, "a small input read as too large");
    CHECK(answer.body.size() == answer.bodyLength && answer.body.size() <= fed.size());
    CHECK(answer.body.data() != nullptr || answer.body.empty());
    if (answer.body.data() != nullptr) {
      for (size_t i = 0; i < flow::kBodyPadding; ++i) CHECK(answer.body.data()[answer.body.size() + i] == '\0', "padding");
    }
    for (std::string_view v : {answer.requestId, answer.deadlineMs, answer.functionArn, answer.traceId}) {
      CHECK(v.size() <= fed.size());
      CHECK(v.find('\n') == std::string_view::npos, "a header value spans lines");
      touch(v);
    }
    // What run() does next: decode the event.
    if (round == 0 && answer.body.data() != nullptr) decodeAll(answer.body);
  }
  ::close(fds[1]);
  checkStreamedAnswer(fed, firstOk, firstStatus, firstBody);
}

// ------------------------------------------------------------- structure-aware mutation

const char* const kKeys[] = {
    "Records", "records", "kinesis", "data", "sequenceNumber", "partitionKey", "approximateArrivalTimestamp",
    "eventID", "eventSource", "eventSourceARN", "eventSourceArn", "body", "messageId", "attributes", "SentTimestamp",
    "ApproximateFirstReceiveTimestamp", "MessageGroupId", "dynamodb", "NewImage", "OldImage", "SequenceNumber",
    "ApproximateCreationDateTime", "eventName", "topic", "partition", "offset", "timestamp", "value", "key",
    "httpMethod", "path", "isBase64Encoded", "requestContext", "http", "method", "sourceIp", "identity",
    "requestTimeEpoch", "timeEpoch", "window", "start", "end", "state", "shardId", "isFinalInvokeForWindow",
    "isWindowTerminatedEarly"};

const char* const kStrings[] = {
    "", "aws:kinesis", "aws:sqs", "aws:dynamodb", "aws:kafka", "SelfManagedKafka", "REMOVE", "INSERT",
    "arn:aws:sqs:us-east-1:123456789012:q.fifo", "shardId-000000000006:4959", "2020-11-23T10:15:30Z",
    "2020-02-29T23:59:60.123456789+23:59", "9999-12-31T23:59:59.999-00:00", "2021-02-29T00:00:00Z", "1700000000000",
    "-1", "99999999999999999999", "eyJhIjoxfQ==", "QQ==", "QR==", "QUI=", "QUJ=", "@@@@", "====", "A===", "AB=C",
    "[1,{\"a\":[2]},\"x\",true,null, 3.5 ]", "[", "[1,", "[]", " [ {} , [] ] ", "{\"a\":1}", "line1\nline2\r\n\n",
    "\r\n", "\n", "not json", "\"\\u0000\\ud800\"", "\xff\xfe", "POST", "/path"};

const char* const kLiterals[] = {"0", "-1", "1.5", "1e308", "-1e308", "1e-320", "9223372036854775807",
                                 "-9223372036854775808", "18446744073709551616", "1700000000.123", "true", "false",
                                 "null", "{}", "[]", "[{}]", "{\"S\":\"x\"}"};

void appendString(std::string& out, std::string_view s) {
  out += '"';
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  out += '"';
}

struct Mutation {
  size_t target = 0;  // the node, in document order
  unsigned op = 0;
  std::mt19937& rng;
  size_t counter = 0;
};

void emit(simdjson::dom::element e, std::string& out, Mutation& m);

// A replacement value for a node.
void emitReplacement(std::string& out, Mutation& m, simdjson::dom::element original) {
  std::mt19937& rng = m.rng;
  switch (m.op % 5) {
    case 0: appendString(out, kStrings[rng() % std::size(kStrings)]); break;
    case 1: out += kLiterals[rng() % std::size(kLiterals)]; break;
    case 2: {  // base64 of random bytes, or of a JSON document
      std::string bytes;
      if (rng() % 2) {
        bytes = kStrings[rng() % std::size(kStrings)];
      } else {
        size_t n = rng() % 24;
        for (size_t i = 0; i < n; ++i) bytes += static_cast<char>(rng());
      }
      appendString(out, encodeBase64(bytes));
      break;
    }
    case 3: {  // a string grown or cut
      std::string_view s;
      if (original.get_string().get(s) == simdjson::SUCCESS) {
        std::string t(s);
        if (rng() % 2 && !t.empty()) {
          t.resize(rng() % t.size());
        } else {
          t += t.empty() ? std::string("x") : t;
        }
        appendString(out, t);
      } else {
        appendString(out, kStrings[rng() % std::size(kStrings)]);
      }
      break;
    }
    default: emit(original, out, m); break;  // unchanged (the mutation happens at its parent)
  }
}

void emit(simdjson::dom::element e, std::string& out, Mutation& m) {
  size_t node = m.counter++;
  if (node == m.target && m.op % 8 < 4) {
    emitReplacement(out, m, e);
    return;
  }
  bool here = node == m.target;  // ops 4–7 change this node's children
  switch (e.type()) {
    case simdjson::dom::element_type::ARRAY: {
      simdjson::dom::array a = e.get_array().value_unsafe();
      size_t n = a.size(), pick = n == 0 ? 0 : m.rng() % n;
      out += '[';
      bool first = true;
      size_t i = 0;
      for (simdjson::dom::element child : a) {
        int copies = 1;
        if (here && i == pick) copies = m.op % 8 == 4 ? 0 : 1 + static_cast<int>(m.rng() % 4);
        for (int k = 0; k < copies; ++k) {
          if (!first) out += ',';
          first = false;
          size_t saved = m.counter;
          emit(child, out, m);
          if (k + 1 < copies) m.counter = saved;  // copies are the same nodes
        }
        ++i;
      }
      if (here && n == 0) out += kLiterals[m.rng() % std::size(kLiterals)];
      out += ']';
      break;
    }
    case simdjson::dom::element_type::OBJECT: {
      simdjson::dom::object o = e.get_object().value_unsafe();
      size_t n = o.size(), pick = n == 0 ? 0 : m.rng() % n;
      out += '{';
      bool first = true;
      size_t i = 0;
      for (auto field : o) {
        int copies = 1;
        std::string_view key = field.key;
        if (here && i == pick) {
          switch (m.op % 8) {
            case 4: copies = 0; break;                                         // drop the member
            case 5: copies = 2; break;                                         // a duplicate key
            default: key = kKeys[m.rng() % std::size(kKeys)]; break;           // renamed
          }
        }
        for (int k = 0; k < copies; ++k) {
          if (!first) out += ',';
          first = false;
          appendString(out, key);
          out += ':';
          size_t saved = m.counter;
          emit(field.value, out, m);
          if (k + 1 < copies) m.counter = saved;
        }
        ++i;
      }
      if (here && n == 0) {
        appendString(out, kKeys[m.rng() % std::size(kKeys)]);
        out += ":";
        out += kLiterals[m.rng() % std::size(kLiterals)];
      }
      out += '}';
      break;
    }
    case simdjson::dom::element_type::STRING: appendString(out, e.get_string().value_unsafe()); break;
    case simdjson::dom::element_type::INT64: out += std::to_string(e.get_int64().value_unsafe()); break;
    case simdjson::dom::element_type::UINT64: out += std::to_string(e.get_uint64().value_unsafe()); break;
    case simdjson::dom::element_type::DOUBLE: {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.17g", e.get_double().value_unsafe());
      out += buf;
      break;
    }
    case simdjson::dom::element_type::BOOL: out += e.get_bool().value_unsafe() ? "true" : "false"; break;
    case simdjson::dom::element_type::NULL_VALUE: out += "null"; break;
  }
}

size_t countNodes(simdjson::dom::element e) {
  size_t n = 1;
  if (e.type() == simdjson::dom::element_type::ARRAY) {
    simdjson::dom::array a = e.get_array().value_unsafe();  // (not a temporary in the for: it would dangle)
    for (auto c : a) n += countNodes(c);
  } else if (e.type() == simdjson::dom::element_type::OBJECT) {
    simdjson::dom::object o = e.get_object().value_unsafe();
    for (auto f : o) n += countNodes(f.value);
  }
  return n;
}

// HTTP answers: numbers where framing is decided (Content-Length values,
// chunk-size lines) swapped for boundary values, a Content-Length body
// re-sent chunked, a framing header added.
const char* const kBoundaries[] = {"0", "1", "2", "f", "10", "40", "41", "ffff", "3fffff", "400000", "4000000",
                                   "6400000", "6291456", "6553600", "7fffffffffffffff", "8000000000000000",
                                   "fffffffffffffff", "fffffffffffffff0", "fffffffffffffffe", "ffffffffffffffff",
                                   "10000000000000000", "999999999999999999", "18446744073709551615"};
const char* const kHeaderLines[] = {"Transfer-Encoding: chunked\r\n", "Content-Length: 0\r\n", "Connection: close\r\n",
                                    "Connection: keep-alive\r\n", "Content-Length: 18446744073709551615\r\n",
                                    "Lambda-Runtime-Aws-Request-Id: a/../b\r\n", "X: \r\n", ": empty name\r\n"};

bool mutateHttp(std::string& s, std::mt19937& rng) {
  size_t headEnd = s.find("\r\n\r\n");
  if (headEnd == std::string::npos) return false;
  auto isHex = [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); };
  switch (rng() % 3) {
    case 0: {  // a framing number → a boundary value
      std::vector<std::pair<size_t, size_t>> numbers;  // [start, end)
      for (size_t i = 1; i < s.size(); ++i) {
        bool lineStart = s[i - 1] == '\n' && i > headEnd;
        bool afterLength = i >= 15 && s.compare(i - 15, 15, "Content-Length:") == 0;
        if (!lineStart && !afterLength) continue;
        size_t b = i;
        while (b < s.size() && s[b] == ' ') ++b;
        size_t e = b;
        while (e < s.size() && isHex(s[e])) ++e;
        if (e > b) numbers.emplace_back(b, e);
      }
      if (numbers.empty()) return false;
      auto [b, e] = numbers[rng() % numbers.size()];
      s.replace(b, e - b, kBoundaries[rng() % std::size(kBoundaries)]);
      return true;
    }
    case 1: {  // the body again, chunked (now and then with one size wrong)
      std::string head = s.substr(0, headEnd + 2), body = s.substr(headEnd + 4), chunked;
      size_t at = 0;
      bool lie = rng() % 2;
      while (at < body.size()) {
        size_t n = std::min(body.size() - at, static_cast<size_t>(1 + rng() % 64));
        char size[20];
        std::snprintf(size, sizeof size, "%zx", n);
        chunked += lie && rng() % 3 == 0 ? kBoundaries[rng() % std::size(kBoundaries)] : size;
        chunked += "\r\n" + body.substr(at, n) + "\r\n";
        at += n;
      }
      chunked += "0\r\n\r\n";
      size_t cl = head.find("Content-Length:");
      if (cl != std::string::npos) head.erase(cl, head.find("\r\n", cl) + 2 - cl);
      s = head + "Transfer-Encoding: chunked\r\n\r\n" + chunked;
      return true;
    }
    default: {  // one more header line after the status line
      size_t eol = s.find("\r\n");
      s.insert(eol + 2, kHeaderLines[rng() % std::size(kHeaderLines)]);
      return true;
    }
  }
}

}  // namespace

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t maxSize, unsigned int seed) {
  std::mt19937 rng(seed);
  if (rng() % 4 == 0 || size == 0) return LLVMFuzzerMutate(data, size, maxSize);
  if (size > 7 && std::memcmp(data, "HTTP/1.", 7) == 0) {
    std::string text(reinterpret_cast<const char*>(data), size);
    if (!mutateHttp(text, rng) || text.size() > maxSize) return LLVMFuzzerMutate(data, size, maxSize);
    std::memcpy(data, text.data(), text.size());
    return text.size();
  }
  if (data[0] != '{') return LLVMFuzzerMutate(data, size, maxSize);
  static simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(reinterpret_cast<const char*>(data), size, true).get(root) != simdjson::SUCCESS) {
    return LLVMFuzzerMutate(data, size, maxSize);
  }
  std::string out;
  int rounds = 1 + static_cast<int>(rng() % 3);
  for (int round = 0; round < rounds; ++round) {
    Mutation m{static_cast<size_t>(rng() % countNodes(root)), static_cast<unsigned>(rng()), rng};
    out.clear();
    emit(root, out, m);
    if (round + 1 < rounds && parser.parse(out).get(root) != simdjson::SUCCESS) break;
  }
  if (out.empty() || out.size() > maxSize) return LLVMFuzzerMutate(data, size, maxSize);
  std::memcpy(data, out.data(), out.size());
  return out.size();
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // The event as run() hands it over: followed by kBodyPadding zero bytes.
  std::vector<char> buffer(size + flow::kBodyPadding, '\0');
  if (size > 0) std::memcpy(buffer.data(), data, size);
  std::string_view input(buffer.data(), size);
  checkBase64(input);
  decodeAll(input);
  checkAnswers(input);
  return 0;
}
