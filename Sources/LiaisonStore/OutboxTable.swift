import Foundation
import GRDB
import LiaisonCore

/// The delivery bookkeeping every outbox table shares (`sms_outbox` for texts,
/// `callback_outbox` for status callbacks): claims under a lease, giving claims back, the
/// outcome of an attempt, re-queueing what failed for good, counts. Each queue keeps its own
/// columns and rows; this is the SQL over the columns they have in common: `id`, `status`
/// (`pending`, `sent`, `failed`), `attempts`, `next_attempt_at`, `last_error`, `created_at`,
/// `sent_at`, `claimed_by`, `claim_expires_at`, with a partial index `<table>_due` on the
/// pending rows.
struct OutboxTable: Sendable {
    let name: String
    let database: any SQLStore

    /// Claims up to `limit` due rows for `sender` until `until`, oldest first, inside the
    /// caller's write transaction: no other sender gets them while the claim holds. A claim that
    /// expired (its sender died mid-send) is taken again, so every row is still delivered at
    /// least once; the stable id lets a receiver drop a repeat. On PostgreSQL concurrent
    /// senders skip each other's locked rows rather than wait.
    func claimDue<Record: FetchableRecord>(_: Record.Type, at now: Date, sender: String, until: Date, limit: Int,
                                           in db: any SQLSession) throws -> [Record] {
        let at = Timestamp.string(now)
        return try Record.fetchAll(db, sql: """
            UPDATE \(name) SET claimed_by = ?, claim_expires_at = ?
            WHERE id IN (
                SELECT id FROM \(name) INDEXED BY \(name)_due
                WHERE status = 'pending' AND next_attempt_at <= ? AND (claim_expires_at IS NULL OR claim_expires_at <= ?)
                ORDER BY next_attempt_at, id LIMIT ?\(db.dialect == .postgres ? " FOR UPDATE SKIP LOCKED" : ""))
            RETURNING *
            """, arguments: [sender, Timestamp.string(until), at, at, limit])
    }

    /// Gives back `sender`'s claims on `ids` (all of its claims when nil) that it did not get to
    /// (e.g. when stopping), so another sender need not wait for them to expire.
    func release(sender: String, ids: [String]?) throws {
        try database.writing { db in
            guard let ids else {
                try db.execute(sql: "UPDATE \(name) SET claimed_by = NULL, claim_expires_at = NULL WHERE claimed_by = ? AND status = 'pending'",
                               arguments: [sender])
                return
            }
            for id in ids {
                try db.execute(sql: "UPDATE \(name) SET claimed_by = NULL, claim_expires_at = NULL WHERE id = ? AND claimed_by = ? AND status = 'pending'",
                               arguments: [id, sender])
            }
        }
    }

    func markSent(_ id: String, at: Date) throws {
        try database.writing { db in
            try db.execute(sql: """
                UPDATE \(name) SET status = 'sent', attempts = attempts + 1, sent_at = ?, last_error = NULL, claimed_by = NULL, claim_expires_at = NULL
                WHERE id = ? AND status = 'pending'
                """, arguments: [Timestamp.string(at), id])
        }
    }

    /// Records a failed attempt: retry at `retryAt`, or give up (`failed`) when it is nil.
    func markAttemptFailed(_ id: String, error: String, retryAt: Date?) throws {
        try database.writing { db in
            try db.execute(sql: """
                UPDATE \(name) SET attempts = attempts + 1, last_error = ?, status = ?,
                    next_attempt_at = coalesce(?, next_attempt_at), claimed_by = NULL, claim_expires_at = NULL
                WHERE id = ? AND status = 'pending'
                """, arguments: [String(error.prefix(500)), retryAt == nil ? "failed" : "pending", retryAt.map(Timestamp.string), id])
        }
    }

    /// Puts the rows that failed for good back in the queue, due `at`, with their attempts
    /// counted from zero (`liaison notify --retry-failed`, once the gateway or the receiver is
    /// fixed); only those queued at or after `since` when given. Returns how many; in batches,
    /// each its own transaction, so a large backlog never holds the write lock long.
    func requeueFailed(since: Date?, at: Date) throws -> Int {
        var total = 0
        while true {
            let moved = try database.writing { db -> Int in
                let ids = try String.fetchAll(db, sql: """
                    SELECT id FROM \(name) WHERE status = 'failed' AND created_at >= ? ORDER BY id LIMIT 500
                    """, arguments: [since.map(Timestamp.string) ?? ""])
                for id in ids {
                    try db.execute(sql: """
                        UPDATE \(name) SET status = 'pending', attempts = 0, next_attempt_at = ?,
                            last_error = 'requeued after: ' || substr(coalesce(last_error, ''), 1, 400) WHERE id = ? AND status = 'failed'
                        """, arguments: [Timestamp.string(at), id])
                }
                return ids.count
            }
            total += moved
            if moved < 500 { return total }
        }
    }

    /// How many rows are in each state (every row: for the CLI and tests, not per scrape).
    func counts() throws -> [String: Int] {
        try database.reading { db in
            Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT status, count(*) AS n FROM \(name) GROUP BY status").map {
                ($0["status"] as String, $0["n"] as Int)
            })
        }
    }
}
