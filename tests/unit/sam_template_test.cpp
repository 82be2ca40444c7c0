// Unit tests of compiler/driver/sam_template: every template is read back
// by a real YAML parser (PyYAML, Debian's python3-yaml), turned into JSON and
// checked field by field, so a quoting or indentation slip fails here, not
// at `sam deploy`.
#include "driver/sam_template.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <simdjson.h>

#include <set>
#include <string>
#include <vector>

#include "support/process.h"

namespace {

using namespace flowc;

constexpr const char* kYamlToJson =
    "import json, sys, yaml\n"
    "print(json.dumps(yaml.safe_load(sys.stdin.read())))\n";

class SamTemplateTest : public ::testing::Test {
 protected:
  // Parses the template; the element stays valid until the next call.
  simdjson::dom::element load(const SamFunction& f) {
    text_ = renderSamTemplate(f);
    CommandOptions o;
    o.input = text_;
    CommandResult py = runCommand({"/usr/bin/python3", "-c", kYamlToJson}, o);
    EXPECT_TRUE(py.ok()) << py.describe("python3") << "\n" << py.err << "\n" << text_;
    json_ = py.out;
    simdjson::dom::element doc;
    auto error = parser_.parse(json_).get(doc);
    EXPECT_EQ(error, simdjson::SUCCESS) << json_;
    return doc;
  }

  static SamFunction kinesis() {
    SamFunction f;
    f.name = "clickstream";
    f.codeUri = "clickstream.zip";
    f.source = SamEventSource::Kinesis;
    f.batchSize = 500;
    f.maximumBatchingWindowSeconds = 5;
    return f;
  }

  static std::string json(simdjson::dom::element e) { return simdjson::to_string(e); }

  static std::set<std::string> actions(simdjson::dom::element doc) {
    std::set<std::string> out;
    for (simdjson::dom::element s :
         doc.at_pointer("/Resources/FlowFunctionRole/Properties/Policies/0/PolicyDocument/Statement")
             .get_array()) {
      for (simdjson::dom::element a : s["Action"].get_array()) out.insert(std::string(std::string_view(a)));
    }
    return out;
  }

  std::string text_;
  std::string json_;
  simdjson::dom::parser parser_;
};

TEST_F(SamTemplateTest, KinesisFunction) {
  SamFunction f = kinesis();
  f.tumblingWindowSeconds = 60;
  f.maximumRetryAttempts = 3;
  simdjson::dom::element doc = load(f);
  EXPECT_EQ(std::string_view(doc["AWSTemplateFormatVersion"]), "2010-09-09");
  EXPECT_EQ(std::string_view(doc["Transform"]), "AWS::Serverless-2016-10-31");

  simdjson::dom::element fn = doc.at_pointer("/Resources/FlowFunction");
  EXPECT_EQ(std::string_view(fn["Type"]), "AWS::Serverless::Function");
  simdjson::dom::element p = fn["Properties"];
  EXPECT_EQ(std::string_view(p["Runtime"]), "provided.al2023");
  EXPECT_EQ(std::string_view(p["Handler"]), "bootstrap");
  EXPECT_EQ(json(p["Architectures"]), R"(["x86_64"])");
  EXPECT_EQ(std::string_view(p["CodeUri"]), "clickstream.zip");
  EXPECT_EQ(int64_t(p["MemorySize"]), 256);
  EXPECT_EQ(int64_t(p["Timeout"]), 30);
  EXPECT_EQ(json(p["FunctionName"]), R"({"Ref":"FunctionName"})");
  EXPECT_EQ(json(p["Role"]), R"({"Fn::GetAtt":["FlowFunctionRole","Arn"]})");
  EXPECT_EQ(
      json(p["Events"]),
      R"({"Stream":{"Type":"Kinesis","Properties":{"Stream":{"Ref":"StreamArn"},"StartingPosition":"LATEST",)"
      R"("BatchSize":500,"MaximumBatchingWindowInSeconds":5,"BisectBatchOnFunctionError":true,)"
      R"("FunctionResponseTypes":["ReportBatchItemFailures"],"TumblingWindowInSeconds":60,)"
      R"("MaximumRetryAttempts":3}}})");

  EXPECT_EQ(std::string_view(doc.at_pointer("/Parameters/FunctionName/Default")), "clickstream");
  EXPECT_EQ(std::string_view(doc.at_pointer("/Parameters/StreamArn/Type")), "String");
  EXPECT_TRUE(doc.at_pointer("/Parameters/QueueArn").error());

  EXPECT_EQ(actions(doc), (std::set<std::string>{
                              "logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents",
                              "kinesis:GetRecords", "kinesis:GetShardIterator", "kinesis:DescribeStream",
                              "kinesis:DescribeStreamSummary", "kinesis:ListShards", "kinesis:ListStreams"}));
  simdjson::dom::element statements =
      doc.at_pointer("/Resources/FlowFunctionRole/Properties/Policies/0/PolicyDocument/Statement");
  EXPECT_EQ(
      json(statements.at(0)["Resource"]),
      R"([{"Fn::Sub":"arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/lambda/${FunctionName}"},)"
      R"({"Fn::Sub":"arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/lambda/${FunctionName}:*"}])");
  EXPECT_EQ(json(statements.at(1)["Resource"]), R"([{"Ref":"StreamArn"}])");
  EXPECT_EQ(json(statements.at(2)),
            R"({"Effect":"Allow","Action":["kinesis:ListStreams"],"Resource":["*"]})");
  EXPECT_EQ(
      json(doc.at_pointer("/Resources/FlowFunctionRole/Properties/AssumeRolePolicyDocument")),
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},)"
      R"("Action":"sts:AssumeRole"}]})");
  EXPECT_EQ(json(doc.at_pointer("/Outputs/FunctionArn/Value")), R"({"Fn::GetAtt":["FlowFunction","Arn"]})");
  EXPECT_TRUE(validateSamFunction(f).empty());
}

// A DynamoDB Streams source is a stream like Kinesis (the same mapping
// properties, AWS::Serverless::Function's DynamoDB event), read with the
// dynamodb: actions the AWSLambdaDynamoDBExecutionRole managed policy grants.
TEST_F(SamTemplateTest, DynamoDbStreamFunction) {
  SamFunction f;
  f.name = "orders";
  f.codeUri = "orders.zip";
  f.source = SamEventSource::DynamoDb;
  f.tumblingWindowSeconds = 300;
  simdjson::dom::element doc = load(f);
  EXPECT_EQ(
      json(doc.at_pointer("/Resources/FlowFunction/Properties/Events")),
      R"({"Stream":{"Type":"DynamoDB","Properties":{"Stream":{"Ref":"StreamArn"},"StartingPosition":"LATEST",)"
      R"("BatchSize":100,"MaximumBatchingWindowInSeconds":0,"BisectBatchOnFunctionError":true,)"
      R"("FunctionResponseTypes":["ReportBatchItemFailures"],"TumblingWindowInSeconds":300}}})");
  EXPECT_EQ(std::string_view(doc.at_pointer("/Parameters/StreamArn/AllowedPattern")),
            "^arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:[0-9]{12}:table/.+/stream/.+$");
  EXPECT_EQ(actions(doc), (std::set<std::string>{"logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents",
                                                 "dynamodb:GetRecords", "dynamodb:GetShardIterator",
                                                 "dynamodb:DescribeStream", "dynamodb:ListStreams"}));
  simdjson::dom::element statements =
      doc.at_pointer("/Resources/FlowFunctionRole/Properties/Policies/0/PolicyDocument/Statement");
  EXPECT_EQ(json(statements.at(1)["Resource"]), R"([{"Ref":"StreamArn"}])");
  EXPECT_EQ(json(statements.at(2)), R"({"Effect":"Allow","Action":["dynamodb:ListStreams"],"Resource":["*"]})");
  EXPECT_TRUE(validateSamFunction(f).empty());
  f.batchSize = 10001;
  EXPECT_EQ(validateSamFunction(f), std::vector<std::string>{
                                        "DynamoDB Streams batch size must be between 1 and 10000, not 10001"});
}

TEST_F(SamTemplateTest, SqsStandardAndFifo) {
  SamFunction f;
  f.name = "orders";
  f.codeUri = "orders.zip";
  f.arch = Arch::Arm64;
  f.source = SamEventSource::Sqs;
  f.batchSize = 10;
  simdjson::dom::element doc = load(f);
  EXPECT_EQ(json(doc.at_pointer("/Resources/FlowFunction/Properties/Architectures")), R"(["arm64"])");
  EXPECT_EQ(json(doc.at_pointer("/Resources/FlowFunction/Properties/Events")),
            R"({"Queue":{"Type":"SQS","Properties":{"Queue":{"Ref":"QueueArn"},"BatchSize":10,)"
            R"("MaximumBatchingWindowInSeconds":0,"FunctionResponseTypes":["ReportBatchItemFailures"]}}})");
  EXPECT_EQ(actions(doc),
            (std::set<std::string>{"logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents",
                                   "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes",
                                   "sqs:ChangeMessageVisibility"}));
  EXPECT_TRUE(doc.at_pointer("/Parameters/StreamArn").error());
  EXPECT_NE(std::string_view(doc.at_pointer("/Parameters/QueueArn/AllowedPattern")).find("sqs"),
            std::string::npos);
  EXPECT_TRUE(validateSamFunction(f).empty());

  f.sqsFifo = true;
  doc = load(f);
  // No batching window for FIFO queues: Lambda refuses one.
  EXPECT_EQ(
      json(doc.at_pointer("/Resources/FlowFunction/Properties/Events/Queue/Properties")),
      R"({"Queue":{"Ref":"QueueArn"},"BatchSize":10,"FunctionResponseTypes":["ReportBatchItemFailures"]})");
  EXPECT_NE(std::string_view(doc.at_pointer("/Parameters/QueueArn/AllowedPattern")).find("\\.fifo$"),
            std::string::npos);
  EXPECT_TRUE(validateSamFunction(f).empty());
}

TEST_F(SamTemplateTest, HttpSources) {
  SamFunction f;
  f.name = "api";
  f.codeUri = "/abs/path/api.zip";
  f.source = SamEventSource::HttpApi;
  simdjson::dom::element doc = load(f);
  EXPECT_EQ(json(doc.at_pointer("/Resources/FlowFunction/Properties/Events")),
            R"({"Http":{"Type":"HttpApi","Properties":{"PayloadFormatVersion":"2.0"}}})");
  EXPECT_EQ(json(doc.at_pointer("/Outputs/Url/Value")),
            R"({"Fn::Sub":"https://${ServerlessHttpApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}/"})");
  EXPECT_EQ(actions(doc),
            (std::set<std::string>{"logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"}));
  EXPECT_TRUE(doc.at_pointer("/Resources/FlowFunction/Properties/FunctionUrlConfig").error());

  f.source = SamEventSource::RestApi;
  doc = load(f);
  EXPECT_EQ(json(doc.at_pointer("/Resources/FlowFunction/Properties/Events")),
            R"({"Http":{"Type":"Api","Properties":{"Path":"/{proxy+}","Method":"ANY"}}})");

  f.source = SamEventSource::FunctionUrl;
  f.functionUrlAuth = "NONE";
  doc = load(f);
  EXPECT_TRUE(doc.at_pointer("/Resources/FlowFunction/Properties/Events").error());
  EXPECT_EQ(json(doc.at_pointer("/Resources/FlowFunction/Properties/FunctionUrlConfig")),
            R"({"AuthType":"NONE"})");
  EXPECT_EQ(json(doc.at_pointer("/Outputs/Url/Value")),
            R"({"Fn::GetAtt":["FlowFunctionUrl","FunctionUrl"]})");
}

TEST_F(SamTemplateTest, AwkwardStringsSurviveQuoting) {
  SamFunction f = kinesis();
  f.description = "clicks: \"slow\" pages\n\tand more — über # not a comment";
  f.codeUri = "out dir/my: zip.zip";
  f.environment = {{"FLAG", "yes"},       {"EMPTY", ""},  {"NUMBER", "0123"},  {"NULLISH", "null"},
                   {"LEADING", " space"}, {"STAR", "*"},  {"BRACE", "{a: b}"}, {"DASH", "- item"},
                   {"FLOAT", "1e5"},      {"TILDE", "~"}, {"OCTAL", "0o17"},   {"TIME", "12:30"}};
  simdjson::dom::element doc = load(f);
  simdjson::dom::element p = doc.at_pointer("/Resources/FlowFunction/Properties");
  EXPECT_EQ(std::string_view(p["Description"]), f.description);
  EXPECT_EQ(std::string_view(doc["Description"]), f.description);
  EXPECT_EQ(std::string_view(p["CodeUri"]), f.codeUri);
  for (const auto& [name, value] : f.environment) {
    SCOPED_TRACE(name);
    simdjson::dom::element v = p["Environment"]["Variables"][name];
    ASSERT_TRUE(v.is_string()) << json(v);
    EXPECT_EQ(std::string_view(v), value);
  }
}

TEST_F(SamTemplateTest, SinkStatementsAndDeterminism) {
  SamFunction f = kinesis();
  f.extraStatements = {{{"kinesis:PutRecords"},
                        {"arn:${AWS::Partition}:kinesis:${AWS::Region}:${AWS::AccountId}:stream/page-stats"}},
                       {{"sqs:SendMessage"}, {"arn:aws:sqs:eu-west-1:123456789012:alerts"}}};
  simdjson::dom::element doc = load(f);
  simdjson::dom::element statements =
      doc.at_pointer("/Resources/FlowFunctionRole/Properties/Policies/0/PolicyDocument/Statement");
  EXPECT_EQ(json(statements.at(3)),
            R"({"Effect":"Allow","Action":["kinesis:PutRecords"],"Resource":[{"Fn::Sub":)"
            R"("arn:${AWS::Partition}:kinesis:${AWS::Region}:${AWS::AccountId}:stream/page-stats"}]})");
  EXPECT_EQ(
      json(statements.at(4)),
      R"({"Effect":"Allow","Action":["sqs:SendMessage"],"Resource":["arn:aws:sqs:eu-west-1:123456789012:alerts"]})");
  EXPECT_EQ(renderSamTemplate(f), renderSamTemplate(f));
}

TEST_F(SamTemplateTest, ReadsAsWritten) {
  // The block style a person expects to read (and diff) in a template.
  std::string t = renderSamTemplate(kinesis());
  EXPECT_NE(t.find("\nResources:\n  FlowFunction:\n    Type: AWS::Serverless::Function\n    Properties:\n"),
            std::string::npos)
      << t;
  EXPECT_NE(t.find("\n            FunctionResponseTypes:\n              - ReportBatchItemFailures\n"),
            std::string::npos)
      << t;
  EXPECT_NE(t.find("\n            Statement:\n              - Effect: Allow\n                Action:\n"
                   "                  - logs:CreateLogGroup\n"),
            std::string::npos)
      << t;
  EXPECT_EQ(t.find('!'), std::string::npos) << "no YAML tags";
}

TEST(SamTemplateValidateTest, WhatLambdaRefuses) {
  auto problems = [](auto change) {
    SamFunction f;
    f.name = "ok";
    f.codeUri = "ok.zip";
    f.source = SamEventSource::Sqs;
    f.batchSize = 10;
    change(f);
    return validateSamFunction(f);
  };
  auto one = [&](auto change) {
    std::vector<std::string> p = problems(change);
    return p.size() == 1 ? p[0] : fmt::format("{} problems", p.size());
  };
  EXPECT_TRUE(problems([](SamFunction&) {}).empty());
  EXPECT_EQ(one([](SamFunction& f) { f.name = "has space"; }),
            "function name 'has space' must be 1 to 64 letters, digits, '-' or '_'");
  EXPECT_NE(one([](SamFunction& f) { f.name = std::string(65, 'a'); }).find("must be 1 to 64"),
            std::string::npos);
  EXPECT_EQ(one([](SamFunction& f) { f.codeUri.clear(); }), "the template needs the zip's path (CodeUri)");
  EXPECT_EQ(one([](SamFunction& f) { f.memoryMb = 64; }),
            "memory size (MB) must be between 128 and 10240, not 64");
  EXPECT_EQ(one([](SamFunction& f) { f.timeoutSeconds = 901; }),
            "timeout (seconds) must be between 1 and 900, not 901");
  EXPECT_EQ(one([](SamFunction& f) { f.batchSize = 11; }),
            "an SQS batch size over 10 needs a batching window of at least 1 second");
  EXPECT_TRUE(problems([](SamFunction& f) {
                f.batchSize = 1000;
                f.maximumBatchingWindowSeconds = 1;
              }).empty());
  EXPECT_EQ(one([](SamFunction& f) {
              f.sqsFifo = true;
              f.batchSize = 11;
            }),
            "SQS FIFO batch size must be between 1 and 10, not 11");
  EXPECT_EQ(one([](SamFunction& f) {
              f.sqsFifo = true;
              f.maximumBatchingWindowSeconds = 2;
            }),
            "an SQS FIFO queue takes no batching window");
  EXPECT_EQ(one([](SamFunction& f) { f.tumblingWindowSeconds = 60; }),
            "only a Kinesis or DynamoDB Streams source takes a tumbling window");
  EXPECT_EQ(one([](SamFunction& f) {
              f.source = SamEventSource::Kinesis;
              f.tumblingWindowSeconds = 901;
            }),
            "tumbling window (seconds) must be between 1 and 900, not 901");
  EXPECT_EQ(one([](SamFunction& f) {
              f.source = SamEventSource::Kinesis;
              f.batchSize = 10001;
            }),
            "Kinesis batch size must be between 1 and 10000, not 10001");
  EXPECT_EQ(one([](SamFunction& f) {
              f.source = SamEventSource::FunctionUrl;
              f.functionUrlAuth = "OPEN";
            }),
            "function URL auth 'OPEN' must be AWS_IAM or NONE");
  EXPECT_EQ(one([](SamFunction& f) {
              f.environment = {{"1BAD", "x"}};
            }),
            "environment variable name '1BAD' must be a letter then letters, digits or '_'");
}

}  // namespace
