import GRDB
import LiaisonCore

/// The `counties` table; boundaries cross into SQL as WKB (see ``WKB``).
enum CountyRecord {
    static func fetchAll(_ db: Database) throws -> [County] {
        try Row.fetchAll(db, sql: "SELECT adcode, name, city_code, city_name, AsBinary(geom) AS wkb FROM counties ORDER BY adcode").map(county)
    }

    static func county(_ row: Row) throws -> County {
        County(adcode: row["adcode"], name: row["name"], cityCode: row["city_code"], cityName: row["city_name"],
               boundary: try WKB.readMultiPolygon(row["wkb"]))
    }

    /// Inserts new counties and updates changed ones; leaves identical ones untouched.
    static func upsert(_ counties: [County], in db: Database) throws -> LiaisonDatabase.ImportCounts {
        var counts = LiaisonDatabase.ImportCounts()
        for county in counties {
            let existing = try Row.fetchOne(db, sql: "SELECT adcode, name, city_code, city_name, AsBinary(geom) AS wkb FROM counties WHERE adcode = ?",
                                            arguments: [county.adcode]).map(Self.county)
            if existing == county { counts.unchanged += 1; continue }
            try db.execute(sql: """
                INSERT INTO counties (adcode, name, city_code, city_name, geom)
                VALUES (?, ?, ?, ?, GeomFromWKB(?, 4326))
                ON CONFLICT(adcode) DO UPDATE SET
                    name = excluded.name, city_code = excluded.city_code, city_name = excluded.city_name, geom = excluded.geom
                """, arguments: [county.adcode, county.name, county.cityCode, county.cityName, WKB.multiPolygon(county.boundary)])
            if existing == nil { counts.inserted += 1 } else { counts.updated += 1 }
        }
        return counts
    }
}
