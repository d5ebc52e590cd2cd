import Foundation
import Geodesy

/// A map view: a longitude/latitude rectangle in some coordinate system.
public struct BoundingBox: Sendable, Hashable {
    public let minLongitude, minLatitude, maxLongitude, maxLatitude: Double

    /// Parses `minLng,minLat,maxLng,maxLat`.
    ///
    /// - Throws: ``InvalidInput`` naming `bbox` and what is allowed. Boxes across the
    ///   antimeridian (minLng > maxLng) are not accepted: nothing the service holds is there.
    public static func parse(_ text: String, field: String = "bbox") throws(InvalidInput) -> BoundingBox {
        let allowed = "minLng,minLat,maxLng,maxLat: four finite numbers, longitudes -180 to 180, latitudes -90 to 90, minimum not above maximum"
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { DecimalNumber.parse($0) }
        guard parts.count == 4, let minLng = parts[0], let minLat = parts[1], let maxLng = parts[2], let maxLat = parts[3],
              [minLng, minLat, maxLng, maxLat].allSatisfy(\.isFinite),
              abs(minLng) <= 180, abs(maxLng) <= 180, abs(minLat) <= 90, abs(maxLat) <= 90,
              minLng <= maxLng, minLat <= maxLat else {
            throw InvalidInput(name: field, reason: "\"\(text)\" is not a bounding box: expected \(allowed)")
        }
        return BoundingBox(minLongitude: minLng, minLatitude: minLat, maxLongitude: maxLng, maxLatitude: maxLat)
    }

    public init(minLongitude: Double, minLatitude: Double, maxLongitude: Double, maxLatitude: Double) {
        self.minLongitude = minLongitude
        self.minLatitude = minLatitude
        self.maxLongitude = maxLongitude
        self.maxLatitude = maxLatitude
    }

    public func contains(_ c: Coordinate) -> Bool {
        (minLatitude...maxLatitude).contains(c.latitude) && (minLongitude...maxLongitude).contains(c.longitude)
    }

    /// This box grown by `degrees` on every side.
    func expanded(by degrees: Double) -> BoundingBox {
        BoundingBox(minLongitude: minLongitude - degrees, minLatitude: minLatitude - degrees,
                    maxLongitude: maxLongitude + degrees, maxLatitude: maxLatitude + degrees)
    }

    public var array: [Double] { [minLongitude, minLatitude, maxLongitude, maxLatitude] }

    /// Whether the box and the area share a point, on the longitude/latitude plane (how GeoJSON
    /// edges are drawn): some edge of the area runs through the box, or the box lies inside the
    /// area (a box inside a hole does not).
    public func intersects(_ area: MultiPolygon) -> Bool {
        guard area.minLongitude <= maxLongitude, area.maxLongitude >= minLongitude,
              area.minLatitude <= maxLatitude, area.maxLatitude >= minLatitude else { return false }
        for polygon in area.polygons {
            for ring in polygon where ring.count >= 2 {
                for i in 1..<ring.count where clips(ring[i - 1], ring[i]) { return true }
            }
        }
        return area.contains(Coordinate(latitude: minLatitude, longitude: minLongitude))
    }

    /// Liang-Barsky: whether some part of the segment `a`-`b` lies in the box (edges included).
    func clips(_ a: Coordinate, _ b: Coordinate) -> Bool {
        let dx = b.longitude - a.longitude, dy = b.latitude - a.latitude
        var t0 = 0.0, t1 = 1.0
        for (p, q) in [(-dx, a.longitude - minLongitude), (dx, maxLongitude - a.longitude),
                       (-dy, a.latitude - minLatitude), (dy, maxLatitude - a.latitude)] {
            if p == 0 {
                if q < 0 { return false }
            } else {
                let t = q / p
                if p < 0 { t0 = max(t0, t) } else { t1 = min(t1, t) }
                if t0 > t1 { return false }
            }
        }
        return true
    }
}

extension StationSnapshot {
    /// Stations of `status` (active by default; `retired` for the staff console's list) whose
    /// location, in `system`, lies in `box`, in id order, after the station `afterID`; at most
    /// `limit`, and whether more follow.
    ///
    /// The GCJ-02 and BD-09 offsets move a point by well under 0.05°, so stations are first
    /// screened in WGS-84 against the box grown by that much, then tested exactly in `system`.
    public func stations(in box: BoundingBox, system: CoordinateSystem, mode: MediationMode?, countyCode: String?,
                         status: StationStatus = .active, after afterID: String?, limit: Int) -> (stations: [Station], more: Bool) {
        let screen = system == .wgs84 ? box : box.expanded(by: 0.05)
        // Both lists are sorted by id; retired stations are few, so they are filtered on the way.
        let candidates = status == .active ? activeStations : stations.filter { $0.status == status }
        var found: [Station] = []
        var start = 0
        if let afterID {
            // Binary search for the first station with an id above the cursor.
            var lo = 0, hi = candidates.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if candidates[mid].id <= afterID { lo = mid + 1 } else { hi = mid }
            }
            start = lo
        }
        for station in candidates[start...] {
            guard screen.contains(station.location),
                  mode.map({ station.modes.contains($0) }) ?? true,
                  countyCode.map({ station.countyCode == $0 }) ?? true,
                  box.contains(system.fromWGS84(station.location)) else { continue }
            if found.count == limit { return (found, true) }
            found.append(station)
        }
        return (found, false)
    }
}
