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
        /// Groups with at least one complaint or assignment, by code.
        public let byCity: [Group]
        public let byCounty: [Group]
        /// Every station that held one of the complaints, for its own part (see ``ComplaintStats``);
        /// complaints waiting for a station are in no station's group.
        public let byStation: [Group]
        /// The direct train's KPIs of each enterprise the complaints went to, by credit code.
        public let byEnterprise: [EnterpriseGroup]

        public struct EnterpriseGroup: Sendable, Hashable, Encodable {
            public let credit_code: String
            public let name: String
            public let direct_train: DirectTrain
        }

        enum CodingKeys: String, CodingKey {
            case filter, asOf = "as_of", totals, byCity = "by_city", byCounty = "by_county", byStation = "by_station", byEnterprise = "by_enterprise"
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
            try c.encode(byEnterprise, forKey: .byEnterprise)
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
            /// Of `of`, those judged on a provisional deadline (counted by the law alone).
            public internal(set) var provisional = 0

            public var met: Int { counted.met }
            public var of: Int { counted.of }
            public var share: Double? { counted.share }

            /// - Parameters:
            ///   - stoppedAt: when the clock stopped, nil while it runs.
            ///   - judgedAt: when a running clock is judged (now, or the withdrawal).
            mutating func add(deadline: Date?, stoppedAt: Date?, judgedAt: Date, provisional: Bool = false) {
                guard let deadline else { excludedNoDeadline += 1; return }
                let before = counted.of
                if let stoppedAt {
                    counted.add(met: stoppedAt <= deadline)
                } else if deadline <= judgedAt {
                    counted.add(met: false)
                }
                if provisional, counted.of > before { self.provisional += 1 }
            }

            enum CodingKeys: String, CodingKey { case share, of, met, excludedNoDeadline = "excluded_no_deadline", provisional }

            public func encode(to encoder: any Encoder) throws {
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encode(share, forKey: .share)
                try c.encode(of, forKey: .of)
                try c.encode(met, forKey: .met)
                try c.encode(excludedNoDeadline, forKey: .excludedNoDeadline)
                try c.encode(provisional, forKey: .provisional)
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
            public let directTrain: DirectTrain
            /// Urgent complaints whose mediation started, ended or was verified within 24 hours.
            public let urgent: DeadlineShare
            public let reviews: Reviews
            /// Failed mediations handed to a court's mediation.
            public let courtHandoffs: Int
            public let returnVisits: ReturnVisits
            /// Complaints staff decided not to accept (不予受理).
            public let declined: Int
            /// The group's stations' assignments: what each station did with the complaints handed to it.
            public let assignments: Assignments

            enum CodingKeys: String, CodingKey {
                case complaints, dispatch = "dispatched_within_2h", response = "answered_within_24h",
                     acceptance = "accepted_within_7_working_days", resolution = "resolution_rate",
                     medianHoursToResolution = "median_hours_to_resolution", satisfaction = "satisfaction_rate", overdue,
                     directTrain = "direct_train", urgent = "urgent_within_24h", reviews, courtHandoffs = "court_handoffs",
                     returnVisits = "return_visits", declined, assignments
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
                try c.encode(directTrain, forKey: .directTrain)
                try c.encode(urgent, forKey: .urgent)
                try c.encode(reviews, forKey: .reviews)
                try c.encode(courtHandoffs, forKey: .courtHandoffs)
                try c.encode(returnVisits, forKey: .returnVisits)
                try c.encode(declined, forKey: .declined)
                try c.encode(assignments, forKey: .assignments)
            }
        }

        /// The direct train: complaints sent to enrolled enterprises and how they ended.
        /// `self_settlement_rate` is settled of those the enterprise saw through (settled,
        /// declined, timed out, or whose settlement the consumer rejected); recalled and
        /// withdrawn ones, and those still running, are not counted in it.
        public struct DirectTrain: Sendable, Hashable, Encodable {
            public internal(set) var sent = 0
            public internal(set) var pending = 0
            public internal(set) var settled = 0
            public internal(set) var declined = 0
            public internal(set) var timed_out = 0
            public internal(set) var rejected = 0
            public internal(set) var recalled = 0
            public internal(set) var withdrawn = 0
            public internal(set) var self_settlement_rate = Share()

            mutating func add(_ train: Complaint.DirectTrain) {
                sent += 1
                switch train.outcome {
                case nil: pending += 1
                case .settled: settled += 1; self_settlement_rate.add(met: true)
                case .declined: declined += 1; self_settlement_rate.add(met: false)
                case .timed_out: timed_out += 1; self_settlement_rate.add(met: false)
                case .rejected: rejected += 1; self_settlement_rate.add(met: false)
                case .recalled: recalled += 1
                case .withdrawn: withdrawn += 1
                }
            }
        }

        /// Reviews of outcomes: `reviewed` is the complaints with a review of those with an outcome
        /// (a mediation's, or an enterprise's settlement), and the findings.
        public struct Reviews: Sendable, Hashable, Encodable {
            public internal(set) var reviewed = Share()
            public internal(set) var open = 0
            public internal(set) var upheld = 0
            public internal(set) var reopened = 0
            /// Open reviews past their deadline.
            public internal(set) var overdue = 0
        }

        /// Assignments to a group's stations (``ComplaintAssignments``): `held` all of them,
        /// `answered` those the station responded to (accepted, refused, declined, scheduled…),
        /// `refused` those it refused, `open` those it holds now.
        public struct Assignments: Sendable, Hashable, Encodable {
            public internal(set) var held = 0
            public internal(set) var answered = 0
            public internal(set) var refused = 0
            public internal(set) var open = 0
        }

        public struct ReturnVisits: Sendable, Hashable, Encodable {
            public internal(set) var queued = 0
            public internal(set) var done = 0
            public internal(set) var reached = 0
            public internal(set) var satisfied = 0
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
