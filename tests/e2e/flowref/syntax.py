"""flowref's lexer and recursive-descent parser for the stateless subset of
the .flow language (LANGUAGE.md §1-4, §6-7; docs/language.md §2-13, 16-17).

Written from the language documents only: it shares no code with flowc. It
assumes the program already passed `flowc check`, so its diagnostics are
minimal (a ParseError with a position)."""

import re

RESERVED = set("""select from where group by having order limit join left on and or not is null true false
case when then else end as in between like cast extract interval distinct source stream sink table emit""".split())

UNITS = {
    "ms": 1, "millisecond": 1, "milliseconds": 1,
    "s": 1000, "second": 1000, "seconds": 1000,
    "m": 60000, "minute": 60000, "minutes": 60000,
    "h": 3600000, "hour": 3600000, "hours": 3600000,
    "d": 86400000, "day": 86400000, "days": 86400000,
}

TYPE_NAMES = {
    "bool": "bool", "boolean": "bool",
    "int": "int", "integer": "int", "bigint": "int", "long": "int",
    "float": "float", "double": "float", "real": "float",
    "string": "string", "varchar": "string", "text": "string",
    "timestamp": "timestamp", "duration": "duration",
}


class ParseError(Exception):
    pass


class Tok:
    __slots__ = ("kind", "text", "value", "pos", "quoted")

    def __init__(self, kind, text, value, pos, quoted=False):
        self.kind, self.text, self.value, self.pos, self.quoted = kind, text, value, pos, quoted

    def __repr__(self):
        return "Tok(%s,%r)" % (self.kind, self.text)


def _read_string(src, i):
    """src[i] is the opening quote; returns (value, next index)."""
    out = []
    i += 1
    n = len(src)
    while True:
        if i >= n:
            raise ParseError("unterminated string")
        c = src[i]
        if c == "'":
            if i + 1 < n and src[i + 1] == "'":
                out.append("'")
                i += 2
                continue
            return "".join(out), i + 1
        if c == "\\":
            e = src[i + 1] if i + 1 < n else ""
            if e == "n":
                out.append("\n"); i += 2
            elif e == "t":
                out.append("\t"); i += 2
            elif e == "\\":
                out.append("\\"); i += 2
            elif e == "'":
                out.append("'"); i += 2
            elif e == "u":
                cp = int(src[i + 2:i + 6], 16)
                i += 6
                if 0xD800 <= cp < 0xDC00 and src[i:i + 2] == "\\u":
                    lo = int(src[i + 2:i + 6], 16)
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00)
                    i += 6
                out.append(chr(cp))
            else:
                raise ParseError("bad escape at %d" % i)
            continue
        out.append(c)
        i += 1


def lex(src):
    toks = []
    i, n = 0, len(src)
    while i < n:
        c = src[i]
        if c in " \t\r\n":
            i += 1
        elif src.startswith("--", i):
            j = src.find("\n", i)
            i = n if j < 0 else j + 1
        elif src.startswith("/*", i):
            j = src.find("*/", i + 2)
            if j < 0:
                raise ParseError("unterminated comment")
            i = j + 2
        elif c.isalpha() or c == "_":
            m = re.compile(r"[A-Za-z_][A-Za-z0-9_]*").match(src, i)
            toks.append(Tok("name", m.group(0), m.group(0), i))
            i = m.end()
        elif c == "`":
            j = i + 1
            out = []
            while True:
                if j >= n:
                    raise ParseError("unterminated quoted name")
                if src[j] == "`":
                    if j + 1 < n and src[j + 1] == "`":
                        out.append("`"); j += 2
                        continue
                    break
                out.append(src[j]); j += 1
            toks.append(Tok("name", src[i:j + 1], "".join(out), i, quoted=True))
            i = j + 1
        elif c.isdigit() or (c == "." and i + 1 < n and src[i + 1].isdigit()):
            m = re.compile(r"(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?").match(src, i)
            text = m.group(0)
            if "." in text or "e" in text or "E" in text:
                toks.append(Tok("float", text, float(text), i))
            else:
                toks.append(Tok("int", text, int(text), i))
            i = m.end()
        elif c == "'":
            val, j = _read_string(src, i)
            toks.append(Tok("string", src[i:j], val, i))
            i = j
        else:
            for op in ("||", "!=", "<>", "<=", ">="):
                if src.startswith(op, i):
                    toks.append(Tok("op", op, op, i))
                    i += 2
                    break
            else:
                if c in "+-*/%=<>(),.;?$[]":
                    toks.append(Tok("op", c, c, i))
                    i += 1
                else:
                    raise ParseError("unexpected character %r at %d" % (c, i))
    toks.append(Tok("eof", "", None, n))
    return toks


# ---- AST: plain dicts/tuples -------------------------------------------------
# Expressions are tuples whose first element is the node kind:
#   ("lit", value, type)          type in bool int float string null duration
#   ("col", qualifier|None, name)
#   ("unary", op, e)               op in - + not
#   ("bin", op, a, b)              op in + - * / % || = != < <= > >= and or
#   ("isnull", e, negated)
#   ("between", e, lo, hi, negated)
#   ("in", e, [items], negated)
#   ("like", e, pattern, negated)
#   ("case", operand|None, [(when, then)], else|None)
#   ("cast", e, type)
#   ("extract", field, e)
#   ("call", lname, [args])


class Parser:
    def __init__(self, src):
        self.toks = lex(src)
        self.i = 0

    # -- token helpers
    def peek(self, k=0):
        return self.toks[min(self.i + k, len(self.toks) - 1)]

    def next(self):
        t = self.toks[self.i]
        self.i += 1
        return t

    def is_word(self, word, k=0):
        t = self.peek(k)
        return t.kind == "name" and not t.quoted and t.text.lower() == word

    def accept_word(self, word):
        if self.is_word(word):
            self.i += 1
            return True
        return False

    def expect_word(self, word):
        if not self.accept_word(word):
            raise ParseError("expected %r at %d, got %r" % (word, self.peek().pos, self.peek().text))

    def is_op(self, op, k=0):
        t = self.peek(k)
        return t.kind == "op" and t.text == op

    def accept_op(self, op):
        if self.is_op(op):
            self.i += 1
            return True
        return False

    def expect_op(self, op):
        if not self.accept_op(op):
            raise ParseError("expected %r at %d, got %r" % (op, self.peek().pos, self.peek().text))

    def name(self):
        t = self.next()
        if t.kind != "name":
            raise ParseError("expected a name at %d, got %r" % (t.pos, t.text))
        return t.value

    def is_plain_name(self, k=0):
        t = self.peek(k)
        return t.kind == "name" and (t.quoted or t.text.lower() not in RESERVED)

    # -- program
    def program(self):
        prog = {"sources": [], "tables": [], "streams": [], "sinks": [], "dead_letter": None}
        while self.peek().kind != "eof":
            if self.accept_op(";"):
                continue
            if self.accept_word("source"):
                prog["sources"].append(self.source())
            elif self.accept_word("table"):
                prog["tables"].append(self.table())
            elif self.accept_word("stream"):
                prog["streams"].append(self.stream())
            elif self.accept_word("sink"):
                prog["sinks"].append(self.sink())
            elif self.accept_word("dead_letter"):
                self.expect_word("to")
                prog["dead_letter"] = self.sink_target()
            else:
                raise ParseError("unexpected %r at %d" % (self.peek().text, self.peek().pos))
            self.expect_op(";")
        return prog

    def type_name(self):
        t = self.name().lower()
        ty = TYPE_NAMES[t]
        unit = "ms"
        if ty == "timestamp" and self.accept_op("("):
            u = self.name().lower()
            unit = "s" if u == "seconds" else "ms"
            self.expect_op(")")
        nullable = self.accept_op("?")
        return ty, nullable, unit

    def json_path(self):
        self.expect_op("$")
        steps = []
        while True:
            if self.accept_op("."):
                steps.append(self.name())
            elif self.accept_op("["):
                t = self.next()
                if t.kind == "int":
                    steps.append(t.value)
                elif t.kind == "string":
                    steps.append(t.value)
                else:
                    raise ParseError("bad path step")
                self.expect_op("]")
            else:
                return steps

    def field_list(self):
        fields = []
        self.expect_op("(")
        while not self.accept_op(")"):
            name = self.name()
            ty, nullable, unit = self.type_name()
            path = [name]
            if self.accept_op("="):
                path = self.json_path()
            fields.append({"name": name, "type": ty, "nullable": nullable, "unit": unit, "path": path})
            if not self.accept_op(","):
                self.expect_op(")")
                break
        return fields

    def duration(self):
        if self.accept_word("interval"):
            t = self.next()
            n = int(t.value.strip())
            return n * UNITS[self.name().lower()]
        t = self.next()
        unit = UNITS[self.name().lower()]
        v = t.value * unit
        return int(round(v))

    def source(self):
        src = {"name": self.name()}
        self.expect_word("from")
        src["kind"] = self.name().lower()
        src["format"] = "json"
        if self.accept_word("format"):
            src["format"] = self.name().lower()
        src["fields"] = []
        if self.is_op("("):
            src["fields"] = self.field_list()
        if src["format"] == "text":
            src["fields"] = [{"name": "line", "type": "string", "nullable": False, "unit": "ms", "path": ["line"]}]
        src["on_error"] = "dead_letter"
        src["dead_letter_to"] = None
        while True:
            if self.accept_word("event"):
                self.expect_word("time")
                src["event_time"] = self.name()
                self.expect_word("watermark")
                self.duration()
                if self.accept_word("allowed"):
                    self.expect_word("lateness")
                    self.duration()
            elif self.accept_word("on"):
                self.expect_word("error")
                policy = self.name().lower()
                src["on_error"] = policy
                if policy == "dead_letter" and self.accept_word("to"):
                    src["dead_letter_to"] = self.sink_target()
            else:
                break
        return src

    def table(self):
        tab = {"name": self.name()}
        self.expect_word("from")
        self.expect_word("file")
        tab["file"] = self.next().value
        tab["columns"] = self.field_list()
        self.expect_word("key")
        tab["key"] = self.name()
        return tab

    def sink_target(self):
        kind = self.name().lower()
        target = None
        if self.peek().kind == "string":
            target = self.next().value
        opts = []
        while not self.is_op(";"):
            opts.append(self.next().text)
        return {"kind": kind, "target": target, "options": opts}

    def sink(self):
        name = self.name()
        self.expect_word("to")
        t = self.sink_target()
        t["stream"] = name
        return t

    # -- streams
    def stream(self):
        st = {"name": self.name()}
        self.expect_word("as")
        self.expect_word("select")
        if self.accept_word("distinct"):
            raise ParseError("select distinct is outside the stateless subset")
        items = []
        while True:
            if self.accept_op("*"):
                items.append(("star", None))
            elif self.peek().kind == "name" and self.is_op(".", 1) and self.is_op("*", 2):
                q = self.name()
                self.i += 2
                items.append(("star", q))
            else:
                e = self.expr()
                alias = None
                if self.accept_word("as"):
                    alias = self.name()
                elif self.is_plain_name() and not self.is_word("from"):
                    alias = self.name()
                items.append(("expr", e, alias))
            if not self.accept_op(","):
                break
        st["items"] = items
        self.expect_word("from")
        st["from"] = self.name()
        st["alias"] = self.relation_alias()
        st["joins"] = []
        while self.is_word("join") or self.is_word("left"):
            left = self.accept_word("left")
            if left:
                self.accept_word("outer")
            self.expect_word("join")
            tname = self.name()
            alias = self.relation_alias()
            self.expect_word("on")
            cond = self.expr()
            st["joins"].append({"table": tname, "alias": alias or tname, "left": left, "on": cond})
        st["where"] = None
        if self.accept_word("where"):
            st["where"] = self.expr()
        for w in ("group", "having", "order", "limit", "emit"):
            if self.is_word(w):
                raise ParseError("'%s' is outside the stateless subset" % w)
        return st

    def relation_alias(self):
        if self.accept_word("as"):
            return self.name()
        if self.is_plain_name() and not self.is_word("where"):
            return self.name()
        return None

    # -- expressions
    def expr(self):
        return self.or_expr()

    def or_expr(self):
        e = self.and_expr()
        while self.accept_word("or"):
            e = ("bin", "or", e, self.and_expr())
        return e

    def and_expr(self):
        e = self.not_expr()
        while self.accept_word("and"):
            e = ("bin", "and", e, self.not_expr())
        return e

    def not_expr(self):
        if self.accept_word("not"):
            return ("unary", "not", self.not_expr())
        return self.cmp_expr()

    def cmp_expr(self):
        e = self.add_expr()
        while True:
            t = self.peek()
            if t.kind == "op" and t.text in ("=", "!=", "<>", "<", "<=", ">", ">="):
                self.i += 1
                op = "!=" if t.text == "<>" else t.text
                e = ("bin", op, e, self.add_expr())
            elif self.accept_word("is"):
                neg = self.accept_word("not")
                self.expect_word("null")
                e = ("isnull", e, neg)
            else:
                neg = False
                if self.is_word("not") and (self.is_word("between", 1) or self.is_word("in", 1) or self.is_word("like", 1)):
                    self.i += 1
                    neg = True
                if self.accept_word("between"):
                    lo = self.add_expr()
                    self.expect_word("and")
                    hi = self.add_expr()
                    e = ("between", e, lo, hi, neg)
                elif self.accept_word("in"):
                    self.expect_op("(")
                    items = [self.expr()]
                    while self.accept_op(","):
                        items.append(self.expr())
                    self.expect_op(")")
                    e = ("in", e, items, neg)
                elif self.accept_word("like"):
                    e = ("like", e, self.add_expr(), neg)
                else:
                    return e

    def add_expr(self):
        e = self.mul_expr()
        while True:
            t = self.peek()
            if t.kind == "op" and t.text in ("+", "-", "||"):
                self.i += 1
                e = ("bin", t.text, e, self.mul_expr())
            else:
                return e

    def mul_expr(self):
        e = self.unary_expr()
        while True:
            t = self.peek()
            if t.kind == "op" and t.text in ("*", "/", "%"):
                self.i += 1
                e = ("bin", t.text, e, self.unary_expr())
            else:
                return e

    def unary_expr(self):
        t = self.peek()
        if t.kind == "op" and t.text in ("-", "+"):
            self.i += 1
            return ("unary", t.text, self.unary_expr())
        return self.primary()

    def primary(self):
        t = self.peek()
        if t.kind in ("int", "float"):
            self.i += 1
            nt = self.peek()
            if nt.kind == "name" and not nt.quoted and nt.text.lower() in UNITS:
                self.i += 1
                return ("lit", int(round(t.value * UNITS[nt.text.lower()])), "duration")
            return ("lit", t.value, t.kind)
        if t.kind == "string":
            self.i += 1
            return ("lit", t.value, "string")
        if t.kind == "op" and t.text == "(":
            self.i += 1
            e = self.expr()
            self.expect_op(")")
            return e
        if t.kind != "name":
            raise ParseError("unexpected %r at %d" % (t.text, t.pos))
        low = t.text.lower() if not t.quoted else None
        if low == "true" or low == "false":
            self.i += 1
            return ("lit", low == "true", "bool")
        if low == "null":
            self.i += 1
            return ("lit", None, "null")
        if low == "interval":
            return ("lit", self.duration(), "duration")
        if low == "case":
            self.i += 1
            operand = None
            if not self.is_word("when"):
                operand = self.expr()
            whens = []
            while self.accept_word("when"):
                w = self.expr()
                self.expect_word("then")
                whens.append((w, self.expr()))
            els = None
            if self.accept_word("else"):
                els = self.expr()
            self.expect_word("end")
            return ("case", operand, whens, els)
        if low == "cast":
            self.i += 1
            self.expect_op("(")
            e = self.expr()
            self.expect_word("as")
            ty, _, _ = self.type_name()
            self.expect_op(")")
            return ("cast", e, ty)
        if low == "extract":
            self.i += 1
            self.expect_op("(")
            field = self.name().lower()
            self.expect_word("from")
            e = self.expr()
            self.expect_op(")")
            return ("extract", field, e)
        self.i += 1
        if not t.quoted and self.is_op("("):
            self.i += 1
            args = []
            if not self.accept_op(")"):
                args.append(self.expr())
                while self.accept_op(","):
                    args.append(self.expr())
                self.expect_op(")")
            return ("call", t.text.lower(), args)
        if self.is_op(".") and self.peek(1).kind == "name":
            self.i += 1
            return ("col", t.value, self.name())
        return ("col", None, t.value)


def parse_program(src):
    return Parser(src).program()
