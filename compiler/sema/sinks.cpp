// Sink targets (LANGUAGE.md §7): which kinds need a target name, which
// options each kind takes (and which it requires), and that the columns an
// option names exist in what the sink reads. Shared by `sink X to …`,
// `dead_letter to …` and a source's `on error dead_letter to …`.
#include <fmt/format.h>

#include <algorithm>

#include "sema/analyzer.h"

namespace flowc::sema::detail {

using ast::SinkKind;

namespace {

bool isAws(SinkKind k) {
  return k != SinkKind::Log && k != SinkKind::Metrics && k != SinkKind::Response;
}

const char* targetExample(SinkKind k) {
  switch (k) {
    case SinkKind::Kinesis: return "kinesis 'stream-name' partition key <column>";
    case SinkKind::Firehose: return "firehose 'delivery-stream-name'";
    case SinkKind::Sqs: return "sqs 'queue-name'";
    case SinkKind::Sns: return "sns 'topic-arn'";
    case SinkKind::S3: return "s3 'bucket-name'";
    case SinkKind::DynamoDB: return "dynamodb 'table-name'";
    default: return "";
  }
}

// The one sink kind an option belongs to, or null for `region` (any AWS kind).
const char* optionOwner(const std::string& option, SinkKind& owner) {
  if (option == "namespace" || option == "dimensions") {
    owner = SinkKind::Metrics;
    return "metrics";
  }
  if (option == "partition key") {
    owner = SinkKind::Kinesis;
    return "kinesis";
  }
  if (option == "message group") {
    owner = SinkKind::Sqs;
    return "sqs";
  }
  if (option == "prefix") {
    owner = SinkKind::S3;
    return "s3";
  }
  return nullptr;
}

std::vector<std::string> columnNames(const std::vector<ast::Column>& columns) {
  std::vector<std::string> names;
  for (const ast::Column& c : columns) names.push_back(c.name);
  return names;
}

void checkColumn(const std::string& name, SourceRange range, const char* option, const std::string& reads,
                 const std::vector<ast::Column>* columns, Diagnostics& diags) {
  if (!columns) return;
  if (std::any_of(columns->begin(), columns->end(), [&](const ast::Column& c) { return c.name == name; }))
    return;
  std::string close = closestName(name, columnNames(*columns));
  diags.error(range, fmt::format("{} {} is not a column of {}", option, quoted(name), quoted(reads)),
              close.empty() ? std::string() : fmt::format("did you mean '{}'?", close));
}

}  // namespace

void checkSinkTarget(const ast::SinkTarget& target, const std::string& reads,
                     const std::vector<ast::Column>* columns, Diagnostics& diags) {
  const char* kind = ast::sinkKindName(target.kind);
  if (!isAws(target.kind) && target.target) {
    diags.error(target.targetRange, fmt::format("a {} sink takes no target name", kind),
                fmt::format("write `to {}`", kind));
  }
  if (isAws(target.kind) && !target.target) {
    diags.error(target.kindRange, fmt::format("a {} sink needs a target name", kind),
                fmt::format("e.g. to {}", targetExample(target.kind)));
  }

  std::vector<std::string> seen;
  bool hasNamespace = false;
  bool hasPartitionKey = false;
  for (const ast::SinkOption& opt : target.options) {
    if (std::find(seen.begin(), seen.end(), opt.name) != seen.end()) {
      diags.error(opt.range, fmt::format("option '{}' is given twice", opt.name));
      continue;
    }
    seen.push_back(opt.name);
    SinkKind owner = SinkKind::Log;
    const char* ownerName = optionOwner(opt.name, owner);
    if (opt.name == "region") {
      if (!isAws(target.kind)) {
        diags.error(opt.range, fmt::format("option 'region' applies only to AWS sinks, not to {}", kind));
      }
      continue;
    }
    if (!ownerName) {
      diags.error(opt.range, fmt::format("unknown sink option '{}'", opt.name));
      continue;
    }
    if (owner != target.kind) {
      diags.error(opt.range,
                  fmt::format("option '{}' applies only to {} sinks, not to {}", opt.name, ownerName, kind));
      continue;
    }
    if (opt.name == "namespace") {
      hasNamespace = true;
      if (opt.text.empty()) diags.error(opt.valueRange, "the metrics namespace must not be empty");
    } else if (opt.name == "dimensions") {
      for (const std::string& d : opt.list)
        checkColumn(d, opt.valueRange, "dimension", reads, columns, diags);
      if (opt.list.size() > 30) {
        diags.error(opt.valueRange,
                    fmt::format("{} dimensions; CloudWatch takes at most 30", opt.list.size()));
      }
    } else if (opt.name == "partition key") {
      hasPartitionKey = true;
      checkColumn(opt.text, opt.valueRange, "partition key", reads, columns, diags);
    } else if (opt.name == "message group") {
      checkColumn(opt.text, opt.valueRange, "message group", reads, columns, diags);
    }
  }

  if (target.kind == SinkKind::Metrics) {
    if (!hasNamespace) {
      diags.error(target.kindRange, "a metrics sink needs a namespace", "e.g. to metrics namespace 'MyApp'");
    }
    if (columns && std::none_of(columns->begin(), columns->end(), [](const ast::Column& c) {
          return c.type.isNumeric() || c.type.base == ast::BaseType::Error;
        })) {
      diags.error(target.kindRange,
                  fmt::format("{} has no numeric column to report as a metric", quoted(reads)),
                  "metrics are the int and float columns of the rows");
    }
  }
  if (target.kind == SinkKind::Kinesis && !hasPartitionKey) {
    diags.error(target.kindRange, "a kinesis sink needs a partition key",
                "add `partition key <column>`: Kinesis places each record on a shard by it");
  }
}

}  // namespace flowc::sema::detail
