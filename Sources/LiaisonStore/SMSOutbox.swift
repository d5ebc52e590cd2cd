import Foundation
import GRDB
import LiaisonCore

/// The `sms_outbox` table: messages written with the step they announce, sent by the
/// delivery worker at least once.
public final class SMSOutbox: Sendable {
    let database: any SQLStore

    public init(database: any SQLStore) {
        self.database = database
    }

    /// A message with its delivery state.
    public struct Entry: Sendable, Hashable {
        public let message: SMSMessage
        public let status: String
        public let attempts: Int
        public let nextAttemptAt: Date
        public let lastError: String?
        public let sentAt: Date?
    }

    /// Writes messages inside the caller's transaction.
    static func enqueue(_ messages: [SMSMessage], at: Date, in db: any SQLSession) throws {
        for message in messages {
            try db.insert(OutboxRecord(pending: message, at: at))
        }
    }

    /// Pending messages whose next attempt is due and that no live sender holds, oldest first.
    public func due(at now: Date, limit: Int = 100) throws -> [Entry] {
        let at = Timestamp.string(now)
        return try database.reading { db in
            try OutboxRecord.fetchAll(db, sql: """
                SELECT * FROM sms_outbox INDEXED BY sms_outbox_due
                WHERE status = 'pending' AND next_attempt_at <= ? AND (claim_expires_at IS NULL OR claim_expires_at <= ?)
                ORDER BY next_attempt_at, id LIMIT ?
                """, arguments: [at, at, limit]).map(\.entry)
        }
    }

    /// Claims up to `limit` due messages for `sender` until `until`, oldest first, in one short
    /// write transaction: no other sender gets them while the claim holds. A claim that
    /// expired (its sender died mid-send) is taken again, so every message is still sent at
    /// least once; the stable id lets a gateway drop a repeat.
    public func claimDue(at now: Date, sender: String, until: Date, limit: Int) throws -> [Entry] {
        let at = Timestamp.string(now)
        return try database.writing { db in
            try OutboxRecord.fetchAll(db, sql: """
                UPDATE sms_outbox SET claimed_by = ?, claim_expires_at = ?
                WHERE id IN (
                    SELECT id FROM sms_outbox INDEXED BY sms_outbox_due
                    WHERE status = 'pending' AND next_attempt_at <= ? AND (claim_expires_at IS NULL OR claim_expires_at <= ?)
                    ORDER BY next_attempt_at, id LIMIT ?\(db.dialect == .postgres ? " FOR UPDATE SKIP LOCKED" : ""))
                RETURNING *
                """, arguments: [sender, Timestamp.string(until), at, at, limit]).map(\.entry)
        }
        .sorted { ($0.nextAttemptAt, $0.message.id) < ($1.nextAttemptAt, $1.message.id) }
    }

    /// Gives back `sender`'s claims on the messages `ids` (all of its claims when nil) that
    /// it did not get to (e.g. when stopping), so another sender need not wait for them to expire.
    public func release(sender: String, ids: [String]? = nil) throws {
        try database.writing { db in
            guard let ids else {
                try db.execute(sql: "UPDATE sms_outbox SET claimed_by = NULL, claim_expires_at = NULL WHERE claimed_by = ? AND status = 'pending'",
                               arguments: [sender])
                return
            }
            for id in ids {
                try db.execute(sql: "UPDATE sms_outbox SET claimed_by = NULL, claim_expires_at = NULL WHERE id = ? AND claimed_by = ? AND status = 'pending'",
                               arguments: [id, sender])
            }
        }
    }

    /// Every message of a complaint, in the order they were written.
    public func messages(number: String) throws -> [Entry] {
        try database.reading { db in
            try OutboxRecord.fetchAll(db, sql: "SELECT * FROM sms_outbox WHERE number = ? ORDER BY event_seq, id", arguments: [number]).map(\.entry)
        }
    }

    /// Messages in a state (e.g. `failed`, for staff to follow up by phone).
    public func messages(status: String, limit: Int = 500) throws -> [Entry] {
        try database.reading { db in
            try OutboxRecord.fetchAll(db, sql: "SELECT * FROM sms_outbox WHERE status = ? ORDER BY created_at, id LIMIT ?",
                                      arguments: [status, limit]).map(\.entry)
        }
    }

    /// How many messages are in each state (every row: for the CLI and tests, not per scrape).
    public func counts() throws -> [String: Int] {
        try database.reading { db in
            Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT status, count(*) AS n FROM sms_outbox GROUP BY status").map {
                ($0["status"] as String, $0["n"] as Int)
            })
        }
    }

    /// How many messages wait (`pending`) and how many gave up (`failed`), for `/metrics`: each
    /// counted on its own partial index, so a scrape costs the size of those two sets, never a
    /// scan of every text ever sent.
    public func waitingAndFailed() throws -> [String: Int] {
        try database.reading { db in
            [
                "pending": try Int.fetchOne(db, sql: "SELECT count(*) FROM sms_outbox INDEXED BY sms_outbox_due WHERE status = 'pending'") ?? 0,
                "failed": try Int.fetchOne(db, sql: "SELECT count(*) FROM sms_outbox INDEXED BY sms_outbox_failed WHERE status = 'failed'") ?? 0,
            ]
        }
    }

    /// Puts the texts that failed for good back in the queue, due `at`, with their attempts
    /// counted from zero (`liaison notify --retry-failed`, once the gateway is fixed); only those
    /// queued at or after `since` when given. Returns how many; in batches, each its own
    /// transaction, so a large backlog never holds the write lock long.
    public func requeueFailed(since: Date?, at: Date) throws -> Int {
        try Self.requeueFailed(table: "sms_outbox", since: since, at: at, in: database)
    }

    /// The same for any outbox table of this shape (texts, status callbacks).
    public static func requeueFailed(table: String, since: Date?, at: Date, in database: any SQLStore) throws -> Int {
        var total = 0
        while true {
            let moved = try database.writing { db -> Int in
                let ids = try String.fetchAll(db, sql: """
                    SELECT id FROM \(table) WHERE status = 'failed' AND created_at >= ? ORDER BY id LIMIT 500
                    """, arguments: [since.map(Timestamp.string) ?? ""])
                for id in ids {
                    try db.execute(sql: """
                        UPDATE \(table) SET status = 'pending', attempts = 0, next_attempt_at = ?,
                            last_error = 'requeued after: ' || substr(coalesce(last_error, ''), 1, 400) WHERE id = ? AND status = 'failed'
                        """, arguments: [Timestamp.string(at), id])
                }
                return ids.count
            }
            total += moved
            if moved < 500 { return total }
        }
    }

    /// When the oldest waiting text was queued, over the pending set's own index.
    public func oldestPending() throws -> Date? {
        try database.reading { db in
            try String.fetchOne(db, sql: "SELECT min(created_at) FROM sms_outbox INDEXED BY sms_outbox_due WHERE status = 'pending'")
        }.flatMap(Timestamp.parse)
    }

    public func markSent(_ id: String, at: Date) throws {
        try database.writing { db in
            try db.execute(sql: """
                UPDATE sms_outbox SET status = 'sent', attempts = attempts + 1, sent_at = ?, last_error = NULL, claimed_by = NULL, claim_expires_at = NULL
                WHERE id = ? AND status = 'pending'
                """,
                           arguments: [Timestamp.string(at), id])
        }
    }

    /// Records a failed attempt: retry at `retryAt`, or give up (`failed`) when it is nil.
    public func markAttemptFailed(_ id: String, error: String, retryAt: Date?) throws {
        try database.writing { db in
            try db.execute(sql: """
                UPDATE sms_outbox SET attempts = attempts + 1, last_error = ?, status = ?,
                    next_attempt_at = coalesce(?, next_attempt_at), claimed_by = NULL, claim_expires_at = NULL
                WHERE id = ? AND status = 'pending'
                """, arguments: [String(error.prefix(500)), retryAt == nil ? "failed" : "pending", retryAt.map(Timestamp.string), id])
        }
    }

}

/// One row of the `sms_outbox` table.
struct OutboxRecord: LiaisonRecord {
    static let databaseTableName = "sms_outbox"

    var id: String
    var number: String
    var eventSeq: Int
    var recipient: SMSMessage.Recipient
    var phone: String
    var template: String
    var body: String
    var status: String
    var attempts: Int
    var nextAttemptAt: Date
    var lastError: String?
    var createdAt: Date
    var sentAt: Date?
    var claimedBy: String?
    var claimExpiresAt: Date?

    enum CodingKeys: String, CodingKey, ColumnExpression {
        case id, number, eventSeq = "event_seq", recipient, phone, template, body, status, attempts, nextAttemptAt = "next_attempt_at"
        case lastError = "last_error", createdAt = "created_at", sentAt = "sent_at", claimedBy = "claimed_by", claimExpiresAt = "claim_expires_at"
    }
    typealias Columns = CodingKeys

    /// A message written with the step it announces, due at once.
    init(pending m: SMSMessage, at: Date) {
        id = m.id; number = m.number; eventSeq = m.eventSeq; recipient = m.recipient; phone = m.phone; template = m.template; body = m.text
        status = "pending"; attempts = 0; nextAttemptAt = at; createdAt = at
    }

    var entry: SMSOutbox.Entry {
        SMSOutbox.Entry(message: SMSMessage(id: id, number: number, eventSeq: eventSeq, recipient: recipient, phone: phone, template: template, text: body),
                        status: status, attempts: attempts, nextAttemptAt: nextAttemptAt, lastError: lastError, sentAt: sentAt)
    }
}
