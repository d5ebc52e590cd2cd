import Geodesy

/// What the index needs to know of a station: where it is and what queries may filter on.
public struct IndexedStation: Sendable, Hashable {
    /// The station id; ties in distance are broken by it (ascending, byte order).
    public let id: String
    /// WGS-84.
    public let location: Coordinate
    /// One bit per mediation mode the station offers (the caller assigns the bits).
    public let modeMask: UInt8
    /// The county adcode, e.g. 330106.
    public let countyCode: Int32

    public init(id: String, location: Coordinate, modeMask: UInt8, countyCode: Int32) {
        self.id = id
        self.location = location
        self.modeMask = modeMask
        self.countyCode = countyCode
    }
}

/// Which stations a query may return.
public struct StationFilter: Sendable, Hashable {
    /// Every bit set here must be set in the station's `modeMask`; 0 accepts all.
    public var requiredModes: UInt8
    /// Only stations of this county, when set.
    public var countyCode: Int32?

    public init(requiredModes: UInt8 = 0, countyCode: Int32? = nil) {
        self.requiredModes = requiredModes
        self.countyCode = countyCode
    }

    public static let all = StationFilter()

    @inlinable
    public func accepts(modeMask: UInt8, countyCode: Int32) -> Bool {
        modeMask & requiredModes == requiredModes && (self.countyCode == nil || self.countyCode == countyCode)
    }
}

/// One answer of a nearest query.
public struct Neighbor: Sendable, Hashable {
    /// Position of the station in the array the index was built from.
    public let entry: Int
    public let id: String
    /// WGS-84 geodesic from the query point, metres.
    public let distanceMeters: Double
    /// Initial bearing from the query point, degrees in [0, 360).
    public let bearingDegrees: Double

    public init(entry: Int, id: String, distanceMeters: Double, bearingDegrees: Double) {
        self.entry = entry
        self.id = id
        self.distanceMeters = distanceMeters
        self.bearingDegrees = bearingDegrees
    }

    /// The order every answer is given in: distance, then id.
    @inlinable
    public static func precedes(_ a: Neighbor, _ b: Neighbor) -> Bool {
        a.distanceMeters != b.distanceMeters ? a.distanceMeters < b.distanceMeters : a.id < b.id
    }
}
