/// Opening hours as a weekly schedule: for each weekday, ascending non-overlapping
/// intervals of local time (Asia/Shanghai) written `HH:MM-HH:MM`.
public struct WeeklyHours: Sendable, Hashable, Codable {
    public var mon: [String]
    public var tue: [String]
    public var wed: [String]
    public var thu: [String]
    public var fri: [String]
    public var sat: [String]
    public var sun: [String]

    public init(mon: [String], tue: [String], wed: [String], thu: [String], fri: [String], sat: [String], sun: [String]) {
        self.mon = mon
        self.tue = tue
        self.wed = wed
        self.thu = thu
        self.fri = fri
        self.sat = sat
        self.sun = sun
    }

    public var days: [(name: String, intervals: [String])] {
        [("mon", mon), ("tue", tue), ("wed", wed), ("thu", thu), ("fri", fri), ("sat", sat), ("sun", sun)]
    }

    /// Problems with the schedule, each naming the day (`hours.mon`) and what is allowed.
    public func problems(field: String = "hours") -> [InvalidParameter] {
        var problems: [InvalidParameter] = []
        for (day, intervals) in days {
            var previousEnd = -1
            for interval in intervals {
                guard let (start, end) = Self.parse(interval), start < end else {
                    problems.append(InvalidParameter(name: "\(field).\(day)", reason: "\"\(interval)\" is not an interval HH:MM-HH:MM with start before end (00:00 to 24:00)"))
                    break
                }
                guard start >= previousEnd else {
                    problems.append(InvalidParameter(name: "\(field).\(day)", reason: "intervals must be ascending and must not overlap"))
                    break
                }
                previousEnd = end
            }
        }
        return problems
    }

    /// Minutes since midnight for `HH:MM-HH:MM`, or nil.
    static func parse(_ interval: String) -> (Int, Int)? {
        let parts = interval.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, let start = minutes(parts[0]), let end = minutes(parts[1]) else { return nil }
        return (start, end)
    }

    private static func minutes(_ text: Substring) -> Int? {
        let hm = text.split(separator: ":", omittingEmptySubsequences: false)
        guard hm.count == 2, hm[0].count == 2, hm[1].count == 2, text.utf8.allSatisfy({ $0 == UInt8(ascii: ":") || (48...57).contains($0) }),
              let h = Int(hm[0]), let m = Int(hm[1]), (0...24).contains(h), (0...59).contains(m), h < 24 || m == 0 else { return nil }
        return h * 60 + m
    }
}
