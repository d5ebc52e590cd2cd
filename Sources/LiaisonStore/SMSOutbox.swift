import Foundation
import GRDB
import LiaisonCore

/// The `sms_outbox` table: messages written with the step they announce, sent by the
/// delivery worker at least once.
public final class SMSOutbox: Sendable {
    let database: LiaisonDatabase

    public init(database: LiaisonDatabase) {
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
    static func enqueue(_ messages: [SMSMessage], at: Date, in db: Database) throws {
        for m in messages {
            try db.execute(sql: """
                INSERT INTO sms_outbox (id, number, event_seq, recipient, phone, template, body, status, attempts, next_attempt_at, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?)
                """, arguments: [m.id, m.number, m.eventSeq, m.recipient.rawValue, m.phone, m.template, m.text, Timestamp.string(at), Timestamp.string(at)])
        }
    }

    /// Pending messages whose next attempt is due, oldest first.
    public func due(at now: Date, limit: Int = 100) throws -> [Entry] {
        try database.read { db in
            try Row.fetchAll(db, sql: """
                SELECT * FROM sms_outbox INDEXED BY sms_outbox_due
                WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?
                """, arguments: [Timestamp.string(now), limit]).map(Self.entry)
        }
    }

    /// Every message of a complaint, in the order they were written.
    public func messages(number: String) throws -> [Entry] {
        try database.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM sms_outbox WHERE number = ? ORDER BY event_seq, id", arguments: [number]).map(Self.entry)
        }
    }

    /// Messages in a state (e.g. `failed`, for staff to follow up by phone).
    public func messages(status: String, limit: Int = 500) throws -> [Entry] {
        try database.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM sms_outbox WHERE status = ? ORDER BY created_at, id LIMIT ?", arguments: [status, limit]).map(Self.entry)
        }
    }

    /// How many messages are in each state.
    public func counts() throws -> [String: Int] {
        try database.read { db in
            Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT status, count(*) AS n FROM sms_outbox GROUP BY status").map {
                ($0["status"] as String, $0["n"] as Int)
            })
        }
    }

    public func markSent(_ id: String, at: Date) throws {
        try database.writeImmediate { db in
            try db.execute(sql: "UPDATE sms_outbox SET status = 'sent', attempts = attempts + 1, sent_at = ?, last_error = NULL WHERE id = ? AND status = 'pending'",
                           arguments: [Timestamp.string(at), id])
        }
    }

    /// Records a failed attempt: retry at `retryAt`, or give up (`failed`) when it is nil.
    public func markAttemptFailed(_ id: String, error: String, retryAt: Date?) throws {
        try database.writeImmediate { db in
            try db.execute(sql: """
                UPDATE sms_outbox SET attempts = attempts + 1, last_error = ?,
                    status = CASE WHEN ? IS NULL THEN 'failed' ELSE 'pending' END,
                    next_attempt_at = coalesce(?, next_attempt_at)
                WHERE id = ? AND status = 'pending'
                """, arguments: [String(error.prefix(500)), retryAt.map(Timestamp.string), retryAt.map(Timestamp.string), id])
        }
    }

    static func entry(_ row: Row) throws -> Entry {
        guard let recipient = SMSMessage.Recipient(rawValue: row["recipient"]), let next = Timestamp.parse(row["next_attempt_at"]) else {
            throw StoreError(message: "sms_outbox row \(row["id"] as String? ?? "?") is malformed")
        }
        let message = SMSMessage(id: row["id"], number: row["number"], eventSeq: row["event_seq"], recipient: recipient, phone: row["phone"],
                                 template: row["template"], text: row["body"])
        return Entry(message: message, status: row["status"], attempts: row["attempts"], nextAttemptAt: next, lastError: row["last_error"],
                     sentAt: (row["sent_at"] as String?).flatMap(Timestamp.parse))
    }
}
