// Unit tests of compiler/syntax: every AST node's source range points at the
// text it came from (checked over the samples and the lit syntax tests),
// literals decode exactly, syntax errors land where a reader would look and
// are worded in flowc's terms, and no input, however broken, crashes the
// parser.
#include "syntax/parse.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

#include "diagnostics/diagnostics.h"
#include "diagnostics/source_file.h"
#include "syntax/ast.h"
#include "syntax/literals.h"

namespace flowc {
namespace {

namespace fs = std::filesystem;
using ast::Expr;
using ast::ExprKind;

std::string readFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n"), e = s.find_last_not_of(" \t\r\n");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

bool startsWith(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }
bool endsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// A name as written: plain, or back-quoted with doubled back-quotes.
std::string writtenName(const std::string& text) {
  if (!text.empty() && text[0] == '`') return syntax::decodeQuotedName(text);
  return text;
}

// Splits `a.b` at the dot outside back-quotes.
std::vector<std::string> splitQualified(const std::string& text) {
  std::vector<std::string> parts(1);
  bool quoted = false;
  for (char c : text) {
    if (c == '`') quoted = !quoted;
    if (c == '.' && !quoted) {
      parts.emplace_back();
      continue;
    }
    parts.back().push_back(c);
  }
  return parts;
}

// Parentheses balance outside strings, quoted names and comments, and never
// go negative: a range never cuts a bracketed group in half.
bool balanced(const std::string& t) {
  int depth = 0;
  for (size_t i = 0; i < t.size(); ++i) {
    char c = t[i];
    if (c == '\'' || c == '`') {
      size_t j = i + 1;
      while (j < t.size() && t[j] != c) j += (c == '\'' && t[j] == '\\') ? 2 : 1;
      i = j;
      continue;
    }
    if (c == '-' && i + 1 < t.size() && t[i + 1] == '-') {
      while (i < t.size() && t[i] != '\n') ++i;
      continue;
    }
    if (c == '/' && i + 1 < t.size() && t[i + 1] == '*') {
      size_t e = t.find("*/", i + 2);
      if (e == std::string::npos) return false;
      i = e + 1;
      continue;
    }
    if (c == '(') ++depth;
    if (c == ')' && --depth < 0) return false;
  }
  return depth == 0;
}

// Walks a parsed program and checks each node's range against the text.
class RangeChecker {
 public:
  explicit RangeChecker(const SourceFile& file) : file_(file) {}

  size_t checked() const { return checked_; }

  void program(const ast::Program& p) {
    for (const ast::Decl& d : p.decls) std::visit([&](const auto& x) { decl(x); }, d);
  }

 private:
  std::string where(SourceRange r) const {
    LineCol lc = file_.locate(r.begin);
    return file_.path() + ":" + std::to_string(lc.line) + ":" + std::to_string(lc.col);
  }

  // Non-empty, inside the file; returns the text (or "" after a failure).
  std::string text(SourceRange r, const char* what) {
    ++checked_;
    if (r.empty() || r.end > file_.text().size()) {
      ADD_FAILURE() << "bad range for " << what << ": [" << r.begin << ", " << r.end << ") in " << file_.path();
      return "";
    }
    return file_.text().substr(r.begin, r.end - r.begin);
  }

  void inside(SourceRange inner, SourceRange outer, const char* what) {
    EXPECT_TRUE(inner.begin >= outer.begin && inner.end <= outer.end)
        << what << " at " << where(inner) << " lies outside its parent at " << where(outer);
  }

  void name(SourceRange r, const std::string& expected, const char* what) {
    std::string t = text(r, what);
    EXPECT_EQ(writtenName(t), expected) << what << " at " << where(r);
  }

  void typeName(const ast::TypeName& t, SourceRange parent) {
    std::string s = lower(text(t.range, "type"));
    inside(t.range, parent, "type");
    EXPECT_TRUE(startsWith(s, ast::baseTypeName(t.type.base))) << s << " at " << where(t.range);
    if (t.type.nullable) {
      EXPECT_TRUE(endsWith(s, "?")) << s;
    }
  }

  void field(const ast::FieldDecl& f, SourceRange parent) {
    text(f.range, "field");
    inside(f.range, parent, "field");
    inside(f.nameRange, f.range, "field name");
    name(f.nameRange, f.name, "field name");
    typeName(f.type, f.range);
    if (f.path) {
      EXPECT_EQ(text(f.path->range, "json path"), f.path->text);
      inside(f.path->range, f.range, "json path");
    }
  }

  void sinkTarget(const ast::SinkTarget& t, SourceRange parent) {
    EXPECT_EQ(lower(text(t.kindRange, "sink kind")), ast::sinkKindName(t.kind)) << where(t.kindRange);
    inside(t.kindRange, parent, "sink kind");
    if (t.target) {
      std::string s = text(t.targetRange, "sink target");
      std::vector<syntax::LiteralError> errors;
      EXPECT_EQ(syntax::decodeString(s, errors), *t.target) << where(t.targetRange);
      inside(t.targetRange, parent, "sink target");
    }
    for (const ast::SinkOption& o : t.options) {
      text(o.range, "sink option");
      inside(o.range, parent, "sink option");
      inside(o.valueRange, o.range, "sink option value");
      std::string head = lower(text(o.range, "sink option"));
      // `partition key` may be written with any spacing; compare the first word.
      EXPECT_TRUE(startsWith(head, o.name.substr(0, o.name.find(' ')))) << head << " for " << o.name;
      std::string v = text(o.valueRange, "sink option value");
      if (!o.list.empty()) {
        EXPECT_TRUE(startsWith(v, "(") && endsWith(v, ")")) << v;
      } else if (!v.empty() && v[0] == '\'') {
        std::vector<syntax::LiteralError> errors;
        EXPECT_EQ(syntax::decodeString(v, errors), o.text) << where(o.valueRange);
      } else {
        EXPECT_EQ(writtenName(v), o.text) << where(o.valueRange);
      }
    }
  }

  void decl(const ast::SourceDecl& d) {
    EXPECT_TRUE(startsWith(lower(text(d.range, "source")), "source")) << where(d.range);
    name(d.nameRange, d.name, "source name");
    inside(d.nameRange, d.range, "source name");
    EXPECT_EQ(lower(text(d.kindRange, "source kind")), ast::sourceKindName(d.kind));
    if (d.formatWritten) {
      EXPECT_EQ(lower(text(d.formatRange, "format")), d.format == ast::Format::Json ? "json" : "text");
    }
    for (const ast::FieldDecl& f : d.fields) field(f, d.range);
    if (d.eventTime) {
      name(d.eventTime->fieldRange, d.eventTime->field, "event time field");
      duration(d.eventTime->watermarkRange, d.eventTime->watermark.ms);
      inside(d.eventTime->watermarkRange, d.range, "watermark");
      if (d.eventTime->allowedLateness) duration(d.eventTime->latenessRange, d.eventTime->allowedLateness->ms);
    }
    if (d.onErrorWritten) {
      EXPECT_TRUE(startsWith(lower(text(d.onErrorRange, "on error")), "on")) << where(d.onErrorRange);
      EXPECT_NE(lower(text(d.onErrorRange, "on error")).find(ast::onErrorName(d.onError)), std::string::npos);
    }
    if (d.deadLetterTo) sinkTarget(*d.deadLetterTo, d.range);
  }

  void decl(const ast::TableDecl& d) {
    EXPECT_TRUE(startsWith(lower(text(d.range, "table")), "table")) << where(d.range);
    name(d.nameRange, d.name, "table name");
    std::vector<syntax::LiteralError> errors;
    EXPECT_EQ(syntax::decodeString(text(d.fileRange, "table file"), errors), d.file);
    for (const ast::FieldDecl& f : d.columns) field(f, d.range);
    name(d.keyRange, d.key, "table key");
    inside(d.keyRange, d.range, "table key");
  }

  void decl(const ast::StreamDecl& d) {
    EXPECT_TRUE(startsWith(lower(text(d.range, "stream")), "stream")) << where(d.range);
    name(d.nameRange, d.name, "stream name");
    const ast::SelectStmt& s = d.select;
    EXPECT_TRUE(startsWith(lower(text(s.range, "select")), "select")) << where(s.range);
    inside(s.range, d.range, "select");
    if (s.distinct) {
      EXPECT_EQ(lower(text(s.distinctRange, "distinct")), "distinct");
    }
    for (const ast::SelectItem& item : s.items) {
      std::string t = text(item.range, "select item");
      inside(item.range, s.range, "select item");
      if (item.star) {
        EXPECT_TRUE(endsWith(t, "*")) << t;
        if (!item.starQualifier.empty()) {
          EXPECT_EQ(writtenName(splitQualified(t)[0]), item.starQualifier);
        }
      }
      if (item.expr) {
        inside(item.expr->range, item.range, "select item expression");
        EXPECT_EQ(item.range.begin, item.expr->range.begin) << "the item starts with its expression: " << t;
        if (item.alias.empty()) {
          EXPECT_EQ(item.range.end, item.expr->range.end) << t;
        }
        expr(*item.expr, item.range);
      }
      if (!item.alias.empty()) {
        name(item.aliasRange, item.alias, "alias");
        inside(item.aliasRange, item.range, "alias");
        EXPECT_EQ(item.range.end, item.aliasRange.end) << t;
      }
    }
    tableRef(s.from, s.range);
    for (const ast::JoinClause& j : s.joins) {
      text(j.range, "join");
      inside(j.range, s.range, "join");
      tableRef(j.table, j.range);
      if (j.on) expr(*j.on, j.range);
    }
    if (s.where) expr(*s.where, s.range);
    if (!s.groupBy.empty()) {
      EXPECT_TRUE(startsWith(lower(text(s.groupByRange, "group by")), "group")) << where(s.groupByRange);
      for (const ast::ExprPtr& g : s.groupBy) expr(*g, s.range);
    }
    if (s.having) expr(*s.having, s.range);
    for (const ast::OrderItem& o : s.orderBy) {
      std::string t = lower(text(o.range, "order item"));
      inside(o.expr->range, o.range, "order expression");
      if (o.desc) {
        EXPECT_TRUE(endsWith(t, "desc")) << t;
      }
      expr(*o.expr, o.range);
    }
    if (s.limit) {
      std::string t = text(s.limitRange, "limit");
      EXPECT_NE(t.find(std::to_string(*s.limit)), std::string::npos) << t;
    }
    if (s.emitWritten) {
      std::string t = lower(text(s.emitRange, "emit"));
      EXPECT_TRUE(startsWith(t, "emit")) << t;
      EXPECT_TRUE(endsWith(t, s.emit == ast::EmitMode::Final ? "final" : "changes")) << t;
    }
  }

  void decl(const ast::SinkDecl& d) {
    EXPECT_TRUE(startsWith(lower(text(d.range, "sink")), "sink")) << where(d.range);
    name(d.streamRange, d.stream, "sink stream");
    sinkTarget(d.to, d.range);
  }

  void decl(const ast::DeadLetterDecl& d) {
    EXPECT_TRUE(startsWith(lower(text(d.range, "dead_letter")), "dead_letter")) << where(d.range);
    sinkTarget(d.to, d.range);
  }

  void tableRef(const ast::TableRef& t, SourceRange parent) {
    name(t.range, t.name, "relation name");
    inside(t.range, parent, "relation name");
    if (!t.alias.empty()) {
      name(t.aliasRange, t.alias, "relation alias");
      inside(t.aliasRange, parent, "relation alias");
    }
  }

  // `5 seconds`, `1.5 s` or `interval '10' second`.
  void duration(SourceRange r, int64_t ms) {
    std::string t = trim(text(r, "duration"));
    if (startsWith(lower(t), "interval")) return;  // checked by the duration tests below
    size_t split = t.find_last_of(" \t\n");
    ASSERT_NE(split, std::string::npos) << t;
    int64_t unit = syntax::unitMillis(t.substr(split + 1));
    ASSERT_GT(unit, 0) << t;
    syntax::DurationResult d = syntax::durationFromAmount(trim(t.substr(0, split)), unit);
    EXPECT_EQ(d.error, "");
    EXPECT_EQ(d.ms, ms) << t;
  }

  void expr(const Expr& e, SourceRange parent) {
    std::string t = text(e.range, "expression");
    inside(e.range, parent, "expression");
    EXPECT_TRUE(balanced(t)) << "unbalanced parentheses in '" << t << "' at " << where(e.range);
    std::string lt = lower(t);
    switch (e.kind) {
      case ExprKind::ColumnRef: {
        std::vector<std::string> parts = splitQualified(t);
        if (e.qualifier.empty()) {
          ASSERT_EQ(parts.size(), 1u) << t;
          EXPECT_EQ(writtenName(parts[0]), e.name) << where(e.range);
        } else {
          ASSERT_EQ(parts.size(), 2u) << t;
          EXPECT_EQ(writtenName(parts[0]), e.qualifier) << where(e.range);
          EXPECT_EQ(writtenName(parts[1]), e.name) << where(e.range);
        }
        break;
      }
      case ExprKind::Literal: literal(e, t); break;
      case ExprKind::Call:
        EXPECT_TRUE(startsWith(t, e.name)) << t << " for " << e.name;
        EXPECT_TRUE(endsWith(t, ")")) << t;
        break;
      case ExprKind::Cast:
        EXPECT_TRUE(startsWith(lt, "cast")) << t;
        EXPECT_TRUE(endsWith(t, ")")) << t;
        break;
      case ExprKind::Extract:
        EXPECT_TRUE(startsWith(lt, "extract")) << t;
        EXPECT_NE(lt.find(e.name), std::string::npos) << t;
        break;
      case ExprKind::Case:
        EXPECT_TRUE(startsWith(lt, "case")) << t;
        EXPECT_TRUE(endsWith(lt, "end")) << t;
        break;
      case ExprKind::Binary: {
        // Between the operands: the operator, perhaps with brackets that
        // group an operand.
        ASSERT_EQ(e.args.size(), 2u);
        const SourceRange l = e.args[0]->range, r = e.args[1]->range;
        EXPECT_EQ(e.range.begin <= l.begin && l.end <= r.begin && r.end <= e.range.end, true) << t;
        std::string between = file_.text().substr(l.end, r.begin - l.end);
        between.erase(std::remove_if(between.begin(), between.end(),
                                     [](char c) { return c == '(' || c == ')' || std::isspace(c); }),
                      between.end());
        std::string op = ast::opSpelling(e.op);
        EXPECT_TRUE(lower(between) == op || (e.op == ast::Op::Ne && between == "!="))
            << "'" << between << "' between the operands of " << op << " in " << t << " at " << where(e.range);
        break;
      }
      case ExprKind::Unary:
        EXPECT_TRUE(startsWith(lt, e.op == ast::Op::Not ? "not" : "-")) << t;
        break;
      case ExprKind::IsNull:
        EXPECT_TRUE(endsWith(lt, "null")) << t;
        break;
      case ExprKind::InList:
        EXPECT_TRUE(endsWith(t, ")")) << t;
        break;
      default: break;
    }
    for (const ast::ExprPtr& a : e.args) expr(*a, e.range);
  }

  void literal(const Expr& e, std::string t) {
    // A unary plus is folded into its operand.
    if (!t.empty() && t[0] == '+') t = trim(t.substr(1));
    std::string lt = lower(t);
    if (std::holds_alternative<std::monostate>(e.value)) {
      EXPECT_EQ(lt, "null");
    } else if (auto* b = std::get_if<bool>(&e.value)) {
      EXPECT_EQ(lt, *b ? "true" : "false");
    } else if (auto* i = std::get_if<int64_t>(&e.value)) {
      EXPECT_EQ(syntax::parseInt64(t), *i) << t;
    } else if (auto* d = std::get_if<double>(&e.value)) {
      EXPECT_EQ(syntax::parseDouble(t), *d) << t;
    } else if (auto* s = std::get_if<std::string>(&e.value)) {
      std::vector<syntax::LiteralError> errors;
      EXPECT_EQ(syntax::decodeString(t, errors), *s) << t;
      EXPECT_TRUE(errors.empty()) << t;
    } else if (auto* du = std::get_if<ast::Duration>(&e.value)) {
      duration(e.range, du->ms);
    }
  }

  const SourceFile& file_;
  size_t checked_ = 0;
};

// The samples and the lit syntax tests: together they use every construct.
std::vector<fs::path> programFiles() {
  std::vector<fs::path> out;
  for (const char* dir : {"/samples", "/tests/lit/syntax"}) {
    for (const auto& entry : fs::directory_iterator(std::string(FLOWC_SOURCE_DIR) + dir)) {
      if (entry.is_regular_file() && entry.path().extension() == ".flow") out.push_back(entry.path());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(SyntaxRanges, EveryNodeCoversItsOwnText) {
  size_t files = 0, nodes = 0;
  for (const fs::path& path : programFiles()) {
    SCOPED_TRACE(path.string());
    SourceFile file(path.string(), readFile(path));
    Diagnostics diags;
    ast::Program program = syntax::parseProgram(file, diags);
    // Files that test syntax errors are covered below.
    if (diags.hasErrors()) {
      EXPECT_EQ(path.parent_path().filename(), "syntax") << "a sample does not parse";
      continue;
    }
    RangeChecker checker(file);
    checker.program(program);
    ++files;
    nodes += checker.checked();
  }
  EXPECT_GE(files, 20u);
  EXPECT_GT(nodes, 1000u);
}

// Each construct once, with the text its node must cover.
TEST(SyntaxRanges, ExpressionTexts) {
  const std::string text =
      "source c from kinesis (a int, `b c` string?, ts timestamp(seconds), x float = $.p.x)\n"
      "event time ts watermark 10 seconds;\n"
      "stream s as select c.a, `b c` as bc, -a + 2 * (a - 1) as v, cast(a as string), "
      "case when a between 1 and 2 then 'x''y' else null end, count(distinct a), a not in (1, 2), "
      "`b c` not like 'q%', x is not null, extract(hour from ts), ts + interval '3' minute, 4.5e1 "
      "from c group by c.a, tumble(ts, 1 m);\n";
  SourceFile file("t.flow", text);
  Diagnostics diags;
  ast::Program program = syntax::parseProgram(file, diags);
  ASSERT_FALSE(diags.hasErrors());
  RangeChecker(file).program(program);
  const auto& s = std::get<ast::StreamDecl>(program.decls[1]).select;
  auto at = [&](SourceRange r) { return text.substr(r.begin, r.end - r.begin); };
  std::vector<std::string> items;
  for (const ast::SelectItem& item : s.items) items.push_back(at(item.range));
  EXPECT_EQ(items, (std::vector<std::string>{"c.a", "`b c` as bc", "-a + 2 * (a - 1) as v", "cast(a as string)",
                                             "case when a between 1 and 2 then 'x''y' else null end",
                                             "count(distinct a)", "a not in (1, 2)", "`b c` not like 'q%'",
                                             "x is not null", "extract(hour from ts)",
                                             "ts + interval '3' minute", "4.5e1"}));
  EXPECT_EQ(at(s.items[2].expr->range), "-a + 2 * (a - 1)");
  EXPECT_EQ(at(s.items[2].expr->args[1]->args[1]->range), "a - 1");  // brackets are not part of it
  EXPECT_EQ(at(s.items[10].expr->args[1]->range), "interval '3' minute");
  EXPECT_EQ(std::get<ast::Duration>(s.items[10].expr->args[1]->value).ms, 180000);
  EXPECT_EQ(std::get<std::string>(s.items[4].expr->args[1]->value), "x'y");
  EXPECT_EQ(at(s.groupBy[1]->range), "tumble(ts, 1 m)");
  const auto& src = std::get<ast::SourceDecl>(program.decls[0]);
  EXPECT_EQ(at(src.fields[1].nameRange), "`b c`");
  EXPECT_EQ(at(src.fields[2].type.range), "timestamp(seconds)");
  EXPECT_EQ(at(src.fields[3].path->range), "$.p.x");
  EXPECT_EQ(at(src.eventTime->watermarkRange), "10 seconds");
}

// ---------------------------------------------------------------- literals

// Parses `select <expr> as x from c` and returns the program (errors in diags).
struct Parsed {
  std::unique_ptr<SourceFile> file;
  Diagnostics diags;
  ast::Program program;

  const Expr& item(size_t i = 0) const {
    return *std::get<ast::StreamDecl>(program.decls.at(0)).select.items.at(i).expr;
  }
  // "line:col message" of every error.
  std::vector<std::string> errors() const {
    std::vector<std::string> out;
    for (const Diagnostic& d : diags.all()) {
      if (d.severity != Severity::Error) continue;
      LineCol lc = file->locate(d.range.begin);
      out.push_back(std::to_string(lc.line) + ":" + std::to_string(lc.col) + " " + d.message);
    }
    return out;
  }
};

std::unique_ptr<Parsed> parse(const std::string& text) {
  auto p = std::make_unique<Parsed>();
  p->file = std::make_unique<SourceFile>("t.flow", text);
  p->program = syntax::parseProgram(*p->file, p->diags);
  return p;
}

std::unique_ptr<Parsed> parseSelect(const std::string& exprText) {
  return parse("stream s as select " + exprText + " as x from c;");
}

int64_t durationMs(const std::string& d) {
  auto p = parseSelect(d);
  EXPECT_FALSE(p->diags.hasErrors()) << d;
  if (p->diags.hasErrors()) return -1;
  const Expr& e = p->item();
  EXPECT_EQ(e.kind, ExprKind::Literal) << d;
  const auto* v = std::get_if<ast::Duration>(&e.value);
  EXPECT_NE(v, nullptr) << d;
  return v ? v->ms : -1;
}

TEST(SyntaxLiterals, DurationsInEveryUnitAndBothForms) {
  struct Unit {
    std::vector<std::string> words;
    int64_t ms;
  };
  const std::vector<Unit> units = {
      {{"ms", "millisecond", "milliseconds", "MS", "Milliseconds"}, 1},
      {{"s", "second", "seconds", "SECONDS"}, 1000},
      {{"m", "minute", "minutes", "Minutes"}, 60000},
      {{"h", "hour", "hours", "HOURS"}, 3600000},
      {{"d", "day", "days", "Day"}, 86400000},
  };
  for (const Unit& u : units) {
    for (const std::string& w : u.words) {
      EXPECT_EQ(durationMs("7 " + w), 7 * u.ms) << w;
      EXPECT_EQ(durationMs("interval '7' " + w), 7 * u.ms) << w;
      EXPECT_EQ(durationMs("interval '7 " + w + "'"), 7 * u.ms) << w;
      EXPECT_EQ(durationMs("INTERVAL ' 7 ' " + w), 7 * u.ms) << w;
    }
  }
  EXPECT_EQ(durationMs("1.5 s"), 1500);
  EXPECT_EQ(durationMs("0.5 m"), 30000);
  EXPECT_EQ(durationMs("2e3 ms"), 2000);
  EXPECT_EQ(durationMs("interval '1.25' hour"), 4500000);
  EXPECT_EQ(durationMs("0 s"), 0);
  EXPECT_EQ(durationMs("106751991167 d"), 106751991167LL * 86400000);

  auto p = parse("source c from kinesis (ts timestamp) event time ts watermark 2 minutes allowed lateness 90 s;");
  ASSERT_FALSE(p->diags.hasErrors());
  const auto& et = *std::get<ast::SourceDecl>(p->program.decls[0]).eventTime;
  EXPECT_EQ(et.watermark.ms, 120000);
  EXPECT_EQ(et.allowedLateness->ms, 90000);
}

TEST(SyntaxLiterals, BadDurations) {
  EXPECT_EQ(parseSelect("1.5 ms")->errors(),
            std::vector<std::string>{"1:20 a duration must be a whole number of milliseconds: '1.5 ms'"});
  EXPECT_EQ(parseSelect("interval 'abc' second")->errors(),
            std::vector<std::string>{"1:29 expected a number in the interval string, not 'abc'"});
  EXPECT_EQ(parseSelect("interval '5 weeks'")->errors(),
            std::vector<std::string>{"1:29 unknown duration unit 'weeks'"});
  auto big = parseSelect("106751991167 days + 999999999999 d");
  ASSERT_EQ(big->errors().size(), 1u);
  EXPECT_NE(big->errors()[0].find("the duration is too large"), std::string::npos) << big->errors()[0];
  EXPECT_EQ(big->errors()[0].substr(0, 5), "1:40 ");
}

std::string stringValue(const std::string& literal) {
  auto p = parseSelect(literal);
  EXPECT_FALSE(p->diags.hasErrors()) << literal;
  if (p->diags.hasErrors()) return "<error>";
  const auto* s = std::get_if<std::string>(&p->item().value);
  EXPECT_NE(s, nullptr) << literal;
  return s ? *s : "<not a string>";
}

TEST(SyntaxLiterals, StringEscapes) {
  EXPECT_EQ(stringValue("'it''s'"), "it's");
  EXPECT_EQ(stringValue("'it\\'s'"), "it's");
  EXPECT_EQ(stringValue("'a\\nb\\tc\\\\d'"), "a\nb\tc\\d");
  EXPECT_EQ(stringValue("'caf\\u00e9'"), "caf\xC3\xA9");
  EXPECT_EQ(stringValue("'\\u00E9'"), "\xC3\xA9");
  EXPECT_EQ(stringValue("'\\u20ac'"), "\xE2\x82\xAC");
  EXPECT_EQ(stringValue("'\\ud83d\\ude00'"), "\xF0\x9F\x98\x80");  // a surrogate pair is one character
  EXPECT_EQ(stringValue("'caf\xC3\xA9'"), "caf\xC3\xA9");          // UTF-8 passes through
  EXPECT_EQ(stringValue("''"), "");
  EXPECT_EQ(stringValue("''''"), "'");
}

TEST(SyntaxLiterals, BadEscapesPointAtTheEscape) {
  // `stream s as select ` is 19 bytes: the literal's quote is column 20.
  EXPECT_EQ(parseSelect("'bad \\q escape'")->errors(), std::vector<std::string>{"1:25 unknown escape '\\q' in string"});
  EXPECT_EQ(parseSelect("'\\u12'")->errors(),
            std::vector<std::string>{"1:21 '\\u' must be followed by four hex digits"});
  EXPECT_EQ(parseSelect("'ab\\ud800'")->errors(),
            std::vector<std::string>{"1:23 '\\ud800' is half of a surrogate pair"});
  EXPECT_EQ(parseSelect("'\\ude00\\ud83d'")->errors(),
            (std::vector<std::string>{"1:21 '\\ude00' is half of a surrogate pair",
                                      "1:27 '\\ud83d' is half of a surrogate pair"}));
  // Every bad escape of a string is reported, and ranges cover the escape.
  auto p = parseSelect("'\\x \\u00e9 \\q'");
  ASSERT_EQ(p->errors().size(), 2u);
  EXPECT_EQ(p->errors()[0], "1:21 unknown escape '\\x' in string");
  EXPECT_EQ(p->errors()[1], "1:31 unknown escape '\\q' in string");
  EXPECT_EQ(p->diags.all()[0].range.end - p->diags.all()[0].range.begin, 2u);

  // The literal functions report offsets into the token.
  std::vector<syntax::LiteralError> errors;
  syntax::decodeString("'ok\\z'", errors);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].offset, 3u);
  EXPECT_EQ(errors[0].length, 2u);
}

TEST(SyntaxLiterals, Integers) {
  auto max = parseSelect("9223372036854775807");
  ASSERT_FALSE(max->diags.hasErrors());
  EXPECT_EQ(std::get<int64_t>(max->item().value), INT64_MAX);
  EXPECT_EQ(parseSelect("9223372036854775808")->errors(),
            std::vector<std::string>{"1:20 integer literal 9223372036854775808 does not fit in 64 bits"});
  // A minus sign is an operator: -9223372036854775808 does not fit either.
  EXPECT_EQ(parseSelect("-9223372036854775808")->errors(),
            std::vector<std::string>{"1:21 integer literal 9223372036854775808 does not fit in 64 bits"});
  EXPECT_EQ(parse("stream s as select a from t limit 99999999999999999999;")->errors(),
            std::vector<std::string>{"1:35 integer literal 99999999999999999999 does not fit in 64 bits"});
  EXPECT_EQ(parse("source s from kinesis (a int = $.x[99999999999999999999]);")->errors(),
            std::vector<std::string>{"1:36 integer literal 99999999999999999999 does not fit in 64 bits"});
  EXPECT_EQ(syntax::parseInt64("0"), 0);
  EXPECT_EQ(syntax::parseInt64("18446744073709551616"), std::nullopt);
  auto f = parseSelect("1e999");
  ASSERT_EQ(f->errors().size(), 1u);
  EXPECT_EQ(f->errors()[0], "1:20 float literal 1e999 is out of range");
}

// ---------------------------------------------------------------- errors

// ANTLR's own words must never reach the user.
void expectFlowcWording(const Diagnostic& d, const std::string& input) {
  for (const char* jargon : {"mismatched", "extraneous", "viable", "T__", "<EOF>", "token recognition"}) {
    EXPECT_EQ(d.message.find(jargon), std::string::npos) << d.message << "\nfor:\n" << input;
    EXPECT_EQ(d.hint.find(jargon), std::string::npos) << d.hint << "\nfor:\n" << input;
  }
}

TEST(SyntaxErrors, PointWhereAReaderWouldLook) {
  struct Case {
    const char* input;
    const char* first;  // "line:col message" of the first error
  };
  const Case cases[] = {
      {"stream s as select a, b where x > 1;", "1:25 expected 'from' after the select list"},
      {"stream s as select a b c from t;", "1:24 expected ',' or 'from' after the select list"},
      {"source s from kinesis (ts, a int);", "1:26 expected a type after field name 'ts'"},
      {"source s from kinesis format jsn (a int);", "1:30 unknown format 'jsn'"},
      {"source s from kinesis (a strng);", "1:26 unknown type 'strng'"},
      {"source s from kinesis (a int) event time a watermark 10;",
       "1:56 expected a duration unit ('ms', 's', 'm', 'h' or 'd') after the number 10"},
      {"source s from kinesis (a int) event time a;", "1:43 expected 'watermark' after 'a'"},
      {"source s from kinesis (a int) on error retyr;", "1:40 unknown on-error action 'retyr'"},
      {"source s from kinesis (a int) on error skip event time a watermark 1 s on error retry;",
       "1:72 the source already has an 'on error' clause"},
      {"source s from kinesis (a int) on error retry to sqs 'x';",
       "1:46 only 'on error dead_letter' takes a 'to' target"},
      {"source s from kinesis (a int = x.y);", "1:32 unexpected 'x'; expected '$' after '='"},
      {"stream s as select a from t emit change;", "1:34 unknown emit mode 'change'"},
      {"stream s as select a from t order by a desc limit;", "1:50 expected an integer after 'limit'"},
      {"stream s as select a from t group by;", "1:37 expected an expression after 'by'"},
      {"stream s as select a from t where a between 1 and;", "1:50 expected an expression after 'and'"},
      {"stream s as select a from t where a in ();", "1:41 expected an expression after '('"},
      {"stream s as select case when a then b from t;",
       "1:39 unexpected 'from'; expected an operator, 'when', 'else' or 'end'"},
      {"stream s as select cast(a as) from t;", "1:29 expected a type after 'as'"},
      {"stream s as select f(a, ) from t;", "1:25 expected an expression after ','"},
      {"stream s as select a from t join u on;", "1:38 expected an expression after 'on'"},
      {"stream s as select a from t left u on a = b;", "1:34 unexpected 'u'; expected 'outer' or 'join' after 'left'"},
      {"sink s to kinesis 'x' partition page;", "1:33 unexpected 'page'; expected 'key' after 'partition'"},
      {"sink s to metrics namespace 'a' namespace 'b';", "1:33 the sink already has a 'namespace' option"},
      {"table t from file (a int) key a;", "1:19 expected a string after 'file'"},
      {"table t from file 'x.csv' (a int);", "1:34 expected 'key' after ')'"},
      {"dead_letter sqs 'x';", "1:13 unexpected 'sqs'; expected 'to' after 'dead_letter'"},
      {"stream s as select a from t where a = 1 = 2;",
       "1:41 unexpected '='; expected an operator, 'group by', 'having', 'order by', 'limit', 'emit' or ';'"},
      {"stream s as select `` from t;", "1:20 a quoted name cannot be empty"},
      {"stream s as select a from `t;", "1:27 unterminated quoted name"},
      {"stream s as select a from t;;; sink s to log", "1:45 unexpected end of file; expected ';'"},
      {"stream s as select a. from t;", "1:23 unexpected 'from'; expected a column name or '*' after '.'"},
      {"stream s as select a from t where a is nul;", "1:40 unexpected 'nul'; expected 'not' or 'null' after 'is'"},
      {"stream s as select a + from t;", "1:24 unexpected 'from'; expected an expression after '+'"},
      {"stream 5 as select a from t;", "1:8 expected a name for the stream after 'stream'"},
      {"source s from kinesis (a int,) event time a watermark 5 s allowed lateness;",
       "1:75 expected a duration such as '10 seconds' after 'lateness'"},
      {"stream s as select a from t\n\nsink s to log;\nstream u as select from t;\nsink u to lgo;",
       "1:28 expected ';' after the stream definition"},
  };
  for (const Case& c : cases) {
    auto p = parse(c.input);
    std::vector<std::string> errors = p->errors();
    ASSERT_FALSE(errors.empty()) << c.input;
    EXPECT_EQ(errors[0], c.first) << c.input;
    for (const Diagnostic& d : p->diags.all()) expectFlowcWording(d, c.input);
  }
}

TEST(SyntaxErrors, AllErrorsOfAFileInOneRun) {
  auto p = parse("stream s as select a from t\n\nsink s to log;\nstream u as select from t;\nsink u to lgo;");
  EXPECT_EQ(p->errors(),
            (std::vector<std::string>{
                "1:28 expected ';' after the stream definition",
                "4:20 unexpected 'from'; expected an expression, 'distinct' or '*' after 'select'",
                "5:11 unknown sink kind 'lgo'"}));
  // The declarations that parsed are kept for later stages.
  EXPECT_FALSE(p->program.decls.empty());
}

// ---------------------------------------------------------------- robustness

// Checks one arbitrary input: no exception, every diagnostic inside the
// file and in flowc's words.
void expectSane(const std::string& input) {
  SourceFile file("fuzz.flow", input);
  Diagnostics diags;
  ast::Program program;
  EXPECT_NO_THROW(program = syntax::parseProgram(file, diags)) << "input:\n" << input;
  for (const Diagnostic& d : diags.all()) {
    EXPECT_LE(d.range.begin, d.range.end) << d.message;
    EXPECT_LE(d.range.end, input.size()) << d.message;
    EXPECT_FALSE(d.message.empty());
    if (d.message.empty()) continue;
    EXPECT_FALSE(std::isupper(static_cast<unsigned char>(d.message[0]))) << d.message;
    EXPECT_NE(d.message.back(), '.') << d.message;
    expectFlowcWording(d, input);
  }
  // A file with errors says so: a parse that yields nothing has a reason.
  if (diags.hasErrors()) {
    EXPECT_LE(diags.errorCount(), Diagnostics::kMaxErrors);
  }
}

const char* const kTokens[] = {
    "select", "from", "where", "group", "by", "having", "order", "limit", "emit", "changes", "final",
    "(", ")", "[", "]", ",", ";", ".", "*", "'", "`", "\"", "/*", "*/", "--", "\n", " ",
    "case", "when", "then", "else", "end", "not", "-", "+", "/", "%", "||", "and", "or", "between",
    "in", "like", "is", "null", "true", "$", "=", "<>", "!=", "<=", ">", "source", "stream", "sink",
    "table", "dead_letter", "to", "on", "error", "event", "time", "watermark", "allowed", "lateness",
    "5", "1.5", "s", "ms", "minutes", "interval", "'10'", "'5 s'", "\\u", "\\", "\xff", "\xc3\xa9",
    "\xf0\x9f\x98\x80", "join", "left", "cast", "as", "extract", "format", "json", "text", "kinesis",
    "timestamp(seconds)", "string?", "int", "?", "99999999999999999999", "1e999", "key", "file",
    "distinct", "count(*)", "partition key", "namespace", "metrics", "log", "sqs", "'q'", "`x y`",
    "a", "b", "c.d", "tumble(ts, 1 m)", "'\\ud800'", "'it''s'",
};

TEST(SyntaxRobustness, RandomBytesTokenSoupsAndMutatedSamplesNeverCrash) {
  const auto start = std::chrono::steady_clock::now();
  std::mt19937 rng(20240611);  // fixed: the same inputs every run
  auto pick = [&](size_t n) { return static_cast<size_t>(rng() % n); };
  const size_t tokenCount = sizeof kTokens / sizeof kTokens[0];

  // Random bytes, all 256 values.
  for (int i = 0; i < 150; ++i) {
    std::string s(pick(200), '\0');
    for (char& c : s) c = static_cast<char>(rng() & 0xff);
    expectSane(s);
  }
  // Printable noise.
  for (int i = 0; i < 100; ++i) {
    std::string s(pick(200), ' ');
    for (char& c : s) c = static_cast<char>(32 + pick(95));
    expectSane(s);
  }
  // Token soups: words of the language in random order.
  for (int i = 0; i < 200; ++i) {
    std::string s;
    for (size_t n = 1 + pick(60); n > 0; --n) {
      s += kTokens[pick(tokenCount)];
      if (pick(3) != 0) s += ' ';
    }
    expectSane(s);
  }
  // Real programs with a few cuts, insertions and byte flips.
  std::vector<std::string> seeds;
  for (const fs::path& p : programFiles()) seeds.push_back(readFile(p));
  ASSERT_FALSE(seeds.empty());
  for (int i = 0; i < 250; ++i) {
    std::string s = seeds[pick(seeds.size())];
    for (size_t m = 1 + pick(6); m > 0; --m) {
      size_t pos = pick(s.size() + 1);
      switch (pick(4)) {
        case 0:
          if (pos < s.size()) s[pos] = static_cast<char>(rng() & 0xff);
          break;
        case 1: s.insert(pos, kTokens[pick(tokenCount)]); break;
        case 2:
          if (pos < s.size()) s.erase(pos, 1 + pick(20));
          break;
        case 3: s.insert(pos, std::string(" ") + kTokens[pick(tokenCount)] + " "); break;
      }
    }
    expectSane(s);
  }
  // Deep nesting and long chains stop at the limits with an error, not a crash.
  expectSane("stream s as select " + std::string(5000, '(') + "a" + std::string(5000, ')') + " from t;");
  std::string chain = "stream s as select a";
  for (int i = 0; i < 5000; ++i) chain += " + a";
  expectSane(chain + " from t;");
  expectSane("stream s as select " + std::string(3000, '-') + "a from t;");
  expectSane(std::string("stream s as select 'unterminated"));
  expectSane(std::string("/* unterminated comment"));
  expectSane(std::string("stream s as select a from t; \0 sink s to log;", 44));

  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(seconds, 5.0);
}

}  // namespace
}  // namespace flowc
