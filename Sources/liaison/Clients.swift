import ArgumentParser
import Foundation
import LiaisonCore
import LiaisonStore

extension Liaison {
    /// Client keys: what a mini-program backend (or an Open311 client) sends as `X-Client-Key`
    /// (as `api_key` on /open311/v2) to file complaints. Tokens of the role `client`; only their
    /// SHA-256 is stored.
    struct Clients: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "clients",
            abstract: "Client keys of mini-program backends: create, list, revoke. Only SHA-256 digests are stored.",
            discussion: """
                A client sends its key as X-Client-Key on POST /v1/complaints (and as api_key on \
                /open311/v2). Each key has the intake quota of `serve --client-intake-per-minute` \
                and `--client-intake-burst`. To rotate a key: create a new one, switch the client \
                to it, revoke the old one.
                """,
            subcommands: [Create.self, List.self, Revoke.self])

        struct Create: ParsableCommand {
            static let configuration = CommandConfiguration(commandName: "create", abstract: "Create a client key and print it once.")

            @Option(help: "A unique name (1-64 of A-Z a-z 0-9 . _ -), e.g. the mini-program's.") var name: String
            @OptionGroup var store: StoreOptions

            func validate() throws {
                guard StaffToken.validName(name) else {
                    throw ValidationError("--name: \"\(name)\" is not a key name: expected 1 to 64 characters of A-Z a-z 0-9 . _ -")
                }
            }

            func run() throws {
                do {
                    let key = try store.tokens().create(name: name, role: .client)
                    print(key)
                    printError("client key \(name) created; it is shown only this once: the client sends it as X-Client-Key")
                } catch let error as InvalidInput {
                    throw lateUsageError("--\(error.parameters[0].name): \(error.parameters[0].reason)")
                }
            }
        }

        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(commandName: "list", abstract: "List client keys (names and dates; never the keys).")
            @OptionGroup var store: StoreOptions

            func run() throws {
                let rows = try store.tokens().list().filter { $0.role == .client }
                    .map { [$0.name, $0.createdAt, $0.revokedAt.map { "revoked \($0)" } ?? "active"] }
                print(Table.render(["NAME", "CREATED", "STATUS"], rows))
            }
        }

        struct Revoke: ParsableCommand {
            static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Revoke a client key by name: its next request is refused.")
            @Argument(help: "The key's name.") var name: String
            @OptionGroup var store: StoreOptions

            func run() throws {
                guard try store.tokens().list().contains(where: { $0.name == name && $0.role == .client && $0.revokedAt == nil }) else {
                    throw notFound("no active client key named \(name)")
                }
                guard try store.tokens().revoke(name: name) else { throw notFound("no active client key named \(name)") }
                print("client key \(name) revoked")
            }
        }
    }
}
