"""A small JSON reader that keeps each value's source text, for what flowc
returns as raw text: the elements of an http body's JSON array (each one a
record, dead-lettered as received) and json_extract's non-string results."""

import json

_WS = " \t\r\n"
_dec = json.JSONDecoder()


class JsonError(Exception):
    pass


def _skip(s, i):
    while i < len(s) and s[i] in _WS:
        i += 1
    return i


def parse_spans(s, i=0):
    """Parses one value at s[i:] (after whitespace). Returns (node, end) where
    node = (kind, value, start, end); kind object → value is [(key, node)],
    array → [node], otherwise the Python value."""
    i = _skip(s, i)
    if i >= len(s):
        raise JsonError("unexpected end")
    c = s[i]
    if c == "{":
        members = []
        j = _skip(s, i + 1)
        if j < len(s) and s[j] == "}":
            return ("object", members, i, j + 1), j + 1
        while True:
            j = _skip(s, j)
            if j >= len(s) or s[j] != '"':
                raise JsonError("expected a member name")
            try:
                key, j = _dec.raw_decode(s, j)
            except ValueError as e:
                raise JsonError(str(e))
            j = _skip(s, j)
            if j >= len(s) or s[j] != ":":
                raise JsonError("expected ':'")
            node, j = parse_spans(s, j + 1)
            members.append((key, node))
            j = _skip(s, j)
            if j < len(s) and s[j] == ",":
                j += 1
                continue
            if j < len(s) and s[j] == "}":
                return ("object", members, i, j + 1), j + 1
            raise JsonError("expected ',' or '}'")
    if c == "[":
        elems = []
        j = _skip(s, i + 1)
        if j < len(s) and s[j] == "]":
            return ("array", elems, i, j + 1), j + 1
        while True:
            node, j = parse_spans(s, j)
            elems.append(node)
            j = _skip(s, j)
            if j < len(s) and s[j] == ",":
                j += 1
                continue
            if j < len(s) and s[j] == "]":
                return ("array", elems, i, j + 1), j + 1
            raise JsonError("expected ',' or ']'")
    try:
        v, j = _dec.raw_decode(s, i)
    except ValueError as e:
        raise JsonError(str(e))
    if isinstance(v, float) and (v != v or v in (float("inf"), float("-inf"))):
        raise JsonError("not a JSON number")
    text = s[i:j]
    if c not in '"-0123456789tfn':
        raise JsonError("bad value")
    if text in ("NaN", "Infinity", "-Infinity"):
        raise JsonError("bad value")
    kind = "string" if c == '"' else "literal"
    return (kind, v, i, j), j


def parse_document(s):
    node, j = parse_spans(s, 0)
    if _skip(s, j) != len(s):
        raise JsonError("trailing text")
    return node


def to_python(node):
    kind, v = node[0], node[1]
    if kind == "object":
        return {k: to_python(n) for k, n in v}
    if kind == "array":
        return [to_python(n) for n in v]
    return v
