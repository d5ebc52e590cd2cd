import Foundation
import LiaisonCore
import LiaisonStore

/// Filing a complaint from its JSON body, as `POST /v1/complaints` and `liaison complaints
/// submit` do it: the `Idempotency-Key` checked, the body validated and fingerprinted, and the
/// consumer's 201 body rendered inside the intake transaction, so that a retry with the same
/// key and body gets the same bytes back.
public enum ComplaintFiling {
    /// - Throws: ``InvalidInput`` (the key or the body), and what
    ///   ``ConsumerComplaintStore/file(_:replay:respond:)`` throws.
    /// - Parameter client: whose Idempotency-Key it is (the client key's name; `~` anonymous, `~cli` the CLI).
    /// - Parameter consumerID: the consumer's id from `X-Consumer-Id`, if sent: the intake's
    ///   when the body has no `consumer.id`, and it must be the same when it has one.
    public static func submit(_ body: Data, idempotencyKey: String?, client: String = "~", consumerID: String? = nil,
                              to store: any ConsumerComplaintStore) throws -> ComplaintDesk.Submitted {
        let key = try idempotencyKey.map(checkedKey)
        var intake = try ComplaintIntake.validate(body)
        if let consumerID {
            if let given = intake.consumerID, given != consumerID {
                throw InvalidInput(name: "consumer.id", reason: "differs from the X-Consumer-Id header: expected the same consumer in both, or only one of them")
            }
            intake.consumerID = consumerID
        }
        let replay = key.map { ComplaintDesk.Replay(key: $0, fingerprint: ComplaintIntake.fingerprint(body), scope: client) }
        let presenter = store.settings.presenter
        // The client key's name files it (its callbacks get the events); `~…` scopes are no client.
        let filer = client.hasPrefix("~") ? nil : client
        return try store.file(intake, client: filer, replay: replay) { filed in
            try presenter.json(filed.complaint, events: filed.events, audience: .consumer, snapshot: filed.snapshot, trackingToken: filed.trackingToken,
                               sameMerchantOpen: filed.sameMerchantOpen)
        }
    }

    /// 1 to 128 printable ASCII characters without spaces (RFC 9110 token-ish, as Stripe's keys).
    static func checkedKey(_ key: String) throws -> String {
        guard (1...128).contains(key.utf8.count), key.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            throw InvalidInput(name: "Idempotency-Key", reason: "expected 1 to 128 printable ASCII characters without spaces")
        }
        return key
    }
}

extension ConsumerComplaintStore {
    /// The JSON of a complaint for an audience, against the register as it is now unless given.
    func render(_ complaint: Complaint, events: [ComplaintEvent], audience: ComplaintView.Audience, snapshot: StationSnapshot? = nil,
                links: ComplaintLinks? = nil, language: Language = .english) throws -> Data {
        try settings.presenter.json(complaint, events: events, audience: audience, snapshot: snapshot ?? finder.snapshot,
                                    links: links, language: language)
    }
}
