import Foundation
import Crypto
#if canImport(Glibc)
import Glibc
#endif

/// Base64url (RFC 4648 §5, no padding): tokens, keys and page cursors are written in it.
public enum Base64URL {
    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// The bytes of `text`, or nil when it is not base64url.
    public static func decode(_ text: String) -> Data? {
        var b64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while b64.count % 4 != 0 { b64 += "=" }
        return Data(base64Encoded: b64)
    }

    /// `count` bytes from the system's secure random source, in base64url.
    public static func random(bytes count: Int) -> String {
        var rng = SystemRandomNumberGenerator()
        return encode((0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) })
    }
}

/// Whether `a` and `b` hold the same bytes, in a time that depends on their lengths only, so
/// the time a check of a secret takes says nothing about how close a guess came.
public func constantTimeEquals(_ a: some Collection<UInt8>, _ b: some Collection<UInt8>) -> Bool {
    guard a.count == b.count else { return false }
    return zip(a, b).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
}

/// The server secret tracking tokens are derived from, so that no token is ever stored: a
/// complaint's token is `trk_` and the HMAC-SHA-256 of its number under this key (base64url);
/// the store keeps only the token's SHA-256 (``digest(_:)``), and a replayed intake answer is
/// rebuilt with the token derived again.
///
/// The key lives in a file outside the database, created with mode 0600 on first start
/// (``file(_:)``); every process serving one database needs the same file. A database records
/// the key's ``fingerprint`` (an HMAC of a fixed text, which reveals nothing of the key) and
/// refuses another key, so a wrong file is an error at start, not tokens that fail to match.
public struct TrackingKey: Sendable {
    private let key: SymmetricKey
    /// Where the key was read from; nil for an ephemeral key (tests, benchmarks).
    public let path: String?

    init(key: SymmetricKey, path: String?) {
        self.key = key
        self.path = path
    }

    /// A key that lives as long as the process: for tests and benchmarks, never for a server.
    public static func ephemeral() -> TrackingKey { TrackingKey(key: SymmetricKey(size: .bits256), path: nil) }

    /// The key in the file at `path`: 32 bytes in base64url on one line. A missing file is
    /// created (mode 0600, its folder too); a file others may read or write is refused.
    public static func file(_ path: String) throws -> TrackingKey {
        let manager = FileManager.default
        if !manager.fileExists(atPath: path) {
            let folder = (path as NSString).deletingLastPathComponent
            if !folder.isEmpty { try manager.createDirectory(atPath: folder, withIntermediateDirectories: true) }
            let fresh = Base64URL.random(bytes: 32) + "\n"
            // O_EXCL: two processes starting at once do not both write a key; the loser reads the winner's.
            let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
            if fd >= 0 {
                let written = fresh.utf8CString.withUnsafeBufferPointer { write(fd, $0.baseAddress, fresh.utf8.count) }
                let synced = fsync(fd)
                close(fd)
                guard written == fresh.utf8.count, synced == 0 else {
                    throw KeyFileError(path: path, problem: "could not be written: \(String(cString: strerror(errno)))")
                }
            } else if errno != EEXIST {
                throw KeyFileError(path: path, problem: "could not be created: \(String(cString: strerror(errno)))")
            }
        }
        let text = try privateText(at: path)
        guard let bytes = Base64URL.decode(text), bytes.count == 32 else {
            throw KeyFileError(path: path, problem: "does not hold a key (32 bytes in base64url on one line)")
        }
        return TrackingKey(key: SymmetricKey(data: bytes), path: path)
    }

    /// The tracking token of complaint `number`.
    public func token(for number: String) -> String {
        "trk_" + Base64URL.encode(HMAC<SHA256>.authenticationCode(for: Data(number.utf8), using: key))
    }

    /// What the store keeps of a consumer's id: an HMAC under this key of the client's name and
    /// the id, lower-case hex. The id (an openid) is never stored, and one client's consumer
    /// cannot be looked up under another client's name.
    public func consumerKey(client: String, consumerID: String) -> String {
        HMAC<SHA256>.authenticationCode(for: Data("consumer\u{0}\(client)\u{0}\(consumerID)".utf8), using: key)
            .map { String(format: "%02x", $0) }.joined()
    }

    /// The secret status callbacks to client `client` are signed with: `cbs_` and the
    /// HMAC-SHA-256 of `liaison callback secret:NAME` under this key (base64url). Derived, never
    /// stored, so the database alone cannot forge a callback; the label keeps it apart from
    /// tracking tokens (whose input is a complaint number). The same name under the same key
    /// gives the same secret: a new secret means a new client name.
    public func callbackSecret(client: String) -> String {
        "cbs_" + Base64URL.encode(HMAC<SHA256>.authenticationCode(for: Data("liaison callback secret:\(client)".utf8), using: key))
    }

    /// What the store keeps of a token: its SHA-256, lower-case hex.
    public static func digest(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Names the key without revealing it: the first 16 bytes of its HMAC of a fixed text, hex.
    public var fingerprint: String {
        HMAC<SHA256>.authenticationCode(for: Data("liaison tracking key fingerprint".utf8), using: key)
            .prefix(16).map { String(format: "%02x", $0) }.joined()
    }

    /// The text of a secret's file (the tracking key, the video secret, the SMS webhook's
    /// credentials), trailing white space removed. A file others may read is refused
    /// (``KeyFileError``); a file that cannot be read throws as reading does.
    public static func privateText(at path: String) throws -> String {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        if let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue, mode & 0o077 != 0 {
            throw KeyFileError(path: path, problem: "may be read by others (mode \(String(mode, radix: 8))): chmod 600 it")
        }
        return try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    public struct KeyFileError: Error, CustomStringConvertible {
        public let path: String
        public let problem: String
        public var description: String { "the tracking key file \(path) \(problem)" }

        public init(path: String, problem: String) {
            self.path = path
            self.problem = problem
        }
    }
}
