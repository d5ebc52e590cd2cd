import ArgumentParser
import Foundation
import LiaisonCore
import LiaisonStore

extension Liaison {
    struct Enterprises: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "enterprises",
            abstract: "The enterprise register and the direct train (诉求即办直通车): add, list, enrol, revoke.",
            discussion: """
                A complaint about an enrolled enterprise (by its credit code or platform merchant id) goes to the \\
                enterprise first, to settle within its window; unsettled ones go on to a station.
                """,
            subcommands: [Add.self, List.self, Enrol.self, Revoke.self])
    }
}

extension StoreOptions {
    func enterprises() throws -> any EnterpriseStore { try services().enterprises }
}

extension Liaison.Enterprises {
    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "add", abstract: "Register an enterprise (not enrolled yet).")
        @Option(help: "Its unified social credit code (18 characters).") var code: String
        @Option(help: "Its registered name.") var name: String
        @Option(name: .customLong("merchant-id"), help: "Its merchant id on the consumer platform.") var merchantID: String?
        @Option(name: .customLong("contact-name"), help: "Whom to contact about complaints.") var contactName: String
        @Option(name: .customLong("contact-phone"), help: "Their mobile, or a landline with area code (0571-87654321).") var contactPhone: String
        @OptionGroup var store: StoreOptions

        func run() throws {
            var body: [String: Any] = ["credit_code": code, "name": name, "contact": ["name": contactName, "phone": contactPhone]]
            if let merchantID { body["merchant_id"] = merchantID }
            let flags = ["credit_code": "--code", "name": "--name", "merchant_id": "--merchant-id", "contact.name": "--contact-name", "contact.phone": "--contact-phone"]
            let enterprise = try storeCall(flags: flags) { try Enterprise.validate(JSONSerialization.data(withJSONObject: body), at: Date()) }
            let register = try store.enterprises()
            _ = try storeCall { try register.add(enterprise) }
            print("\(enterprise.creditCode) \(enterprise.name) registered (not enrolled)")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "Registered enterprises by credit code.")
        @Flag(help: "Only those enrolled in the direct train.") var enrolled = false
        @Option(help: "At most this many (1 to 10000).") var limit = 500
        @Option(help: "table or json.") var format = OutputFormat.table
        @OptionGroup var store: StoreOptions

        func validate() throws {
            guard (1...10_000).contains(limit) else { throw ValidationError("--limit: \(limit) is out of range: expected 1 to 10000") }
        }

        func run() throws {
            let register = try store.enterprises()
            let found = try storeCall { try register.list(enrolled: enrolled ? true : nil, after: nil, limit: limit) }
            switch format {
            case .json:
                struct Row: Encodable {
                    let credit_code: String, name: String, merchant_id: String?, contact_name: String, contact_phone: String
                    let enrolled_at: String?, settle_days: Int?
                }
                try printJSON(found.map { Row(credit_code: $0.creditCode, name: $0.name, merchant_id: $0.merchantID, contact_name: $0.contactName,
                                              contact_phone: $0.contactPhone, enrolled_at: $0.enrolledAt.map(Timestamp.string), settle_days: $0.settleDays) })
            case .table:
                print(Table.render(["CREDIT CODE", "NAME", "MERCHANT ID", "CONTACT", "ENROLLED", "DAYS"], found.map {
                    [$0.creditCode, $0.name, $0.merchantID ?? "", "\($0.contactName) \($0.contactPhone)", $0.enrolledAt.map(Timestamp.string) ?? "no",
                     $0.isEnrolled ? ($0.settleDays.map(String.init) ?? "default") : ""]
                }))
            }
        }
    }

    struct Enrol: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "enrol",
            abstract: "Enrol an enterprise in the direct train and print its new API key (shown once; any earlier key is revoked).")
        @Argument(help: "The credit code.") var code: String
        @Option(help: "Working days it has to settle (1 to 30; default: enterprise_settlement of service-levels.json).") var days: Int?
        @OptionGroup var store: StoreOptions

        func run() throws {
            let register = try store.enterprises()
            let (enterprise, key, name) = try storeCall(flags: ["settle_days": "--days"]) { try register.enrol(code, settleDays: days) }
            printError("\(enterprise.name) enrolled; key \(name) (shown once, keep it safe):")
            print(key)
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "revoke",
            abstract: "End an enterprise's enrolment: its keys are revoked and the complaints waiting for it go on to stations.")
        @Argument(help: "The credit code.") var code: String
        @OptionGroup var store: StoreOptions

        func run() throws {
            let register = try store.enterprises()
            let (enterprise, recalled) = try storeCall { try register.revoke(code) }
            print("\(enterprise.creditCode) \(enterprise.name) no longer enrolled; \(recalled.count) complaints sent on to stations"
                  + (recalled.isEmpty ? "" : ": " + recalled.joined(separator: ", ")))
        }
    }
}
