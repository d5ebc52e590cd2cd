"""Files a fixed number of complaints before tools/loadbench measures intake, so that (g) and (h)
start their measured runs from stores holding the same complaints, and warm the server up.

    python3 intake_warmup.py BASE_URL COUNT CONNECTIONS SEED

POST BASE_URL/v1/complaints COUNT times, CONNECTIONS at a time, each a new complaint with a
body like the one tools/loadbench.d/intake.lua sends (near West Lake, lat 30.259 lng 120.13
+-0.01 degree, gcj02; the categories and modes in turn), consumer phones 19900000001... (never
those of intake.lua, which are 130...-139...) and Idempotency-Keys lb-warmup-N. The points
come from SEED, so every run files the same ones.

Every answer must be a 201 with a complaint number of its own and no Idempotent-Replayed; the
first other answer is printed and the exit status is 1. Prints one line:
"FILED SECONDS assigned:N,submitted:M" (the complaints' statuses).
"""
import json
import random
import sys
import threading
import time
import urllib.error
import urllib.request

CATEGORIES = ["product_quality", "service_quality", "false_advertising", "price", "contract",
              "prepaid_card", "food_safety", "after_sales", "online_shopping", "other"]
MODES = ["offline", "video"]
LAT, LNG, SPREAD = 30.259, 120.13, 0.01


def body(n: int, rng: random.Random) -> bytes:
    key = f"lb-warmup-{n}"
    lat, lng = LAT + SPREAD * (2 * rng.random() - 1), LNG + SPREAD * (2 * rng.random() - 1)
    doc = {"location": {"lat": round(lat, 6), "lng": round(lng, 6), "coordsys": "gcj02"},
           "consumer": {"name": "张三", "phone": str(19900000000 + n)},
           "merchant": {"name": f"某某超市 {key}", "address": "文三路 1 号"},
           "category": CATEGORIES[n % len(CATEGORIES)], "description": f"loadbench {key}: 买到过期食品，商家拒绝退货",
           "preferred_mode": MODES[n % len(MODES)], "amount_yuan": 19.9}
    return json.dumps(doc, ensure_ascii=False).encode("utf-8")


def main() -> None:
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    base, count, connections, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    rng = random.Random(seed)
    work = [(n, body(n, rng)) for n in range(1, count + 1)]
    lock = threading.Lock()
    numbers, statuses, failures = set(), {}, []

    def worker() -> None:
        while True:
            with lock:
                if not work or failures:
                    return
                n, data = work.pop(0)
            req = urllib.request.Request(base + "/v1/complaints", data=data, method="POST",
                                         headers={"Content-Type": "application/json", "Idempotency-Key": f"lb-warmup-{n}"})
            try:
                with urllib.request.urlopen(req, timeout=60) as r:
                    status, raw, replayed = r.status, r.read(), r.headers.get("Idempotent-Replayed")
            except urllib.error.HTTPError as e:
                status, raw, replayed = e.code, e.read(), None
            except OSError as e:
                status, raw, replayed = None, str(e).encode(), None
            with lock:
                if status != 201 or replayed:
                    failures.append(f"{status}{' (a replay)' if replayed else ''} {raw[:300].decode('utf-8', 'replace')}")
                    return
                doc = json.loads(raw)
                numbers.add(doc["number"])
                statuses[doc["status"]] = statuses.get(doc["status"], 0) + 1

    t0 = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.monotonic() - t0
    if failures:
        sys.exit(f"intake_warmup.py: an answer was not a new complaint's 201: {failures[0]}")
    if len(numbers) != count:
        sys.exit(f"intake_warmup.py: {count} 201s carried {len(numbers)} distinct complaint numbers")
    print(count, f"{seconds:.1f}", ",".join(f"{k}:{v}" for k, v in sorted(statuses.items())))


if __name__ == "__main__":
    main()
