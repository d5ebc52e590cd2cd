import Foundation
import LiaisonCore
import Testing

@Suite struct MerchantTests {
    @Test func creditCodesAreCheckedByTheirCheckCharacter() {
        // GB 32100-2015's worked example and a published company's code.
        #expect(Merchant.isCreditCode("91350100M000100Y43"))
        #expect(Merchant.isCreditCode("91110000600037341L"))
        // One character changed, the check character changed, a forbidden letter, wrong lengths.
        #expect(!Merchant.isCreditCode("91350100M000100Y44"))
        #expect(!Merchant.isCreditCode("91350100M000200Y43"))
        #expect(!Merchant.isCreditCode("91350100M000100I43"))
        #expect(!Merchant.isCreditCode("91350100M000100Y4"))
        #expect(!Merchant.isCreditCode("91350100m000100y43"))
        #expect(!Merchant.isCreditCode(""))
    }

    @Test func namesCompareWithoutSpacesPunctuationWidthOrCase() {
        let key = Merchant.nameKey("某某超市（文三路店）")
        #expect(Merchant.nameKey("某某 超市(文三路店)") == key)
        #expect(Merchant.nameKey("某某超市·文三路店") == key)
        #expect(Merchant.nameKey("ＡＢＣ便利店") == Merchant.nameKey("abc 便利店"))
        #expect(Merchant.nameKey("某某超市（文二路店）") != key)
        #expect(key == "某某超市文三路店")
    }
}

/// The rating formula against a table computed by hand (weights 0.3 / 0.4 / 0.3, thresholds 50, 65, 80, 90).
@Suite struct RatingFormulaTests {
    let formula = RatingFormula.defaults

    func inputs(_ complaints: Int, _ r: (Int, Int), _ s: (Int, Int), _ f: (Int, Int)) -> RatingInputs {
        RatingInputs(complaints: complaints, response: .init(met: r.0, of: r.1), resolution: .init(met: s.0, of: s.1),
                     satisfaction: .init(met: f.0, of: f.1))
    }

    @Test(arguments: [
        // complaints, answered, resolved, satisfied -> score, stars
        (10, (9, 10), (8, 10), (7, 10), 80.0, 4),   // 27 + 32 + 21
        (10, (10, 10), (10, 10), (10, 10), 100.0, 5),
        (12, (6, 12), (3, 4), (2, 3), 65.0, 3),      // 15 + 30 + 20
        (5, (5, 5), (1, 3), (3, 3), 73.3, 3),        // 30 + 13.33 + 30 = 73.33
        (8, (8, 8), (4, 4), (1, 4), 77.5, 3),        // 30 + 40 + 7.5
        (20, (0, 20), (0, 5), (0, 5), 0.0, 1),
        (6, (3, 6), (2, 4), (1, 3), 45.0, 1),        // 15 + 20 + 10
        (9, (8, 9), (9, 10), (9, 10), 89.7, 4),      // 26.67 + 36 + 27 = 89.67
        (9, (9, 9), (9, 10), (9, 10), 93.0, 5),      // 30 + 36 + 27
        (7, (7, 7), (3, 3), (0, 3), 70.0, 3),
    ] as [(Int, (Int, Int), (Int, Int), (Int, Int), Double, Int)])
    func handComputedTable(_ c: Int, _ r: (Int, Int), _ s: (Int, Int), _ f: (Int, Int), _ score: Double, _ stars: Int) throws {
        let result = try #require(formula.rate(inputs(c, r, s, f)))
        #expect(result.score == score)
        #expect(result.stars == stars)
    }

    @Test func tooFewComplaintsOrTooThinAShareIsNotYetRated() {
        #expect(formula.rate(inputs(4, (4, 4), (4, 4), (4, 4))) == nil, "4 complaints, 5 needed")
        #expect(formula.rate(inputs(10, (10, 10), (2, 2), (5, 5))) == nil, "2 outcomes, 3 needed")
        #expect(formula.rate(inputs(10, (10, 10), (5, 5), (0, 0))) == nil, "no feedback")
        #expect(formula.rate(.none) == nil)
        #expect(formula.rate(inputs(5, (3, 3), (3, 3), (3, 3))) != nil)
    }

    @Test func theShippedFileHoldsTheDefaultsAndBadFormulasAreNamed() throws {
        let shipped = try ServiceLevelRules(json: Data(contentsOf: Geodata.directory.appendingPathComponent("service-levels.json")))
        #expect(shipped.ratings == .defaults)
        let bad = #"{"dispatch":{"hours":2},"first_response":{"hours":24},"acceptance":{"working_days":7},"mediation":{"working_days":45},"ratings":{"window_days":365,"minimum_complaints":5,"minimum_basis":3,"weights":{"answered_within_24h":0.3,"resolution_rate":0.4,"satisfaction_rate":0.3},"star_thresholds":[50,80,65,90]}}"#
        #expect(throws: InvalidInput.self) { try ServiceLevelRules(json: Data(bad.utf8)) }
        do { _ = try ServiceLevelRules(json: Data(bad.utf8)) } catch { #expect(error.parameters.map(\.name) == ["ratings.star_thresholds"]) }
    }
}

@Suite struct ClaimLifecycleTests {
    @Test func claimIsAStaffActionBeforeAcceptance() {
        #expect(ComplaintAction.claim.party == .staff)
        for status in ComplaintStatus.allCases {
            let expected: ComplaintStatus? = [.submitted, .assigned, .refused].contains(status) ? .assigned : nil
            #expect(ComplaintLifecycle.next(from: status, on: .claim) == expected, "\(status)")
        }
    }
}
