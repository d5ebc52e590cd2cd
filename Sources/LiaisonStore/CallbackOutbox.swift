import Foundation
import GRDB
import LiaisonCore

/// Status callbacks in the store: each client's callback URL (`client_callbacks`) and the
/// `callback_outbox`, one row per event of a complaint the client filed, written in the
/// transaction of the event (``ComplaintDesk``) and POSTed by the callback worker at least
/// once, with the claims, retries and failure marking of the text outbox (``SMSOutbox``).
///
/// Only URLs are stored: the signing secret is derived from the server key when a delivery is
/// made (``TrackingKey/callbackSecret(client:)``). The body is stored as it will be sent, so
/// every retry of an event carries the same bytes and the same `id`.
public final class CallbackOutbox: Sendable {
    let database: any SQLStore
    /// The claims, outcomes and re-queueing it shares with the text outbox.
    let table: OutboxTable

    public init(database: any SQLStore) {
        self.database = database
        table = OutboxTable(name: "callback_outbox", database: database)
    }

    /// One event's delivery with its state; `url` is the client's callback URL now (nil once cleared).
    public struct Delivery: Sendable, Hashable {
        public let id: String
        public let number: String
        public let client: String
        public let body: Data
        public let url: String?
        public let status: String
        public let attempts: Int
        public let nextAttemptAt: Date
        public let lastError: String?
        public let sentAt: Date?
    }

    // MARK: - Registrations

    /// Sets (or replaces) `client`'s callback URL (checked by ``ClientCallback/checkedURL(_:)``).
    /// Deliveries still pending go to the new URL.
    public func setCallback(client: String, url: String, at: Date = Date()) throws {
        let url = try ClientCallback.checkedURL(url)
        try database.writing { db in
            try db.execute(sql: """
                INSERT INTO client_callbacks (client, url, updated_at) VALUES (?, ?, ?)
                ON CONFLICT(client) DO UPDATE SET url = excluded.url, updated_at = excluded.updated_at
                """, arguments: [client, url, Timestamp.string(at)])
        }
    }

    /// Removes `client`'s callback URL; its pending deliveries are marked failed (nowhere to
    /// send them). False when it had none.
    public func clearCallback(client: String, at: Date = Date()) throws -> Bool {
        try database.writing { db in
            guard try String.fetchOne(db, sql: "SELECT client FROM client_callbacks WHERE client = ?", arguments: [client]) != nil else { return false }
            try db.execute(sql: "DELETE FROM client_callbacks WHERE client = ?", arguments: [client])
            try db.execute(sql: """
                UPDATE callback_outbox SET status = 'failed', last_error = 'the callback URL was cleared', claimed_by = NULL, claim_expires_at = NULL
                WHERE client = ? AND status = 'pending'
                """, arguments: [client])
            return true
        }
    }

    /// `client`'s callback URL, or nil.
    public func callbackURL(client: String) throws -> String? {
        try database.reading { db in
            try String.fetchOne(db, sql: "SELECT url FROM client_callbacks WHERE client = ?", arguments: [client])
        }
    }

    // MARK: - Enqueueing (inside the event's transaction)

    /// Writes one delivery per event when the complaint was filed by a client with a callback
    /// URL; `consumerView` (the tracking route's JSON of the complaint after the events) is
    /// rendered only then. Complaints of the mini-program intake without a client key, and of
    /// clients without a URL, cost one indexed read at most.
    static func enqueue(_ events: [ComplaintEvent], complaint: Complaint, at: Date, in db: any SQLSession,
                        consumerView: () throws -> Data) throws {
        guard let client = complaint.client, !events.isEmpty,
              try String.fetchOne(db, sql: "SELECT client FROM client_callbacks WHERE client = ?", arguments: [client]) != nil else { return }
        let view = try consumerView()
        for event in events {
            let body = try ClientCallback.payload(number: complaint.number, event: event, consumerView: view)
            try db.insert(CallbackRecord(id: ClientCallback.eventID(number: complaint.number, ordinal: event.ordinal), number: complaint.number,
                                         eventSeq: event.seq, client: client, body: String(decoding: body, as: UTF8.self), status: "pending",
                                         attempts: 0, nextAttemptAt: at, createdAt: at))
        }
    }

    // MARK: - Delivery (the worker)

    /// Claims up to `limit` due deliveries for `sender` until `until`, oldest first, with their
    /// clients' URLs as of now (``OutboxTable/claimDue(_:at:sender:until:limit:in:)``).
    public func claimDue(at now: Date, sender: String, until: Date, limit: Int) throws -> [Delivery] {
        try database.writing { db in
            let records = try table.claimDue(CallbackRecord.self, at: now, sender: sender, until: until, limit: limit, in: db)
            var urls: [String: String] = [:]
            for client in Set(records.map(\.client)) {
                urls[client] = try String.fetchOne(db, sql: "SELECT url FROM client_callbacks WHERE client = ?", arguments: [client])
            }
            return records.map { $0.delivery(url: urls[$0.client]) }
        }
        .sorted { ($0.nextAttemptAt, $0.id) < ($1.nextAttemptAt, $1.id) }
    }

    /// Gives back `sender`'s claims on `ids` (all of them when nil) that it did not get to.
    public func release(sender: String, ids: [String]?) throws {
        try table.release(sender: sender, ids: ids)
    }

    public func markSent(_ id: String, at: Date) throws {
        try table.markSent(id, at: at)
    }

    /// Puts the deliveries that failed for good back in the queue (`liaison notify --retry-failed`).
    public func requeueFailed(since: Date?, at: Date) throws -> Int {
        try table.requeueFailed(since: since, at: at)
    }

    /// Records a failed attempt: retry at `retryAt`, or give up (`failed`) when it is nil.
    public func markAttemptFailed(_ id: String, error: String, retryAt: Date?) throws {
        try table.markAttemptFailed(id, error: error, retryAt: retryAt)
    }

    /// Every delivery of a complaint, in event order.
    public func deliveries(number: String) throws -> [Delivery] {
        try database.reading { db in
            try CallbackRecord.fetchAll(db, sql: "SELECT * FROM callback_outbox WHERE number = ? ORDER BY event_seq", arguments: [number])
                .map { $0.delivery(url: nil) }
        }
    }

    /// How many deliveries are in each state.
    public func counts() throws -> [String: Int] {
        try table.counts()
    }
}

/// One row of the `callback_outbox` table.
struct CallbackRecord: LiaisonRecord {
    static let databaseTableName = "callback_outbox"

    var id: String
    var number: String
    var eventSeq: Int
    var client: String
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
        case id, number, eventSeq = "event_seq", client, body, status, attempts, nextAttemptAt = "next_attempt_at"
        case lastError = "last_error", createdAt = "created_at", sentAt = "sent_at", claimedBy = "claimed_by", claimExpiresAt = "claim_expires_at"
    }
    typealias Columns = CodingKeys

    func delivery(url: String?) -> CallbackOutbox.Delivery {
        CallbackOutbox.Delivery(id: id, number: number, client: client, body: Data(body.utf8), url: url, status: status, attempts: attempts,
                                nextAttemptAt: nextAttemptAt, lastError: lastError, sentAt: sentAt)
    }
}

extension CallbackStore {
    /// Sets the callback URL of the active client key `client` and returns the secret its
    /// callbacks are signed with (derived from `key`, shown to the client, never stored):
    /// what `liaison clients set-callback` and `PUT /v1/clients/{name}/callback` do.
    ///
    /// - Throws: ``InvalidInput`` naming `url`; ``NotFound`` when `client` is not an active client key.
    public func register(client: String, url: String, tokens: any TokenStore, key: TrackingKey, at: Date = Date()) throws -> String {
        let url = try ClientCallback.checkedURL(url)
        guard try tokens.list().contains(where: { $0.name == client && $0.role == .client && $0.revokedAt == nil }) else {
            throw NotFound(what: "active client key", id: client)
        }
        try setCallback(client: client, url: url, at: at)
        return key.callbackSecret(client: client)
    }
}
