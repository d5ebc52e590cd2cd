import Foundation
import GRDB
import LiaisonCore

/// The `enterprises` table.
enum EnterpriseRecord {
    static let columns = "credit_code, name, merchant_id, contact_name, contact_phone, enrolled_at, settle_days, created_at"

    static func fetchOne(_ db: any SQLSession, code: String) throws -> Enterprise? {
        try Row.fetchOne(db, sql: "SELECT \(columns) FROM enterprises WHERE credit_code = ?", arguments: [code]).map(enterprise)
    }

    /// The enrolled enterprise a complaint names: by credit code when it gives one (the code is
    /// the legal identity: a merchant id that points elsewhere does not override it), else by
    /// platform merchant id.
    static func enrolled(code: String?, merchantID: String?, in db: any SQLSession) throws -> Enterprise? {
        if let code {
            guard let found = try fetchOne(db, code: code), found.isEnrolled else { return nil }
            return found
        }
        guard let merchantID else { return nil }
        return try Row.fetchOne(db, sql: "SELECT \(columns) FROM enterprises WHERE merchant_id = ? AND enrolled_at IS NOT NULL",
                                arguments: [merchantID]).map(enterprise)
    }

    static func enterprise(_ row: Row) throws -> Enterprise {
        guard let created = Timestamp.parse(row["created_at"]) else {
            throw StoreError(message: "enterprises.created_at of \(row["credit_code"] as String? ?? "?") is not a timestamp")
        }
        return Enterprise(creditCode: row["credit_code"], name: row["name"], merchantID: row["merchant_id"], contactName: row["contact_name"],
                          contactPhone: row["contact_phone"], enrolledAt: (row["enrolled_at"] as String?).flatMap(Timestamp.parse),
                          settleDays: row["settle_days"], createdAt: created)
    }
}

/// The enterprise register and the direct train's enrolment: who is enrolled, with which
/// window, and the enterprise's API key (shown once; only its digest is stored, as a token
/// `enterprise-CODE-N` with role `enterprise:CODE`).
public struct EnterpriseRegister: Sendable {
    let desk: ComplaintDesk
    var database: any SQLStore { desk.database }

    public init(desk: ComplaintDesk) {
        self.desk = desk
    }

    /// The credit code or merchant id is already registered.
    public struct Conflict: DomainError {
        public let description: String
        public var refusal: Refusal { .conflict(type: "conflict", title: "Conflict") }
    }

    /// Registers an enterprise (not enrolled).
    /// - Throws: ``Conflict`` for a credit code or merchant id already in the register.
    @discardableResult
    public func add(_ enterprise: Enterprise) throws -> Enterprise {
        try database.writing { db in
            if try EnterpriseRecord.fetchOne(db, code: enterprise.creditCode) != nil {
                throw Conflict(description: "enterprise \(enterprise.creditCode) is already registered")
            }
            if let id = enterprise.merchantID,
               let holder = try String.fetchOne(db, sql: "SELECT credit_code FROM enterprises WHERE merchant_id = ?", arguments: [id]) {
                throw Conflict(description: "merchant id \(id) already belongs to enterprise \(holder)")
            }
            let stamp = Timestamp.string(enterprise.createdAt)
            try db.execute(sql: """
                INSERT INTO enterprises (credit_code, name, merchant_id, contact_name, contact_phone, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [enterprise.creditCode, enterprise.name, enterprise.merchantID, enterprise.contactName, enterprise.contactPhone, stamp, stamp])
            return enterprise
        }
    }

    public func enterprise(_ code: String) throws -> Enterprise {
        guard let found = try database.reading({ db in try EnterpriseRecord.fetchOne(db, code: code) }) else {
            throw NotFound(what: "enterprise", id: code)
        }
        return found
    }

    /// Enterprises by credit code, after `after`; only enrolled (or only not enrolled) ones when asked.
    public func list(enrolled: Bool?, after: String?, limit: Int) throws -> [Enterprise] {
        var sql = "SELECT \(EnterpriseRecord.columns) FROM enterprises WHERE 1 = 1"
        var args: [String] = []
        if let enrolled { sql += enrolled ? " AND enrolled_at IS NOT NULL" : " AND enrolled_at IS NULL" }
        if let after { sql += " AND credit_code > ?"; args.append(after) }
        let query = sql + " ORDER BY credit_code LIMIT \(limit)", arguments = args
        return try database.reading { db in try Row.fetchAll(db, sql: query, arguments: StatementArguments(arguments)).map(EnterpriseRecord.enterprise) }
    }

    /// Enrols an enterprise in the direct train (or changes its window) and issues a new API
    /// key, revoking any earlier one. Returns the key: it is shown this once.
    ///
    /// - Parameter settleDays: working days to settle in (``Enterprise/settleDaysRange``); nil
    ///   keeps the window it has (the service level `enterprise_settlement` for a new enrolment).
    public func enrol(_ code: String, settleDays: Int?, at: Date = Date()) throws -> (enterprise: Enterprise, key: String, keyName: String) {
        if let settleDays, !Enterprise.settleDaysRange.contains(settleDays) {
            throw InvalidInput(name: "settle_days", reason: "is \(settleDays): expected \(Enterprise.settleDaysRange.lowerBound) to \(Enterprise.settleDaysRange.upperBound) working days")
        }
        let key = "ent_" + TokenAuthenticator.generate().dropFirst(4)
        return try database.writing { db in
            guard var enterprise = try EnterpriseRecord.fetchOne(db, code: code) else { throw NotFound(what: "enterprise", id: code) }
            let stamp = Timestamp.string(at)
            enterprise.enrolledAt = enterprise.enrolledAt ?? at
            // Enrolling again (a new key) keeps the window unless a new one is given.
            enterprise.settleDays = settleDays ?? enterprise.settleDays
            try db.execute(sql: "UPDATE enterprises SET enrolled_at = ?, settle_days = ?, updated_at = ? WHERE credit_code = ?",
                           arguments: [Timestamp.string(enterprise.enrolledAt!), enterprise.settleDays, stamp, code])
            let role = StaffRole.enterprise(code)
            try TokenRecord.revoke(role: role, at: at, in: db)
            let issued = try Int.fetchOne(db, sql: "SELECT count(*) FROM tokens WHERE role = ?", arguments: [role.description]) ?? 0
            let name = "\(enterprise.keyName)-\(issued + 1)"
            try TokenRecord.insert(StaffToken(name: name, role: role), digest: TokenAuthenticator.digest(key), at: at, in: db)
            return (enterprise, key, name)
        }
    }

    /// Ends an enterprise's enrolment: its keys are revoked, and the complaints waiting for it
    /// go on to stations at once (`recall`). Settlements it already offered stay with the consumer.
    public func revoke(_ code: String) throws -> (enterprise: Enterprise, recalled: [String]) {
        try database.writing { db in
            guard var enterprise = try EnterpriseRecord.fetchOne(db, code: code) else { throw NotFound(what: "enterprise", id: code) }
            let at = desk.now()
            let stamp = Timestamp.string(at)
            enterprise.enrolledAt = nil
            enterprise.settleDays = nil
            try db.execute(sql: "UPDATE enterprises SET enrolled_at = NULL, settle_days = NULL, updated_at = ? WHERE credit_code = ?", arguments: [stamp, code])
            try TokenRecord.revoke(role: .enterprise(code), at: at, in: db)
            let snapshot = try desk.current(in: db)
            var recalled: [String] = []
            // Bounded: an enterprise has at most a window's worth of complaints waiting.
            for var complaint in try ComplaintRecord.complaints(db, sql: "WHERE enterprise_code = ? AND status = 'with_enterprise'", arguments: [code], limit: 100_000) {
                var events: [ComplaintEvent] = []
                try desk.workflow.transition(&complaint, .recall, party: .system, actor: "system", note: "\(enterprise.name) left the direct train",
                                    stationID: nil, at: at, events: &events)
                try desk.leaveEnterprise(&complaint, .recalled, snapshot: snapshot, at: at, events: &events, in: db)
                try desk.save(complaint, events: events, inserting: false, snapshot: snapshot, at: at, in: db)
                recalled.append(complaint.number)
            }
            return (enterprise, recalled)
        }
    }
}
