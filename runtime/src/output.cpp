// One invocation's output (flow/output.h): rows, dead letters, accounting,
// the response body and the EMF line. The parts of the EMF line that never
// change (metric names, namespace, dimension) are built once per function.
#include "flow/output.h"

#include <cstdlib>
#include <ctime>

#include "flow/json_writer.h"
#include "flow/time.h"

namespace flow {
namespace {

int64_t monotonicNs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}

}  // namespace

std::string_view functionNameFromEnvironment() {
  const char* name = std::getenv("AWS_LAMBDA_FUNCTION_NAME");
  return name != nullptr && *name != '\0' ? std::string_view(name) : std::string_view("local");
}

Output::Output(std::string_view sourceName, std::span<const SinkSpec> sinks, std::string_view functionName)
    : source_(sourceName), function_(functionName) {
  for (const SinkSpec& spec : sinks) {
    Sink s;
    s.stream = std::string(spec.stream);
    s.kind = spec.kind;
    s.logPrefix = "{\"stream\":";
    appendJsonString(s.logPrefix, spec.stream);
    s.metricName = "RecordsOut_" + s.stream;
    sinks_.push_back(std::move(s));
  }
  // A stream read by two sinks gets one metric per sink kind.
  for (size_t i = 0; i < sinks_.size(); ++i) {
    for (size_t j = 0; j < sinks_.size(); ++j) {
      if (i != j && sinks_[i].stream == sinks_[j].stream) {
        sinks_[i].metricName += sinks_[i].kind == SinkKind::Log ? "_log" : "_response";
        break;
      }
    }
  }
  counts_.recordsOut.assign(sinks_.size(), 0);

  emfMetrics_ = ",\"CloudWatchMetrics\":[{\"Namespace\":\"flowc\",\"Dimensions\":[[\"function\"]],\"Metrics\":[";
  emfMetrics_ += "{\"Name\":\"RecordsIn\",\"Unit\":\"Count\"}";
  for (const Sink& s : sinks_) {
    emfMetrics_ += ",{\"Name\":";
    appendJsonString(emfMetrics_, s.metricName);
    emfMetrics_ += ",\"Unit\":\"Count\"}";
  }
  emfMetrics_ +=
      ",{\"Name\":\"RecordsDeadLettered\",\"Unit\":\"Count\"}"
      ",{\"Name\":\"RecordsSkipped\",\"Unit\":\"Count\"}"
      ",{\"Name\":\"RecordsRetried\",\"Unit\":\"Count\"}"
      ",{\"Name\":\"DurationMs\",\"Unit\":\"Milliseconds\"}]}]},\"function\":";
  appendJsonString(emfMetrics_, function_);
}

void Output::begin(const Batch& batch, Reply& reply) {
  startNs_ = monotonicNs();
  startMs_ = nowEpochMs();
  batch_ = &batch;
  reply_ = &reply;
  outcomes_.assign(batch.records.size(), Outcome::None);
  counts_.recordsIn = static_cast<int64_t>(batch.records.size());
  counts_.processed = counts_.deadLettered = counts_.retried = counts_.skipped = 0;
  for (auto& n : counts_.recordsOut) n = 0;
  for (Sink& s : sinks_) s.rows.clear();
  httpErrors_.clear();
  state_ = {};
  stopped_ = false;
}

void Output::setOutcome(size_t i, Outcome o) {
  // A second outcome for one record would break the accounting: the first wins
  // and finish() reports the record as unaccounted-for if it had none.
  if (i >= outcomes_.size() || outcomes_[i] != Outcome::None) return;
  outcomes_[i] = o;
  switch (o) {
    case Outcome::Processed: ++counts_.processed; break;
    case Outcome::DeadLettered: ++counts_.deadLettered; break;
    case Outcome::Retried: ++counts_.retried; break;
    case Outcome::Skipped: ++counts_.skipped; break;
    case Outcome::None: break;
  }
}

void Output::processed(size_t i) { setOutcome(i, Outcome::Processed); }
void Output::skip(size_t i) { setOutcome(i, Outcome::Skipped); }

void Output::retry(size_t i) {
  setOutcome(i, Outcome::Retried);
  if (batch_->ordered()) stopped_ = true;
}

void Output::deadLetter(size_t i, std::string_view reason) {
  if (i >= outcomes_.size() || outcomes_[i] != Outcome::None) return;
  setOutcome(i, Outcome::DeadLettered);
  const Record& rec = batch_->records[i];
  std::string& out = reply_->stdoutText;
  out += "{\"stream\":\"_dead_letter\",\"source\":";
  appendJsonString(out, source_);
  out += ",\"reason\":";
  appendJsonString(out, reason);
  out += ",\"record\":";
  appendJsonString(out, batch_->asReceived(rec));
  out += ",\"id\":";
  appendJsonString(out, rec.id);
  out += "}\n";
  // An API caller learns which elements of its request were refused, and why.
  if (batch_->kind == SourceKind::Http) {
    if (!httpErrors_.empty()) httpErrors_.push_back(',');
    httpErrors_ += "{\"record\":";
    httpErrors_ += std::to_string(i);
    httpErrors_ += ",\"reason\":";
    appendJsonString(httpErrors_, reason);
    httpErrors_.push_back('}');
  }
}

std::string& Output::beginLogRow(size_t sink) {
  std::string& out = reply_->stdoutText;
  out += sinks_[sink].logPrefix;
  return out;
}

void Output::endLogRow(size_t sink) {
  reply_->stdoutText += "}\n";
  ++counts_.recordsOut[sink];
}

std::string& Output::beginResponseRow(size_t sink) {
  std::string& rows = sinks_[sink].rows;
  if (!rows.empty()) rows.push_back(',');
  rows.push_back('{');
  return rows;
}

void Output::endResponseRow(size_t sink) {
  sinks_[sink].rows.push_back('}');
  ++counts_.recordsOut[sink];
}

void Output::finish() {
  Reply& reply = *reply_;
  const Batch& batch = *batch_;
  // Records after an ordered batch stopped are retried; any other record
  // without an outcome is a bug that must not lose it.
  size_t unaccounted = 0;
  for (size_t i = 0; i < outcomes_.size(); ++i) {
    if (outcomes_[i] != Outcome::None) continue;
    if (stopped_) {
      setOutcome(i, Outcome::Retried);
    } else {
      ++unaccounted;
    }
  }

  // The streams' rows as one JSON object.
  auto writeStreams = [&](std::string& out, bool& first) {
    for (const Sink& s : sinks_) {
      if (s.kind != SinkKind::Response) continue;
      if (!first) out.push_back(',');
      first = false;
      appendJsonString(out, s.stream);
      out += ":[";
      out += s.rows;
      out.push_back(']');
    }
  };
  std::string& body = reply.body;
  body.clear();
  if (batch.kind == SourceKind::Http) {
    scratch_.clear();
    scratch_.push_back('{');
    bool first = true;
    writeStreams(scratch_, first);
    if (!httpErrors_.empty()) {
      scratch_ += first ? "\"_errors\":[" : ",\"_errors\":[";
      scratch_ += httpErrors_;
      scratch_.push_back(']');
    }
    scratch_.push_back('}');
    // `on error retry` is rejected for http at compile time; if a record was
    // retried anyway the client must not take the answer for a success. A
    // request none of whose records was accepted is the caller's error (400);
    // a partly accepted one is a 200 that lists what was refused.
    bool nothingAccepted = counts_.processed == 0 && counts_.skipped == 0;
    body += counts_.retried > 0                                ? "{\"statusCode\":500"
            : counts_.deadLettered > 0 && nothingAccepted ? "{\"statusCode\":400"
                                                               : "{\"statusCode\":200";
    body += ",\"headers\":{\"content-type\":\"application/json\"},\"body\":";
    appendJsonString(body, scratch_);
    body.push_back('}');
  } else {
    body.push_back('{');
    bool first = true;
    writeStreams(body, first);
    if (!first) body.push_back(',');
    body += "\"batchItemFailures\":[";
    bool firstFailure = true;
    for (size_t i = 0; i < outcomes_.size(); ++i) {
      if (outcomes_[i] != Outcome::Retried) continue;
      if (!firstFailure) body.push_back(',');
      firstFailure = false;
      body += "{\"itemIdentifier\":";
      appendJsonString(body, batch.records[i].id);
      body.push_back('}');
    }
    body.push_back(']');
    if (!state_.empty()) {
      body += ",\"state\":";
      body += state_;
    }
    body.push_back('}');
  }

  writeEmf((monotonicNs() - startNs_) / 1000);

  if (unaccounted > 0) {
    reply.error = runtimeError("UnaccountedRecord", std::to_string(unaccounted) +
                                                        " record(s) were neither processed, dead-lettered, "
                                                        "retried nor skipped (a bug in the generated handler)");
  }
}

void Output::writeEmf(int64_t durationUs) {
  std::string& out = reply_->stdoutText;
  out += "{\"_aws\":{\"Timestamp\":";
  appendJsonInt(out, startMs_);
  out += emfMetrics_;
  out += ",\"RecordsIn\":";
  appendJsonInt(out, counts_.recordsIn);
  for (size_t i = 0; i < sinks_.size(); ++i) {
    out.push_back(',');
    appendJsonString(out, sinks_[i].metricName);
    out.push_back(':');
    appendJsonInt(out, counts_.recordsOut[i]);
  }
  out += ",\"RecordsDeadLettered\":";
  appendJsonInt(out, counts_.deadLettered);
  out += ",\"RecordsSkipped\":";
  appendJsonInt(out, counts_.skipped);
  out += ",\"RecordsRetried\":";
  appendJsonInt(out, counts_.retried);
  out += ",\"DurationMs\":";
  appendJsonDouble(out, static_cast<double>(durationUs) / 1000.0);
  out += "}\n";
}

}  // namespace flow
