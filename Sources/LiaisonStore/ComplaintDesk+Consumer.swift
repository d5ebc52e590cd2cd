import Foundation
import GRDB
import LiaisonCore

/// What consumers and API clients do with their own complaints.
extension ComplaintDesk {
    /// The complaint for its consumer; nil for an unknown number or a wrong token alike, so
    /// numbers cannot be probed.
    public func track(_ number: String, token: String) throws -> (Complaint, [ComplaintEvent])? {
        guard ComplaintNumber.isWellFormed(number) else { return nil }
        let digest = TrackingKey.digest(token)   // before the lookup: an unknown number and a wrong token take one path
        return try database.reading { db in
            guard let complaint = try ComplaintRecord.complaint(db, number: number), Self.sameToken(complaint.trackingDigest, digest) else { return nil }
            return (complaint, try ComplaintRecord.events(db, number: number))
        }
    }

    /// Applies a consumer action; nil when the number is unknown or the token wrong.
    public func act(on number: String, _ command: ConsumerCommand, token: String) throws -> (Complaint, [ComplaintEvent])? {
        guard ComplaintNumber.isWellFormed(number) else { return nil }
        let digest = TrackingKey.digest(token)
        return try database.writing { db in
            let snapshot = try current(in: db)
            guard var complaint = try ComplaintRecord.complaint(db, number: number), Self.sameToken(complaint.trackingDigest, digest) else { return nil }
            let at = now()
            var events: [ComplaintEvent] = []
            switch command {
            case .withdraw(let reason):
                let withEnterprise = complaint.status.isWithEnterprise
                try workflow.transition(&complaint, .withdraw, party: .consumer, actor: "consumer", note: reason, stationID: nil, at: at, events: &events)
                if withEnterprise { workflow.endDirectTrain(&complaint, .withdrawn, at: at) }
            case .feedback(let satisfaction, let comment):
                try workflow.transition(&complaint, .feedback, party: .consumer, actor: "consumer", note: "satisfaction \(satisfaction)/5" + (comment.map { ": " + $0 } ?? ""),
                               stationID: nil, at: at, events: &events)
                complaint.feedback = Complaint.Feedback(satisfaction: satisfaction, comment: comment, at: at)
                if satisfaction <= 2 { try openReview(&complaint, .dissatisfied, at: at, events: &events) }
            case .acceptSettlement:
                try workflow.transition(&complaint, .accept_settlement, party: .consumer, actor: "consumer", note: nil, stationID: nil, at: at, events: &events)
                workflow.endDirectTrain(&complaint, .settled, at: at)
            case .rejectSettlement(let reason):
                if complaint.status == .settlement_offered, let replyBy = complaint.directTrain?.replyBy, at >= replyBy {
                    throw Unfulfillable(description: "the reply window of complaint \(number) ended at \(Timestamp.string(replyBy)): the settlement stands")
                }
                try workflow.transition(&complaint, .reject_settlement, party: .consumer, actor: "consumer", note: reason, stationID: nil, at: at, events: &events)
                try leaveEnterprise(&complaint, .rejected, snapshot: snapshot, at: at, events: &events, in: db)
                try openReview(&complaint, .rejected_settlement, at: at, events: &events)
            case .confirmAppointment:
                try workflow.transition(&complaint, .confirm_appointment, party: .consumer, actor: "consumer", note: nil, stationID: nil, at: at, events: &events)
                if var appointment = complaint.appointment, !appointment.confirmed {
                    appointment.confirmed = true
                    complaint.appointment = appointment
                    events[0].note = "appointment at \(Timestamp.string(appointment.startsAt)) confirmed"
                } else if var video = complaint.video, !video.confirmed {
                    video.confirmed = true
                    complaint.video = video
                    events[0].note = "video session at \(Timestamp.string(video.scheduledAt)) confirmed"
                } else {
                    throw Unfulfillable(description: "complaint \(number) has no proposed appointment or video session to confirm")
                }
            }
            try save(complaint, events: events, inserting: false, snapshot: snapshot, at: at, in: db)
            return (complaint, try ComplaintRecord.events(db, number: number))
        }
    }

    /// Compares tokens in time independent of where they differ.
    static func sameToken(_ a: String, _ b: String) -> Bool {
        constantTimeEquals(Array(a.utf8), Array(b.utf8))
    }

    /// The complaints `client`'s consumer `consumerID` filed, newest first: `limit` of them, after
    /// (older than) the number `after` when given. Each is sent with its tracking token (derived,
    /// never stored), so a consumer who lost one can still follow the complaint.
    public func consumerComplaints(client: String, consumerID: String, after: String?, limit: Int) throws -> [Complaint] {
        let key = settings.trackingKey.consumerKey(client: client, consumerID: consumerID)
        return try database.reading { db in
            try ComplaintRecord.fetchAll(db, sql: """
                SELECT \(ComplaintRecord.columns("c")) FROM consumer_complaints k JOIN complaints c ON c.number = k.number
                WHERE k.consumer_key = ? AND k.number < ? ORDER BY k.number DESC LIMIT \(limit)
                """, arguments: [key, after ?? "~"]).map { try $0.complaint() }
        }
    }

    /// The complaints an Open311 client filed: by number, or by category and submission period;
    /// newest first.
    public func clientComplaints(client: String, numbers: [String]?, category: ComplaintCategory?, from: Date?, to: Date?,
                                 limit: Int) throws -> [Complaint] {
        var sql = "WHERE client = ?"
        var args = [client]
        if let numbers {
            let wellFormed = numbers.filter(ComplaintNumber.isWellFormed)
            guard !wellFormed.isEmpty else { return [] }
            sql += " AND number IN (\(wellFormed.map { _ in "?" }.joined(separator: ", ")))"
            args += wellFormed
        }
        if let category { sql += " AND category = ?"; args.append(category.rawValue) }
        if let from { sql += " AND submitted_at >= ?"; args.append(Timestamp.string(from)) }
        if let to { sql += " AND submitted_at < ?"; args.append(Timestamp.string(to)) }
        let query = sql + " ORDER BY number DESC LIMIT \(limit)", arguments = args
        return try database.reading { db in
            try ComplaintRecord.fetchAll(db, sql: "SELECT \(ComplaintRecord.columns) FROM complaints INDEXED BY complaints_by_client \(query)",
                             arguments: StatementArguments(arguments)).map { try $0.complaint() }
        }
    }
}
