import Foundation

/// A court's mediation desk (诉调对接中心) that failed mediations are handed to, one per county
/// (`geodata/courts.json`, synthetic as shipped: see `geodata/README.md`).
public struct Court: Sendable, Hashable, Codable {
    /// `ADCODE-C01`.
    public let id: String
    public let county_code: String
    /// The desk's name, e.g. 杭州市西湖区人民法院诉调对接中心.
    public let name: String
    /// The court it belongs to, e.g. 杭州市西湖区人民法院.
    public let court: String
    public let address: String
    public let phone: String
    public let hours: String

    public init(id: String, county_code: String, name: String, court: String, address: String, phone: String, hours: String) {
        self.id = id
        self.county_code = county_code
        self.name = name
        self.court = court
        self.address = address
        self.phone = phone
        self.hours = hours
    }
}

/// The court register: by id and by county.
public struct CourtRegister: Sendable, Hashable {
    public let courts: [Court]
    /// Whether the register is synthetic (the shipped one is).
    public let synthetic: Bool

    public init(courts: [Court], synthetic: Bool) {
        self.courts = courts.sorted { $0.id < $1.id }
        self.synthetic = synthetic
    }

    public static let empty = CourtRegister(courts: [], synthetic: false)

    public func court(id: String) -> Court? { courts.first { $0.id == id } }

    /// The court serving a county (the first by id when there are several).
    public func court(forCounty code: String) -> Court? { courts.first { $0.county_code == code } }

    /// Parses and validates `courts.json`.
    /// - Throws: ``InvalidInput`` naming the entry at fault.
    public init(json: Data) throws(InvalidInput) {
        struct File: Decodable { let synthetic: Bool?; let courts: [Court] }
        let file: File
        do { file = try JSONDecoder().decode(File.self, from: json) } catch {
            throw InvalidInput([RegisterFile.parameter(for: error)])
        }
        var problems: [InvalidParameter] = []
        var seen: Set<String> = []
        for (i, court) in file.courts.enumerated() {
            if !Adcode.isCounty(court.county_code) || !court.id.hasPrefix(court.county_code + "-") {
                problems.append(InvalidParameter(name: "courts[\(i)].id", reason: "\"\(court.id)\" is not COUNTY_ADCODE-Cnn for county \"\(court.county_code)\""))
            }
            if !seen.insert(court.id).inserted {
                problems.append(InvalidParameter(name: "courts[\(i)].id", reason: "\"\(court.id)\" appears twice"))
            }
            if court.name.isEmpty || court.phone.isEmpty {
                problems.append(InvalidParameter(name: "courts[\(i)]", reason: "needs a name and a phone"))
            }
        }
        guard problems.isEmpty else { throw InvalidInput(problems) }
        self.init(courts: file.courts, synthetic: file.synthetic ?? false)
    }
}
