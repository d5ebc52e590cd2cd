import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
import LiaisonTestSupport

/// Settings from a config file (`--config`, `LIAISON_CONFIG`) and `LIAISON_<NAME>` variables:
/// a flag wins over the variable, which wins over the file.
@Suite(.tags(.slow)) struct ConfigurationTests {
    let sandbox: Sandbox
    init() throws { sandbox = try Sandbox(databases: ["x.sqlite"]) }

    func write(_ name: String, _ text: String, mode: Int = 0o600) throws -> String {
        let path = sandbox.path(name)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
        return path
    }

    /// `/readyz`'s status: a free-disk threshold above any disk makes it 503, 0 makes it 200, so
    /// it shows which source `min-free-disk-mb` came from.
    func readiness(_ arguments: [String], environment: [String: String] = [:]) async throws -> (status: Int, log: [[String: String]]) {
        let server = try await ServerProcess(["--db", sandbox.path("x.sqlite")] + arguments, sandbox: sandbox, logLevel: "notice",
                                             environment: ProcessInfo.processInfo.environment.merging(environment) { $1 })
        let (_, response) = try await URLSession.shared.data(from: try #require(URL(string: server.base + "/readyz")))
        #expect(try await server.stop() == 0)
        let log = String(decoding: try Data(contentsOf: server.stderrURL), as: UTF8.self).split(separator: "\n")
            .compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: String] }
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, log)
    }

    @Test func theFileSetsServeOptionsTheEnvironmentWinsOverItAndAFlagOverBoth() async throws {
        let config = try write("liaison.conf", """
            # the operator's settings
            min-free-disk-mb = 1000000
            client-quota = mp-a=10/20
            client-quota = mp-b=5
            trusted-proxy = "10.0.0.1"
            """)
        let fromFile = try await readiness(["--config", config])
        #expect(fromFile.status == 503, "min-free-disk-mb from the file")
        let notice = try #require(fromFile.log.first { $0["label"] == "liaison.config" }, "\(fromFile.log)")
        #expect(notice["min-free-disk-mb"] == "\(config):2" && notice["client-quota"] == "\(config):3" && notice["trusted-proxy"] == "\(config):5",
                "the log names each setting's source: \(notice)")

        let fromEnvironment = try await readiness([], environment: ["LIAISON_CONFIG": config, "LIAISON_MIN_FREE_DISK_MB": "0"])
        #expect(fromEnvironment.status == 200, "the variable wins over the file")
        #expect(fromEnvironment.log.first { $0["label"] == "liaison.config" }?["min-free-disk-mb"] == "LIAISON_MIN_FREE_DISK_MB")

        let fromFlag = try await readiness(["--min-free-disk-mb", "0"], environment: ["LIAISON_MIN_FREE_DISK_MB": "1000000"])
        #expect(fromFlag.status == 200, "the flag wins over the variable")
        #expect(fromFlag.log.first { $0["label"] == "liaison.config" }?["min-free-disk-mb"] == nil)
    }

    @Test func everyCommandTakesItsDatabaseFromTheFileOrTheEnvironment() async throws {
        let config = try write("liaison.conf", "db = \(sandbox.path("x.sqlite"))\n")
        let show = try await sandbox.run(["stations", "show", "330102-0001", "--format", "json", "--config", config])
        #expect(show.status == 0, "\(show)")
        #expect(!sandbox.exists("data"), "the default database was not made")

        // The variable wins over the file: a database is made where it says.
        let made = try await sandbox.run(["stations", "show", "330102-0001", "--format", "json"],
                                         environment: ["LIAISON_CONFIG": config, "LIAISON_DB": sandbox.path("y.sqlite")])
        #expect(made.status == 0 && sandbox.exists("y.sqlite"), "\(made)")
    }

    @Test func aBadValueFromTheEnvironmentIsAUsageErrorNamingItsSource() async throws {
        let r = try await sandbox.run(["serve", "--db", sandbox.path("x.sqlite")], environment: ["LIAISON_PORT": "eighty"])
        #expect(r.status == 64, "\(r)")
        #expect(r.stderr.contains("--port") && r.stderr.contains("--port from LIAISON_PORT"), "\(r)")

        let config = try write("liaison.conf", "request-deadline = 0\n")
        let checked = try await sandbox.run(["serve", "--db", sandbox.path("x.sqlite"), "--config", config])
        #expect(checked.status == 64, "\(checked)")
        #expect(checked.stderr.contains("--request-deadline: 0 is out of range") && checked.stderr.contains("--request-deadline from \(config):1"),
                "a value from the file goes through the flag's own checks: \(checked)")
    }

    @Test func aFileWithAnUnknownRepeatedOrMalformedLineIsRefusedNamingTheLine() async throws {
        for (text, expected) in [
            ("port = 8080\nprot = 8081\n", ":2: unknown setting \"prot\""),
            ("port = 8080\nport = 8081\n", ":2: port is set twice (first on line 1)"),
            ("# fine\nport 8080\n", ":2: expected name = value"),
        ] {
            let config = try write("bad.conf", text)
            let r = try await sandbox.run(["nearest", "--lat", "30.26", "--lng", "120.13", "--db", sandbox.path("x.sqlite"), "--config", config])
            #expect(r.status == 64 && r.stderr.contains(config + expected) && r.stdout.isEmpty, "\(r)")
        }
        let missing = try await sandbox.run(["nearest", "--lat", "30.26", "--lng", "120.13", "--config", sandbox.path("nowhere.conf")])
        #expect(missing.status == 64 && missing.stderr.contains("--config: cannot read"), "\(missing)")
        #expect(!sandbox.exists("data"), "nothing was made")
    }

    /// Every option of `serve` is either a setting or one of the few given each time, so a new
    /// flag cannot be left out of the file by accident.
    @Test func everyServeOptionCanBeSetButTheOneOffs() async throws {
        let help = try await sandbox.run(["serve", "--help"])
        let options = Set(help.stdout.matches(of: /--([a-z][a-z0-9-]+)/).map { String($0.output.1) })
        let config = try write("all.conf", "")
        // The file's error lists every key it knows.
        try "nonsense = 1\n".write(toFile: config, atomically: true, encoding: .utf8)
        let listed = try await sandbox.run(["serve", "--config", config])
        let known = try #require(listed.stderr.firstMatch(of: /expected one of (.+)/)).output.1.split(separator: ", ").map(String.init)
        #expect(Set(known).isSubset(of: options), "settings that are not flags: \(Set(known).subtracting(options).sorted())")
        #expect(options.subtracting(known) == ["help", "migrate", "anonymous-intake", "empty", "config", "version"],
                "flags that are not settings: \(options.subtracting(known).sorted())")
    }

    @Test func theWebhookCredentialsFileMustBePrivate() async throws {
        let open = try write("sms.auth", "Bearer s3cret\n", mode: 0o644)
        let r = try await sandbox.run(["notify", "--once", "--db", sandbox.path("x.sqlite"), "--sms-gateway", "webhook",
                                       "--sms-webhook", "http://127.0.0.1:9/sms", "--sms-webhook-auth-file", open])
        #expect(r.status == 64 && r.stderr.contains("may be read by others (mode 644): chmod 600 it"), "\(r)")
        #expect(!r.stderr.contains("s3cret") && !r.stdout.contains("s3cret"), "the secret is never printed")

        let twoLines = try write("two.auth", "Bearer a\nBearer b\n")
        let bad = try await sandbox.run(["notify", "--once", "--db", sandbox.path("x.sqlite"), "--sms-gateway", "webhook",
                                         "--sms-webhook", "http://127.0.0.1:9/sms"], environment: ["LIAISON_SMS_WEBHOOK_AUTH_FILE": twoLines])
        #expect(bad.status == 64 && bad.stderr.contains("must hold one line") && bad.stderr.contains("from LIAISON_SMS_WEBHOOK_AUTH_FILE"), "\(bad)")
    }
}
