import ArgumentParser
import Foundation
import LiaisonCaseFile
import LiaisonCore
import LiaisonHTTP
import LiaisonStore

extension Liaison {
    struct Complaints: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "complaints",
            abstract: "File, show, list and advance consumer complaints (the same rules as the HTTP API).",
            subcommands: [Submit.self, Show.self, List.self, Advance.self, Overdue.self, Sweep.self, CaseFile.self])
    }
}

extension Liaison.Complaints {
    struct Submit: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "submit",
            abstract: "File a complaint; prints it as POST /v1/complaints answers (with the tracking token).",
            discussion: "Categories: \(ComplaintCategory.allowedNames).")
        @Option(help: "Latitude of where the dispute happened.") var lat: Double
        @Option(help: "Longitude of where the dispute happened.") var lng: Double
        @Option(help: "wgs84, gcj02 or bd09.") var coordsys = "wgs84"
        @Option(help: "The consumer's name.") var name: String
        @Option(help: "The consumer's mobile number.") var phone: String
        @Option(help: "The merchant's name.") var merchant: String
        @Option(name: .customLong("merchant-address"), help: "The merchant's address.") var merchantAddress: String?
        @Option(help: "One of \(ComplaintCategory.allowedNames).") var category: String
        @Option(help: "What happened (up to 2,000 characters).") var description: String
        @Option(help: "offline or video.") var mode: String
        @Option(name: .customLong("merchant-code"), help: "The merchant's unified social credit code.") var merchantCode: String?
        @Option(name: .customLong("merchant-id"), help: "The merchant's id on the consumer platform.") var merchantID: String?
        @Option(name: .customLong("amount-yuan"), help: "The amount in dispute, yuan.") var amountYuan: Double?
        @Option(name: .customLong("idempotency-key"), help: "A retry with the same key prints the first answer.") var idempotencyKey: String?
        @OptionGroup var store: StoreOptions

        static let flags = [
            "location.lat": "--lat", "location.lng": "--lng", "location.coordsys": "--coordsys", "consumer.name": "--name",
            "consumer.phone": "--phone", "merchant.name": "--merchant", "merchant.address": "--merchant-address",
            "merchant.code": "--merchant-code", "merchant.id": "--merchant-id",
            "category": "--category", "description": "--description", "preferred_mode": "--mode", "amount_yuan": "--amount-yuan",
            "Idempotency-Key": "--idempotency-key",
        ]

        func run() throws {
            var body: [String: Any] = [
                "location": ["lat": lat, "lng": lng, "coordsys": coordsys], "consumer": ["name": name, "phone": phone],
                "merchant": ["name": merchant, "address": merchantAddress ?? ""], "category": category, "description": description,
                "preferred_mode": mode,
            ]
            if let amountYuan { body["amount_yuan"] = amountYuan }
            var merchantObject: [String: Any] = ["name": merchant, "address": merchantAddress ?? ""]
            if let merchantCode { merchantObject["code"] = merchantCode }
            if let merchantID { merchantObject["id"] = merchantID }
            body["merchant"] = merchantObject
            let data = try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])
            let desk = try store.desk()
            let submitted = try storeCall(flags: Self.flags) { try ComplaintFiling.submit(data, idempotencyKey: idempotencyKey, client: "~cli", to: desk) }
            print(String(decoding: submitted.body, as: UTF8.self))
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "A complaint with its timeline, as staff see it (the consumer's phone masked).")
        @Argument(help: "The complaint number, e.g. ZJ-20261129-000001.") var number: String
        @Option(help: "table or json.") var format = OutputFormat.table
        @OptionGroup var store: StoreOptions

        func run() throws {
            let services = try store.services()
            let desk = services.complaints
            let (complaint, events) = try storeCall { try desk.complaint(number, for: cliActor()) }
            switch format {
            case .json:
                print(String(decoding: try desk.settings.presenter.json(complaint, events: events, audience: .staff(seesPhone: false), snapshot: desk.finder.snapshot), as: UTF8.self))
            case .table:
                let station = complaint.stationID.flatMap { desk.finder.snapshot.station(id: $0) }
                let intake = complaint.intake
                let merchant = [intake.merchantName, intake.merchantAddress, intake.merchantCode.map { "统一社会信用代码 \($0)" }].compactMap { $0 }
                print("""
                    \(complaint.number)  \(complaint.status.rawValue) (\(complaint.status.label))  \(complaint.mode.rawValue) (preferred \(intake.preferredMode.rawValue))
                    submitted: \(ShanghaiTime.string(complaint.submittedAt))   updated: \(ShanghaiTime.string(complaint.updatedAt))
                    category:  \(intake.category.rawValue) (\(intake.category.label))
                    amount:    \(intake.amountFen.map { String(format: "%.2f 元", Double($0) / 100) } ?? "not given")
                    merchant:  \(merchant.joined(separator: ", "))
                    consumer:  \(intake.consumerName) \(MobileNumber.masked(intake.consumerPhone))
                    location:  \(intake.location.latitude), \(intake.location.longitude) (WGS-84), county \(complaint.countyCode)
                    station:   \(station.map { "\($0.id) \($0.name) \($0.phone)" + ($0.status == .retired ? " (retired)" : "") } ?? "none")
                    reason:    \(complaint.assignmentReason ?? "")
                    description:
                    \(intake.description)
                    """)
                let deadlines = ServiceDeadline.allCases.compactMap { kind in
                    complaint.deadline(kind).map { "\(kind.name) \(ShanghaiTime.string($0))" + (complaint.deadlines.provisional.contains(kind) ? " (provisional)" : "") }
                }
                if !deadlines.isEmpty { print("deadlines: " + deadlines.joined(separator: ", ")) }
                if let train = complaint.directTrain {
                    print("direct train: \(train.enterpriseName) (\(train.enterpriseCode)), settle by \(ShanghaiTime.string(train.settleBy))"
                          + (train.settlement.map { "; settlement: \($0)" } ?? "") + (train.replyBy.map { "; reply by \(ShanghaiTime.string($0))" } ?? "")
                          + (train.outcome.map { "; outcome \($0.rawValue)" } ?? ""))
                }
                if let urgent = complaint.urgent {
                    print("urgent:    \(urgent.reason), due \(ShanghaiTime.string(urgent.dueBy))" + (urgent.metAt.map { ", met \(ShanghaiTime.string($0))" } ?? ", running"))
                }
                if let review = complaint.review {
                    print("review:    \(review.trigger.rawValue), due \(review.dueBy.map(ShanghaiTime.string) ?? "not set"), " + (review.finding?.rawValue ?? "open"))
                }
                if let visit = complaint.returnVisit {
                    print("return visit: queued \(ShanghaiTime.string(visit.queuedAt))" + (visit.doneAt == nil ? ", pending"
                          : ", reached \(visit.reached == true ? "yes" : "no")" + (visit.satisfied.map { ", satisfied \($0 ? "yes" : "no")" } ?? "")))
                }
                if let decline = complaint.decline {
                    print("declined:  不予受理 \(decline.reason.rawValue) (\(decline.reason.label)) at \(ShanghaiTime.string(decline.at))")
                }
                if let handoff = complaint.courtHandoff {
                    print("court:     \(desk.settings.courts.court(id: handoff.courtID)?.name ?? handoff.courtID) since \(ShanghaiTime.string(handoff.at))")
                }
                print("")
                print(Table.render(["#", "AT", "ACTOR", "ACTION", "FROM", "TO", "STATION", "NOTE"], events.map {
                    ["\($0.ordinal)", ShanghaiTime.string($0.at), $0.actor, $0.action.rawValue, $0.from?.rawValue ?? "", $0.to.rawValue, $0.stationID ?? "", $0.note ?? ""]
                }))
                let texts = try services.outbox.messages(number: number)
                if !texts.isEmpty {
                    print("")
                    print(Table.render(["SMS", "TO", "STATUS", "TRIES", "TEXT"], texts.map {
                        [$0.message.id, $0.message.recipient == .consumer ? MobileNumber.masked($0.message.phone) : $0.message.phone, $0.status, "\($0.attempts)", $0.message.text]
                    }))
                }
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "Complaints as GET /v1/complaints lists them: filters, search, newest first or by nearest deadline; times in Asia/Shanghai.",
            discussion: """
                --q looks for: a number or its beginning (ZJ-…), a phone (11 digits), a phone's last 4 digits (or those digits in the \
                text), or text in the description or the merchant's name. --format csv writes the spreadsheet GET /v1/complaints?format=csv \
                gives (phones masked). When more complaints follow than --limit, the --after that goes on is written to standard error.
                """)
        @Option(help: "A county adcode, e.g. 330106.") var county: String?
        @Option(help: "A station id.") var station: String?
        @Option(help: "One of \(ComplaintStatus.allowedNames); repeat it, or separate with commas.") var status: [String] = []
        @Flag(help: "Only urgent complaints.") var urgent = false
        @Flag(help: "Only those with a deadline passed and its clock still running.") var overdue = false
        @Flag(name: .customLong("near-border"), help: "Only open complaints near a county border.") var nearBorder = false
        @Option(name: [.customLong("q"), .customLong("search")], help: "A number (or its beginning), a phone (or its last 4 digits), or text.") var q: String?
        @Option(help: "submitted (by number, newest first) or deadline (nearest running deadline first).") var sort = "submitted"
        @Option(help: "asc or desc (default: desc for submitted, asc for deadline).") var order: String?
        @Option(help: "Go on after this cursor (the `next` of a list with the same sort and order).") var after: String?
        @Option(help: "A staff queue instead: reviews (open reviews) or return_visits (pending return visits).") var queue: String?
        @Option(help: "At most this many (1 to 10000).") var limit = 500
        @Option(help: "table, json or csv.") var format = ListFormat.table
        @Flag(help: "With --format csv: start with a UTF-8 byte order mark (for Excel).") var bom = false
        @Flag(help: "With --format csv: times in RFC 3339 UTC rather than Asia/Shanghai.") var utc = false
        @OptionGroup var store: StoreOptions

        enum ListFormat: String, ExpressibleByArgument, CaseIterable {
            case table, json, csv
        }

        var statuses: [String] { status.flatMap { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) } }
        var descending: Bool { order.map { $0 == "desc" } ?? (ListSort(rawValue: sort) ?? .submitted).defaultDescending }

        func validate() throws {
            for name in statuses where ComplaintStatus(rawValue: name) == nil {
                throw ValidationError("--status: unknown status \"\(name)\": expected one or more of \(ComplaintStatus.allowedNames)")
            }
            guard (1...10_000).contains(limit) else { throw ValidationError("--limit: \(limit) is out of range: expected 1 to 10000") }
            if county != nil, station != nil { throw ValidationError("--county and --station: give one of them") }
            if let queue, ComplaintDesk.Queue(rawValue: queue) == nil {
                throw ValidationError("--queue: \"\(queue)\" is not allowed: expected reviews or return_visits")
            }
            if queue != nil, station != nil || !status.isEmpty || urgent || overdue || nearBorder || q != nil || after != nil || format == .csv {
                throw ValidationError("--queue: combine it with --county, --limit and --format table or json only")
            }
            guard let sort = ListSort(rawValue: sort) else { throw ValidationError("--sort: \"\(self.sort)\" is not allowed: expected one of \(ListSort.allowedNames)") }
            if let order, order != "asc", order != "desc" { throw ValidationError("--order: \"\(order)\" is not allowed: expected asc or desc") }
            if let q {
                do { _ = try ComplaintSearch.parse(q) } catch { throw ValidationError("--q: " + error.parameters.map(\.reason).joined(separator: "; ")) }
            }
            if let after {
                do { _ = try ListCursor.parse(after, sort: sort, descending: descending) } catch {
                    throw ValidationError("--after: " + error.parameters.map(\.reason).joined(separator: "; "))
                }
            }
            if format != .csv, bom || utc { throw ValidationError("--bom and --utc: only with --format csv") }
        }

        func run() throws {
            let desk = try store.desk()
            let snapshot = desk.finder.snapshot
            if let county, snapshot.counties.county(code: county) == nil { throw lateUsageError("--county: " + snapshot.counties.unknown(county)) }
            if let station, snapshot.station(id: station) == nil { throw lateUsageError("--station: no station \(station)") }
            let complaints: [Complaint]
            if let queue = queue.flatMap(ComplaintDesk.Queue.init(rawValue:)) {
                complaints = try storeCall { try desk.queue(queue, countyCode: county, limit: limit, after: nil) }
            } else {
                let sort = ListSort(rawValue: self.sort) ?? .submitted
                var query = ComplaintDesk.ListQuery(countyCode: county, limit: limit)
                query.stationID = station
                query.statuses = Set(statuses.compactMap(ComplaintStatus.init(rawValue:)))
                query.urgentOnly = urgent
                query.nearBorder = nearBorder
                query.overdueAt = overdue ? Date() : nil
                query.search = try q.map { q in try storeCall(flags: ["q": "--q"]) { try ComplaintSearch.parse(q) } }
                query.sort = sort
                query.descending = descending
                query.after = try after.map { after in try storeCall(flags: ["after": "--after"]) { try ListCursor.parse(after, sort: sort, descending: descending) } }
                let asked = query
                let page = try storeCall(flags: ["after": "--after"]) { try desk.export(asked, maxRows: limit) }
                complaints = page.complaints
                if let next = page.next { printError("more complaints follow: go on with --after \(next)") }
            }
            switch format {
            case .json: try printJSON(complaints.map { ComplaintSummary($0, seesPhone: false) })
            case .csv:
                let text = ComplaintQueueCSV.encode(complaints, snapshot: snapshot, clock: utc ? .utc : .shanghai) { _ in false }
                FileHandle.standardOutput.write(Data((bom ? CSV.byteOrderMark : []) + Array(text.utf8)))
            case .table:
                print(Table.render(["NUMBER", "STATUS", "URGENT", "MODE", "CATEGORY", "STATION", "COUNTY", "SUBMITTED", "NEXT DEADLINE", "PROVISIONAL"], complaints.map { c in
                    let next = c.runningDeadlines.first
                    return [c.number, c.status.rawValue, c.urgent != nil && c.urgent?.metAt == nil ? "yes" : "", c.mode.rawValue, c.intake.category.rawValue,
                            c.stationID ?? c.directTrain.map { "enterprise \($0.enterpriseCode)" } ?? "", c.countyCode, ShanghaiTime.string(c.submittedAt),
                            next.map { "\($0.kind.name) \(ShanghaiTime.string($0.dueBy))" } ?? "", c.deadlines.provisional.names.joined(separator: ",")]
                }))
            }
        }
    }

    struct Overdue: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "overdue",
            abstract: "Complaints with a deadline passed and its clock still running (dispatch, first response, acceptance, mediation).")
        @Option(help: "A county adcode, e.g. 330106.") var county: String?
        @Option(help: "table or json.") var format = OutputFormat.table
        @OptionGroup var store: StoreOptions

        func run() throws {
            let desk = try store.desk()
            if let county, desk.finder.snapshot.counties.county(code: county) == nil {
                throw lateUsageError("--county: " + desk.finder.snapshot.counties.unknown(county))
            }
            let now = Date()
            let complaints = try storeCall { try desk.overdueComplaints(countyCode: county, at: now) }
            switch format {
            case .json: try printJSON(complaints.map { ComplaintSummary($0, seesPhone: false) })
            case .table:
                print(Table.render(["NUMBER", "STATUS", "STATION", "COUNTY", "OVERDUE", "SUBMITTED"], complaints.map {
                    [$0.number, $0.status.rawValue, $0.stationID ?? "", $0.countyCode, $0.overdue(at: now).names.joined(separator: ","), ShanghaiTime.string($0.submittedAt)]
                }))
            }
        }
    }

    struct Advance: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "advance",
            abstract: "Apply a staff action, as POST /v1/complaints/{number}/events.",
            discussion: """
                Actions: \(ComplaintAction.staffActionNames).
                refuse, reassign, fail, mark_urgent, verify, uphold and reopen need --note; schedule needs --starts-at; \
                return_visit needs --reached (and --satisfied when reached); decline (不予受理) needs --reason, one of \(DeclineReason.allowedNames) \
                (and --note for other_legal).
                """)
        @Argument(help: "The complaint number.") var number: String
        @Option(help: "One of \(ComplaintAction.staffActionNames).") var action: String
        @Option(help: "Why (1 to 500 characters).") var note: String?
        @Option(name: .customLong("station-id"), help: "For reassign and reopen: the station to hand it to.") var stationID: String?
        @Option(name: .customLong("starts-at"), help: "For schedule: RFC 3339, e.g. 2026-12-02T10:00:00+08:00.") var startsAt: String?
        @Option(name: .customLong("court-id"), help: "For hand_off: the court (default: the complaint's county's), e.g. 330106-C01.") var courtID: String?
        @Option(help: "For return_visit: true when the consumer was reached, else false.") var reached: Bool?
        @Option(help: "For return_visit: true when the consumer is satisfied, else false.") var satisfied: Bool?
        @Option(help: "For decline (不予受理): one of \(DeclineReason.allowedNames).") var reason: String?
        @OptionGroup var store: StoreOptions

        func run() throws {
            var body: [String: Any] = ["action": action]
            if let reason { body["reason"] = reason }
            if let note { body["note"] = note }
            if let stationID { body["station_id"] = stationID }
            if let startsAt { body["starts_at"] = startsAt }
            if let courtID { body["court_id"] = courtID }
            if let reached { body["reached"] = reached }
            if let satisfied { body["satisfied"] = satisfied }
            let flags = ["action": "--action", "note": "--note", "station_id": "--station-id", "starts_at": "--starts-at", "court_id": "--court-id",
                         "reached": "--reached", "satisfied": "--satisfied", "reason": "--reason"]
            let command = try storeCall(flags: flags) { try StaffCommand.validate(JSONSerialization.data(withJSONObject: body)) }
            let desk = try store.desk()
            let (complaint, _) = try storeCall(flags: flags) { try desk.act(on: number, command, by: cliActor()) }
            print("\(complaint.number) \(complaint.status.rawValue)" + (complaint.stationID.map { " at \($0)" } ?? ""))
        }
    }
}

extension Liaison.Complaints {
    struct Sweep: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "sweep",
            abstract: "Run the complaint watch's timed work once: enterprise windows, settlement replies, waiting dispatch, overdue marks.",
            discussion: """
                `liaison serve` does this every minute in the process that holds the watch lease; this runs it now. \
                --at runs it as of another instant (events are stamped with it): for drills on a copy of the store.
                """)
        @Option(help: "RFC 3339 instant to run as of (default: now).") var at: String?
        @OptionGroup var store: StoreOptions

        func run() throws {
            var instant = Date()
            if let at {
                guard let parsed = Timestamp.parse(at) else { throw lateUsageError("--at: \"\(at)\" is not an RFC 3339 time, e.g. 2026-12-10T09:00:00+08:00") }
                instant = parsed
            }
            let clock = try store.services().serviceLevels
            let (timedOut, lapsed) = try storeCall { try clock.sweepDirectTrain(at: instant) }
            let dispatched = try storeCall { try clock.dispatchWaiting(at: instant) }
            let marked = try storeCall { try clock.markOverdue(at: instant) }
            print("timed_out \(timedOut) lapsed \(lapsed) dispatched \(dispatched) marked_overdue \(marked)")
        }
    }

    struct CaseFile: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "case-file",
            abstract: "The case file of a complaint for a court's mediation, as GET /v1/complaints/{number}/case-file: JSON or PDF.")
        @Argument(help: "The complaint number.") var number: String
        @Option(help: "json or pdf.") var format = "json"
        @Option(name: [.short, .long], help: "Write to this file (default: standard output; a PDF needs a file or a pipe).") var output: String?
        @OptionGroup var store: StoreOptions

        func validate() throws {
            guard format == "json" || format == "pdf" else { throw ValidationError("--format: \"\(format)\" is not allowed: expected json or pdf") }
        }

        func run() throws {
            let desk = try store.desk()
            let file = try storeCall { try desk.caseFile(number, for: nil) }
            let data = format == "pdf" ? try CaseFilePDF.render(file.document) : try JSONOutput.encode(file) + Data("\n".utf8)
            if let output {
                try data.write(to: URL(fileURLWithPath: output), options: .atomic)
                FileHandle.standardError.write(Data("\(number): \(format) case file written to \(output) (\(data.count) bytes)\n".utf8))
            } else {
                FileHandle.standardOutput.write(data)
            }
        }
    }
}

/// Times as county staff read them: Asia/Shanghai, with the offset written (RFC 3339).
enum ShanghaiTime {
    private static let style = Date.ISO8601FormatStyle(timeZoneSeparator: .colon, timeZone: TimeZone(identifier: "Asia/Shanghai")!)

    static func string(_ date: Date) -> String { date.formatted(style) }
}
