import Foundation
import Geodesy
import LiaisonCore
import StationIndex
import LiaisonTestSupport

/// The shipped register, read from `geodata/` through the same parser the CLI imports with.
enum Geodata {
    static let directory = Repository.geodata

    static let countiesData = read("zhejiang-counties.geojson")
    static let stationsData = read("stations.geojson")

    /// Zhejiang's 90 counties.
    static let counties: [County] = {
        do {
            guard case .counties(let counties) = try RegisterFile.parse(countiesData, counties: CountyLocator([])) else {
                fatalError("zhejiang-counties.geojson did not parse as counties")
            }
            return counties
        } catch {
            fatalError("zhejiang-counties.geojson: \(error)")
        }
    }()

    static let locator = CountyLocator(counties)

    /// The 2,045 stations, validated against the counties.
    static let stations: [Station] = {
        do {
            guard case .stations(let stations) = try RegisterFile.parse(stationsData, counties: locator) else {
                fatalError("stations.geojson did not parse as stations")
            }
            return stations
        } catch {
            fatalError("stations.geojson: \(error)")
        }
    }()

    /// The stations as raw features, before validation, to mutate in tests.
    static let stationFeatures: [StationFeature] = {
        do {
            return try JSONDecoder().decode(FeatureCollection<StationFeature>.self, from: stationsData).features
        } catch {
            fatalError("stations.geojson: \(error)")
        }
    }()

    static let snapshot = StationSnapshot(stations: stations, counties: counties)

    private static func read(_ name: String) -> Data {
        do {
            return try Data(contentsOf: directory.appendingPathComponent(name))
        } catch {
            fatalError("cannot read geodata/\(name): \(error)")
        }
    }
}

/// What the index module would be given for these stations: the brute-force oracle's input.
func indexed(_ stations: [Station]) -> [IndexedStation] {
    stations.map {
        IndexedStation(id: $0.id, location: $0.location, modeMask: $0.modes.mask, countyCode: Int32($0.countyCode)!)
    }
}

/// West Lake, Hangzhou (WGS-84): in 330106 西湖区.
let westLake = Coordinate(latitude: 30.259, longitude: 120.13)

func meters(_ a: Coordinate, _ b: Coordinate) -> Double {
    Geodesic.wgs84.distanceMeters(from: a, to: b)
}
