#!/usr/bin/env python3
"""Independent reference for the Nexmark queries of bench/nexmark/*.flow: reads the records of ONE
invocation's batch (records.jsonl lines, gen_nexmark.py's JSON) and prints the log lines the
query must write for that invocation. Stdlib only; shares no code with flowc.

  oracle.py q0|q1|q2|q5|q7 RECORDS.jsonl

q0  every bid: auction, bidder, price, date_time, extra
q1  every bid with price * 0.908 (a float)
q2  the bids with auction % 123 == 0: auction, price
q5  per hop window (size 10 s, slide 2 s, on the record's time, which is its arrival time) the
    auction with the most bids; of tied auctions the one whose first bid in the window came
    first (the query's `order by num desc limit 1` is a stable sort of the window's groups in
    first-seen order)
q7  per 10-second window, the bid with the highest price (of tied ones the first)

For q5 and q7 the invocation is a window's first (state {}), not its final invoke: a window
is emitted once the watermark — the largest record time seen, as the window is on
_arrival_time — reaches its end (end <= watermark); later windows stay in the state and are
not printed. A tie at the top of a window is reported on stderr (the bench's events have
none; were one to appear, the first-seen rule above is what the query documents).
"""
import json, sys, time

HOP_SIZE_MS, HOP_SLIDE_MS, TUMBLE_MS = 10000, 2000, 10000


def iso(ms):
    sec, frac = divmod(ms, 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(sec)) + ".%03dZ" % frac


def line(obj):
    return json.dumps(obj, separators=(",", ":"))


def windows_of(t, size, slide):
    """Starts of the windows [s, s + size) holding t, s a multiple of slide, oldest first."""
    last = t - t % slide
    return [s for s in range(last - size + slide, last + 1, slide)]


def main():
    query, path = sys.argv[1], sys.argv[2]
    bids = []
    for raw in open(path, encoding="utf-8"):
        if raw.strip():
            e = json.loads(raw)
            if e["event_type"] == 2:
                bids.append(e["bid"])
    out = []
    if query == "q0":
        for b in bids:
            out.append(line({"stream": "q0", "auction": b["auction"], "bidder": b["bidder"], "price": b["price"],
                             "date_time": iso(b["dateTime"]), "extra": b["extra"]}))
    elif query == "q1":
        for b in bids:
            out.append(line({"stream": "q1", "auction": b["auction"], "bidder": b["bidder"],
                             "price": 0.908 * b["price"], "date_time": iso(b["dateTime"]), "extra": b["extra"]}))
    elif query == "q2":
        for b in bids:
            if b["auction"] % 123 == 0:
                out.append(line({"stream": "q2", "auction": b["auction"], "price": b["price"]}))
    elif query in ("q5", "q7"):
        # The watermark advances with the records that reach the group by: the bids.
        watermark = max(b["dateTime"] for b in bids)
        size, slide = (HOP_SIZE_MS, HOP_SLIDE_MS) if query == "q5" else (TUMBLE_MS, TUMBLE_MS)
        wins = {}  # start -> {group key: [first index, value]} in first-seen order
        for i, b in enumerate(bids):
            for s in windows_of(b["dateTime"], size, slide):
                g = wins.setdefault(s, {})
                if query == "q5":
                    key = b["auction"]
                    g.setdefault(key, [i, 0])[1] += 1
                else:
                    key = (b["auction"], b["price"], b["bidder"], b["dateTime"])
                    g.setdefault(key, [i, b["price"]])
        for s in sorted(wins):
            if s + size > watermark:
                continue
            groups = sorted(wins[s].items(), key=lambda kv: (-kv[1][1], kv[1][0]))
            if len(groups) > 1 and groups[0][1][1] == groups[1][1][1]:
                print("oracle.py: %s window %s has a tie at the top" % (query, iso(s)), file=sys.stderr)
            key, (_, value) = groups[0]
            if query == "q5":
                out.append(line({"stream": "q5", "auction": key, "num": value, "window_start": iso(s),
                                 "window_end": iso(s + size)}))
            else:
                out.append(line({"stream": "q7", "auction": key[0], "price": key[1], "bidder": key[2],
                                 "date_time": iso(key[3]), "window_end": iso(s + size)}))
    else:
        sys.exit("oracle.py: unknown query %r" % query)
    sys.stdout.write("".join(l + "\n" for l in out))


if __name__ == "__main__":
    main()
