#!/usr/bin/env python3
"""Nexmark events, wrapped as AWS Lambda Kinesis events (like shared/bench/gen_kinesis.py).

  gen_nexmark.py --records 5000 --batches 4 --out DIR [--seed 7] [--rate 10000] [--window]

Writes DIR/event-000.json ... (one Lambda Kinesis event of --records records per batch) and
DIR/records.jsonl (every record's JSON, unwrapped, in order). Stdlib only.

The model is the Nexmark benchmark's generator (Tucker et al., "NEXMark - A Benchmark for
Queries over Data Streams"; its reference implementation is Apache Beam's
sdks/java/testing/nexmark, GeneratorConfig / PersonGenerator / AuctionGenerator /
BidGenerator, which Flink's nexmark-flink copies), with its default configuration:

- Event kinds by event number n: of every 50 events (personProportion 1, auctionProportion 3,
  bidProportion 46) n % 50 == 0 is a Person (2%), 1..3 an Auction (6%), 4..49 a Bid (92%).
- Time: firstEventRate events per second (default 10,000: interEventDelay 100 us) from a fixed
  base time; dateTime = base + n * 1000 / rate ms. Events are in time order (outOfOrderGroupSize
  1). Kinesis' approximateArrivalTimestamp is set to the event's dateTime: a producer writing
  as it generates.
- Ids: firstPersonId 1000, firstAuctionId 1000, firstCategoryId 10, numCategories 5,
  numActivePeople 1000, numInFlightAuctions 100, PERSON_ID_LEAD = AUCTION_ID_LEAD = 10.
  lastBase0PersonId(n) = (n // 50) * 1 + min(n % 50, 0); lastBase0AuctionId(n) =
  (n // 50) * 3 + the auction offset (clamped to 0..2; before the epoch's auctions, the
  previous epoch's last). nextBase0PersonId picks among the numActivePeople most recent people
  (+ lead); nextBase0AuctionId among the numInFlightAuctions most recent auctions (+ lead).
- Person {id, name, emailAddress, creditCard, city, state, dateTime, extra}: name = one of
  FIRST_NAMES + " " + one of LAST_NAMES; emailAddress = 7 random letters "@" 5 random letters
  ".com"; creditCard = four groups of 4 digits; city one of US_CITIES, state one of US_STATES.
- Auction {id, itemName, description, initialBid, reserve, dateTime, expires, seller, category,
  extra}: seller is a hot seller (lastBase0PersonId // 100 * 100) with probability 3/4
  (hotSellersRatio 4), else nextBase0PersonId; category = 10 + uniform(5); initialBid =
  nextPrice; reserve = initialBid + nextPrice; expires = dateTime + an auction length (uniform
  up to 2 * the time numInFlightAuctions auctions take to arrive); itemName 20 and description
  100 random letters or fewer.
- Bid {auction, bidder, price, channel, url, dateTime, extra}: auction is a hot auction
  (lastBase0AuctionId // 100 * 100) with probability 1/2 (hotAuctionRatio 2), else
  nextBase0AuctionId; bidder a hot bidder (lastBase0PersonId // 100 * 100) with probability 3/4
  (hotBiddersRatio 4), else nextBase0PersonId; price = nextPrice = round(10^(6u) * 100) cents
  for u uniform in [0,1) (log-uniform between 1.00 and 1,000,000.00); channel one of the hot
  channels (Google, Facebook, Baidu, Apple) with probability 1/2, else "channel-<k>" for k
  uniform below 10,000, its url "https://www.nexmark.com/<5 letters>/<5 letters>/<5
  letters>/item.htm?query=1" (&channel_id=<k reversed bits> for a cold channel).
- extra pads a record towards the average sizes avgPersonByteSize 200, avgAuctionByteSize
  500, avgBidByteSize 100 as the reference's nextExtra does: from the record's size as the
  reference counts it (8 bytes per number and timestamp plus the strings' lengths, channel and
  url not counted), a random string of the missing bytes ±20%. channel and url are
  nexmark-flink's additions to Beam's Bid. As JSON a bid is about 270 bytes, a person about
  330, an auction about 650 (a 5000-record event: about 4.7 MB).

Records are JSON in nexmark-flink's shape: {"event_type":0,"person":{...}},
{"event_type":1,"auction":{...}}, {"event_type":2,"bid":{...}} (the members of the other
two kinds left out rather than null); dateTime and expires are epoch milliseconds (what a flowc
`timestamp` field reads). Prices are integer cents, as in the reference.

--window makes every event a Kinesis tumbling-window invoke (what a windowed flowc handler
needs): "window" spanning Lambda's 900-second window around the batch, "state": {} (each
invocation is a window's first: independent of the others, so the events can be replayed in
any order), "isFinalInvokeForWindow": false, "isWindowTerminatedEarly": false.
"""
import argparse, base64, json, os, random, time

PERSON_PROPORTION, AUCTION_PROPORTION, BID_PROPORTION = 1, 3, 46
TOTAL_PROPORTION = PERSON_PROPORTION + AUCTION_PROPORTION + BID_PROPORTION
FIRST_PERSON_ID, FIRST_AUCTION_ID, FIRST_CATEGORY_ID, NUM_CATEGORIES = 1000, 1000, 10, 5
NUM_ACTIVE_PEOPLE, NUM_IN_FLIGHT_AUCTIONS = 1000, 100
PERSON_ID_LEAD = AUCTION_ID_LEAD = 10
HOT_SELLER_RATIO = HOT_AUCTION_RATIO = HOT_BIDDER_RATIO = 100
HOT_AUCTION_RATIO_CFG, HOT_SELLERS_RATIO_CFG, HOT_BIDDERS_RATIO_CFG, HOT_CHANNELS_RATIO = 2, 4, 4, 2
AVG_PERSON_BYTES, AVG_AUCTION_BYTES, AVG_BID_BYTES = 200, 500, 100
FIRST_NAMES = ["Peter", "Paul", "Luke", "John", "Saul", "Vicky", "Kate", "Julie", "Sarah", "Deiter", "Walter"]
LAST_NAMES = ["Shultz", "Abrams", "Spencer", "White", "Bartels", "Walton", "Smith", "Jones", "Noris"]
US_STATES = ["AZ", "CA", "ID", "OR", "WA", "WY"]
US_CITIES = ["Phoenix", "Los Angeles", "San Francisco", "Boise", "Portland", "Bend", "Redmond", "Seattle", "Kent",
             "Cheyenne"]
HOT_CHANNELS = ["Google", "Facebook", "Baidu", "Apple"]
BASE_TIME_MS = 1793491200000  # 2026-11-01T00:00:00Z


def last_base0_person_id(n):
    epoch, offset = divmod(n, TOTAL_PROPORTION)
    if offset >= PERSON_PROPORTION:
        offset = PERSON_PROPORTION - 1
    return epoch * PERSON_PROPORTION + offset


def last_base0_auction_id(n):
    epoch, offset = divmod(n, TOTAL_PROPORTION)
    if offset < PERSON_PROPORTION:
        epoch -= 1
        offset = AUCTION_PROPORTION - 1
    elif offset >= PERSON_PROPORTION + AUCTION_PROPORTION:
        offset = AUCTION_PROPORTION - 1
    else:
        offset -= PERSON_PROPORTION
    return epoch * AUCTION_PROPORTION + offset


def next_base0_person_id(n, rnd):
    num_people = last_base0_person_id(n) + 1
    active = min(num_people, NUM_ACTIVE_PEOPLE)
    return num_people - active + rnd.randrange(active + PERSON_ID_LEAD)


def next_base0_auction_id(n, rnd):
    max_auction = last_base0_auction_id(n)
    min_auction = max(max_auction - NUM_IN_FLIGHT_AUCTIONS, 0)
    return min_auction + rnd.randrange(max_auction - min_auction + 1 + AUCTION_ID_LEAD)


def next_price(rnd):
    return int(round(10.0 ** (rnd.random() * 6.0) * 100.0))


def next_string(rnd, max_len):
    return "".join(chr(ord("a") + rnd.randrange(26)) for _ in range(1 + rnd.randrange(max_len)))


def next_exact_string(rnd, n):
    return "".join(chr(ord("a") + rnd.randrange(26)) for _ in range(n))


def next_extra(rnd, current_size, desired_average_size):
    """The reference's StringsGenerator.nextExtra."""
    if current_size > desired_average_size:
        return ""
    desired = desired_average_size - current_size
    delta = int(round(desired * 0.2))
    min_size = desired - delta
    return next_exact_string(rnd, min_size + (rnd.randrange(2 * delta) if delta > 0 else 0))


def person(n, t, rnd):
    p = {"id": last_base0_person_id(n) + FIRST_PERSON_ID,
         "name": rnd.choice(FIRST_NAMES) + " " + rnd.choice(LAST_NAMES),
         "emailAddress": next_exact_string(rnd, 7) + "@" + next_exact_string(rnd, 5) + ".com",
         "creditCard": " ".join("%04d" % rnd.randrange(10000) for _ in range(4)),
         "city": rnd.choice(US_CITIES), "state": rnd.choice(US_STATES), "dateTime": t}
    size = 8 + len(p["name"]) + len(p["emailAddress"]) + len(p["creditCard"]) + len(p["city"]) + len(p["state"])
    p["extra"] = next_extra(rnd, size, AVG_PERSON_BYTES)
    return p


def auction(n, t, rnd, rate):
    if rnd.randrange(HOT_SELLERS_RATIO_CFG) > 0:
        seller = (last_base0_person_id(n) // HOT_SELLER_RATIO) * HOT_SELLER_RATIO
    else:
        seller = next_base0_person_id(n, rnd)
    initial = next_price(rnd)
    # An auction lasts up to twice the time NUM_IN_FLIGHT_AUCTIONS auctions take to arrive.
    in_flight_ms = NUM_IN_FLIGHT_AUCTIONS * TOTAL_PROPORTION / AUCTION_PROPORTION * 1000.0 / rate
    a = {"id": last_base0_auction_id(n) + FIRST_AUCTION_ID, "itemName": next_string(rnd, 20),
         "description": next_string(rnd, 100), "initialBid": initial, "reserve": initial + next_price(rnd),
         "dateTime": t, "expires": t + 1 + int(rnd.random() * 2 * in_flight_ms),
         "seller": seller + FIRST_PERSON_ID, "category": FIRST_CATEGORY_ID + rnd.randrange(NUM_CATEGORIES)}
    a["extra"] = next_extra(rnd, 8 + len(a["itemName"]) + len(a["description"]) + 8 + 8 + 8 + 8 + 8,
                            AVG_AUCTION_BYTES)
    return a


def bid(n, t, rnd):
    if rnd.randrange(HOT_AUCTION_RATIO_CFG) > 0:
        auction_id = (last_base0_auction_id(n) // HOT_AUCTION_RATIO) * HOT_AUCTION_RATIO
    else:
        auction_id = next_base0_auction_id(n, rnd)
    if rnd.randrange(HOT_BIDDERS_RATIO_CFG) > 0:
        bidder = (last_base0_person_id(n) // HOT_BIDDER_RATIO) * HOT_BIDDER_RATIO + 1
    else:
        bidder = next_base0_person_id(n, rnd)
    url = "https://www.nexmark.com/%s/%s/%s/item.htm?query=1" % tuple(next_exact_string(rnd, 5) for _ in range(3))
    if rnd.randrange(HOT_CHANNELS_RATIO) > 0:
        channel = rnd.choice(HOT_CHANNELS)
    else:
        k = rnd.randrange(10000)
        channel = "channel-%d" % k
        url += "&channel_id=%d" % int(format(k, "032b")[::-1], 2)
    b = {"auction": auction_id + FIRST_AUCTION_ID, "bidder": bidder + FIRST_PERSON_ID, "price": next_price(rnd),
         "channel": channel, "url": url, "dateTime": t}
    b["extra"] = next_extra(rnd, 8 + 8 + 8 + 8, AVG_BID_BYTES)
    return b


def event(n, rnd, rate):
    t = BASE_TIME_MS + (n * 1000) // rate
    kind = n % TOTAL_PROPORTION
    if kind < PERSON_PROPORTION:
        return {"event_type": 0, "person": person(n, t, rnd)}, t
    if kind < PERSON_PROPORTION + AUCTION_PROPORTION:
        return {"event_type": 1, "auction": auction(n, t, rnd, rate)}, t
    return {"event_type": 2, "bid": bid(n, t, rnd)}, t


def iso(ms):
    sec, frac = divmod(ms, 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(sec)) + ".%03dZ" % frac


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=5000, help="records per event (batch)")
    ap.add_argument("--batches", type=int, default=1)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--rate", type=int, default=10000, help="events per second of event time (firstEventRate)")
    ap.add_argument("--window", action="store_true", help="tumbling-window invokes (state {}, not final)")
    ap.add_argument("--shard", default="shardId-000000000000")
    a = ap.parse_args()
    if a.records < 1 or a.batches < 1 or a.rate < 1:
        ap.error("--records, --batches and --rate must be positive")
    rnd = random.Random(a.seed)
    os.makedirs(a.out, exist_ok=True)
    seq = 49590338271490256608559692538361571095921575989136588898
    n = 0
    with open(os.path.join(a.out, "records.jsonl"), "w") as rec_out:
        for b in range(a.batches):
            recs = []
            first_t = None
            for _ in range(a.records):
                e, t = event(n, rnd, a.rate)
                n += 1
                first_t = t if first_t is None else first_t
                raw = json.dumps(e, separators=(",", ":"))
                rec_out.write(raw + "\n")
                seq += 1
                recs.append({"kinesis": {"kinesisSchemaVersion": "1.0", "partitionKey": "nexmark-%d" % (n % 64),
                                         "sequenceNumber": str(seq),
                                         "data": base64.b64encode(raw.encode()).decode(),
                                         "approximateArrivalTimestamp": t / 1000.0},
                             "eventSource": "aws:kinesis", "eventVersion": "1.0",
                             "eventID": "%s:%d" % (a.shard, seq), "eventName": "aws:kinesis:record",
                             "invokeIdentityArn": "arn:aws:iam::123456789012:role/lambda-kinesis-role",
                             "awsRegion": "us-east-1",
                             "eventSourceARN": "arn:aws:kinesis:us-east-1:123456789012:stream/nexmark"})
            body = {"Records": recs}
            if a.window:
                start = first_t - first_t % 900000
                body.update({"window": {"start": iso(start), "end": iso(start + 900000)}, "state": {},
                             "shardId": a.shard, "eventSourceARN": "arn:aws:kinesis:us-east-1:123456789012:stream/nexmark",
                             "isFinalInvokeForWindow": False, "isWindowTerminatedEarly": False})
            with open(os.path.join(a.out, "event-%03d.json" % b), "w") as f:
                json.dump(body, f, separators=(",", ":"))


if __name__ == "__main__":
    main()
