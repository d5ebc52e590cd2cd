import HTTPTypes
import Hummingbird
import LiaisonCore

/// Every JSON response: cacheable reads with a strong ETag (a hash of the body) and
/// `If-None-Match` handling, and answers that are not (writes, private or moving reads).
enum JSONResponse {
    static let contentType = "application/json; charset=utf-8"

    /// A cacheable read (unless `cacheable` is false): 200 with its ETag, or 304 when the
    /// request's `If-None-Match` already has it.
    static func make(_ body: [UInt8], for request: Request, contentType: String = contentType, cacheable: Bool = true) -> Response {
        guard cacheable else { return make(body, status: .ok, contentType: contentType) }
        var headers = HTTPFields()
        headers[.contentType] = contentType
        let etag = self.etag(of: body)
        headers[.eTag] = etag
        headers[.cacheControl] = "no-cache"
        // A conditional GET only: a write has already happened, and its answer must be seen.
        if request.method == .get || request.method == .head, let condition = request.headers[.ifNoneMatch], matches(condition, etag) {
            headers[.contentType] = nil
            return Response(status: .notModified, headers: headers)
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    static func encoding<T: Encodable>(_ value: T, for request: Request) throws -> Response {
        make(Array(try JSONOutput.encode(value)), for: request)
    }

    /// An answer no conditional request applies to, with `headers` besides its content type
    /// (`Cache-Control: no-store` for what only its caller may see, `Location`, `ETag`).
    static func make(_ body: some Sequence<UInt8>, status: HTTPResponse.Status, headers: HTTPFields = [:],
                     contentType: String = contentType) -> Response {
        var fields: HTTPFields = [.contentType: contentType]
        fields.append(contentsOf: headers)
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    static func encoding<T: Encodable>(_ value: T, status: HTTPResponse.Status, headers: HTTPFields = [:]) throws -> Response {
        make(try JSONOutput.encode(value), status: status, headers: headers)
    }

    /// Not to be kept by any cache: a consumer's complaint, counts that move with every change.
    static let noStore: HTTPFields = [.cacheControl: "no-store"]

    /// The strong entity tag of a body: the same in every process of a fleet.
    static func etag(of body: [UInt8]) -> String {
        "\"\(hex(fnv1a64(body)))\""
    }

    /// The entity tags of an `If-Match` value (RFC 9110, 13.1.1): `*`, or a comma-separated
    /// list of `"tag"` or `W/"tag"` (visible ASCII but `"` inside the quotes); nil when the
    /// value is neither (openapi.json states the same pattern).
    static func ifMatchTags(_ condition: String) -> [String]? {
        let trimmed = condition.trimmingCharacters(in: .init(charactersIn: " \t"))
        if trimmed == "*" { return ["*"] }
        let tags = trimmed.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .init(charactersIn: " \t")) }
        func isTag(_ t: String) -> Bool {
            let quoted = t.hasPrefix("W/") ? t.dropFirst(2) : Substring(t)
            guard quoted.count >= 2, quoted.first == "\"", quoted.last == "\"" else { return false }
            return quoted.dropFirst().dropLast().unicodeScalars.allSatisfy { $0 == "!" || ("#"..."~").contains($0) }
        }
        return tags.allSatisfy(isTag) ? tags : nil
    }

    /// `If-Match` tags against the current ETag, compared strongly (a weak tag never matches).
    static func matchesStrongly(_ tags: [String], _ etag: String) -> Bool {
        tags.contains { $0 == "*" || $0 == etag }
    }

    /// `If-None-Match`: `*` or a comma-separated list of entity tags (weak comparison).
    static func matches(_ condition: String, _ etag: String) -> Bool {
        condition.split(separator: ",").contains { tag in
            let t = tag.trimmingCharacters(in: .whitespaces)
            return t == "*" || t == etag || t == "W/" + etag
        }
    }

    /// FNV-1a (64 bit) over 8-byte little-endian words, then the tail bytes: deterministic
    /// across processes (every server of a fleet gives the same ETag) and a few hundred
    /// nanoseconds for a 2 KB answer. A collision would only make a client keep a stale copy
    /// of one answer until the next change.
    static func fnv1a64(_ bytes: [UInt8]) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        bytes.withUnsafeBytes { raw in
            let words = raw.count / 8
            for i in 0..<words {
                hash ^= UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self))
                hash &*= 0x100_0000_01b3
            }
            for i in (words * 8)..<raw.count {
                hash ^= UInt64(raw[i])
                hash &*= 0x100_0000_01b3
            }
        }
        return hash
    }

    static func hex(_ v: UInt64) -> String {
        let s = String(v, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }
}
