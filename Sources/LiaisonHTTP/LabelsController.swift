import Hummingbird
import LiaisonCore

/// `GET /v1/labels`: the English and Chinese label of every status, action, category, mode,
/// decline reason, actor role and problem type (``Labels/catalogue``), for mini-programs to
/// show values in Chinese. Public, and the same until the next release: a strong ETag.
struct LabelsController {
    var endpoints: [Endpoint] {
        [.get("/v1/labels", labels)]
    }

    /// Encoded once: the catalogue is a constant of the build.
    static let body: [UInt8] = Array((try? JSONOutput.encode(Labels.catalogue)) ?? .init("{}".utf8))

    @Sendable func labels(_ request: Request, context: AppRequestContext) throws -> Response {
        try QueryReader(request, allowed: []).check()
        return JSONResponse.make(Self.body, for: request)
    }
}
