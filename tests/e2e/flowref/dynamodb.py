"""DynamoDB Streams records, written from LANGUAGE.md §3, docs/language.md
"### dynamodb" and docs/runtime.md "Events → records" (and, for the exact
wording of a reason — part of the contract — runtime/src/dynamodb_image.cpp's
messages; none of its code is used):

- unmarshal(): an item image (attribute name → typed value, as JSON text
  with spans, jsontext.parse_spans) → the plain JSON text the generated
  decoders read: S/B → string, N → its text unquoted (must be a JSON number),
  BOOL, NULL → null, M → object, L/SS/NS/BS → array. Strings are written as
  docs/runtime.md's JSON writer writes them (json_writer.h: `"` `\\` and
  \\n \\r \\t \\b \\f escaped, other controls and DEL as \\u00xx, the rest as
  UTF-8), because json_extract returns a non-string value's text as it is.
  An image that is not an item raises RecordError("dynamodb", reason) with the
  runtime's reason, the attribute named by its path (`m.b[1]`).
- marshal() / dynamodb_event(): the other way, for tests that build events
  from plain records (numbers keep their JSON text)."""

import json

from .values import RecordError

MAX_DEPTH = 64  # docs/runtime.md: "more than 64 levels of nesting"

_ESC = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}


def json_string(s):
    out = ['"']
    for ch in s:
        if ch in _ESC:
            out.append(_ESC[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append("\\u%04x" % ord(ch))
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def is_json_number(t):
    """JSON's number grammar (RFC 8259 §6), the whole text."""
    i, n = 0, len(t)
    if i < n and t[i] == "-":
        i += 1
    if i >= n:
        return False
    if t[i] == "0":
        i += 1
    elif "1" <= t[i] <= "9":
        while i < n and t[i].isdigit() and t[i].isascii():
            i += 1
    else:
        return False
    if i < n and t[i] == ".":
        i += 1
        if i >= n or not (t[i].isascii() and t[i].isdigit()):
            return False
        while i < n and t[i].isascii() and t[i].isdigit():
            i += 1
    if i < n and t[i] in "eE":
        i += 1
        if i < n and t[i] in "+-":
            i += 1
        if i >= n or not (t[i].isascii() and t[i].isdigit()):
            return False
        while i < n and t[i].isascii() and t[i].isdigit():
            i += 1
    return i == n


class _Fail(Exception):
    pass


def excerpt(text):
    """The record's text in a reason: at most 40 UTF-8 bytes, cut on a
    character boundary, then '...' (the runtime's json::excerpt)."""
    raw = text.encode("utf-8", "surrogatepass")
    if len(raw) <= 40:
        return text
    cut = 40
    while cut > 0 and raw[cut] & 0xC0 == 0x80:
        cut -= 1
    return raw[:cut].decode("utf-8", "surrogatepass") + "..."


class _Unmarshal:
    def __init__(self):
        self.path = ""
        self.out = []

    def fail(self, what):
        raise _Fail("attribute '%s' %s" % (excerpt(self.path), what))

    def item(self, node, depth):
        if depth > MAX_DEPTH:
            self.fail("nests deeper than %d levels" % MAX_DEPTH)
        self.out.append("{")
        for k, (name, value) in enumerate(node[1]):
            if k:
                self.out.append(",")
            self.out.append(json_string(name) + ":")
            keep = self.path
            self.path += ("." if depth > 0 else "") + name
            self.typed(value, depth + 1)
            self.path = keep
        self.out.append("}")

    def typed(self, node, depth):
        if node[0] != "object":
            self.fail('is not a DynamoDB attribute value ({"S": …}, {"N": …}, …)')
        if not node[1]:
            self.fail("has no type")
        for k, (ty, inner) in enumerate(node[1]):
            if k:
                self.fail("has more than one type")
            if ty in ("S", "B"):
                self.string(inner)
            elif ty == "N":
                self.number(inner)
            elif ty == "BOOL":
                if not isinstance(inner[1], bool):
                    self.fail("has a BOOL that is not true or false")
                self.out.append("true" if inner[1] else "false")
            elif ty == "NULL":
                # docs/runtime.md: NULL is true (DynamoDB writes nothing else); false is refused
                if inner[0] != "literal" or inner[1] is not True:
                    self.fail("has a NULL that is not true")
                self.out.append("null")
            elif ty == "M":
                if inner[0] != "object":
                    self.fail("has an M that is not an object")
                self.item(inner, depth)
            elif ty in ("L", "SS", "BS", "NS"):
                self.list(inner, depth, ty)
            else:
                self.fail("has the unknown type '%s'" % excerpt(ty))

    def string(self, node):
        if node[0] != "string":
            self.fail("has a string type whose value is not a string")
        self.out.append(json_string(node[1]))

    def number(self, node):
        if node[0] != "string":
            self.fail("has an N that is not a string")
        if not is_json_number(node[1]):
            self.fail("has the N '%s', which is not a number" % excerpt(node[1]))
        self.out.append(node[1])

    def list(self, node, depth, ty):
        if depth > MAX_DEPTH:
            self.fail("nests deeper than %d levels" % MAX_DEPTH)
        if node[0] != "array":
            self.fail("has a list type whose value is not an array")
        self.out.append("[")
        keep = self.path
        for i, e in enumerate(node[1]):
            if i:
                self.out.append(",")
            self.path = keep + "[%d]" % i
            if ty == "L":
                self.typed(e, depth + 1)
            elif ty == "NS":
                self.number(e)
            else:
                self.string(e)
        self.path = keep
        self.out.append("]")


def unmarshal(image_node):
    """An image (a jsontext "object" node) → the item's plain JSON text;
    RecordError("dynamodb", reason) when it is not an item."""
    u = _Unmarshal()
    try:
        u.item(image_node, 0)
    except _Fail as e:
        err = RecordError("dynamodb", str(e))
        err.exact = True
        raise err
    return "".join(u.out)


# ---- the other way: plain JSON → typed values (building test events) ------------------------

def marshal(v):
    """A Python JSON value → its DynamoDB typed value. Ints and floats as N
    with their JSON text; RawN("1.50") keeps a number's exact text."""
    if isinstance(v, RawN):
        return {"N": v.text}
    if v is None:
        return {"NULL": True}
    if isinstance(v, bool):
        return {"BOOL": v}
    if isinstance(v, (int, float)):
        return {"N": json.dumps(v)}
    if isinstance(v, str):
        return {"S": v}
    if isinstance(v, list):
        return {"L": [marshal(x) for x in v]}
    if isinstance(v, dict):
        return {"M": {k: marshal(x) for k, x in v.items()}}
    raise TypeError(repr(v))


def marshal_text(line):
    """A JSON text → its item as typed JSON text (numbers keep their text),
    or None when the text is not exactly one JSON object."""
    from .jsontext import JsonError, parse_document
    try:
        node = parse_document(line)
    except (JsonError, RecursionError):
        return None
    if node[0] != "object":
        return None

    def typed(n):
        kind, v = n[0], n[1]
        if kind == "object":
            return '{"M":' + members(n) + "}"
        if kind == "array":
            return '{"L":[' + ",".join(typed(x) for x in v) + "]}"
        if kind == "string":
            return '{"S":' + json_string(v) + "}"
        if v is None:
            return '{"NULL":true}'
        if isinstance(v, bool):
            return '{"BOOL":%s}' % ("true" if v else "false")
        return '{"N":"%s"}' % line[n[2]:n[3]]

    def members(n):
        return "{" + ",".join(json_string(k) + ":" + typed(x) for k, x in n[1]) + "}"

    return members(node)


class RawN:
    def __init__(self, text):
        self.text = text


class Typed:
    """An image given as DynamoDB typed values, as it is (bad images)."""

    def __init__(self, image):
        self.image = image


def marshal_item(d):
    return {k: marshal(v) for k, v in d.items()}


def dynamodb_event(items, start_s=1763892000, step_s=1, first_seq=4421584500000000017450439091, names=None,
                   keys=("id",), view="NEW_AND_OLD_IMAGES"):
    """items: plain dicts (marshalled here), Typed(image), or {"dynamodb": {...}}
    records given whole (their eventName from names[i] or "INSERT"). A plain item
    is the NewImage of an INSERT/MODIFY and the OldImage of a REMOVE."""
    recs = []
    for i, it in enumerate(items):
        name = names[i] if names else "INSERT"
        seq = str(first_seq + i)
        if isinstance(it, dict) and "dynamodb" in it and len(it) == 1:
            d = dict(it["dynamodb"])
            d.setdefault("SequenceNumber", seq)
        else:
            typed = it.image if isinstance(it, Typed) else marshal_item(it)
            d = {"ApproximateCreationDateTime": start_s + i * step_s,
                 "Keys": {k: typed[k] for k in keys if k in typed}}
            d["OldImage" if name == "REMOVE" else "NewImage"] = typed
            d.update({"SequenceNumber": seq, "SizeBytes": 26, "StreamViewType": view})
        recs.append({"eventID": "%032x" % (i + 1), "eventName": name, "eventVersion": "1.1",
                     "eventSource": "aws:dynamodb", "awsRegion": "us-east-1", "dynamodb": d,
                     "eventSourceARN": "arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/"
                                       "2025-11-23T00:00:00.000"})
    return {"Records": recs}
