import Foundation
import LiaisonCore
import Testing

/// A staff member's station draft is judged whole: every problem is named in one answer.
@Suite struct StationDraftTests {
    static let counties = CountyLocator(Geodata.counties)

    static func draft(_ changes: [String: Any] = [:]) -> [String: Any] {
        var object: [String: Any] = [
            "name": "测试村消费维权联络站",
            "location": ["lat": 30.2200, "lng": 120.0800, "coordsys": "wgs84"],
            "address": ["town": "转塘街道", "village": "测试村"],
            "phone": "0571-87000000",
            "hours": ["mon": ["08:30-11:30"], "tue": [], "wed": [], "thu": [], "fri": [], "sat": [], "sun": []],
            "modes": ["offline", "video"],
            "capacity": 10,
            "staff": [["name": "王测试", "role": "站长", "mobile": "13900000001"]],
        ]
        for (key, value) in changes { object[key] = value }
        return object
    }

    static func problems(_ object: [String: Any]) -> [String] {
        do {
            _ = try StationDraft.validate(object, id: nil, counties: counties)
            return []
        } catch {
            return error.parameters.map(\.name).sorted()
        }
    }

    @Test func aValidDraftPasses() {
        #expect(Self.problems(Self.draft()) == [])
    }

    /// An unknown field alone still refuses the draft.
    @Test func anUnknownFieldAloneIsRefused() {
        #expect(Self.problems(Self.draft(["id": "330106-9999"])) == ["id"])
        #expect(Self.problems(Self.draft(["address": ["town": "转塘街道", "village": "测试村", "city": "杭州市"]])) == ["address.city"])
    }

    /// An unknown field no longer hides the bad values beside it.
    @Test func anUnknownFieldIsReportedWithEveryOtherProblem() {
        let object = Self.draft(["id": "330106-9999", "capacity": 0, "phone": "call us",
                                 "staff": [["name": "王测试", "role": "站长", "mobile": "1234", "email": "x@y"]]])
        #expect(Self.problems(object) == ["capacity", "id", "phone", "staff[0].email", "staff[0].mobile"])
    }

    /// A missing field is named once, with the other problems.
    @Test func aMissingFieldIsNamedOnceWithTheRest() {
        var object = Self.draft(["color": "red"])
        object["name"] = nil
        #expect(Self.problems(object) == ["color", "name"])
    }

    @Test func aLocationOutsideZhejiangComesWithTheUnknownFields() {
        #expect(Self.problems(Self.draft(["location": ["lat": 31.23, "lng": 121.47], "id": "x"])) == ["id", "location"])
    }
}
