import Foundation

/// A polygon set in longitude/latitude degrees (WGS-84), as in GeoJSON.
///
/// Rings are closed lists of coordinates; the first ring of each polygon is its outer
/// boundary, the rest are holes. Containment uses the even-odd rule over all rings of a
/// polygon, on the longitude/latitude plane, which is how GeoJSON edges are drawn.
public struct MultiPolygon: Sendable, Hashable {
    /// Polygons, each a list of rings, each ring a closed list of points.
    public let polygons: [[[Coordinate]]]
    /// The bounding box, for cheap rejection.
    public let minLatitude: Double, maxLatitude: Double, minLongitude: Double, maxLongitude: Double
    /// Every ring's vertices on the ellipsoid (ECEF), made once: the boundary distance is asked
    /// on every nearest query near a border, and converting 10,000 vertices each time would
    /// cost more than the query.
    private let rings: [[ECEF]]
    /// The longitude/latitude box of each ring edge, in ring order: lets a bounded search skip
    /// the edges that cannot be near.
    private let edgeBoxes: [EdgeBox]

    private struct EdgeBox: Sendable, Hashable {
        let minLatitude: Double, maxLatitude: Double, minLongitude: Double, maxLongitude: Double
    }

    public init(polygons: [[[Coordinate]]]) {
        self.polygons = polygons
        rings = polygons.flatMap { $0 }.filter { !$0.isEmpty }.map { $0.map(ECEF.init) }
        edgeBoxes = polygons.flatMap { $0 }.filter { !$0.isEmpty }.flatMap { ring in
            zip(ring, ring.dropFirst()).map { a, b in
                EdgeBox(minLatitude: min(a.latitude, b.latitude), maxLatitude: max(a.latitude, b.latitude),
                        minLongitude: min(a.longitude, b.longitude), maxLongitude: max(a.longitude, b.longitude))
            }
        }
        var minLat = Double.infinity, maxLat = -Double.infinity
        var minLng = Double.infinity, maxLng = -Double.infinity
        for polygon in polygons {
            for point in polygon.first ?? [] {
                minLat = min(minLat, point.latitude)
                maxLat = max(maxLat, point.latitude)
                minLng = min(minLng, point.longitude)
                maxLng = max(maxLng, point.longitude)
            }
        }
        (minLatitude, maxLatitude, minLongitude, maxLongitude) = (minLat, maxLat, minLng, maxLng)
    }

    /// Whether the point lies inside (even-odd rule; a point exactly on an edge may fall either way).
    public func contains(_ p: Coordinate) -> Bool {
        guard p.latitude >= minLatitude, p.latitude <= maxLatitude,
              p.longitude >= minLongitude, p.longitude <= maxLongitude else { return false }
        return polygons.contains { polygon in
            var inside = false
            for ring in polygon where ring.count >= 3 {
                var j = ring.count - 1
                for i in 0..<ring.count {
                    let a = ring[i], b = ring[j]
                    if (a.latitude > p.latitude) != (b.latitude > p.latitude) {
                        let crossLng = a.longitude + (p.latitude - a.latitude) / (b.latitude - a.latitude) * (b.longitude - a.longitude)
                        if p.longitude < crossLng { inside.toggle() }
                    }
                    j = i
                }
            }
            return inside
        }
    }

    /// The boundary point nearest to `p` and the geodesic distance to it, in metres.
    ///
    /// The candidate on each edge is the point of the edge's straight ECEF segment nearest to
    /// `p`, lifted back to the surface; the edge with the least chord wins and the distance is
    /// the exact WGS-84 geodesic to that point. A 15 km edge (the longest in the county file)
    /// sags about 4 m below the surface mid-way, so the distance is good to a few metres; that
    /// is finer than the polygons' own ~100 m simplification.
    public func nearestBoundaryPoint(to p: Coordinate) -> (point: Coordinate, distanceMeters: Double) {
        let q = ECEF(p)
        var best: (point: ECEF, d2: Double)?
        for ring in rings {
            var previous = ring[0]
            for current in ring.dropFirst() {
                let candidate = Self.closestPoint(on: previous, current, to: q)
                let d2 = candidate.squaredDistance(to: q)
                if best == nil || d2 < best!.d2 { best = (candidate, d2) }
                previous = current
            }
        }
        guard let best else { return (p, .infinity) }
        let point = best.point.coordinate
        return (point, Geodesic.wgs84.distanceMeters(from: p, to: point))
    }

    /// The boundary point nearest to `p` and its geodesic distance, when that distance is at
    /// most `meters`; nil otherwise. The same answer as ``nearestBoundaryPoint(to:)`` within
    /// the distance, without its cost far from the boundary: edges whose box, grown by the
    /// distance and a margin for the chord's bulge, cannot hold `p` are skipped.
    public func nearestBoundaryPoint(to p: Coordinate, within meters: Double) -> (point: Coordinate, distanceMeters: Double)? {
        // An edge's closest chord point lies within a few metres of the edge's own box (15 km
        // edges sag about 4 m); 100 m covers that many times over.
        let reach = meters + 100
        guard boundingBox(contains: p, grownBy: reach) else { return nil }
        let dLat = reach / 110_500
        let maxAbsLat = min(89.9, max(abs(minLatitude), abs(maxLatitude)) + dLat)
        let dLng = reach / (110_500 * cos(maxAbsLat * .pi / 180))
        let lat = p.latitude, lng = p.longitude
        let q = ECEF(p)
        var best: (point: ECEF, d2: Double)?
        var k = 0
        for ring in rings {
            for i in 1..<max(1, ring.count) {
                let box = edgeBoxes[k]
                k += 1
                if lat < box.minLatitude - dLat || lat > box.maxLatitude + dLat || lng < box.minLongitude - dLng || lng > box.maxLongitude + dLng {
                    continue
                }
                let candidate = Self.closestPoint(on: ring[i - 1], ring[i], to: q)
                let d2 = candidate.squaredDistance(to: q)
                if best == nil || d2 < best!.d2 { best = (candidate, d2) }
            }
        }
        guard let best else { return nil }
        let point = best.point.coordinate
        let distance = Geodesic.wgs84.distanceMeters(from: p, to: point)
        return distance <= meters ? (point, distance) : nil
    }

    /// Whether the bounding box, grown by `meters` on every side, holds the point: a cheap test
    /// that lets a caller skip ``nearestBoundaryPoint(to:)`` for polygons that cannot be that close.
    public func boundingBox(contains p: Coordinate, grownBy meters: Double) -> Bool {
        // A degree of latitude is at least 110.5 km; a degree of longitude at least that times
        // cos(latitude): dividing by those over-grows the box, never under-grows it.
        let dLat = meters / 110_500
        let maxAbsLat = min(89.9, max(abs(minLatitude), abs(maxLatitude)) + dLat)
        let dLng = meters / (110_500 * cos(maxAbsLat * .pi / 180))
        return p.latitude >= minLatitude - dLat && p.latitude <= maxLatitude + dLat
            && p.longitude >= minLongitude - dLng && p.longitude <= maxLongitude + dLng
    }

    private static func closestPoint(on a: ECEF, _ b: ECEF, to q: ECEF) -> ECEF {
        let abx = b.x - a.x, aby = b.y - a.y, abz = b.z - a.z
        let length2 = abx * abx + aby * aby + abz * abz
        guard length2 > 0 else { return a }
        let t = max(0, min(1, ((q.x - a.x) * abx + (q.y - a.y) * aby + (q.z - a.z) * abz) / length2))
        return ECEF(x: a.x + t * abx, y: a.y + t * aby, z: a.z + t * abz)
    }
}
