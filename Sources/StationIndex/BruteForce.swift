import Geodesy

/// The reference answer: the geodesic to every station, sorted by (distance, id).
///
/// This is the oracle the index is tested against and the baseline it is benchmarked
/// against; it is deliberately the obvious code.
public enum BruteForce {
    public static func nearest(
        in stations: [IndexedStation],
        to query: Coordinate,
        limit: Int,
        withinMeters radius: Double = .infinity,
        filter: StationFilter = .all
    ) -> [Neighbor] {
        var all: [Neighbor] = []
        for (i, station) in stations.enumerated()
        where filter.accepts(modeMask: station.modeMask, countyCode: station.countyCode) {
            let leg = Geodesic.wgs84.inverse(from: query, to: station.location)
            if leg.distanceMeters <= radius {
                all.append(Neighbor(entry: i, id: station.id, distanceMeters: leg.distanceMeters, bearingDegrees: leg.initialBearingDegrees))
            }
        }
        all.sort(by: Neighbor.precedes)
        return Array(all.prefix(limit))
    }
}
