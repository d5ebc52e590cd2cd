import HTTPTypes
import Hummingbird
import LiaisonCore

extension Language {
    /// The language the caller asks for in `Accept-Language` (English unless it prefers Chinese).
    init(_ request: Request) {
        self = .negotiate(request.headers[.acceptLanguage])
    }

    /// `Content-Language` of an answer written in this language, and `Vary: Accept-Language`
    /// so that a cache keeps the English and the Chinese answer apart.
    var headers: HTTPFields {
        [.contentLanguage: rawValue, .vary: "Accept-Language"]
    }
}
