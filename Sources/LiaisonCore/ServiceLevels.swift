import Foundation

/// How long a service level allows: wall-clock hours or working days. In JSON `{"hours": 2}` or
/// `{"working_days": 7}`, exactly one key.
///
/// How each kind becomes a deadline is ``ServiceClock/deadline(_:from:)``.
public enum ServicePeriod: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Elapsed hours of 3,600 s, nights, weekends and holidays included.
    case hours(Int)
    /// Working days of the ``WorkingCalendar``, the start day not counted.
    case workingDays(Int)

    /// The largest amounts a file may give: a leap year of hours (8,784) or of days (366),
    /// which catches a unit mix-up (minutes written as hours). Values built in code are not
    /// checked; ``ServiceClock`` throws ``CalendarError/countNotPositive(_:)`` for working days below 1.
    public static let maxHours = 8_784
    public static let maxWorkingDays = 366

    public var description: String {
        switch self {
        case .hours(let n): "\(n) hours"
        case .workingDays(let n): "\(n) working days"
        }
    }

    private enum Key: String, CodingKey, CaseIterable {
        case hours
        case working_days
    }

    public init(from decoder: any Decoder) throws {
        let any = try decoder.container(keyedBy: AnyKey.self)
        if let unknown = any.allKeys.first(where: { Key(rawValue: $0.stringValue) == nil }) {
            throw DecodingError.dataCorruptedError(forKey: unknown, in: any, debugDescription: "is not a rule field: expected hours or working_days")
        }
        let c = try decoder.container(keyedBy: Key.self)
        // Read as Double so that 1.5 is reported as not whole rather than as invalid JSON
        // (Foundation's message when a fractional number is decoded as Int).
        func amount(_ key: Key, unit: String, max: Int) throws -> Int? {
            guard c.contains(key) else { return nil }
            let allowed = "expected a whole number of \(unit) from 1 to \(max)"
            let value: Double
            do {
                value = try c.decode(Double.self, forKey: key)
            } catch DecodingError.typeMismatch {
                throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "is not a number: \(allowed)")
            }
            guard value == value.rounded(), value >= 1, value <= Double(max) else {
                let shown = value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
                throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "is \(shown): \(allowed)")
            }
            return Int(value)
        }
        let hours = try amount(.hours, unit: "hours", max: Self.maxHours)
        let days = try amount(.working_days, unit: "working days", max: Self.maxWorkingDays)
        switch (hours, days) {
        case (let hours?, nil):
            self = .hours(hours)
        case (nil, let days?):
            self = .workingDays(days)
        case (.some, .some):
            throw DecodingError.dataCorrupted(.init(codingPath: c.codingPath, debugDescription: "has both hours and working_days: expected exactly one"))
        case (nil, nil):
            throw DecodingError.dataCorrupted(.init(codingPath: c.codingPath, debugDescription: "has neither hours nor working_days: expected exactly one, e.g. {\"hours\": 2} or {\"working_days\": 7}"))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        switch self {
        case .hours(let n): try c.encode(n, forKey: .hours)
        case .workingDays(let n): try c.encode(n, forKey: .working_days)
        }
    }
}

/// The deadlines a complaint is held to, from `geodata/service-levels.json`.
///
/// ```json
/// {"dispatch": {"hours": 2}, "first_response": {"hours": 24},
///  "acceptance": {"working_days": 7}, "mediation": {"working_days": 45}}
/// ```
public struct ServiceLevelRules: Sendable, Hashable, Codable {
    /// From submission to dispatch to a station (`dispatch`; provincial practice: 2 hours).
    public var dispatch: ServicePeriod
    /// From submission to the first response to the consumer (`first_response`; provincial practice: 24 hours).
    public var firstResponse: ServicePeriod
    /// From submission to the decision whether to accept (`acceptance`; SAMR Order No. 20: 7 working days).
    public var acceptance: ServicePeriod
    /// From acceptance to the end of mediation (`mediation`; SAMR Order No. 20: 45 working days).
    public var mediation: ServicePeriod
    /// How stations' KPIs become star ratings (`ratings`; optional, ``RatingFormula/defaults`` when absent).
    public var ratings: RatingFormula
    /// The direct train's self-settlement window for an enrolled enterprise that names none of its own
    /// (`enterprise_settlement`; default 5 working days, Beijing's practice).
    public var enterpriseSettlement: ServicePeriod
    /// The consumer's window to accept or reject an enterprise's settlement; silence accepts it
    /// (`settlement_reply`; default 3 working days).
    public var settlementReply: ServicePeriod
    /// An urgent complaint's mediation-or-verification deadline (`urgent`; Shandong: 24 hours).
    public var urgent: ServicePeriod
    /// What makes a complaint urgent at intake (`urgent_rules`).
    public var urgentRules: [UrgentRule]
    /// A review of a dissatisfied outcome (`review`; default 3 working days).
    public var review: ServicePeriod
    /// The share of closed complaints queued for a return visit (`return_visits`).
    public var returnVisits: ReturnVisitRule

    public init(dispatch: ServicePeriod, firstResponse: ServicePeriod, acceptance: ServicePeriod, mediation: ServicePeriod,
                ratings: RatingFormula = .defaults, enterpriseSettlement: ServicePeriod = .workingDays(5), settlementReply: ServicePeriod = .workingDays(3),
                urgent: ServicePeriod = .hours(24), urgentRules: [UrgentRule] = UrgentRule.defaults, review: ServicePeriod = .workingDays(3),
                returnVisits: ReturnVisitRule = .defaults) {
        self.dispatch = dispatch
        self.firstResponse = firstResponse
        self.acceptance = acceptance
        self.mediation = mediation
        self.ratings = ratings
        self.enterpriseSettlement = enterpriseSettlement
        self.settlementReply = settlementReply
        self.urgent = urgent
        self.urgentRules = urgentRules
        self.review = review
        self.returnVisits = returnVisits
    }

    /// The national and provincial rules, as shipped in `geodata/service-levels.json`.
    public static let defaults = ServiceLevelRules(dispatch: .hours(2), firstResponse: .hours(24), acceptance: .workingDays(7), mediation: .workingDays(45))

    /// Parses and validates a service-levels file.
    /// - Throws: ``InvalidInput`` naming the rule and field at fault, e.g.
    ///   `acceptance.working_days: is 0: expected a whole number of working days from 1 to 366`.
    public init(json: Data) throws(InvalidInput) {
        do {
            self = try JSONDecoder().decode(ServiceLevelRules.self, from: json)
        } catch let error as DecodingError {
            throw InvalidInput([RegisterFile.parameter(for: error)])
        } catch {
            throw InvalidInput(name: "service_levels", reason: "\(error)")
        }
        let problems = ratings.problems + urgentRules.enumerated().flatMap { $0.element.problems(at: $0.offset) } + returnVisits.problems
        guard problems.isEmpty else { throw InvalidInput(problems) }
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case dispatch
        case firstResponse = "first_response"
        case acceptance
        case mediation
        case ratings
        case enterpriseSettlement = "enterprise_settlement"
        case settlementReply = "settlement_reply"
        case urgent
        case urgentRules = "urgent_rules"
        case review
        case returnVisits = "return_visits"
    }

    public init(from decoder: any Decoder) throws {
        // A misspelt rule is named as such, not only reported as the rule it should have been missing.
        let any = try decoder.container(keyedBy: AnyKey.self)
        if let unknown = any.allKeys.first(where: { CodingKeys(rawValue: $0.stringValue) == nil }) {
            let allowed = CodingKeys.allCases.map(\.rawValue).joined(separator: ", ")
            throw DecodingError.dataCorruptedError(forKey: unknown, in: any, debugDescription: "is not a rule: expected \(allowed)")
        }
        let c = try decoder.container(keyedBy: CodingKeys.self)
        dispatch = try c.decode(ServicePeriod.self, forKey: .dispatch)
        firstResponse = try c.decode(ServicePeriod.self, forKey: .firstResponse)
        acceptance = try c.decode(ServicePeriod.self, forKey: .acceptance)
        mediation = try c.decode(ServicePeriod.self, forKey: .mediation)
        ratings = try c.decodeIfPresent(RatingFormula.self, forKey: .ratings) ?? .defaults
        enterpriseSettlement = try c.decodeIfPresent(ServicePeriod.self, forKey: .enterpriseSettlement) ?? .workingDays(5)
        settlementReply = try c.decodeIfPresent(ServicePeriod.self, forKey: .settlementReply) ?? .workingDays(3)
        urgent = try c.decodeIfPresent(ServicePeriod.self, forKey: .urgent) ?? .hours(24)
        urgentRules = try c.decodeIfPresent([UrgentRule].self, forKey: .urgentRules) ?? UrgentRule.defaults
        review = try c.decodeIfPresent(ServicePeriod.self, forKey: .review) ?? .workingDays(3)
        returnVisits = try c.decodeIfPresent(ReturnVisitRule.self, forKey: .returnVisits) ?? .defaults
    }
}

/// Any JSON object key, to find keys a type does not know.
struct AnyKey: CodingKey {
    let stringValue: String
    let intValue: Int? = nil
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
