// The SAM template as a small YAML tree (ordered maps, lists, scalars) and
// the block-style printer for it. Keeping the tree apart from the printing
// keeps indentation rules in one place.
#include "driver/sam_template.h"

#include <fmt/format.h>

#include <cctype>
#include <string_view>
#include <variant>

#include "support/json_writer.h"

namespace flowc {

namespace {

struct Yaml;
using YamlMap = std::vector<std::pair<std::string, Yaml>>;
using YamlList = std::vector<Yaml>;

struct Scalar {
  std::string text;  // already in YAML syntax: plain, quoted or a number
};

struct Yaml {
  std::variant<Scalar, YamlMap, YamlList> value;
  Yaml(Scalar s) : value(std::move(s)) {}
  Yaml(YamlMap m) : value(std::move(m)) {}
  Yaml(YamlList l) : value(std::move(l)) {}
};

bool isReservedPlain(std::string_view s) {
  std::string lower;
  for (char c : s) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  // YAML 1.1 booleans and nulls, which some readers still honour.
  for (const char* word : {"true", "false", "yes", "no", "on", "off", "y", "n", "null"}) {
    if (lower == word) return true;
  }
  return false;
}

// Plain when it starts with a letter, holds only characters that cannot
// start or end a YAML construct, and does not read as a boolean or null.
bool plainSafe(std::string_view s) {
  if (s.empty() || !std::isalpha(static_cast<unsigned char>(s.front())) || s.back() == ':') return false;
  for (char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.' && c != '-' && c != '/' &&
        c != ':')
      return false;
  }
  return !isReservedPlain(s);
}

Scalar str(std::string_view s) {
  if (plainSafe(s)) return {std::string(s)};
  std::string quoted;
  appendJsonString(quoted, s);  // a JSON string is a YAML double-quoted scalar
  return {quoted};
}

Scalar num(int64_t v) {
  return {std::to_string(v)};
}
Scalar boolean(bool b) {
  return {b ? "true" : "false"};
}

Yaml strList(const std::vector<std::string>& items) {
  YamlList list;
  for (const std::string& s : items) list.push_back(str(s));
  return list;
}

Yaml ref(const std::string& name) {
  return YamlMap{{"Ref", str(name)}};
}
Yaml getAtt(const std::string& resource, const std::string& attribute) {
  return YamlMap{{"Fn::GetAtt", YamlList{str(resource), str(attribute)}}};
}
Yaml sub(const std::string& text) {
  return YamlMap{{"Fn::Sub", str(text)}};
}
Yaml resource(const std::string& text) {
  return text.find("${") != std::string::npos ? sub(text) : Yaml(str(text));
}

std::string key(std::string_view k) {
  return plainSafe(k) ? std::string(k) : str(k).text;
}

void printValue(const Yaml& node, int indent, std::string& out);

void printMapBody(const YamlMap& map, int indent, std::string& out) {
  for (const auto& [k, v] : map) {
    out += std::string(static_cast<size_t>(indent), ' ') + key(k) + ":";
    printValue(v, indent + 2, out);
  }
}

void printListBody(const YamlList& list, int indent, std::string& out) {
  for (const Yaml& item : list) {
    std::string pad(static_cast<size_t>(indent), ' ');
    if (const auto* s = std::get_if<Scalar>(&item.value)) {
      out += pad + "- " + s->text + "\n";
    } else if (const auto* m = std::get_if<YamlMap>(&item.value); m && !m->empty()) {
      // "- " takes the place of the first entry's indentation.
      std::string body;
      printMapBody(*m, indent + 2, body);
      out += pad + "- " + body.substr(static_cast<size_t>(indent) + 2);
    } else {
      out += pad + "-";
      printValue(item, indent + 2, out);
    }
  }
}

// After "key:" or "-": the rest of the line and what follows.
void printValue(const Yaml& node, int indent, std::string& out) {
  if (const auto* s = std::get_if<Scalar>(&node.value)) {
    out += " " + s->text + "\n";
  } else if (const auto* m = std::get_if<YamlMap>(&node.value)) {
    if (m->empty()) {
      out += " {}\n";
    } else {
      out += "\n";
      printMapBody(*m, indent, out);
    }
  } else {
    const auto& list = std::get<YamlList>(node.value);
    if (list.empty()) {
      out += " []\n";
    } else {
      out += "\n";
      printListBody(list, indent, out);
    }
  }
}

constexpr const char* kFunctionId = "FlowFunction";
constexpr const char* kRoleId = "FlowFunctionRole";

bool validName(const std::string& s, size_t maxLength) {
  if (s.empty() || s.size() > maxLength) return false;
  for (char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
  }
  return true;
}

bool validEnvironmentName(const std::string& s) {
  if (s.empty() || !std::isalpha(static_cast<unsigned char>(s.front()))) return false;
  for (char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

YamlMap parameters(const SamFunction& f) {
  YamlMap params;
  params.emplace_back("FunctionName",
                      YamlMap{{"Type", str("String")},
                              {"Default", str(f.name)},
                              {"Description", str("name of the Lambda function (its log group follows it)")},
                              {"AllowedPattern", str("^[A-Za-z0-9_-]{1,64}$")}});
  if (f.source == SamEventSource::Kinesis) {
    params.emplace_back(
        "StreamArn",
        YamlMap{{"Type", str("String")},
                {"Description", str("ARN of the Kinesis data stream the function reads")},
                {"AllowedPattern", str("^arn:aws[a-z-]*:kinesis:[a-z0-9-]+:[0-9]{12}:stream/.+$")}});
  } else if (f.source == SamEventSource::DynamoDb) {
    params.emplace_back(
        "StreamArn",
        YamlMap{{"Type", str("String")},
                {"Description", str("ARN of the DynamoDB table's stream the function reads (its view type must "
                                    "include new images, and old images to see what a REMOVE deleted)")},
                {"AllowedPattern", str("^arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:[0-9]{12}:table/.+/stream/.+$")}});
  } else if (f.source == SamEventSource::Sqs) {
    params.emplace_back(
        "QueueArn",
        YamlMap{{"Type", str("String")},
                {"Description", str(f.sqsFifo ? "ARN of the SQS FIFO queue the function reads"
                                              : "ARN of the SQS queue the function reads")},
                {"AllowedPattern", str(f.sqsFifo ? "^arn:aws[a-z-]*:sqs:[a-z0-9-]+:[0-9]{12}:.+\\.fifo$"
                                                 : "^arn:aws[a-z-]*:sqs:[a-z0-9-]+:[0-9]{12}:.+$")}});
  }
  return params;
}

std::optional<Yaml> events(const SamFunction& f) {
  switch (f.source) {
    case SamEventSource::None:
    case SamEventSource::FunctionUrl: return std::nullopt;
    case SamEventSource::Kinesis:
    case SamEventSource::DynamoDb: {
      YamlMap props{{"Stream", ref("StreamArn")},
                    {"StartingPosition", str("LATEST")},
                    {"BatchSize", num(f.batchSize)},
                    {"MaximumBatchingWindowInSeconds", num(f.maximumBatchingWindowSeconds)},
                    // A failing batch is split in halves until the bad record
                    // stands alone, so good records are not held back by it.
                    {"BisectBatchOnFunctionError", boolean(true)},
                    {"FunctionResponseTypes", strList({"ReportBatchItemFailures"})}};
      if (f.tumblingWindowSeconds)
        props.emplace_back("TumblingWindowInSeconds", num(*f.tumblingWindowSeconds));
      if (f.maximumRetryAttempts) props.emplace_back("MaximumRetryAttempts", num(*f.maximumRetryAttempts));
      const char* type = f.source == SamEventSource::Kinesis ? "Kinesis" : "DynamoDB";
      return YamlMap{{"Stream", YamlMap{{"Type", str(type)}, {"Properties", props}}}};
    }
    case SamEventSource::Sqs: {
      YamlMap props{{"Queue", ref("QueueArn")}, {"BatchSize", num(f.batchSize)}};
      // FIFO queues take no batching window.
      if (!f.sqsFifo)
        props.emplace_back("MaximumBatchingWindowInSeconds", num(f.maximumBatchingWindowSeconds));
      props.emplace_back("FunctionResponseTypes", strList({"ReportBatchItemFailures"}));
      return YamlMap{{"Queue", YamlMap{{"Type", str("SQS")}, {"Properties", props}}}};
    }
    case SamEventSource::HttpApi:
      // No path or method: the implicit API's $default route, every request.
      return YamlMap{{"Http", YamlMap{{"Type", str("HttpApi")},
                                      {"Properties", YamlMap{{"PayloadFormatVersion", str("2.0")}}}}}};
    case SamEventSource::RestApi:
      return YamlMap{
          {"Http", YamlMap{{"Type", str("Api")},
                           {"Properties", YamlMap{{"Path", str("/{proxy+}")}, {"Method", str("ANY")}}}}}};
  }
  return std::nullopt;
}

// Only what the function does: its event source's reads, its own log group,
// and whatever its sinks add.
YamlList policyStatements(const SamFunction& f) {
  YamlList statements;
  auto allow = [&](const std::vector<std::string>& actions, YamlList resources) {
    statements.push_back(
        YamlMap{{"Effect", str("Allow")}, {"Action", strList(actions)}, {"Resource", resources}});
  };
  allow({"logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"},
        {sub("arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/lambda/"
             "${FunctionName}"),
         sub("arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/lambda/"
             "${FunctionName}:*")});
  if (f.source == SamEventSource::Kinesis) {
    allow({"kinesis:GetRecords", "kinesis:GetShardIterator", "kinesis:DescribeStream",
           "kinesis:DescribeStreamSummary", "kinesis:ListShards"},
          {ref("StreamArn")});
    // ListStreams names no stream: IAM accepts only "*" for it.
    allow({"kinesis:ListStreams"}, {str("*")});
  } else if (f.source == SamEventSource::DynamoDb) {
    allow({"dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:DescribeStream"}, {ref("StreamArn")});
    allow({"dynamodb:ListStreams"}, {str("*")});
  } else if (f.source == SamEventSource::Sqs) {
    allow(
        {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"},
        {ref("QueueArn")});
  }
  for (const SamPolicyStatement& s : f.extraStatements) {
    YamlList resources;
    for (const std::string& r : s.resources) resources.push_back(resource(r));
    allow(s.actions, resources);
  }
  return statements;
}

YamlMap outputs(const SamFunction& f) {
  YamlMap out{{"FunctionArn",
               YamlMap{{"Description", str("the function's ARN")}, {"Value", getAtt(kFunctionId, "Arn")}}}};
  if (f.source == SamEventSource::HttpApi) {
    out.emplace_back("Url", YamlMap{{"Description", str("the HTTP API's URL")},
                                    {"Value", sub("https://${ServerlessHttpApi}.execute-api.${AWS::Region}."
                                                  "${AWS::URLSuffix}/")}});
  } else if (f.source == SamEventSource::RestApi) {
    out.emplace_back("Url", YamlMap{{"Description", str("the REST API's URL (stage Prod)")},
                                    {"Value", sub("https://${ServerlessRestApi}.execute-api.${AWS::Region}."
                                                  "${AWS::URLSuffix}/Prod/")}});
  } else if (f.source == SamEventSource::FunctionUrl) {
    out.emplace_back("Url", YamlMap{{"Description", str("the function URL")},
                                    {"Value", getAtt(std::string(kFunctionId) + "Url", "FunctionUrl")}});
  }
  return out;
}

}  // namespace

std::vector<std::string> validateSamFunction(const SamFunction& f) {
  std::vector<std::string> problems;
  auto range = [&](const char* what, int64_t v, int64_t lo, int64_t hi) {
    if (v < lo || v > hi)
      problems.push_back(fmt::format("{} must be between {} and {}, not {}", what, lo, hi, v));
  };
  if (!validName(f.name, 64))
    problems.push_back(fmt::format("function name '{}' must be 1 to 64 letters, digits, '-' or '_'", f.name));
  if (f.codeUri.empty()) problems.push_back("the template needs the zip's path (CodeUri)");
  range("memory size (MB)", f.memoryMb, 128, 10240);
  range("timeout (seconds)", f.timeoutSeconds, 1, 900);
  bool stream = f.source == SamEventSource::Kinesis || f.source == SamEventSource::DynamoDb;
  bool batched = stream || f.source == SamEventSource::Sqs;
  if (stream) {
    range(f.source == SamEventSource::Kinesis ? "Kinesis batch size" : "DynamoDB Streams batch size", f.batchSize,
          1, 10000);
    range("batching window (seconds)", f.maximumBatchingWindowSeconds, 0, 300);
    if (f.tumblingWindowSeconds) range("tumbling window (seconds)", *f.tumblingWindowSeconds, 1, 900);
    if (f.maximumRetryAttempts) range("maximum retry attempts", *f.maximumRetryAttempts, -1, 10000);
  } else if (f.source == SamEventSource::Sqs && f.sqsFifo) {
    range("SQS FIFO batch size", f.batchSize, 1, 10);
    if (f.maximumBatchingWindowSeconds != 0) problems.push_back("an SQS FIFO queue takes no batching window");
  } else if (f.source == SamEventSource::Sqs) {
    range("SQS batch size", f.batchSize, 1, 10000);
    range("batching window (seconds)", f.maximumBatchingWindowSeconds, 0, 300);
    if (f.batchSize > 10 && f.maximumBatchingWindowSeconds < 1)
      problems.push_back("an SQS batch size over 10 needs a batching window of at least 1 second");
  }
  if (!stream && f.tumblingWindowSeconds)
    problems.push_back("only a Kinesis or DynamoDB Streams source takes a tumbling window");
  if (!stream && f.maximumRetryAttempts)
    problems.push_back("only a Kinesis or DynamoDB Streams source takes a maximum retry count");
  if (!batched && f.sqsFifo) problems.push_back("FIFO applies to an SQS source only");
  if (f.source == SamEventSource::FunctionUrl && f.functionUrlAuth != "AWS_IAM" &&
      f.functionUrlAuth != "NONE")
    problems.push_back(fmt::format("function URL auth '{}' must be AWS_IAM or NONE", f.functionUrlAuth));
  for (const auto& [name, value] : f.environment) {
    if (!validEnvironmentName(name))
      problems.push_back(
          fmt::format("environment variable name '{}' must be a letter then letters, digits or '_'", name));
  }
  for (const SamPolicyStatement& s : f.extraStatements) {
    if (s.actions.empty() || s.resources.empty())
      problems.push_back("a policy statement needs at least one action and one resource");
  }
  return problems;
}

std::string renderSamTemplate(const SamFunction& f) {
  YamlMap properties{{"FunctionName", ref("FunctionName")}};
  if (!f.description.empty()) properties.emplace_back("Description", str(f.description));
  properties.emplace_back("CodeUri", str(f.codeUri));
  properties.emplace_back("Handler", str("bootstrap"));
  properties.emplace_back("Runtime", str("provided.al2023"));
  properties.emplace_back("Architectures", strList({archName(f.arch)}));
  properties.emplace_back("MemorySize", num(f.memoryMb));
  properties.emplace_back("Timeout", num(f.timeoutSeconds));
  properties.emplace_back("Role", getAtt(kRoleId, "Arn"));
  if (!f.environment.empty()) {
    YamlMap variables;
    for (const auto& [name, value] : f.environment) variables.emplace_back(name, str(value));
    properties.emplace_back("Environment", YamlMap{{"Variables", variables}});
  }
  if (f.source == SamEventSource::FunctionUrl)
    properties.emplace_back("FunctionUrlConfig", YamlMap{{"AuthType", str(f.functionUrlAuth)}});
  if (auto e = events(f)) properties.emplace_back("Events", *e);

  YamlMap role{
      {"Type", str("AWS::IAM::Role")},
      {"Properties",
       YamlMap{{"AssumeRolePolicyDocument",
                YamlMap{{"Version", str("2012-10-17")},
                        {"Statement",
                         YamlList{YamlMap{{"Effect", str("Allow")},
                                          {"Principal", YamlMap{{"Service", str("lambda.amazonaws.com")}}},
                                          {"Action", str("sts:AssumeRole")}}}}}},
               {"Policies",
                YamlList{YamlMap{{"PolicyName", str("flowc-function")},
                                 {"PolicyDocument", YamlMap{{"Version", str("2012-10-17")},
                                                            {"Statement", policyStatements(f)}}}}}}}}};

  YamlMap doc{
      {"AWSTemplateFormatVersion", str("2010-09-09")},
      {"Transform", str("AWS::Serverless-2016-10-31")},
      {"Description",
       str(f.description.empty() ? fmt::format("{} (built by flowc)", f.name) : f.description)},
      {"Parameters", parameters(f)},
      {"Resources",
       YamlMap{{kFunctionId, YamlMap{{"Type", str("AWS::Serverless::Function")}, {"Properties", properties}}},
               {kRoleId, role}}},
      {"Outputs", outputs(f)},
  };
  std::string out = "# AWS SAM template written by flowc. Deploy with: sam deploy --guided\n";
  printMapBody(doc, 0, out);
  return out;
}

}  // namespace flowc
