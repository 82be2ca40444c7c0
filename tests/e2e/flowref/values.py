"""Values and their text: checked int64, RFC 3339 timestamps, shortest
round-trip floats and UTF-8 repair, as docs/runtime.md and docs/language.md
§3, §7, §13 state them. Timestamps and durations are ints (milliseconds);
the static type says which."""

import math
import re

INT_MIN = -(1 << 63)
INT_MAX = (1 << 63) - 1


class RecordError(Exception):
    """A record fails (decode or run time); category is one of
    base64 json utf8 missing type timestamp overflow division cast"""

    def __init__(self, category, message):
        super().__init__(message)
        self.category = category


def check_int(v):
    if v < INT_MIN or v > INT_MAX:
        raise RecordError("overflow", "integer overflow")
    return v


# ---- dates ------------------------------------------------------------------

def days_from_civil(y, m, d):
    y -= m <= 2
    era = y // 400  # Python's // already floors
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def civil_from_days(z):
    z += 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    y = yoe + era * 400
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + 3 if mp < 10 else mp - 9
    return y + (m <= 2), m, d


def is_leap(y):
    return y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)


def days_in_month(y, m):
    return [31, 29 if is_leap(y) else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]


def split_ms(ms):
    days, rem = divmod(ms, 86400000)
    y, mo, d = civil_from_days(days)
    h, rem = divmod(rem, 3600000)
    mi, rem = divmod(rem, 60000)
    s, milli = divmod(rem, 1000)
    return y, mo, d, h, mi, s, milli, days


def format_timestamp(ms):
    """RFC 3339 with milliseconds, UTC; None outside years 0000-9999."""
    y, mo, d, h, mi, s, milli, _ = split_ms(ms)
    if y < 0 or y > 9999:
        return None
    return "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ" % (y, mo, d, h, mi, s, milli)


_RFC3339 = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def parse_rfc3339(text):
    """The canonical RFC 3339 form (upper-case T and Z); None when it is not one."""
    m = _RFC3339.match(text)
    if not m:
        return None
    y, mo, d, h, mi, s = (int(m.group(i)) for i in range(1, 7))
    if not (1 <= mo <= 12 and 1 <= d <= days_in_month(y, mo) and h <= 23 and mi <= 59 and s <= 59):
        return None
    frac = m.group(7)
    milli = int((frac[1:] + "000")[:3]) if frac else 0
    ms = ((days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60000 + s * 1000 + milli
    z = m.group(8)
    if z != "Z":
        sign = 1 if z[0] == "+" else -1
        oh, om = int(z[1:3]), int(z[4:6])
        if oh > 23 or om > 59:
            return None
        ms -= sign * (oh * 60 + om) * 60000
    return ms


# ---- floats -----------------------------------------------------------------

def format_float(x):
    """Shortest round-trip text as C++ std::to_chars(double) writes it
    (docs/runtime.md's examples `0.1`, `812.5`, `100`, `1e+21` are its
    output): the shortest digits, in fixed or scientific notation, whichever
    is shorter (fixed on a tie; fixed notation of an integral value is its
    exact integer), but exponent form from 2^53 up. None for NaN and
    infinities (written as null)."""
    if math.isnan(x) or math.isinf(x):
        return None
    r = repr(float(x))
    neg = r.startswith("-")
    if neg:
        r = r[1:]
    if "e" in r:
        mant, exp = r.split("e")
        exp = int(exp)
    else:
        mant, exp = r, 0
    if "." in mant:
        ip, fp = mant.split(".")
    else:
        ip, fp = mant, ""
    digits = (ip + fp).lstrip("0")
    # value = 0.digits... scaled: position of decimal point relative to digits
    if not digits:
        return "-0" if neg else "0"
    lead_zeros = len(ip + fp) - len((ip + fp).lstrip("0"))
    point = len(ip) + exp - lead_zeros  # decimal point after `point` digits
    digits = digits.rstrip("0")
    nd = len(digits)
    # fixed
    if point <= 0:
        fixed = "0." + "0" * (-point) + digits
    elif point >= nd:
        # printf's %.0f, as std::to_chars writes fixed notation: the exact
        # integer, not the shortest digits padded with zeros
        fixed = str(int(abs(float(x))))
    else:
        fixed = digits[:point] + "." + digits[point:]
    # scientific
    e = point - 1
    sci = digits[0] + ("." + digits[1:] if nd > 1 else "") + "e" + ("-" if e < 0 else "+") + "%02d" % abs(e)
    out = fixed if len(fixed) <= len(sci) else sci
    # docs/runtime.md: from 2^53 up, always exponent form (never a bare
    # integer a reader would take for an int).
    if abs(float(x)) >= 2.0 ** 53:
        out = sci
    return ("-" if neg else "") + out


# ---- UTF-8 ------------------------------------------------------------------

def utf8_repair(b):
    """Decode bytes, each byte that is not part of a well-formed UTF-8
    sequence becoming U+FFFD (docs/runtime.md: 'bytes that are not UTF-8
    become U+FFFD')."""
    out = []
    i, n = 0, len(b)
    while i < n:
        c = b[i]
        if c < 0x80:
            out.append(chr(c)); i += 1
            continue
        if 0xC2 <= c <= 0xDF:
            need, lo, hi = 1, 0x80, 0xBF
        elif c == 0xE0:
            need, lo, hi = 2, 0xA0, 0xBF
        elif 0xE1 <= c <= 0xEC or 0xEE <= c <= 0xEF:
            need, lo, hi = 2, 0x80, 0xBF
        elif c == 0xED:
            need, lo, hi = 2, 0x80, 0x9F
        elif c == 0xF0:
            need, lo, hi = 3, 0x90, 0xBF
        elif 0xF1 <= c <= 0xF3:
            need, lo, hi = 3, 0x80, 0xBF
        elif c == 0xF4:
            need, lo, hi = 3, 0x80, 0x8F
        else:
            out.append("\ufffd"); i += 1
            continue
        seq = b[i:i + 1 + need]
        ok = len(seq) == 1 + need and lo <= seq[1] <= hi and all(0x80 <= x <= 0xBF for x in seq[2:])
        if ok:
            out.append(seq.decode("utf-8")); i += 1 + need
        else:
            out.append("\ufffd"); i += 1
    return "".join(out)


# ---- base64 -----------------------------------------------------------------

_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_B64I = {c: i for i, c in enumerate(_B64)}


def b64decode_strict(text):
    """RFC 4648, padded, canonical; RecordError('base64') otherwise."""
    if len(text) % 4:
        raise RecordError("base64", "invalid base64: length is not a multiple of 4")
    out = bytearray()
    for q in range(0, len(text), 4):
        chunk = text[q:q + 4]
        last = q + 4 == len(text)
        pad = len(chunk) - len(chunk.rstrip("="))
        if pad > 2 or (pad and not last) or "=" in chunk.rstrip("="):
            raise RecordError("base64", "invalid base64: misplaced '='")
        vals = []
        for ch in chunk[:4 - pad]:
            if ch not in _B64I:
                raise RecordError("base64", "invalid base64: bad character")
            vals.append(_B64I[ch])
        v = 0
        for x in vals:
            v = (v << 6) | x
        v <<= 6 * pad
        three = v.to_bytes(3, "big")
        if pad == 1:
            if three[2] != 0:
                raise RecordError("base64", "invalid base64: non-zero padding bits")
            out += three[:2]
        elif pad == 2:
            if three[1] != 0 or three[2] != 0:
                raise RecordError("base64", "invalid base64: non-zero padding bits")
            out += three[:1]
        else:
            out += three
    return bytes(out)
