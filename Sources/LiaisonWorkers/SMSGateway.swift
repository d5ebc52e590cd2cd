import AsyncHTTPClient
import Foundation
import LiaisonCore
import NIOCore
import NIOHTTP1

/// Where text messages go. Delivery is at least once: a gateway may see a message id twice.
public protocol SMSGateway: Sendable {
    /// Sends one message; throwing means "not delivered, try again later".
    func send(_ message: SMSMessage) async throws
}

/// A gateway refused or failed a message.
public struct GatewayError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// The default gateway: appends each message as one JSON line to a file and syncs it to disk
/// (for development, and for operators who forward the file to their SMS provider).
public struct LogGateway: SMSGateway {
    public let path: String

    public init(path: String) {
        self.path = path
    }

    struct Line: Encodable {
        let id: String
        let to: String
        let recipient: String
        let template: String
        let complaint: String
        let text: String
        let at: String
    }

    public func send(_ message: SMSMessage) async throws {
        var line = try JSONOutput.encode(Line(id: message.id, to: message.phone, recipient: message.recipient.rawValue, template: message.template,
                                              complaint: message.number, text: message.text, at: Timestamp.string(Date())))
        line.append(0x0A)
        var fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        if fd < 0, errno == ENOENT {
            // Its folder does not exist yet (data/ on a new machine): made once, then opened again.
            try? FileManager.default.createDirectory(at: URL(fileURLWithPath: path).deletingLastPathComponent(), withIntermediateDirectories: true)
            fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        }
        guard fd >= 0 else { throw GatewayError("cannot open \(path): errno \(errno)") }
        defer { close(fd) }
        let written = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == line.count else { throw GatewayError("short write to \(path): errno \(errno)") }
        guard fsync(fd) == 0 else { throw GatewayError("fsync \(path): errno \(errno)") }
    }
}

/// POSTs each message as JSON to a URL (an SMS provider's adapter), with the message id in an
/// `Idempotency-Key` header. Any 2xx answer is delivery; anything else is retried.
///
/// ```json
/// {"id":"ZJ-20261129-000001-2-c","to":"13800138000","recipient":"consumer","template":"consumer.assign",
///  "complaint":"ZJ-20261129-000001","text":"【浙江消保】您的投诉已收到并登记，..."}
/// ```
public struct WebhookGateway: SMSGateway {
    public let url: String
    public let timeoutSeconds: Int64
    let client: HTTPClient

    /// A client that gives up connecting after a few seconds (the shared one keeps retrying a
    /// refused connection until the request's deadline).
    public static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .seconds(3), read: .seconds(10))
        configuration.connectionPool = .init(idleTimeout: .seconds(60))
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    /// Sent as the `Authorization` header of every message (the provider's credentials).
    let authorization: String?

    public init(url: String, authorization: String? = nil, timeoutSeconds: Int64 = 10, client: HTTPClient = WebhookGateway.client) {
        self.url = url
        self.authorization = authorization
        self.timeoutSeconds = timeoutSeconds
        self.client = client
    }

    struct Body: Encodable {
        let id: String
        let to: String
        let recipient: String
        let template: String
        let complaint: String
        let text: String
    }

    public func send(_ message: SMSMessage) async throws {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
        request.headers.add(name: "Idempotency-Key", value: message.id)
        if let authorization { request.headers.add(name: "Authorization", value: authorization) }
        let body = try JSONOutput.encode(Body(id: message.id, to: message.phone, recipient: message.recipient.rawValue, template: message.template,
                                              complaint: message.number, text: message.text))
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await client.execute(request, timeout: .seconds(timeoutSeconds))
        // Drain (and bound) the body so the connection can be reused.
        _ = try? await response.body.collect(upTo: 64 * 1024)
        guard (200..<300).contains(response.status.code) else {
            throw GatewayError("webhook answered \(response.status.code) \(response.status.reasonPhrase)")
        }
    }
}
