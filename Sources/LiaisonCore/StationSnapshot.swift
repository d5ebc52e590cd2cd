import Geodesy
import StationIndex

/// An immutable view of the register: every station, the counties, and the spatial
/// indexes over the active stations. Built once per register change and swapped whole
/// (see ``StationFinder``), so a reader never sees half an update.
public struct StationSnapshot: Sendable {
    /// Every station, active and retired, sorted by id.
    public let stations: [Station]
    public let counties: CountyLocator
    /// The register version it was read at (see the store's `register_version`); 0 when it was
    /// not read from a store. A snapshot with a higher version is newer.
    public let version: Int64
    /// Each station's current star rating (the latest of its history), by id; a station
    /// never rated has none.
    public let ratings: [String: StationRating]
    private let byID: [String: Int]
    /// Active stations, in index entry order.
    private let active: [Station]
    private let index: ActiveStationIndex

    public init(stations: [Station], counties: [County], version: Int64 = 0, ratings: [String: StationRating] = [:]) {
        self.version = version
        self.ratings = ratings
        self.stations = stations.sorted { $0.id < $1.id }
        self.counties = CountyLocator(counties)
        byID = Dictionary(uniqueKeysWithValues: self.stations.enumerated().map { ($1.id, $0) })
        active = self.stations.filter { $0.status == .active }
        index = ActiveStationIndex(active.map {
            IndexedStation(id: $0.id, location: $0.location, modeMask: $0.modes.mask, countyCode: Int32($0.countyCode) ?? 0)
        })
    }

    public static let empty = StationSnapshot(stations: [], counties: [])

    public func station(id: String) -> Station? { byID[id].map { stations[$0] } }

    /// Number of active (indexed) stations.
    public var activeCount: Int { active.count }

    /// The active stations, sorted by id.
    public var activeStations: [Station] { active }

    /// Answers a nearest-stations query exactly (see ``StationIndex``).
    public func nearest(_ query: NearestQuery) -> [NearestStation] {
        index.nearest(query).map { NearestStation(station: active[$0.entry], neighbor: $0) }
    }

    func nearest(to point: Coordinate, limit: Int, withinMeters radius: Double, mode: MediationMode?, countyCode: String?) -> [NearestStation] {
        index.nearest(to: point, limit: limit, withinMeters: radius, mode: mode, countyCode: countyCode)
            .map { NearestStation(station: active[$0.entry], neighbor: $0) }
    }
}

/// The spatial indexes over the active stations' points: one over all of them, and one small
/// index per county, so county-filtered queries search only that county. What a lookup needs
/// of the register, without the stations' other fields (see ``StationSnapshot``, and the
/// one-shot CLI lookups, which read only these columns).
public struct ActiveStationIndex: Sendable {
    /// In entry order: a ``Neighbor``'s `entry` indexes this.
    public let entries: [IndexedStation]
    private let index: StationIndex
    private let countyIndexes: [Int32: (index: StationIndex, entries: [Int])]?

    /// - Parameter countyIndexes: whether to build the per-county indexes, for many queries;
    ///   without them a county-filtered query walks the whole index with the county as a
    ///   filter, which gives the same answer more slowly (one query need not wait for 90 builds).
    public init(_ entries: [IndexedStation], countyIndexes: Bool = true) {
        self.entries = entries
        index = StationIndex(entries)
        self.countyIndexes = countyIndexes ? Dictionary(grouping: entries.indices, by: { entries[$0].countyCode })
            .mapValues { part in (StationIndex(part.map { entries[$0] }), part) } : nil
    }

    /// The nearest entries exactly (see ``StationIndex``); each ``Neighbor``'s `entry` is its
    /// position in ``entries``.
    /// - Parameter reach: when given, only stations within this many metres as well (a
    ///   caller that indexed only the stations within a reach of the point).
    public func nearest(_ query: NearestQuery, reach: Double = .infinity) -> [Neighbor] {
        nearest(to: query.wgs84, limit: query.limit, withinMeters: min(reach, query.radiusKilometers.map { $0 * 1000 } ?? .infinity),
                mode: query.mode, countyCode: query.countyCode)
    }

    func nearest(to point: Coordinate, limit: Int, withinMeters radius: Double, mode: MediationMode?, countyCode: String?) -> [Neighbor] {
        let filter = StationFilter(requiredModes: mode.map(\.bit) ?? 0)
        guard let county = countyCode else {
            return index.nearest(to: point, limit: limit, withinMeters: radius, filter: filter)
        }
        guard let code = Int32(county) else { return [] }
        guard let countyIndexes else {
            return index.nearest(to: point, limit: limit, withinMeters: radius, filter: StationFilter(requiredModes: filter.requiredModes, countyCode: code))
        }
        guard let part = countyIndexes[code] else { return [] }
        return part.index.nearest(to: point, limit: limit, withinMeters: radius, filter: filter).map {
            Neighbor(entry: part.entries[$0.entry], id: $0.id, distanceMeters: $0.distanceMeters, bearingDegrees: $0.bearingDegrees)
        }
    }

    /// The stations `found`, each read whole by `stations` (given their ids, in any order),
    /// e.g. from the store, so that only the few stations in an answer are decoded.
    /// - Throws: what `stations` throws, or ``StationIndexMismatch`` when it does not return
    ///   each id it was given exactly once.
    public func whole(_ found: [Neighbor], stations: ([String]) throws -> [Station]) throws -> [NearestStation] {
        let whole = try stations(found.map(\.id))
        let byID = Dictionary(whole.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        return try found.map { neighbor in
            guard whole.count == found.count, let station = byID[neighbor.id] else { throw StationIndexMismatch(id: neighbor.id) }
            return NearestStation(station: station, neighbor: neighbor)
        }
    }
}

/// A station the index found was not read back (it changed between the two reads).
public struct StationIndexMismatch: Error, Sendable, CustomStringConvertible {
    public let id: String
    public var description: String { "station \(id) was indexed but not read back" }
}

/// A station with its distance and bearing from the query point.
public struct NearestStation: Sendable, Hashable {
    public let station: Station
    /// WGS-84 geodesic, metres.
    public let distanceMeters: Double
    /// Initial bearing from the query point, degrees in [0, 360).
    public let bearingDegrees: Double

    init(station: Station, neighbor: Neighbor) {
        self.station = station
        distanceMeters = neighbor.distanceMeters
        bearingDegrees = neighbor.bearingDegrees
    }
}
