import Foundation
import LiaisonCore
import LiaisonStore
import LiaisonTestSupport

/// The register as the geodata files say it is, parsed once without any database.
enum Reference {
    private static let loaded: Result<(counties: [County], stations: [Station]), any Error> = Result {
        let geodata = GeodataDirectory(url: Repository.geodata)
        let counties = try geodata.counties()
        return (counties, try geodata.stations(counties: CountyLocator(counties)))
    }

    static func counties() throws -> [County] { try loaded.get().counties }
    static func stations() throws -> [Station] { try loaded.get().stations }
}
