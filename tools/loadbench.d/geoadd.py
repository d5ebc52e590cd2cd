"""Writes the Redis protocol for GEOADD-ing every station of a GeoJSON register, for `redis-cli --pipe`.

    python3 geoadd.py STATIONS.geojson KEY OUT.resp    (prints the number of stations)

One `GEOADD KEY lng lat id` per Point feature, the Feature id as the member. Fails on a
feature that is not a Point, has no id, or repeats an id.
"""
import json
import sys


def resp(*args: str) -> bytes:
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        b = a.encode("utf-8")
        out.append(b"$%d\r\n%s\r\n" % (len(b), b))
    return b"".join(out)


def main() -> None:
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    path, key, out_path = sys.argv[1:]
    with open(path, encoding="utf-8") as f:
        collection = json.load(f)
    features = collection.get("features") or []
    seen = set()
    with open(out_path, "wb") as out:
        out.write(resp("DEL", key))
        for n, feature in enumerate(features):
            geometry = feature.get("geometry") or {}
            fid = feature.get("id")
            if geometry.get("type") != "Point" or fid is None:
                sys.exit(f"geoadd.py: feature {n} in {path} is not a Point with an id")
            if fid in seen:
                sys.exit(f"geoadd.py: duplicate station id {fid} in {path}")
            seen.add(fid)
            lng, lat = geometry["coordinates"][:2]
            # repr() keeps every digit of the register's coordinates
            out.write(resp("GEOADD", key, repr(float(lng)), repr(float(lat)), str(fid)))
    if not seen:
        sys.exit(f"geoadd.py: no features in {path}")
    print(len(seen))


if __name__ == "__main__":
    main()
