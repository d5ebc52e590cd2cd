"""Fetches nearest responses at seeded random points in Zhejiang and keeps the one of median size.

    python3 sample_response.py BASE_URL SEED COUNT OUT.json

Every answer must be 200 with a JSON body. Prints "SIZE min median max LAT LNG": the kept
response's size (bytes), the sizes seen, and the point it answers.
"""
import json
import random
import sys
import urllib.request


def main() -> None:
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    base, seed, count, out_path = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    rng = random.Random(seed)
    samples = []
    for _ in range(count):
        lat, lng = rng.uniform(27.0, 31.2), rng.uniform(118.0, 123.2)
        url = f"{base}/v1/stations/nearest?lat={lat:.6f}&lng={lng:.6f}&limit=5"
        try:
            with urllib.request.urlopen(url, timeout=10) as r:
                status, body, ctype = r.status, r.read(), r.headers.get("Content-Type", "")
        except Exception as e:  # HTTPError included: anything but 200 is a failure here
            sys.exit(f"sample_response.py: GET {url} failed: {e}")
        if status != 200 or not ctype.startswith("application/json"):
            sys.exit(f"sample_response.py: GET {url}: status {status}, Content-Type {ctype!r}")
        json.loads(body)  # must parse
        samples.append((len(body), lat, lng, body))
    samples.sort(key=lambda s: s[0])
    size, lat, lng, body = samples[len(samples) // 2]
    with open(out_path, "wb") as f:
        f.write(body)
    print(size, samples[0][0], size, samples[-1][0], f"{lat:.6f}", f"{lng:.6f}")


if __name__ == "__main__":
    main()
