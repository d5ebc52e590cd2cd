import Foundation
import GRDB
import LiaisonCore

/// The `sms_outbox` table: messages written with the step they announce, sent by the
/// delivery worker at least once.
public final class SMSOutbox: Sendable {
    let database: any SQLStore
    /// The claims, outcomes and re-queueing it shares with the callback outbox.
    let table: OutboxTable

    public init(database: any SQLStore) {
        self.database = database
        table = OutboxTable(name: "sms_outbox", database: database)
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
    /// write transaction (``OutboxTable/claimDue(_:at:sender:until:limit:in:)``).
    public func claimDue(at now: Date, sender: String, until: Date, limit: Int) throws -> [Entry] {
        try database.writing { db in
            try table.claimDue(OutboxRecord.self, at: now, sender: sender, until: until, limit: limit, in: db).map(\.entry)
        }
        .sorted { ($0.nextAttemptAt, $0.message.id) < ($1.nextAttemptAt, $1.message.id) }
    }

    /// Gives back `sender`'s claims on the messages `ids` (all of its claims when nil) that it did not get to.
    public func release(sender: String, ids: [String]? = nil) throws {
        try table.release(sender: sender, ids: ids)
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
        try table.counts()
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

    /// Puts the texts that failed for good back in the queue (``OutboxTable/requeueFailed(since:at:)``).
    public func requeueFailed(since: Date?, at: Date) throws -> Int {
        try table.requeueFailed(since: since, at: at)
    }

    /// When the oldest waiting text was queued, over the pending set's own index.
    public func oldestPending() throws -> Date? {
        try database.reading { db in
            try String.fetchOne(db, sql: "SELECT min(created_at) FROM sms_outbox INDEXED BY sms_outbox_due WHERE status = 'pending'")
        }.flatMap(Timestamp.parse)
    }

    public func markSent(_ id: String, at: Date) throws {
        try table.markSent(id, at: at)
    }

    /// Records a failed attempt: retry at `retryAt`, or give up (`failed`) when it is nil.
    public func markAttemptFailed(_ id: String, error: String, retryAt: Date?) throws {
        try table.markAttemptFailed(id, error: error, retryAt: retryAt)
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
