import Crypto
import Foundation
import LiaisonCore
import Testing
import LiaisonTestSupport

/// Each party's video link is its own signed JWT (HS256, the jitsi-meet-tokens claims): a
/// consumer's link edited by hand is not a mediator's; a rescheduled session has a new room;
/// an ended complaint shows no link.
@Suite struct VideoSignerTests {
    static let secret = Data("0123456789abcdef0123456789abcdef-test-secret".utf8)
    static let signer = VideoSigner(secret: secret, appID: "liaison")
    static let session = Complaint.VideoSession(room: "zj-abcdefghijklmnopqrstuvwxyz", scheduledAt: Date(timeIntervalSince1970: 1_800_000_000), confirmed: false)

    static func parts(_ link: String) throws -> (header: [String: Any], claims: [String: Any], signing: String, signature: Data) {
        let jwt = try #require(link.components(separatedBy: "?jwt=").last)
        let pieces = jwt.split(separator: ".").map(String.init)
        try #require(pieces.count == 3)
        func object(_ piece: String) throws -> [String: Any] {
            let bytes = try #require(Base64URL.decode(piece))
            return try #require(try JSONSerialization.jsonObject(with: bytes) as? [String: Any])
        }
        let signature = try #require(Base64URL.decode(pieces[2]))
        return (try object(pieces[0]), try object(pieces[1]), pieces[0] + "." + pieces[1], signature)
    }

    static func verifies(_ signing: String, _ signature: Data) -> Bool {
        HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: Data(signing.utf8), using: SymmetricKey(data: secret))
    }

    @Test func eachRoleHasItsOwnSignedLink() throws {
        let links = Self.session.links(base: "https://meet.example.zj", signer: Self.signer)
        #expect(links.consumer.hasPrefix("https://meet.example.zj/zj-abcdefghijklmnopqrstuvwxyz?jwt="))
        #expect(Set([links.consumer, links.merchant, links.mediator]).count == 3)
        for (link, role, moderator) in [(links.consumer, "consumer", false), (links.merchant, "merchant", false), (links.mediator, "mediator", true)] {
            let p = try Self.parts(link)
            #expect(p.header["alg"] as? String == "HS256" && p.header["typ"] as? String == "JWT")
            #expect(p.claims["aud"] as? String == "jitsi" && p.claims["iss"] as? String == "liaison" && p.claims["sub"] as? String == "meet.example.zj")
            #expect(p.claims["room"] as? String == Self.session.room && p.claims["moderator"] as? Bool == moderator)
            #expect(((p.claims["context"] as? [String: Any])?["user"] as? [String: Any])?["id"] as? String == role)
            #expect(p.claims["nbf"] as? Int == 1_800_000_000 - 1800 && p.claims["exp"] as? Int == 1_800_000_000 + 7200)
            #expect(Self.verifies(p.signing, p.signature))
        }
        // The consumer's token with its claims edited into a moderator's keeps the consumer's signature: it fails.
        let consumer = try Self.parts(links.consumer)
        var edited = consumer.claims
        edited["moderator"] = true
        let editedSigning = consumer.signing.split(separator: ".")[0] + "." + Base64URL.encode(try JSONSerialization.data(withJSONObject: edited, options: [.sortedKeys]))
        #expect(!Self.verifies(String(editedSigning), consumer.signature))
    }

    @Test func withoutASignerLinksAreTheBareRoom() {
        let links = Self.session.links(base: "https://meet.example.zj/", signer: nil)
        #expect(links.consumer == "https://meet.example.zj/zj-abcdefghijklmnopqrstuvwxyz" && links.mediator == links.consumer)
    }
}
