import Foundation

/// A rule that marks a complaint urgent at intake (the `urgent_rules` of
/// `geodata/service-levels.json`). Every condition a rule gives must hold; a complaint is urgent
/// when any rule matches.
///
/// ```json
/// {"name": "食品安全且有健康损害", "categories": ["food_safety"],
///  "description_contains_any": ["中毒", "腹泻", "呕吐", "过敏", "就医", "住院"]}
/// {"name": "争议金额5万元以上", "amount_yuan_at_least": 50000}
/// ```
public struct UrgentRule: Sendable, Hashable, Codable {
    /// Shown as the reason (`urgent.reason`) of the complaints it marks.
    public var name: String
    /// The complaint's category is one of these.
    public var categories: [ComplaintCategory]?
    /// The description contains one of these (case-insensitive, after NFKC folding).
    public var description_contains_any: [String]?
    /// The amount in dispute is at least this many yuan.
    public var amount_yuan_at_least: Double?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, categories, description_contains_any, amount_yuan_at_least
    }

    public init(from decoder: any Decoder) throws {
        let any = try decoder.container(keyedBy: AnyKey.self)
        if let unknown = any.allKeys.first(where: { CodingKeys(rawValue: $0.stringValue) == nil }) {
            throw DecodingError.dataCorruptedError(forKey: unknown, in: any,
                                                   debugDescription: "is not a rule field: expected \(CodingKeys.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        categories = try c.decodeIfPresent([ComplaintCategory].self, forKey: .categories)
        description_contains_any = try c.decodeIfPresent([String].self, forKey: .description_contains_any)
        amount_yuan_at_least = try c.decodeIfPresent(Double.self, forKey: .amount_yuan_at_least)
    }

    public init(name: String, categories: [ComplaintCategory]? = nil, description_contains_any: [String]? = nil, amount_yuan_at_least: Double? = nil) {
        self.name = name
        self.categories = categories
        self.description_contains_any = description_contains_any
        self.amount_yuan_at_least = amount_yuan_at_least
    }

    /// The rules shipped in `geodata/service-levels.json`: Shandong's urgent track covers food
    /// safety with a health effect and large amounts.
    public static let defaults = [
        UrgentRule(name: "食品安全且有健康损害", categories: [.food_safety],
                   description_contains_any: ["中毒", "腹泻", "呕吐", "过敏", "就医", "住院", "送医"]),
        UrgentRule(name: "争议金额5万元以上", amount_yuan_at_least: 50_000),
    ]

    public func matches(_ intake: ComplaintIntake) -> Bool {
        if let categories, !categories.contains(intake.category) { return false }
        if let words = description_contains_any {
            let text = Self.fold(intake.description)
            guard words.contains(where: { text.contains(Self.fold($0)) }) else { return false }
        }
        if let least = amount_yuan_at_least {
            guard let fen = intake.amountFen, Double(fen) >= (least * 100).rounded() else { return false }
        }
        return true
    }

    /// The first rule that matches, if any.
    public static func firstMatch(_ rules: [UrgentRule], for intake: ComplaintIntake) -> UrgentRule? {
        rules.first { $0.matches(intake) }
    }

    static func fold(_ text: String) -> String { text.precomposedStringWithCompatibilityMapping.lowercased() }

    /// What makes the rule at `index` invalid, by field.
    func problems(at index: Int) -> [InvalidParameter] {
        let prefix = "urgent_rules[\(index)]"
        var problems: [InvalidParameter] = []
        if name.trimmingCharacters(in: .whitespaces).isEmpty || name.count > 60 {
            problems.append(.init(name: "\(prefix).name", reason: "expected 1 to 60 characters"))
        }
        if categories == nil, description_contains_any == nil, amount_yuan_at_least == nil {
            problems.append(.init(name: prefix, reason: "has no condition: expected categories, description_contains_any or amount_yuan_at_least"))
        }
        if let categories, categories.isEmpty {
            problems.append(.init(name: "\(prefix).categories", reason: "is empty: expected one or more of \(ComplaintCategory.allowedNames)"))
        }
        if let words = description_contains_any, words.isEmpty || words.contains(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
            problems.append(.init(name: "\(prefix).description_contains_any", reason: "expected a non-empty list of non-empty words"))
        }
        if let least = amount_yuan_at_least, !(least > 0 && least <= 1e9) {
            problems.append(.init(name: "\(prefix).amount_yuan_at_least", reason: "is \(least): expected more than 0 and at most 1000000000"))
        }
        return problems
    }
}

/// The share of closed complaints queued for a return visit (回访), `return_visits` in
/// `geodata/service-levels.json`: `{"share": 0.1}`.
///
/// The sample is deterministic: a complaint is drawn when the first four bytes of the SHA-256 of
/// its number, as a big-endian integer, are below `share` × 2³². Anyone can recompute who was drawn.
public struct ReturnVisitRule: Sendable, Hashable, Codable {
    public var share: Double

    public init(share: Double) { self.share = share }

    public static let defaults = ReturnVisitRule(share: 0.1)

    var problems: [InvalidParameter] {
        (0...1).contains(share) ? [] : [.init(name: "return_visits.share", reason: "is \(share): expected a share from 0 to 1")]
    }

    /// Whether a complaint with this SHA-256 prefix is in the sample.
    public func draws(digestPrefix: UInt32) -> Bool {
        Double(digestPrefix) < share * 4_294_967_296
    }
}
