#include "syntax/ast_print.h"

#include <fmt/format.h>

#include <ctime>

namespace flowc::ast {

namespace {

// Binding strength, loosest first; an operand that binds more loosely than
// its parent is parenthesized.
int precedence(const Expr& e) {
  switch (e.kind) {
    case ExprKind::Binary:
      switch (e.op) {
        case Op::Or: return 1;
        case Op::And: return 2;
        case Op::Eq: case Op::Ne: case Op::Lt: case Op::Le: case Op::Gt: case Op::Ge: return 4;
        case Op::Add: case Op::Sub: case Op::Concat: return 6;
        case Op::Mul: case Op::Div: case Op::Mod: return 7;
        default: return 9;
      }
    case ExprKind::Unary: return e.op == Op::Not ? 3 : 8;
    case ExprKind::IsNull: case ExprKind::Between: case ExprKind::InList: case ExprKind::Like: return 4;
    default: return 9;
  }
}

std::string quoteString(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    switch (c) {
      case '\'': out += "''"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\\': out += "\\\\"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += fmt::format("\\u{:04x}", static_cast<unsigned char>(c));
        } else {
          out.push_back(c);
        }
    }
  }
  return out + "'";
}

std::string operand(const Expr& child, int parentPrec, bool rightSide) {
  std::string s = printExpr(child);
  int p = precedence(child);
  if (p < parentPrec || (rightSide && p == parentPrec && p >= 4)) return "(" + s + ")";
  return s;
}

}  // namespace

bool isReservedWord(std::string_view word) {
  // The words Flow.g4 reserves (everything else is a soft keyword).
  static const char* const kReserved[] = {
      "select", "from", "where", "group", "by", "having", "order", "limit", "join", "left", "on",
      "and", "or", "not", "is", "null", "true", "false", "case", "when", "then", "else", "end",
      "as", "in", "between", "like", "cast", "extract", "interval", "distinct", "source", "stream",
      "sink", "table", "emit"};
  std::string lower(word);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const char* r : kReserved) {
    if (lower == r) return true;
  }
  return false;
}

std::string printName(std::string_view name) {
  bool plain = !name.empty() && (std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_') &&
               !isReservedWord(name);
  for (char c : name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) plain = false;
  }
  if (plain) return std::string(name);
  std::string out = "`";
  for (char c : name) {
    if (c == '`') out += "``";
    else out.push_back(c);
  }
  return out + "`";
}

std::string printDuration(Duration d) {
  int64_t ms = d.ms;
  if (ms != 0 && ms % 86400000 == 0) return fmt::format("{} d", ms / 86400000);
  if (ms != 0 && ms % 3600000 == 0) return fmt::format("{} h", ms / 3600000);
  if (ms != 0 && ms % 60000 == 0) return fmt::format("{} min", ms / 60000);
  if (ms != 0 && ms % 1000 == 0) return fmt::format("{} s", ms / 1000);
  return fmt::format("{} ms", ms);
}

std::string printTimestamp(Timestamp t) {
  int64_t secs = t.ms >= 0 ? t.ms / 1000 : (t.ms - 999) / 1000;
  int64_t millis = t.ms - secs * 1000;
  std::time_t tt = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
}

std::string printValue(const Value& v) {
  struct Printer {
    std::string operator()(std::monostate) const { return "null"; }
    std::string operator()(bool b) const { return b ? "true" : "false"; }
    std::string operator()(int64_t i) const { return fmt::format("{}", i); }
    std::string operator()(double d) const {
      std::string s = fmt::format("{}", d);
      if (s.find_first_of(".eEn") == std::string::npos) s += ".0";  // keep it a float
      return s;
    }
    std::string operator()(const std::string& s) const { return quoteString(s); }
    std::string operator()(Timestamp t) const { return "timestamp " + quoteString(printTimestamp(t)); }
    std::string operator()(Duration d) const { return printDuration(d); }
  };
  return std::visit(Printer{}, v);
}

std::string printExpr(const Expr& e) {
  const int prec = precedence(e);
  switch (e.kind) {
    case ExprKind::Literal: return printValue(e.value);
    case ExprKind::ColumnRef:
      return e.qualifier.empty() ? printName(e.name) : printName(e.qualifier) + "." + printName(e.name);
    case ExprKind::Unary:
      if (e.op == Op::Not) return "not " + operand(*e.args[0], prec, false);
      return "-" + operand(*e.args[0], prec, false);
    case ExprKind::Binary:
      return operand(*e.args[0], prec, false) + " " + opSpelling(e.op) + " " + operand(*e.args[1], prec, true);
    case ExprKind::IsNull:
      return operand(*e.args[0], prec + 1, false) + (e.negated ? " is not null" : " is null");
    case ExprKind::Between:
      return operand(*e.args[0], prec + 1, false) + (e.negated ? " not between " : " between ") +
             operand(*e.args[1], prec + 1, false) + " and " + operand(*e.args[2], prec + 1, false);
    case ExprKind::InList: {
      std::string s = operand(*e.args[0], prec + 1, false) + (e.negated ? " not in (" : " in (");
      for (size_t i = 1; i < e.args.size(); ++i) s += (i > 1 ? ", " : "") + printExpr(*e.args[i]);
      return s + ")";
    }
    case ExprKind::Like:
      return operand(*e.args[0], prec + 1, false) + (e.negated ? " not like " : " like ") +
             operand(*e.args[1], prec + 1, false);
    case ExprKind::Case: {
      std::string s = "case";
      size_t i = 0;
      if (e.hasOperand) s += " " + printExpr(*e.args[i++]);
      size_t pairsEnd = e.args.size() - (e.hasElse ? 1 : 0);
      for (; i + 2 <= pairsEnd; i += 2) {
        s += " when " + printExpr(*e.args[i]) + " then " + printExpr(*e.args[i + 1]);
      }
      if (e.hasElse) s += " else " + printExpr(*e.args.back());
      return s + " end";
    }
    case ExprKind::Cast: {
      std::string t = baseTypeName(e.castType.type.base);
      if (e.castType.type.nullable) t += "?";
      return "cast(" + printExpr(*e.args[0]) + " as " + t + ")";
    }
    case ExprKind::Extract: return "extract(" + e.name + " from " + printExpr(*e.args[0]) + ")";
    case ExprKind::Call: {
      std::string s = (e.function.empty() ? e.name : e.function) + "(";
      if (e.star) return s + "*)";
      if (e.distinct) s += "distinct ";
      for (size_t i = 0; i < e.args.size(); ++i) s += (i ? ", " : "") + printExpr(*e.args[i]);
      return s + ")";
    }
  }
  return "?";
}

ExprPtr cloneExpr(const Expr& e) {
  auto c = std::make_unique<Expr>();
  c->kind = e.kind;
  c->range = e.range;
  c->value = e.value;
  c->qualifier = e.qualifier;
  c->name = e.name;
  c->op = e.op;
  c->negated = e.negated;
  c->distinct = e.distinct;
  c->star = e.star;
  c->hasOperand = e.hasOperand;
  c->hasElse = e.hasElse;
  c->castType = e.castType;
  for (const ExprPtr& a : e.args) c->args.push_back(cloneExpr(*a));
  c->type = e.type;
  c->binding = e.binding;
  c->callKind = e.callKind;
  c->function = e.function;
  c->aggregateSlot = e.aggregateSlot;
  c->groupKeySlot = e.groupKeySlot;
  return c;
}

bool sameExpr(const Expr& a, const Expr& b) {
  if (a.kind != b.kind || a.op != b.op || a.negated != b.negated || a.distinct != b.distinct ||
      a.star != b.star || a.hasOperand != b.hasOperand || a.hasElse != b.hasElse ||
      a.args.size() != b.args.size()) {
    return false;
  }
  switch (a.kind) {
    case ExprKind::Literal:
      if (!(a.value == b.value)) return false;
      break;
    case ExprKind::ColumnRef:
      // Resolved references compare by binding; unresolved ones by spelling.
      if (a.binding.input >= 0 || b.binding.input >= 0) {
        if (a.binding.input != b.binding.input || a.binding.column != b.binding.column) return false;
      } else if (a.qualifier != b.qualifier || a.name != b.name) {
        return false;
      }
      break;
    case ExprKind::Call: {
      const std::string& fa = a.function.empty() ? a.name : a.function;
      const std::string& fb = b.function.empty() ? b.name : b.function;
      if (fa != fb) return false;
      break;
    }
    case ExprKind::Extract:
      if (a.name != b.name) return false;
      break;
    case ExprKind::Cast:
      if (!(a.castType.type == b.castType.type)) return false;
      break;
    default: break;
  }
  for (size_t i = 0; i < a.args.size(); ++i) {
    if (!sameExpr(*a.args[i], *b.args[i])) return false;
  }
  return true;
}

}  // namespace flowc::ast
