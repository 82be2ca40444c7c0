#include "syntax/ast.h"

namespace flowc::ast {

const char* baseTypeName(BaseType t) {
  switch (t) {
    case BaseType::Error: return "<error>";
    case BaseType::Null: return "null";
    case BaseType::Bool: return "bool";
    case BaseType::Int: return "int";
    case BaseType::Float: return "float";
    case BaseType::String: return "string";
    case BaseType::Timestamp: return "timestamp";
    case BaseType::Duration: return "duration";
  }
  return "<error>";
}

std::string typeName(Type t) {
  std::string s = baseTypeName(t.base);
  if (t.nullable && t.base != BaseType::Null) s += '?';
  return s;
}

const char* opSpelling(Op op) {
  switch (op) {
    case Op::None: return "";
    case Op::Neg: return "-";
    case Op::Not: return "not";
    case Op::Add: return "+";
    case Op::Sub: return "-";
    case Op::Mul: return "*";
    case Op::Div: return "/";
    case Op::Mod: return "%";
    case Op::Concat: return "||";
    case Op::Eq: return "=";
    case Op::Ne: return "<>";
    case Op::Lt: return "<";
    case Op::Le: return "<=";
    case Op::Gt: return ">";
    case Op::Ge: return ">=";
    case Op::And: return "and";
    case Op::Or: return "or";
  }
  return "";
}

const char* sourceKindName(SourceKind k) {
  switch (k) {
    case SourceKind::Kinesis: return "kinesis";
    case SourceKind::DynamoDB: return "dynamodb";
    case SourceKind::Sqs: return "sqs";
    case SourceKind::Kafka: return "kafka";
    case SourceKind::Http: return "http";
  }
  return "";
}

const char* onErrorName(OnError e) {
  switch (e) {
    case OnError::DeadLetter: return "dead_letter";
    case OnError::Retry: return "retry";
    case OnError::Skip: return "skip";
  }
  return "";
}

const char* sinkKindName(SinkKind k) {
  switch (k) {
    case SinkKind::Log: return "log";
    case SinkKind::Metrics: return "metrics";
    case SinkKind::Response: return "response";
    case SinkKind::Kinesis: return "kinesis";
    case SinkKind::Firehose: return "firehose";
    case SinkKind::Sqs: return "sqs";
    case SinkKind::Sns: return "sns";
    case SinkKind::S3: return "s3";
    case SinkKind::DynamoDB: return "dynamodb";
  }
  return "";
}

const char* windowKindName(WindowKind k) {
  switch (k) {
    case WindowKind::None: return "none";
    case WindowKind::Tumble: return "tumble";
    case WindowKind::Hop: return "hop";
    case WindowKind::Session: return "session";
  }
  return "";
}

const char* stateModelName(StateModel m) {
  switch (m) {
    case StateModel::Stateless: return "stateless";
    case StateModel::PerBatch: return "per-batch";
    case StateModel::LambdaTumbling: return "lambda-tumbling-window";
    case StateModel::EventTimeInState: return "event-time-in-state";
  }
  return "";
}

}  // namespace flowc::ast
