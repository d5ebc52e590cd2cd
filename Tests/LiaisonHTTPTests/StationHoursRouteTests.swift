import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LiaisonCore
import LiaisonHTTP
import Testing

/// `include=hours` on nearest and on the map view: the weekly hours, `open_now` and
/// `next_open` as ``WeeklyHours/opening(at:calendar:)`` answers them (held to a brute-force
/// oracle in OpeningHoursTests); the answer without it is unchanged.
@Suite struct StationHoursRouteTests {
    static let calendar = Fixture.complaints.serviceClock.calendar

    /// The item's fields as the calendar answers at some instant during the request.
    static func check(_ item: [String: Any], before: Date, after: Date) throws {
        let id = try #require(item["id"] as? String)
        let station = try #require(Fixture.snapshot.station(id: id))
        let hours = try #require(item["hours"] as? [String: [String]])
        #expect(hours["mon"] == station.hours.mon && hours["sun"] == station.hours.sun)
        let answers = [before, after].map { station.hours.opening(at: $0, calendar: calendar) }
            .map { ($0.openNow, $0.nextOpen.map(Timestamp.shanghai)) }
        let got = (item["open_now"] as? Bool, item["next_open"] as? String)
        #expect(answers.contains { $0.0 == got.0 && $0.1 == got.1 }, "\(id): \(got) not in \(answers)")
    }

    @Test func nearestAndTheMapViewCarryHoursWhenAsked() async throws {
        try await Fixture.app().test(.router) { client in
            for uri in ["/v1/stations/nearest?lat=30.259&lng=120.13&limit=20&include=hours",
                        "/v1/stations/nearest?lat=29.87&lng=121.55&include=rating,hours",
                        "/v1/stations?bbox=120.0,30.1,120.3,30.4&limit=50&include=hours"] {
                let before = Date()
                let body = try await client.execute(uri: uri, method: .get) { response in
                    #expect(response.status == .ok, "\(uri): \(response.text)")
                    return try response.json()
                }
                let after = Date()
                let items = try #require(body["stations"] as? [[String: Any]])
                #expect(!items.isEmpty)
                for item in items { try Self.check(item, before: before, after: after) }
            }
            // Without include=hours: none of it, and the map view's bytes are what they were.
            let plain = try await client.execute(uri: "/v1/stations?bbox=120.0,30.1,120.3,30.4&limit=50", method: .get) { try $0.json() }
            #expect((plain["stations"] as? [[String: Any]])?.allSatisfy { $0["hours"] == nil && $0["open_now"] == nil } == true)
        }
    }

    @Test func ogcStationItemsCarryOpenNowWhenAsked() async throws {
        try await Fixture.app().test(.router) { client in
            let before = Date()
            let body = try await client.execute(uri: "/ogc/collections/stations/items?bbox=120.0,30.1,120.3,30.4&limit=20&include=hours", method: .get) { response in
                #expect(response.status == .ok, "\(response.text)")
                return try response.json()
            }
            let after = Date()
            let features = try #require(body["features"] as? [[String: Any]])
            #expect(!features.isEmpty)
            for feature in features {
                var item = try #require(feature["properties"] as? [String: Any])
                item["id"] = feature["id"]
                try Self.check(item, before: before, after: after)
            }
            let next = (body["links"] as? [[String: Any]])?.first { $0["rel"] as? String == "next" }?["href"] as? String
            #expect(next?.contains("include=hours") == true, "the next page keeps asking: \(next ?? "no next link")")
            try await client.execute(uri: "/ogc/collections/counties/items?include=hours", method: .get) { response in
                #expect(response.status == .badRequest)
                let named = try response.invalidParameterNames()
                #expect(named == ["include"])
            }
            let plain = try await client.execute(uri: "/ogc/collections/stations/items?limit=5", method: .get) { try $0.json() }
            #expect((plain["features"] as? [[String: Any]])?.allSatisfy { ($0["properties"] as? [String: Any])?["open_now"] == nil } == true)
        }
    }
}
