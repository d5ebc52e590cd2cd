import Dispatch
import Foundation
import Geodesy

/// Where no station is within reach: each county's polygon sampled on a regular grid, every
/// sample's nearest active station found exactly (WGS-84 geodesic, stations of any county),
/// and the samples farther than the limit counted by the area they stand for.
///
/// **The grid.** Per county, rows `spacing` metres apart along the meridian and columns
/// `spacing` metres apart along the county's middle parallel; a sample sits at each cell's
/// centre and counts when it lies inside the polygon (even-odd rule, as ``MultiPolygon``).
/// Each sample stands for its cell's area on the ellipsoid, M(φ)·N(φ)·cos φ·Δφ·Δλ.
///
/// **The error.** The uncovered share is a sum over cells, so it can be off only through the
/// cells that the county's boundary or the limit's circle cuts: at most their area (reported
/// as `boundary_share` for the circle). The distance to the nearest station changes by at most
/// one metre per metre moved, so no point of a fully sampled cell is farther than its centre's
/// distance plus half the cell's diagonal (354 m at 500 m); the farthest sample is then refined
/// on a grid ten times finer around it, and its distance is exact for the point reported.
public enum Coverage {
    public static let defaultSpacingMeters = 500.0

    /// One county's answer.
    public struct CountyCoverage: Sendable, Hashable, Codable {
        public let county_code: String
        public let county_name: String
        public let city_code: String
        public let city_name: String
        /// Active stations in the county (offering `mode`, when given).
        public let stations: Int
        public let samples: Int
        /// The sampled area, km² (the polygon's area to within its boundary cells).
        public let area_km2: Double
        /// The sampled area farther than the limit from every station, km².
        public let uncovered_km2: Double
        /// uncovered_km2 ÷ area_km2, 0 to 1.
        public let uncovered_share: Double
        /// The share of the area in cells whose distance is within half a cell diagonal of the
        /// limit: how far the share itself may be off through the circle's edge.
        public let boundary_share: Double
        /// The point of the county farthest from any station, with its nearest station;
        /// absent when the county has no sample or no station exists.
        public let farthest: Farthest?
    }

    public struct Farthest: Sendable, Hashable, Codable {
        /// WGS-84 degrees, unrounded: the point the distance was measured from.
        public let lat: Double
        public let lng: Double
        /// Geodesic metres from that point to its nearest station, rounded to 0.01 m.
        public let distance_m: Double
        public let station_id: String
    }

    /// A sampled cell farther than the limit: its centre, size and distance.
    public struct Cell: Sendable, Hashable {
        public let countyCode: String
        public let center: Coordinate
        public let latitudeStep: Double
        public let longitudeStep: Double
        public let distanceMeters: Double

        /// The cell's outline, closed, counter-clockwise (GeoJSON order: lng, lat).
        public var ring: [[Double]] {
            let (s, n) = (center.latitude - latitudeStep / 2, center.latitude + latitudeStep / 2)
            let (w, e) = (center.longitude - longitudeStep / 2, center.longitude + longitudeStep / 2)
            return [[w, s], [e, s], [e, n], [w, n], [w, s]]
        }
    }

    public struct Report: Sendable, Hashable, Codable {
        public let max_km: Double
        public let mode: MediationMode?
        public let spacing_m: Double
        public let register_version: Int64
        /// The counties asked for, by adcode.
        public let counties: [CountyCoverage]
    }

    /// What a caller may ask: the limits, checked.
    public static func validated(maxKilometers: Double?, spacingMeters: Double?) throws(InvalidInput) -> (maxKm: Double, spacing: Double) {
        var problems: [InvalidParameter] = []
        let maxKm = maxKilometers ?? .nan
        if maxKilometers == nil {
            problems.append(InvalidParameter(name: "max_km", reason: "missing: expected the reach in kilometres, greater than 0 and at most 100"))
        } else if !(maxKm.isFinite && maxKm > 0 && maxKm <= 100) {
            problems.append(InvalidParameter(name: "max_km", reason: "\(maxKm) is out of range: expected kilometres greater than 0 and at most 100"))
        }
        let spacing = spacingMeters ?? defaultSpacingMeters
        if !(spacing.isFinite && spacing >= 100 && spacing <= 10_000) {
            problems.append(InvalidParameter(name: "spacing_m", reason: "\(spacing) is out of range: expected metres from 100 to 10000"))
        }
        guard problems.isEmpty else { throw InvalidInput(problems) }
        return (maxKm, spacing)
    }

    /// The coverage of `counties` by the snapshot's active stations.
    /// - Parameters:
    ///   - keepCells: hand each county's uncovered cells to `each` (for a map of the holes).
    ///   - each: called after each county, in adcode order (progress, and the cells).
    public static func report(_ snapshot: StationSnapshot, counties: [County], maxKilometers: Double, mode: MediationMode?,
                              spacingMeters: Double = defaultSpacingMeters, keepCells: Bool = false,
                              each: ((CountyCoverage, [Cell]) throws -> Void)? = nil) rethrows -> Report {
        var results: [CountyCoverage] = []
        for county in counties.sorted(by: { $0.adcode < $1.adcode }) {
            let (coverage, cells) = measure(county, snapshot: snapshot, limit: maxKilometers * 1000, mode: mode,
                                            spacing: spacingMeters, keepCells: keepCells)
            results.append(coverage)
            try each?(coverage, cells)
        }
        return Report(max_km: maxKilometers, mode: mode, spacing_m: spacingMeters, register_version: snapshot.version, counties: results)
    }

    /// Metres per radian along the meridian (M) and along the parallel's normal (N) at `latitude`.
    static func radii(_ latitude: Double) -> (m: Double, n: Double) {
        let a = 6_378_137.0, f = 1 / 298.257223563, e2 = f * (2 - f)
        let s = sin(latitude * .pi / 180), w = (1 - e2 * s * s).squareRoot()
        return (a * (1 - e2) / (w * w * w), a / w)
    }

    /// The even-odd intervals of longitude inside `polygons` along the parallel `latitude`.
    static func intervals(_ polygons: [[[Coordinate]]], at latitude: Double) -> [ClosedRange<Double>] {
        var out: [ClosedRange<Double>] = []
        for polygon in polygons {
            var crossings: [Double] = []
            for ring in polygon where ring.count >= 3 {
                var j = ring.count - 1
                for i in 0..<ring.count {
                    let a = ring[i], b = ring[j]
                    if (a.latitude > latitude) != (b.latitude > latitude) {
                        crossings.append(a.longitude + (latitude - a.latitude) / (b.latitude - a.latitude) * (b.longitude - a.longitude))
                    }
                    j = i
                }
            }
            crossings.sort()
            var k = 0
            while k + 1 < crossings.count {
                out.append(crossings[k]...crossings[k + 1])
                k += 2
            }
        }
        return out
    }

    private struct Row: Sendable {
        var samples = 0
        var area = 0.0, uncovered = 0.0, edge = 0.0
        var farthest: (point: Coordinate, meters: Double, station: String)?
        var cells: [Cell] = []
    }

    static func measure(_ county: County, snapshot: StationSnapshot, limit: Double, mode: MediationMode?,
                        spacing: Double, keepCells: Bool) -> (CountyCoverage, [Cell]) {
        let b = county.boundary
        let middle = (b.minLatitude + b.maxLatitude) / 2
        let (m0, n0) = radii(middle)
        let dLat = spacing / m0 * 180 / .pi
        let dLng = spacing / (n0 * cos(middle * .pi / 180)) * 180 / .pi
        let rowCount = max(0, Int(((b.maxLatitude - b.minLatitude) / dLat).rounded(.up)))
        let columnCount = max(0, Int(((b.maxLongitude - b.minLongitude) / dLng).rounded(.up)))
        let halfDiagonal = spacing * 2.0.squareRoot() / 2
        let filter = mode

        @Sendable func nearest(_ p: Coordinate) -> NearestStation? {
            snapshot.nearest(to: p, limit: 1, withinMeters: .infinity, mode: filter, countyCode: nil).first
        }

        nonisolated(unsafe) let rows = UnsafeMutableBufferPointer<Row>.allocate(capacity: max(rowCount, 1))
        rows.initialize(repeating: Row())
        defer { rows.deinitialize(); rows.deallocate() }
        DispatchQueue.concurrentPerform(iterations: rowCount) { r in
            var row = Row()
            let latitude = b.minLatitude + (Double(r) + 0.5) * dLat
            let (m, n) = radii(latitude)
            let cellArea = (dLat * .pi / 180 * m) * (dLng * .pi / 180 * n * cos(latitude * .pi / 180))
            for range in intervals(b.polygons, at: latitude) {
                // The columns whose centres fall inside this interval.
                let first = max(0, Int(((range.lowerBound - b.minLongitude) / dLng - 0.5).rounded(.up)))
                let last = min(columnCount - 1, Int(((range.upperBound - b.minLongitude) / dLng - 0.5).rounded(.down)))
                guard first <= last else { continue }
                for c in first...last {
                    let p = Coordinate(latitude: latitude, longitude: b.minLongitude + (Double(c) + 0.5) * dLng)
                    guard let found = nearest(p) else { continue }
                    row.samples += 1
                    row.area += cellArea
                    let d = found.distanceMeters
                    if d > limit {
                        row.uncovered += cellArea
                        if keepCells { row.cells.append(Cell(countyCode: county.adcode, center: p, latitudeStep: dLat, longitudeStep: dLng, distanceMeters: d)) }
                    }
                    if abs(d - limit) <= halfDiagonal { row.edge += cellArea }
                    if d > (row.farthest?.meters ?? -1) { row.farthest = (p, d, found.station.id) }
                }
            }
            rows[r] = row
        }
        var samples = 0
        var area = 0.0, uncovered = 0.0, edge = 0.0
        var farthest: (point: Coordinate, meters: Double, station: String)?
        var cells: [Cell] = []
        for row in rows.prefix(rowCount) {
            samples += row.samples
            area += row.area
            uncovered += row.uncovered
            edge += row.edge
            cells += row.cells
            if let f = row.farthest, f.meters > (farthest?.meters ?? -1) { farthest = f }
        }
        // Refine: a grid ten times finer over the farthest sample's cell and its neighbours.
        if let best = farthest {
            for i in -15...15 {
                for j in -15...15 {
                    let p = Coordinate(latitude: best.point.latitude + Double(i) * dLat / 10,
                                       longitude: best.point.longitude + Double(j) * dLng / 10)
                    guard b.contains(p), let found = nearest(p), found.distanceMeters > (farthest?.meters ?? -1) else { continue }
                    farthest = (p, found.distanceMeters, found.station.id)
                }
            }
        }
        let stationCount = snapshot.activeStations.filter { $0.countyCode == county.adcode && (mode.map($0.modes.contains) ?? true) }.count
        let coverage = CountyCoverage(
            county_code: county.adcode, county_name: county.name, city_code: county.cityCode, city_name: county.cityName,
            stations: stationCount, samples: samples, area_km2: rounded(area / 1e6, 2), uncovered_km2: rounded(uncovered / 1e6, 2),
            uncovered_share: area > 0 ? rounded(uncovered / area, 4) : 0, boundary_share: area > 0 ? rounded(edge / area, 4) : 0,
            farthest: farthest.map { Farthest(lat: $0.point.latitude, lng: $0.point.longitude,
                                              distance_m: rounded($0.meters, 2), station_id: $0.station) })
        return (coverage, cells)
    }
}
