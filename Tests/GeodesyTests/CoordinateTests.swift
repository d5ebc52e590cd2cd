import Geodesy
import Testing

@Suite struct CoordinateValidationTests {
    @Test(arguments: [
        (Double.nan, 120.0, "lat"), (.infinity, 120.0, "lat"), (-.infinity, 120.0, "lat"),
        (90.0001, 120.0, "lat"), (-90.0001, 120.0, "lat"), (1e308, 120.0, "lat"),
        (30.0, .nan, "lng"), (30.0, .infinity, "lng"), (30.0, -.infinity, "lng"),
        (30.0, -180.0001, "lng"), (30.0, 180.0001, "lng"), (30.0, 360.0, "lng"),
    ])
    func outOfRangeInputNamesItsField(_ lat: Double, _ lng: Double, _ field: String) throws {
        let error = #expect(throws: CoordinateError.self) {
            try Coordinate.validated(latitude: lat, longitude: lng)
        }
        let e = try #require(error)
        #expect(e.field == field)
        // The message tells the caller what is allowed.
        #expect(e.description.contains(field == "lat" ? "-90 to 90" : "-180 to 180"), "\(e)")
        #expect(e.description.hasPrefix(field))
        if lat.isNaN || lng.isNaN {
            #expect(e.value.isNaN)
        } else {
            #expect(e.value == (field == "lat" ? lat : lng))
        }
    }

    @Test(arguments: [(90.0, 180.0), (-90.0, -180.0), (90.0, -180.0), (-90.0, 180.0), (0.0, 0.0), (30.259, 120.13), (-0.0, -0.0)])
    func boundariesAreAccepted(_ lat: Double, _ lng: Double) throws {
        let c = try Coordinate.validated(latitude: lat, longitude: lng)
        #expect(c.latitude == lat && c.longitude == lng)
    }
}
