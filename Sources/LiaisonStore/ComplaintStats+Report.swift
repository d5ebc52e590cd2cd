import Foundation
import LiaisonCore

extension ComplaintStats {
    /// What ``ComplaintStats/compute(filter:now:)`` found: `GET /v1/stats` and `liaison stats --format json`.
    ///
    /// ```json
    /// {"as_of":"2026-03-31T02:00:00.000Z","filter":{"city":null,"county":"330106","from":"2026-02-28T16:00:00.000Z","station":null,"to":null},
    ///  "totals":{"complaints":12,"dispatched_within_2h":{"excluded_no_deadline":0,"met":3,"of":4,"share":0.75},...},
    ///  "by_city":[{"code":"330100","name":"杭州市",...}],"by_county":[...],"by_station":[...]}
    /// ```
    /// Nil values are written as `null`, never left out, so every key is always there.
    public struct Report: Sendable, Encodable {
        public let filter: Filter
        public let asOf: Date
        public let totals: Metrics
        /// Groups with at least one complaint, by code.
        public let byCity: [Group]
        public let byCounty: [Group]
        /// Complaints waiting for a station are in no station's group.
        public let byStation: [Group]

        enum CodingKeys: String, CodingKey {
            case filter, asOf = "as_of", totals, byCity = "by_city", byCounty = "by_county", byStation = "by_station"
        }

        enum FilterKeys: String, CodingKey {
            case county, city, station, from, to
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            var f = c.nestedContainer(keyedBy: FilterKeys.self, forKey: .filter)
            try f.encode(filter.countyCode, forKey: .county)
            try f.encode(filter.cityCode, forKey: .city)
            try f.encode(filter.stationID, forKey: .station)
            try f.encode(filter.from.map(Timestamp.string), forKey: .from)
            try f.encode(filter.to.map(Timestamp.string), forKey: .to)
            try c.encode(Timestamp.string(asOf), forKey: .asOf)
            try c.encode(totals, forKey: .totals)
            try c.encode(byCity, forKey: .byCity)
            try c.encode(byCounty, forKey: .byCounty)
            try c.encode(byStation, forKey: .byStation)
        }

        /// `met` of `of`; `share` is their ratio to 4 decimals, nil when `of` is 0.
        public struct Share: Sendable, Hashable, Encodable {
            public internal(set) var met = 0
            public internal(set) var of = 0

            public var share: Double? { of == 0 ? nil : (Double(met) / Double(of) * 10_000).rounded() / 10_000 }

            mutating func add(met isMet: Bool) {
                of += 1
                if isMet { met += 1 }
            }

            enum CodingKeys: String, CodingKey { case share, of, met }

            public func encode(to encoder: any Encoder) throws {
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encode(share, forKey: .share)
                try c.encode(of, forKey: .of)
                try c.encode(met, forKey: .met)
            }
        }

        /// A service-level clock: a ``Share`` of the complaints it could be judged on, and how
        /// many had no deadline to judge by.
        public struct DeadlineShare: Sendable, Hashable, Encodable {
            public internal(set) var counted = Share()
            public internal(set) var excludedNoDeadline = 0

            public var met: Int { counted.met }
            public var of: Int { counted.of }
            public var share: Double? { counted.share }

            /// - Parameters:
            ///   - stoppedAt: when the clock stopped, nil while it runs.
            ///   - judgedAt: when a running clock is judged (now, or the withdrawal).
            mutating func add(deadline: Date?, stoppedAt: Date?, judgedAt: Date) {
                guard let deadline else { excludedNoDeadline += 1; return }
                if let stoppedAt {
                    counted.add(met: stoppedAt <= deadline)
                } else if deadline <= judgedAt {
                    counted.add(met: false)
                }
            }

            enum CodingKeys: String, CodingKey { case share, of, met, excludedNoDeadline = "excluded_no_deadline" }

            public func encode(to encoder: any Encoder) throws {
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encode(share, forKey: .share)
                try c.encode(of, forKey: .of)
                try c.encode(met, forKey: .met)
                try c.encode(excludedNoDeadline, forKey: .excludedNoDeadline)
            }
        }

        /// The KPIs of one group of complaints (see ``ComplaintStats`` for the definitions).
        public struct Metrics: Sendable, Hashable, Encodable {
            public let complaints: Int
            public let dispatch: DeadlineShare
            public let response: DeadlineShare
            public let acceptance: DeadlineShare
            public let resolution: Share
            /// Hours, 2 decimals.
            public let medianHoursToResolution: Double?
            public let satisfaction: Share
            public let overdue: Int

            enum CodingKeys: String, CodingKey {
                case complaints, dispatch = "dispatched_within_2h", response = "answered_within_24h",
                     acceptance = "accepted_within_7_working_days", resolution = "resolution_rate",
                     medianHoursToResolution = "median_hours_to_resolution", satisfaction = "satisfaction_rate", overdue
            }

            public func encode(to encoder: any Encoder) throws {
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encode(complaints, forKey: .complaints)
                try c.encode(dispatch, forKey: .dispatch)
                try c.encode(response, forKey: .response)
                try c.encode(acceptance, forKey: .acceptance)
                try c.encode(resolution, forKey: .resolution)
                try c.encode(medianHoursToResolution, forKey: .medianHoursToResolution)
                try c.encode(satisfaction, forKey: .satisfaction)
                try c.encode(overdue, forKey: .overdue)
            }
        }

        /// A city (adcode), county (adcode) or station (id) with its KPIs, written flat:
        /// `{"code":…,"name":…,"complaints":…,…}`.
        public struct Group: Sendable, Hashable, Encodable {
            public let code: String
            public let name: String
            public let metrics: Metrics

            enum CodingKeys: String, CodingKey { case code, name }

            public func encode(to encoder: any Encoder) throws {
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encode(code, forKey: .code)
                try c.encode(name, forKey: .name)
                try metrics.encode(to: encoder)
            }
        }
    }
}
