import Foundation

/// How a station's KPIs over a rolling window become 1 to 5 stars (the `ratings` object of
/// `geodata/service-levels.json`):
///
/// ```json
/// "ratings": {"window_days": 365, "minimum_complaints": 5, "minimum_basis": 3,
///             "weights": {"answered_within_24h": 0.3, "resolution_rate": 0.4, "satisfaction_rate": 0.3},
///             "star_thresholds": [50, 65, 80, 90]}
/// ```
///
/// - A station is rated when it had at least `minimum_complaints` complaints submitted in the
///   window and each of the three shares rests on at least `minimum_basis` complaints;
///   otherwise it is "not yet rated" (no stars).
/// - score = 100 × Σ weight × share / Σ weight, to 0.1, where the shares are the KPIs of
///   `GET /v1/stats` over the window: answered within 24 h (met of counted), resolution rate
///   (resolved of resolved + failed), satisfaction rate (4 or 5 of those with feedback).
/// - stars = 1 + the number of thresholds at or below the score (thresholds ascending, 4 of them).
public struct RatingFormula: Sendable, Hashable, Codable {
    public struct Weights: Sendable, Hashable, Codable {
        public var answered_within_24h: Double
        public var resolution_rate: Double
        public var satisfaction_rate: Double

        public init(answered_within_24h: Double, resolution_rate: Double, satisfaction_rate: Double) {
            self.answered_within_24h = answered_within_24h
            self.resolution_rate = resolution_rate
            self.satisfaction_rate = satisfaction_rate
        }
    }

    public var window_days: Int
    public var minimum_complaints: Int
    public var minimum_basis: Int
    public var weights: Weights
    public var star_thresholds: [Double]

    public init(window_days: Int, minimum_complaints: Int, minimum_basis: Int, weights: Weights, star_thresholds: [Double]) {
        self.window_days = window_days
        self.minimum_complaints = minimum_complaints
        self.minimum_basis = minimum_basis
        self.weights = weights
        self.star_thresholds = star_thresholds
    }

    /// As shipped in `geodata/service-levels.json`.
    public static let defaults = RatingFormula(window_days: 365, minimum_complaints: 5, minimum_basis: 3,
                                               weights: Weights(answered_within_24h: 0.3, resolution_rate: 0.4, satisfaction_rate: 0.3),
                                               star_thresholds: [50, 65, 80, 90])

    /// What makes the formula invalid, by field; empty when it is valid.
    public var problems: [InvalidParameter] {
        var problems: [InvalidParameter] = []
        if !(1...3660).contains(window_days) { problems.append(.init(name: "ratings.window_days", reason: "is \(window_days): expected 1 to 3660 days")) }
        if !(1...100_000).contains(minimum_complaints) { problems.append(.init(name: "ratings.minimum_complaints", reason: "is \(minimum_complaints): expected 1 to 100000")) }
        if !(1...100_000).contains(minimum_basis) { problems.append(.init(name: "ratings.minimum_basis", reason: "is \(minimum_basis): expected 1 to 100000")) }
        let w = [weights.answered_within_24h, weights.resolution_rate, weights.satisfaction_rate]
        if w.contains(where: { !($0 >= 0 && $0 <= 1) }) || w.reduce(0, +) <= 0 {
            problems.append(.init(name: "ratings.weights", reason: "expected each weight from 0 to 1, and not all 0"))
        }
        if star_thresholds.count != 4 || zip(star_thresholds, star_thresholds.dropFirst()).contains(where: { $0 >= $1 })
            || star_thresholds.contains(where: { !($0 > 0 && $0 <= 100) }) {
            problems.append(.init(name: "ratings.star_thresholds", reason: "expected 4 ascending scores above 0 and at most 100 (for 2, 3, 4 and 5 stars)"))
        }
        return problems
    }

    /// The formula as one canonical text, stored with each rating so a change of formula shows.
    public var fingerprint: String {
        String(decoding: (try? JSONOutput.encode(self)) ?? Data(), as: UTF8.self)
    }

    /// The score and stars of these inputs, or nil when there are too few complaints to rate.
    public func rate(_ inputs: RatingInputs) -> (score: Double, stars: Int)? {
        let shares = [(inputs.response, weights.answered_within_24h), (inputs.resolution, weights.resolution_rate),
                      (inputs.satisfaction, weights.satisfaction_rate)]
        guard inputs.complaints >= minimum_complaints, shares.allSatisfy({ $0.0.of >= minimum_basis }) else { return nil }
        let weighted = shares.reduce(0.0) { $0 + $1.1 * Double($1.0.met) / Double($1.0.of) }
        let score = (1000 * weighted / shares.reduce(0.0) { $0 + $1.1 }).rounded() / 10
        return (score, 1 + star_thresholds.filter { $0 <= score }.count)
    }
}

/// The counts a rating is computed from.
public struct RatingInputs: Sendable, Hashable, Codable {
    public struct Count: Sendable, Hashable, Codable {
        public var met: Int
        public var of: Int

        public init(met: Int, of: Int) {
            self.met = met
            self.of = of
        }

        /// met / of to 4 decimals; nil when of is 0.
        public var share: Double? { of == 0 ? nil : (Double(met) / Double(of) * 10_000).rounded() / 10_000 }
    }

    public var complaints: Int
    public var response: Count
    public var resolution: Count
    public var satisfaction: Count

    public init(complaints: Int, response: Count, resolution: Count, satisfaction: Count) {
        self.complaints = complaints
        self.response = response
        self.resolution = resolution
        self.satisfaction = satisfaction
    }

    public static let none = RatingInputs(complaints: 0, response: Count(met: 0, of: 0), resolution: Count(met: 0, of: 0), satisfaction: Count(met: 0, of: 0))
}

/// A station's rating as computed at one time: shown in station detail, nearest results
/// (`include=rating`), the OGC features and the staff list.
public struct StationRating: Sendable, Hashable, Codable {
    public struct Share: Sendable, Hashable, Codable {
        public let met: Int
        public let of: Int
        public let share: Double?
    }

    public let station_id: String
    /// 1 to 5; absent when not yet rated.
    public let stars: Int?
    /// 0 to 100; absent when not yet rated.
    public let score: Double?
    /// `rated` or `not_yet_rated` (too few complaints in the window).
    public let status: String
    public let complaints: Int
    public let answered_within_24h: Share
    public let resolution_rate: Share
    public let satisfaction_rate: Share
    public let window_from: String
    public let window_to: String
    public let computed_at: String

    public init(stationID: String, inputs: RatingInputs, result: (score: Double, stars: Int)?, windowFrom: Date, windowTo: Date, computedAt: Date) {
        station_id = stationID
        stars = result?.stars
        score = result?.score
        status = result == nil ? "not_yet_rated" : "rated"
        complaints = inputs.complaints
        func share(_ c: RatingInputs.Count) -> Share { Share(met: c.met, of: c.of, share: c.share) }
        answered_within_24h = share(inputs.response)
        resolution_rate = share(inputs.resolution)
        satisfaction_rate = share(inputs.satisfaction)
        window_from = Timestamp.string(windowFrom)
        window_to = Timestamp.string(windowTo)
        computed_at = Timestamp.string(computedAt)
    }
}
