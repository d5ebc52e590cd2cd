import Foundation
import LiaisonCore

/// The staff list as a CSV file for a spreadsheet: Chinese headers, one complaint a row, times
/// in Asia/Shanghai (`2026-11-29 15:38`) or, for machines, RFC 3339 UTC.
///
/// ```swift
/// let rows = try desk.export(query, maxRows: ComplaintQueueCSV.maxRows)
/// let text = ComplaintQueueCSV.encode(rows.complaints, snapshot: desk.finder.snapshot, clock: .shanghai) { _ in false }
/// ```
public enum ComplaintQueueCSV {
    /// The most rows one export holds; the rest is had by exporting again from its `next`.
    public static let maxRows = 10_000

    public enum Clock: String, Sendable, CaseIterable {
        /// Asia/Shanghai to the minute, as staff read times (`2026-11-29 15:38`).
        case shanghai
        /// RFC 3339 UTC with milliseconds, as the JSON API writes them (`2026-11-29T07:38:47.123Z`).
        case utc
    }

    static let columns = ["编号", "状态", "状态代码", "类别", "登记时间", "联络站", "联络站编号", "县区", "调解方式", "消费者", "电话", "经营者",
                          "金额(元)", "紧急", "最近期限", "最近期限类型", "派单期限", "响应期限", "受理期限", "调解期限", "更新时间"]
    static let timeColumns: Set<String> = ["登记时间", "最近期限", "派单期限", "响应期限", "受理期限", "调解期限", "更新时间"]

    /// The headers: time columns say `(UTC)` when the times are UTC.
    public static func header(_ clock: Clock) -> [String] {
        columns.map { clock == .utc && timeColumns.contains($0) ? $0 + "(UTC)" : $0 }
    }

    /// The file: the header and a row for each complaint, records ended by CRLF (RFC 4180).
    /// `seesPhone` says whose phones are written in full; the others are masked.
    public static func encode(_ complaints: [Complaint], snapshot: StationSnapshot, clock: Clock, seesPhone: (Complaint) -> Bool) -> String {
        CSV.encode([header(clock)] + complaints.map { row($0, snapshot: snapshot, clock: clock, seesPhone: seesPhone($0)) })
    }

    static func row(_ c: Complaint, snapshot: StationSnapshot, clock: Clock, seesPhone: Bool) -> [String] {
        func time(_ date: Date?) -> String {
            guard let date else { return "" }
            return clock == .utc ? Timestamp.string(date) : ShanghaiClock.minutes(date)
        }
        let next = c.runningDeadlines.first
        return [
            c.number, statusName(c.status), c.status.rawValue, c.intake.category.label, time(c.submittedAt),
            text(c.stationID.flatMap { snapshot.station(id: $0)?.name } ?? (c.directTrain.map { "直通车：" + $0.enterpriseName } ?? "")),
            c.stationID ?? "", text(snapshot.counties.county(code: c.countyCode)?.name ?? c.countyCode),
            c.mode == .video ? "视频" : "线下", text(c.intake.consumerName),
            seesPhone ? c.intake.consumerPhone : MobileNumber.masked(c.intake.consumerPhone), text(c.intake.merchantName),
            c.intake.amountFen.map { String(format: "%d.%02d", $0 / 100, $0 % 100) } ?? "",
            c.urgent != nil && c.urgent?.metAt == nil ? "是" : "", time(next?.dueBy), next.map { deadlineName($0.kind) } ?? "",
            time(c.deadlines.dispatchBy), time(c.deadlines.respondBy), time(c.deadlines.acceptanceBy), time(c.deadlines.mediationBy),
            time(c.updatedAt),
        ]
    }

    /// Text a consumer typed: a spreadsheet would run one beginning with `=`, `+`, `-` or `@`
    /// as a formula, so such text gets a leading apostrophe (OWASP's advice for CSV injection).
    static func text(_ value: String) -> String {
        guard let first = value.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) else { return value }
        return "'" + value
    }

    /// The status as staff call it, short (the consumer's ``ComplaintStatus/label`` is a sentence).
    static func statusName(_ status: ComplaintStatus) -> String {
        switch status {
        case .submitted: "已登记"
        case .assigned: "已分派"
        case .accepted: "已受理"
        case .refused: "站点拒收"
        case .mediating: "调解中"
        case .resolved: "调解成功"
        case .failed: "调解未成"
        case .closed: "已办结"
        case .withdrawn: "已撤回"
        case .with_enterprise: "直通车处理中"
        case .settlement_offered: "企业已提和解"
        case .declined: "不予受理"
        }
    }

    static func deadlineName(_ kind: ServiceDeadline) -> String {
        switch kind {
        case .dispatch: "派单"
        case .response: "首次响应"
        case .acceptance: "受理"
        case .mediation: "调解"
        case .urgent: "紧急"
        case .review: "复核"
        }
    }
}

/// Asia/Shanghai wall-clock time to the minute, as staff write it: `2026-11-29 15:38`.
public enum ShanghaiClock {
    private static let calendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Asia/Shanghai")!
        return calendar
    }()

    public static func minutes(_ date: Date) -> String {
        let p = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        return String(format: "%04d-%02d-%02d %02d:%02d", p.year ?? 0, p.month ?? 0, p.day ?? 0, p.hour ?? 0, p.minute ?? 0)
    }
}

extension StaffComplaintStore {
    /// The staff list from `query.after` on, page after page, up to `maxRows` complaints: what
    /// an export holds. `next` goes on from the last row when more are left.
    public func export(_ query: ComplaintDesk.ListQuery, maxRows: Int) throws -> ComplaintDesk.ListPage {
        var all: [Complaint] = []
        var page = query
        guard maxRows > 0 else { return ComplaintDesk.ListPage(complaints: [], next: query.after?.text) }
        // Each page reads at least one row or ends the list, or reads the scan bound of rows
        // (ComplaintDesk.listScanLimit): the bound on pages only stops a runaway.
        for _ in 0..<(maxRows + 1_000) {
            page.limit = min(200, maxRows - all.count)
            let found = try list(page)
            all += found.complaints
            guard let next = found.next else { return ComplaintDesk.ListPage(complaints: all, next: nil) }
            if all.count >= maxRows { return ComplaintDesk.ListPage(complaints: all, next: next) }
            page.after = try ListCursor.parse(next, sort: query.sort, descending: query.isDescending)
        }
        return ComplaintDesk.ListPage(complaints: all, next: page.after?.text)
    }
}
