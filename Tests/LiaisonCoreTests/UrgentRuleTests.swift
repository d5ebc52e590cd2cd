import Foundation
import LiaisonCore
import Testing

/// The urgent rules, the return-visit sample and the direct train's windows in service-levels.json.
@Suite struct UrgentRuleTests {
    static let base = #""dispatch":{"hours":2},"first_response":{"hours":24},"acceptance":{"working_days":7},"mediation":{"working_days":45}"#

    static func intake(_ category: ComplaintCategory, _ description: String, yuan: Int? = nil) -> ComplaintIntake {
        ComplaintIntake(location: .init(latitude: 30.26, longitude: 120.13), consumerName: "张三", consumerPhone: "13800138000",
                        merchantName: "某某餐馆", category: category, description: description, preferredMode: .offline,
                        amountFen: yuan.map { $0 * 100 })
    }

    @Test func theShippedRulesMarkFoodSafetyWithAHealthEffectAndLargeAmounts() throws {
        let shipped = try ServiceLevelRules(json: Data(contentsOf: Geodata.directory.appendingPathComponent("service-levels.json")))
        #expect(shipped.urgentRules == UrgentRule.defaults)
        #expect(shipped.urgent == .hours(24) && shipped.review == .workingDays(3))
        #expect(shipped.enterpriseSettlement == .workingDays(5) && shipped.settlementReply == .workingDays(3))
        #expect(shipped.returnVisits.share == 0.1)
        let rules = shipped.urgentRules
        #expect(UrgentRule.firstMatch(rules, for: Self.intake(.food_safety, "吃完后腹泻，去医院就医"))?.name == "食品安全且有健康损害")
        #expect(UrgentRule.firstMatch(rules, for: Self.intake(.food_safety, "买到过期食品")) == nil, "no health effect")
        #expect(UrgentRule.firstMatch(rules, for: Self.intake(.price, "腹泻")) == nil, "not food safety")
        #expect(UrgentRule.firstMatch(rules, for: Self.intake(.contract, "装修合同纠纷", yuan: 50_000))?.name == "争议金额5万元以上")
        #expect(UrgentRule.firstMatch(rules, for: Self.intake(.contract, "装修合同纠纷", yuan: 49_999)) == nil)
        // Words are compared after NFKC folding: full-width letters match.
        let allergy = UrgentRule(name: "x", description_contains_any: ["pm2.5"])
        #expect(allergy.matches(Self.intake(.other, "ＰＭ２．５超标")))
    }

    @Test func absentKeysTakeTheDefaults() throws {
        let rules = try ServiceLevelRules(json: Data("{\(Self.base)}".utf8))
        #expect(rules.urgentRules == UrgentRule.defaults && rules.returnVisits == .defaults && rules.urgent == .hours(24))
    }

    @Test(arguments: [
        (#""urgent_rules":[{"name":"x"}]"#, "urgent_rules[0]"),
        (#""urgent_rules":[{"name":"x","categories":["food"]}]"#, "urgent_rules[0].categories[0]"),
        (#""urgent_rules":[{"name":"x","amount_yuan":5}]"#, "urgent_rules[0].amount_yuan"),
        (#""urgent_rules":[{"name":"x","amount_yuan_at_least":-1}]"#, "urgent_rules[0].amount_yuan_at_least"),
        (#""urgent_rules":[{"name":"","categories":["price"]}]"#, "urgent_rules[0].name"),
        (#""urgent_rules":[{"name":"x","description_contains_any":[]}]"#, "urgent_rules[0].description_contains_any"),
        (#""return_visits":{"share":1.5}"#, "return_visits.share"),
        (#""review":{"days":3}"#, "review.days"),
        (#""urgent":{"hours":0}"#, "urgent.hours"),
    ])
    func badRulesAreNamed(_ fragment: String, _ field: String) {
        do {
            _ = try ServiceLevelRules(json: Data("{\(Self.base),\(fragment)}".utf8))
            Issue.record("\(fragment) was accepted")
        } catch {
            #expect(error.parameters.map(\.name) == [field], "\(error)")
        }
    }
}
