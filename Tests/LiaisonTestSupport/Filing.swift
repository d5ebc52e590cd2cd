import Foundation
import LiaisonHTTP
import LiaisonStore

extension ConsumerComplaintStore {
    /// Files a complaint from its JSON body exactly as `POST /v1/complaints` does
    /// (``ComplaintFiling``), for tests that drive a store without a server.
    public func submit(_ body: Data, idempotencyKey: String? = nil, client: String = "~") throws -> ComplaintDesk.Submitted {
        try ComplaintFiling.submit(body, idempotencyKey: idempotencyKey, client: client, to: self)
    }
}
