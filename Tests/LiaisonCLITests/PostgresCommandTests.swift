import Foundation
import LiaisonTestSupport
import Testing

/// `--db postgres://…`: the lookups answer from PostgreSQL exactly what they answer from the
/// SpatiaLite file, tokens and complaints are kept there, and `migrate` copies a store whole
/// between the two kinds.
@Suite struct PostgresCommandTests {
    @Test func lookupsAnswerTheSameFromPostgres() async throws {
        let sandbox = try Sandbox(databases: ["x.sqlite"])
        let url = try ScratchPostgres.newDatabase("cli")
        let lookups = [
            ["nearest", "--lat", "30.259", "--lng", "120.13", "--limit", "5"],
            ["nearest", "--lat", "30.2565", "--lng", "120.1365", "--coordsys", "gcj02", "--mode", "video", "--format", "json"],
            ["where", "--lat", "29.87", "--lng", "121.55", "--format", "json"],
            ["stations", "list", "--county", "330106"],
            ["stations", "show", "330102-0001"],
        ]
        for arguments in lookups {
            let fromFile = try await sandbox.run(arguments + ["--db", sandbox.path("x.sqlite")])
            let fromPostgres = try await sandbox.run(arguments + ["--db", url])
            #expect(fromFile.status == 0 && !fromFile.stdout.isEmpty, "\(fromFile)")
            #expect(fromPostgres.status == 0, "\(fromPostgres)")
            #expect(fromPostgres.stdout == fromFile.stdout, "\(arguments)")
        }
        // Tokens: made, listed (never shown again) and revoked in PostgreSQL.
        let created = try await sandbox.run(["tokens", "create", "--name", "xihu-1", "--role", "county:330106", "--db", url])
        #expect(created.status == 0 && created.stdout.hasPrefix("lst_"), "\(created)")
        let unknownCounty = try await sandbox.run(["tokens", "create", "--name", "x", "--role", "county:999999", "--db", url])
        #expect(unknownCounty.status == 64, "\(unknownCounty)")
        let listed = try await sandbox.run(["tokens", "list", "--db", url])
        #expect(listed.stdout.contains("xihu-1") && listed.stdout.contains("county:330106") && !listed.stdout.contains("lst_"), "\(listed)")
        #expect(try await sandbox.run(["tokens", "revoke", "xihu-1", "--db", url]).status == 0)
        #expect(try await sandbox.run(["tokens", "revoke", "xihu-1", "--db", url]).status == 1)

        let listedComplaints = try await sandbox.run(["complaints", "list", "--db", url])
        #expect(listedComplaints.status == 0, "\(listedComplaints)")
        let countiesFile = Repository.geodata.appendingPathComponent("zhejiang-counties.geojson").path
        let refused = try await sandbox.run(["import", countiesFile, "--db", url])
        #expect(refused.status == 64 && refused.stderr.contains("SpatiaLite file only"), "\(refused)")
        let badURL = try await sandbox.run(["nearest", "--lat", "30", "--lng", "120", "--db", "postgres://nouser/x"])
        #expect(badURL.status == 64 && badURL.stderr.contains("--db: no user"), "\(badURL)")
    }

    /// SpatiaLite → PostgreSQL → SpatiaLite: every table's digest agrees at each step, the
    /// export is byte-identical, and filing goes on where it left off on every copy.
    @Test func migrateCopiesAStoreWholeBothWays() async throws {
        let sandbox = try Sandbox(databases: ["a.sqlite"])
        let a = sandbox.path("a.sqlite"), b = sandbox.path("b.sqlite")
        let url = try ScratchPostgres.newDatabase("migrate")
        let file = ["complaints", "submit", "--lat", "30.259", "--lng", "120.13", "--name", "张三", "--merchant", "某某超市",
                    "--category", "price", "--description", "多收费", "--mode", "offline"]
        for phone in ["13800000001", "13800000002"] {
            #expect(try await sandbox.run(file + ["--phone", phone, "--db", a]).status == 0)
        }
        #expect(try await sandbox.run(["tokens", "create", "--name", "ops-1", "--role", "admin", "--db", a]).status == 0)
        #expect(try await sandbox.run(["stations", "retire", "330106-0002", "--reason", "并村", "--db", a]).status == 0)

        let forward = try await sandbox.run(["migrate", "--db", a, "--to", url])
        #expect(forward.status == 0 && forward.stdout.contains("copied and verified"), "\(forward)")
        let counts = Dictionary(forward.stdout.split(separator: "\n").compactMap { line -> (String, String)? in
            let words = line.split(separator: " ")
            return words.count == 4 && words[2] == "sha256" ? (String(words[0]), String(words[1])) : nil
        }, uniquingKeysWith: { first, _ in first })
        #expect(counts["complaints"] == "2" && counts["tokens"] == "1" && counts["complaint_assignments"] == "2", "\(forward.stdout)")
        // The copies hold the source's key fingerprint: their servers need the source's key file.
        let key = a + ".tracking-key"
        let back = try await sandbox.run(["migrate", "--db", url, "--to", b, "--tracking-key", key])
        #expect(back.stderr.contains("copied to \(b).tracking-key"), "\(back)")
        #expect(back.status == 0 && back.stdout == forward.stdout, "\(back)")
        for format in ["geojson", "csv"] {
            let exports = try await [a, url, b].asyncMap { try await sandbox.run(["export", "--format", format, "--db", $0]).stdout }
            #expect(!exports[0].isEmpty && exports[1] == exports[0] && exports[2] == exports[0], "\(format)")
        }
        // The copies go on numbering where the source stopped.
        let keyless = try await sandbox.run(file + ["--phone", "13800000003", "--db", url])
        #expect(keyless.status == 64 && keyless.stderr.contains("is not the key this database's tracking tokens were derived under"), "\(keyless)")
        for db in [url, b] {
            let next = try await sandbox.run(file + ["--phone", "13800000003", "--db", db] + (db == url ? ["--tracking-key", key] : []))
            #expect(next.status == 0 && next.stdout.contains("-000003\""), "\(next)")
        }

        // Into a store that is not empty, or between two of a kind: refused, nothing written.
        let again = try await sandbox.run(["migrate", "--db", a, "--to", url])
        #expect(again.status == 64 && again.stderr.contains("already holds a register"), "\(again)")
        let sameKind = try await sandbox.run(["migrate", "--db", a, "--to", sandbox.path("c.sqlite")])
        #expect(sameKind.status == 64 && sameKind.stderr.contains("--to:"), "\(sameKind)")
        #expect(!FileManager.default.fileExists(atPath: sandbox.path("c.sqlite")))
    }
}

extension PostgresCommandTests {
    /// A copy that arrives altered is refused after the comparison, and the target stays as it
    /// was. The target is made empty by truncating a store `migrate` filled (its schema and
    /// migrations stay), and a trigger renames one station on the way in.
    @Test func aCopyThatDoesNotMatchTheSourceWritesNothing() async throws {
        let sandbox = try Sandbox(databases: ["a.sqlite"])
        let a = sandbox.path("a.sqlite")
        let url = try ScratchPostgres.newDatabase("mismatch")
        let first = try await sandbox.run(["migrate", "--db", a, "--to", url])
        try #require(first.status == 0, "\(first)")
        try ScratchPostgres.execute("""
            DO $$ DECLARE t text; BEGIN
              FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = 'public'
                         AND tablename NOT IN ('liaison_migrations', 'spatial_ref_sys') LOOP
                EXECUTE 'TRUNCATE ' || quote_ident(t) || ' CASCADE';
              END LOOP;
            END $$;
            CREATE FUNCTION alter_one() RETURNS trigger LANGUAGE plpgsql AS $$
              BEGIN IF NEW.id = '330106-0001' THEN NEW.name := NEW.name || '改'; END IF; RETURN NEW; END $$;
            CREATE TRIGGER alter_one BEFORE INSERT ON stations FOR EACH ROW EXECUTE FUNCTION alter_one();
            """, in: url)
        let before = try ScratchPostgres.dump(url)
        let altered = try await sandbox.run(["migrate", "--db", a, "--to", url])
        #expect(altered.status == 1, "\(altered)")
        #expect(altered.stderr.contains("the copy does not match the source in stations (2045 rows read, 2045 written): nothing was written"), "\(altered.stderr)")
        // Rows only: a sequence's position is not transactional in PostgreSQL, so a rolled-back
        // copy still moves the `seq` columns' sequences (their next values, never rows); and
        // pg_dump wraps each dump in a fresh random \restrict key.
        func rows(_ dump: String) -> [Substring] {
            dump.split(separator: "\n").filter { !$0.contains("pg_catalog.setval") && !$0.hasPrefix("\\restrict") && !$0.hasPrefix("\\unrestrict") }
        }
        let after = try ScratchPostgres.dump(url)
        #expect(rows(after) == rows(before), "the refused copy left rows behind")
        #expect(after.contains("COPY public.stations") && !after.contains("330106-0001"), "the dump lists the tables, and no station")
    }
}

extension Array {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var out: [T] = []
        for element in self { out.append(try await transform(element)) }
        return out
    }
}
