import Foundation
import Geodesy
@testable import LiaisonCore
import StationIndex
import Testing
import LiaisonTestSupport

/// The hand-written nearest JSON must be byte for byte what JSONEncoder makes of the same value.
@Suite struct JSONWriterTests {
    @Test func nearestJSONEqualsJSONEncoderForRandomQueries() throws {
        let snapshot = StationSnapshot(stations: Geodata.stations, counties: Geodata.counties)
        var rng = SplitMix64(seed: 11)
        let systems = CoordinateSystem.allCases
        for i in 0..<2_000 {
            let lat = i % 50 == 0 ? Double.random(in: -90...90, using: &rng) : Double.random(in: 26.5...31.7, using: &rng)
            let lng = i % 50 == 0 ? Double.random(in: -180...180, using: &rng) : Double.random(in: 117.5...123.7, using: &rng)
            let query = try NearestQuery.validated(
                latitude: i % 7 == 0 ? lat.rounded() : lat, longitude: lng, coordsys: systems[i % 3].rawValue,
                limit: Int.random(in: 1...50, using: &rng), mode: i % 4 == 0 ? "video" : nil,
                county: i % 5 == 0 ? snapshot.counties.counties[i % 90].adcode : nil,
                radiusKilometers: i % 6 == 0 ? Double.random(in: 0.001...1000, using: &rng) : nil, counties: snapshot.counties)
            let response = NearestResponse(query: query, results: snapshot.nearest(query), counties: snapshot.counties)
            #expect(response.json() == Array(try JSONOutput.encode(response)), "query \(i)")
        }
    }

    @Test(arguments: ["plain", "quote\" back\\slash /slash", "tab\tnew\nline\rcr", "\u{8}\u{C}\u{1}\u{1F}\u{7F}", "中文 \u{2028} 🙂", ""])
    func stringsEscapeLikeJSONEncoder(_ text: String) throws {
        var w = JSONWriter(capacity: 16)
        w.raw("[")
        w.string(text)
        w.raw("]")
        #expect(w.bytes == Array(try JSONOutput.encode([text])))
    }

    @Test(arguments: [0.0, -0.0, 30.0, 1e-7, 1.5e-7, 2.5e-5, 0.1, 1767.73, 123456789012.0, 1e16, 1.2345678901234568e16, 1e22, 5e-324, -120.13])
    func numbersFormatLikeJSONEncoder(_ value: Double) throws {
        var w = JSONWriter(capacity: 16)
        w.raw("[")
        w.number(value)
        w.raw("]")
        #expect(w.bytes == Array(try JSONOutput.encode([value])))
    }
}
