import Foundation
import Geodesy
import HTTPTypes
import Hummingbird
import LiaisonCore

/// The JSON documents the OGC API - Features service answers with.
extension OGCController {

    struct Link: Encodable {
        let href: String
        let rel: String
        let type: String
        let title: String?
    }

    struct LandingPage: Encodable {
        let title: String
        let description: String
        let links: [Link]
    }

    struct Conformance: Encodable {
        let conformsTo: [String]
    }

    struct CollectionInfo: Encodable {
        struct Extent: Encodable {
            struct Spatial: Encodable {
                let bbox: [[Double]]
                let crs: String
            }
            let spatial: Spatial
        }
        let id: String
        let title: String
        let description: String
        let links: [Link]
        let extent: Extent?
        let itemType: String
        let crs: [String]
    }

    struct Collections: Encodable {
        let links: [Link]
        let collections: [CollectionInfo]
    }

    struct PointGeometry: Encodable {
        let type: String
        let coordinates: [Double]
    }

    /// A station's public record (``StationDetail``) less its id and location, which the
    /// feature carries as `id` and `geometry`.
    struct StationProperties: Encodable {
        let name: String
        let status: StationStatus
        let county_code: String
        let county_name: String
        let city_code: String
        let city_name: String
        let address: StationAddress
        let address_line: String
        let phone: String
        let hours: WeeklyHours
        let modes: [MediationMode]
        let capacity: Int
        let staff: [StationDetail.Staff]
        /// 1 to 5 stars; null when not yet rated or never computed.
        let rating_stars: Int?
        /// With `include=hours` on items (see ``NearestResponse/Item``); left out otherwise.
        var open_now: Bool? = nil
        var next_open: String? = nil

        init(_ d: StationDetail) {
            (name, status, county_code, county_name, city_code, city_name) = (d.name, d.status, d.county_code, d.county_name, d.city_code, d.city_name)
            (address, address_line, phone, hours, modes, capacity, staff) = (d.address, d.address_line, d.phone, d.hours, d.modes, d.capacity, d.staff)
            rating_stars = d.rating?.stars
        }

        func encode(to encoder: any Encoder) throws {
            // rating_stars is written as null rather than left out: a GIS client's attribute
            // table wants the same columns on every feature.
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(name, forKey: .name)
            try c.encode(status, forKey: .status)
            try c.encode(county_code, forKey: .county_code)
            try c.encode(county_name, forKey: .county_name)
            try c.encode(city_code, forKey: .city_code)
            try c.encode(city_name, forKey: .city_name)
            try c.encode(address, forKey: .address)
            try c.encode(address_line, forKey: .address_line)
            try c.encode(phone, forKey: .phone)
            try c.encode(hours, forKey: .hours)
            try c.encode(modes, forKey: .modes)
            try c.encode(capacity, forKey: .capacity)
            try c.encode(staff, forKey: .staff)
            try c.encode(rating_stars, forKey: .rating_stars)
            try c.encodeIfPresent(open_now, forKey: .open_now)
            try c.encodeIfPresent(next_open, forKey: .next_open)
        }

        enum CodingKeys: String, CodingKey {
            case name, status, county_code, county_name, city_code, city_name, address, address_line, phone, hours, modes, capacity, staff, rating_stars, open_now, next_open
        }
    }

    struct StationItem: Encodable {
        let type: String
        let id: String
        let geometry: PointGeometry
        let properties: StationProperties
        let links: [Link]?

        init(_ station: Station, snapshot: StationSnapshot, links: [Link]? = nil, opening: OpeningStatus? = nil) {
            type = "Feature"
            id = station.id
            geometry = PointGeometry(type: "Point", coordinates: [station.location.longitude, station.location.latitude])
            var properties = StationProperties(StationDetail(station, counties: snapshot.counties, rating: snapshot.ratings[station.id]))
            properties.open_now = opening?.openNow
            properties.next_open = opening?.nextOpen.map(Timestamp.shanghai)
            self.properties = properties
            self.links = links
        }
    }

    /// The schema of `geodata/zhejiang-counties.geojson` (``CountyFeature``), with links when alone.
    struct CountyItem: Encodable {
        let type: String
        let id: String
        let geometry: CountyFeature.Geometry
        let properties: CountyFeature.Properties
        let links: [Link]?

        init(_ county: County, links: [Link]? = nil) {
            let feature = CountyFeature(county)
            type = feature.type
            id = county.adcode
            geometry = feature.geometry
            properties = feature.properties
            self.links = links
        }
    }

    struct ItemCollection<Feature: Encodable>: Encodable {
        let type: String
        let features: [Feature]
        let links: [Link]
        let timeStamp: String
        let numberMatched: Int
        let numberReturned: Int
    }
}
