import Foundation
import LiaisonCore

/// The SQLite store's reports (``ReportStore``): the KPIs, the hot spots and the ratings
/// over one database and finder.
public struct ComplaintReports: ReportStore {
    public let stats: ComplaintStats
    public let hotspots: MerchantHotspots
    public let ratings: StationRatings

    public init(database: any SQLStore, finder: StationFinder, formula: RatingFormula) {
        stats = ComplaintStats(database: database, finder: finder)
        hotspots = MerchantHotspots(database: database, finder: finder)
        ratings = StationRatings(database: database, finder: finder, formula: formula)
    }

    public var finder: StationFinder { stats.finder }

    public func kpis(_ filter: ComplaintStats.Filter, for staff: StaffToken?, now: Date) throws -> ComplaintStats.Report {
        try stats.compute(filter: staff.map { try stats.scoped(filter, to: $0) } ?? filter, now: now)
    }

    public func hotspots(_ query: MerchantHotspots.Query, for staff: StaffToken?) throws -> MerchantHotspots.Page {
        try staff.map { try hotspots.list(query, by: $0) } ?? hotspots.list(query)
    }

    public func ratings(countyCode: String?, limit: Int, offset: Int) -> StationRatings.Page {
        ratings.ranking(countyCode: countyCode, limit: limit, offset: offset)
    }

    public func ratingHistory(stationID: String, limit: Int) throws -> [StationRating] {
        try ratings.history(stationID: stationID, limit: limit)
    }

    public func rateStations(now: Date) throws -> StationRatings.Summary {
        try ratings.compute(now: now)
    }
}
