import ArgumentParser
import Foundation
import LiaisonCore
import LiaisonStore

extension Liaison {
    struct Tokens: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "tokens",
            abstract: "Staff API tokens: create, list, revoke. Only SHA-256 digests are stored.",
            subcommands: [Create.self, List.self, Revoke.self])

        struct Create: ParsableCommand {
            static let configuration = CommandConfiguration(commandName: "create", abstract: "Create a token and print it once.")

            @Option(help: "A unique name (1-64 of A-Z a-z 0-9 . _ -), shown in the history of what the token writes.") var name: String
            @Option(help: "admin, or county:ADCODE to write only stations in that county.") var role: String
            @OptionGroup var store: StoreOptions

            func validate() throws {
                guard StaffToken.validName(name) else {
                    throw ValidationError("--name: \"\(name)\" is not a token name: expected 1 to 64 characters of A-Z a-z 0-9 . _ -")
                }
                guard StaffRole(role) != nil else { throw ValidationError("--role: \"\(role)\" is not a role: expected \(StaffRole.allowed)") }
            }

            func run() throws {
                guard let role = StaffRole(role) else { return }
                if case .county(let code) = role, case let counties = try store.snapshot().counties, counties.county(code: code) == nil {
                    throw lateUsageError("--role: " + counties.unknown(code))
                }
                do {
                    let token = try store.tokens().create(name: name, role: role)
                    print(token)
                    FileHandle.standardError.write(Data("token \(name) (\(role)) created; it is shown only this once\n".utf8))
                } catch let error as InvalidInput {
                    throw lateUsageError("--\(error.parameters[0].name): \(error.parameters[0].reason)")
                }
            }
        }

        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(commandName: "list", abstract: "List tokens (names, roles, dates; never the tokens).")
            @OptionGroup var store: StoreOptions

            func run() throws {
                let rows = try store.tokens().list().map { [$0.name, $0.role.description, $0.createdAt, $0.revokedAt.map { "revoked \($0)" } ?? "active"] }
                print(Table.render(["NAME", "ROLE", "CREATED", "STATUS"], rows))
            }
        }

        struct Revoke: ParsableCommand {
            static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Revoke a token by name.")
            @Argument(help: "The token's name.") var name: String
            @OptionGroup var store: StoreOptions

            func run() throws {
                guard try store.tokens().revoke(name: name) else { throw notFound("no active token named \(name)") }
                print("token \(name) revoked")
            }
        }
    }
}
