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
    private let index: StationIndex
    /// One small index per county, so county-filtered queries search only that county.
    private let countyIndexes: [Int32: (index: StationIndex, entries: [Int])]

    public init(stations: [Station], counties: [County], version: Int64 = 0, ratings: [String: StationRating] = [:]) {
        self.version = version
        self.ratings = ratings
        self.stations = stations.sorted { $0.id < $1.id }
        self.counties = CountyLocator(counties)
        byID = Dictionary(uniqueKeysWithValues: self.stations.enumerated().map { ($1.id, $0) })
        active = self.stations.filter { $0.status == .active }
        let indexed = active.map {
            IndexedStation(id: $0.id, location: $0.location, modeMask: $0.modes.mask, countyCode: Int32($0.countyCode) ?? 0)
        }
        index = StationIndex(indexed)
        countyIndexes = Dictionary(grouping: indexed.indices, by: { indexed[$0].countyCode })
            .mapValues { entries in (StationIndex(entries.map { indexed[$0] }), entries) }
    }

    public static let empty = StationSnapshot(stations: [], counties: [])

    public func station(id: String) -> Station? { byID[id].map { stations[$0] } }

    /// Number of active (indexed) stations.
    public var activeCount: Int { active.count }

    /// The active stations, sorted by id.
    public var activeStations: [Station] { active }

    /// Answers a nearest-stations query exactly (see ``StationIndex``).
    public func nearest(_ query: NearestQuery) -> [NearestStation] {
        nearest(to: query.wgs84, limit: query.limit, withinMeters: query.radiusKilometers.map { $0 * 1000 } ?? .infinity,
                mode: query.mode, countyCode: query.countyCode)
    }

    func nearest(to point: Coordinate, limit: Int, withinMeters radius: Double, mode: MediationMode?, countyCode: String?) -> [NearestStation] {
        let filter = StationFilter(requiredModes: mode.map(\.bit) ?? 0)
        if let county = countyCode {
            guard let code = Int32(county), let part = countyIndexes[code] else { return [] }
            return part.index.nearest(to: point, limit: limit, withinMeters: radius, filter: filter)
                .map { NearestStation(station: active[part.entries[$0.entry]], neighbor: $0) }
        }
        return index.nearest(to: point, limit: limit, withinMeters: radius, filter: filter)
            .map { NearestStation(station: active[$0.entry], neighbor: $0) }
    }
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
