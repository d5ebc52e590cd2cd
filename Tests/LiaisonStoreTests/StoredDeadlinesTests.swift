import LiaisonCore
@testable import LiaisonStore
import Testing

/// The deadline sets are stored as bits whose layout the existing databases fix.
@Suite struct StoredDeadlinesTests {
    @Test func theBitLayoutIsTheDatabases() {
        let expected: [(ServiceDeadline, Int)] = [(.dispatch, 1), (.response, 2), (.acceptance, 4), (.mediation, 8), (.urgent, 16), (.review, 32)]
        for (kind, bit) in expected {
            #expect(Set([kind]).storedBits == bit, "\(kind)")
        }
        #expect(Set<ServiceDeadline>().storedBits == 0)
        #expect(Set<ServiceDeadline>(storedBits: 15) == [.dispatch, .response, .acceptance, .mediation])
    }

    @Test func everySetRoundTrips() {
        for bits in 0..<64 {
            #expect(Set<ServiceDeadline>(storedBits: bits).storedBits == bits)
        }
    }

    @Test func namesFollowTheDeclarationOrder() {
        #expect(Set<ServiceDeadline>([.review, .dispatch, .response]).names == ["dispatch", "first_response", "review"])
    }
}
