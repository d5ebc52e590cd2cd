import ArgumentParser
import Foundation
import LiaisonCore
import LiaisonPostgres
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

                Status callbacks: with a callback URL (create --callback-url, or set-callback), every \
                event of a complaint the client files is POSTed to it as JSON, signed with \
                X-Liaison-Signature: sha256=HEX (HMAC-SHA256 of X-Liaison-Timestamp + "." + body) under \
                the client's secret. The secret is derived from the server key (--tracking-key), not \
                stored, and printed when the URL is set.
                """,
            subcommands: [Create.self, List.self, Revoke.self, SetCallback.self])

        struct Create: ParsableCommand {
            static let configuration = CommandConfiguration(commandName: "create", abstract: "Create a client key and print it once.")

            @Option(help: "A unique name (1-64 of A-Z a-z 0-9 . _ -), e.g. the mini-program's.") var name: String
            @Option(name: .customLong("callback-url"), help: ArgumentHelp("Where the client's status callbacks are POSTed (http or https); prints their signing secret too.",
                                       valueName: "url"))
            var callbackURL: String?
            @OptionGroup var store: StoreOptions

            func validate() throws {
                guard StaffToken.validName(name) else {
                    throw ValidationError("--name: \"\(name)\" is not a key name: expected 1 to 64 characters of A-Z a-z 0-9 . _ -")
                }
                if let callbackURL { try checkedCallbackURL(callbackURL, flag: "--callback-url") }
            }

            func run() throws {
                // One opening of the store; with a callback URL the server key is checked before the
                // client key is made, so a wrong key file refuses both.
                let registration = try callbackURL.map { _ in try store.callbackRegistration() }
                let tokens = try registration?.tokens ?? store.tokens()
                do {
                    let key = try tokens.create(name: name, role: .client)
                    print(key)
                    printError("client key \(name) created; it is shown only this once: the client sends it as X-Client-Key")
                } catch let error as InvalidInput {
                    throw lateUsageError("--\(error.parameters[0].name): \(error.parameters[0].reason)")
                }
                if let callbackURL, let registration {
                    let secret = try storeCall(flags: ["url": "--callback-url"]) {
                        try registration.callbacks.register(client: name, url: callbackURL, tokens: registration.tokens, key: registration.key)
                    }
                    print(secret)
                    printError("status callbacks of \(name) go to \(callbackURL), signed with the secret above (derived from the server key, not stored)")
                }
            }
        }

        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(commandName: "list",
                                                            abstract: "List client keys (names, dates and callback URLs; never the keys).")
            @OptionGroup var store: StoreOptions

            func run() throws {
                let (tokens, callbacks) = try store.clientStores()
                let rows = try tokens.list().filter { $0.role == .client }.map {
                    [$0.name, $0.createdAt, $0.revokedAt.map { "revoked \($0)" } ?? "active", try callbacks.callbackURL(client: $0.name) ?? "-"]
                }
                print(Table.render(["NAME", "CREATED", "STATUS", "CALLBACK"], rows))
            }
        }

        struct SetCallback: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "set-callback",
                abstract: "Set (and print the signing secret of) or clear a client's status callback URL.",
                discussion: """
                    Clearing stops the callbacks: deliveries still waiting are marked failed. Setting a new URL \
                    sends the waiting ones there. The secret is the same each time for the same client name and \
                    server key; a new secret needs a new client name.
                    """)
            @Argument(help: "The client key's name.") var name: String
            @Option(help: ArgumentHelp("The http or https URL to POST the status callbacks to.", valueName: "url")) var url: String?
            @Flag(help: "Remove the callback URL.") var clear = false
            @OptionGroup var store: StoreOptions

            func validate() throws {
                guard (url != nil) != clear else { throw ValidationError("--url/--clear: give exactly one: --url URL to set, --clear to remove") }
                if let url { try checkedCallbackURL(url, flag: "--url") }
            }

            func run() throws {
                let registration = try store.callbackRegistration()
                guard let url else {
                    guard try registration.callbacks.clearCallback(client: name, at: Date()) else { throw notFound("client \(name) has no callback URL") }
                    print("callback URL of \(name) cleared")
                    return
                }
                let secret = try storeCall(flags: ["url": "--url"]) {
                    try registration.callbacks.register(client: name, url: url, tokens: registration.tokens, key: registration.key)
                }
                print(secret)
                printError("status callbacks of \(name) go to \(url), signed with the secret above (derived from the server key, not stored)")
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

/// A callback URL flag checked before anything is opened: a usage error (64) naming the flag.
private func checkedCallbackURL(_ url: String, flag: String) throws {
    do {
        _ = try ClientCallback.checkedURL(url)
    } catch let error as InvalidInput {
        throw ValidationError("\(flag): \(error.parameters[0].reason)")
    }
}

extension StoreOptions {
    /// The callback store, the tokens and the server key callback secrets are derived from,
    /// over one opening of the store.
    func callbackRegistration() throws -> (callbacks: any CallbackStore, tokens: any TokenStore, key: TrackingKey) {
        let database = try store(connections: 2)
        return (CallbackOutbox(database: database), tokens(of: database), try serverKey(adoptedBy: database))
    }

    /// The tokens and the callback URLs over one opening of the store (no server key needed).
    func clientStores() throws -> (tokens: any TokenStore, callbacks: any CallbackStore) {
        let database = try store(connections: 2)
        return (tokens(of: database), CallbackOutbox(database: database))
    }

    private func tokens(of database: any RegisterStore) -> any TokenStore {
        if let postgres = database as? PostgresStore { return PostgresTokens(store: postgres) }
        return TokenAuthenticator(database: database as! LiaisonDatabase)   // store() opens one of the two kinds
    }

    /// The server key (`--tracking-key`) checked against the one `database` recorded: a wrong
    /// key file would print callback secrets the server does not sign with.
    func serverKey(adoptedBy database: any SQLStore) throws -> TrackingKey {
        let key = try trackingKeyFile()
        do {
            try ComplaintDesk.adopt(key, in: database)
        } catch let error as TrackingKey.KeyFileError {
            throw lateUsageError("--tracking-key: \(error.description)")
        }
        return key
    }
}
