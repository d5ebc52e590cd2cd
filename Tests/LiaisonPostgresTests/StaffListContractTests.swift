import Foundation

import LiaisonCore
import LiaisonPostgres
import LiaisonStore
import LiaisonTestSupport
import Testing

/// The staff list's search, two orders and keyset paging, on the SpatiaLite file and on
/// PostgreSQL, each checked against an oracle written in Swift over every complaint.
@Suite struct StaffListContractTests {
    let admin = StaffToken(name: "admin-1", role: .admin)

    /// Complaints with different texts, phones and clocks: two accepted (a mediation clock), one
    /// of them urgent (a 24-hour clock), one closed (no clock), the rest assigned.
    func fill(_ desk: any StaffComplaintStore) throws -> [Complaint] {
        let texts: [(description: String, merchant: String)] = [
            ("买到过期食品，商家拒绝退货", "某某超市"), ("Apple 手机维修后屏幕失灵", "果然数码维修店"), ("预付卡充值后门店跑路", "美丽发型工作室"),
            ("多收费", "=HYPERLINK(\"x\")"), ("快递丢件", "顺心物流"), ("过期牛奶", "某某超市"), ("维修收费不透明", "APPLE 授权店"),
            ("退款 50% 未到账", "100_percent 商城"), ("健身卡跑路", "力量健身"), ("过期", "便民店"), ("尾号1234的事", "一二三四商行"),
        ]
        var numbers: [String] = []
        for (i, text) in texts.enumerated() {
            let body = ComplaintBody.json(phone: String(format: "1390013%04d", i == 3 ? 1234 : i),
                                          ["description": text.description, "merchant": ["name": text.merchant]])
            numbers.append(try desk.submit(body).number)
        }
        for number in numbers.prefix(2) { _ = try desk.act(on: number, StaffCommand(action: .accept), by: admin) }
        // Accepted, then urgent: its 24-hour clock, not the mediation one, is its nearest.
        _ = try desk.act(on: numbers[1], StaffCommand(action: .mark_urgent, note: "老人手机"), by: admin)
        for action in [ComplaintAction.accept, .start_mediation, .resolve, .close] {
            _ = try desk.act(on: numbers[4], StaffCommand(action: action, note: action == .resolve ? "已退款" : nil), by: admin)
        }
        return try numbers.map { try desk.complaint($0, for: admin).0 }
    }

    /// The oracle of ``ComplaintSearch``: substrings, Latin letters in any case.
    static func matches(_ c: Complaint, _ search: ComplaintSearch?) -> Bool {
        func text(_ t: String) -> Bool {
            c.intake.description.lowercased().contains(t.lowercased()) || c.intake.merchantName.lowercased().contains(t.lowercased())
        }
        switch search {
        case nil: return true
        case .numberPrefix(let p): return c.number.hasPrefix(p)
        case .phone(let p): return c.intake.consumerPhone == p
        case .phoneSuffixOrText(let d): return c.intake.consumerPhone.hasSuffix(d) || text(d)
        case .text(let t): return text(t)
        }
    }

    /// The oracle of the orders: by number, or by the earliest running deadline (none last), then number.
    static func ordered(_ all: [Complaint], sort: ListSort, descending: Bool) -> [String] {
        switch sort {
        case .submitted:
            let numbers = all.map(\.number).sorted()
            return descending ? numbers.reversed() : numbers
        case .deadline:
            let keyed = all.map { (key: $0.runningDeadlines.first.map { Timestamp.string($0.dueBy) }, number: $0.number) }
            let withKey = keyed.filter { $0.key != nil }.sorted { ($0.key!, $0.number) < ($1.key!, $1.number) }
            let without = keyed.filter { $0.key == nil }.sorted { $0.number < $1.number }
            return descending ? withKey.reversed().map(\.number) + without.reversed().map(\.number) : (withKey + without).map(\.number)
        }
    }

    @Test(arguments: Backend.allCases)
    func everyPageWalkEqualsTheOracle(backend: Backend) throws {
        var keep: [Any] = []
        let desk = try backend.services(DeskContractTests.settings, keep: &keep).services.complaints
        let all = try fill(desk)
        let day = String(all[0].number.prefix(11))
        let queries = ["", "过期", "apple", "跑路", "维修", "1234", "13900130007", "\(day)", all[5].number, "50%", "_percent", "=HYP", "牛", "AP"]
        var nonEmpty = 0
        for q in queries {
            let search = q.isEmpty ? nil : try ComplaintSearch.parse(q)
            for sort in ListSort.allCases {
                for descending in [false, true] {
                    let expected = Self.ordered(all.filter { Self.matches($0, search) }, sort: sort, descending: descending)
                    var seen: [String] = [], after: ListCursor?
                    for _ in 0..<20 {
                        var query = ComplaintDesk.ListQuery(limit: 2)
                        query.search = search
                        query.sort = sort
                        query.descending = descending
                        query.after = after
                        let page = try desk.list(query)
                        #expect(page.complaints.count <= 2)
                        seen += page.complaints.map(\.number)
                        guard let next = page.next else { break }
                        after = try ListCursor.parse(next, sort: sort, descending: descending)
                    }
                    #expect(seen == expected, "q=\(q) sort=\(sort) desc=\(descending)")
                    if !expected.isEmpty { nonEmpty += 1 }
                }
            }
        }
        #expect(nonEmpty == queries.count * 4, "every query finds something, so no walk passes by being empty")
        // The deadline order is not the number order here: the urgent and accepted ones move.
        #expect(Self.ordered(all, sort: .deadline, descending: false) != Self.ordered(all, sort: .submitted, descending: false))
        #expect(Self.ordered(all, sort: .deadline, descending: false).last == all[4].number, "the closed one has no running deadline: last")
        #expect(all[1].runningDeadlines.first?.kind == .urgent && all[0].runningDeadlines.first?.kind == .mediation)
    }

    @Test(arguments: Backend.allCases)
    func statusesCombineWithSearchAndTheExportGoesOnFromItsCut(backend: Backend) throws {
        var keep: [Any] = []
        let desk = try backend.services(DeskContractTests.settings, keep: &keep).services.complaints
        let all = try fill(desk)
        var query = ComplaintDesk.ListQuery(limit: 200)
        query.statuses = [.accepted, .closed]
        query.search = try ComplaintSearch.parse("维修")
        #expect(try desk.list(query).complaints.map(\.number) == [all[1].number])
        // An export cut at 4 rows says where to go on; from there it has the rest.
        var export = ComplaintDesk.ListQuery(limit: 200)
        export.sort = .deadline
        let first = try desk.export(export, maxRows: 4)
        #expect(first.complaints.count == 4)
        export.after = try ListCursor.parse(try #require(first.next), sort: .deadline, descending: false)
        let rest = try desk.export(export, maxRows: 100)
        #expect(rest.next == nil)
        #expect((first.complaints + rest.complaints).map(\.number) == Self.ordered(all, sort: .deadline, descending: false))
        // A cursor of one order is refused by another.
        var other = ComplaintDesk.ListQuery(limit: 2)
        other.sort = .deadline
        other.descending = true
        other.after = export.after
        #expect(throws: InvalidInput.self) { try desk.list(other) }
    }
}
