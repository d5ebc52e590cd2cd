import ArgumentParser
import Foundation
import LiaisonCore
import LiaisonStore

extension Liaison {
    struct Calendar: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "calendar",
            abstract: "The working-day calendar: show a year, import a year's official holiday schedule.",
            discussion: """
                The official schedules of 2025-2026 ship in geodata/working-calendar.json; after them the law decides \\
                (geodata/statutory-holidays.json: weekends and the 13 statutory days off) and deadlines counted so are \\
                provisional until the year's notice is imported.
                """,
            subcommands: [Show.self, Import.self])
    }
}

extension Liaison.Calendar {
    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "A year's days off and worked weekend days, each with its source (notice, imported notice, law).")
        @Argument(help: "The year, 2025 to 2100.") var year: Int
        @Flag(help: "Every day of the year, not only the exceptions to Monday-Friday.") var all = false
        @Option(help: "table or json.") var format = OutputFormat.table
        @OptionGroup var store: StoreOptions

        func run() throws {
            let calendar = try store.services().serviceLevels
            let days = try storeCall(flags: ["year": "YEAR"]) { try calendar.calendarYear(year) }
            let shown = all ? days : days.filter { $0.working == $0.day.weekday.isWeekend || $0.name != nil }
            switch format {
            case .json:
                struct Day: Encodable { let date: String; let working: Bool; let source: String; let name: String? }
                try printJSON(shown.map { Day(date: $0.day.description, working: $0.working, source: $0.source, name: $0.name) })
            case .table:
                let sources = Set(days.map(\.source)).sorted().joined(separator: ", ")
                print("\(year): \(days.filter(\.working).count) working days; source: \(sources)")
                print(Table.render(["DATE", "WEEKDAY", "", "NAME", "SOURCE"], shown.map {
                    [$0.day.description, "\($0.day.weekday)", $0.working ? "worked" : "off", $0.name ?? "", $0.source]
                }))
            }
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract: "Import a year's official holiday schedule (JSON) and recompute the provisional deadlines it settles.",
            discussion: """
                The file: {"year": 2027, "source": "国办发明电〔2026〕N号", "holidays": [{"from": "2027-01-01", "to": "2027-01-03", \\
                "name": "元旦"}, ...], "adjusted_working_days": [{"date": "2027-02-14", "name": "春节"}]}. It is checked (dates in \\
                that year, worked days on weekends, every statutory day off) and stored in the database, and in the same \\
                transaction every open complaint's provisional deadline is counted again: a date that moves gets a \\
                deadline_update event and a text to the consumer. Importing the same notice again changes nothing.
                """)
        @Argument(help: "The notice's JSON file.") var file: String
        @OptionGroup var store: StoreOptions

        func run() throws {
            let data: Data
            do { data = try Data(contentsOf: URL(fileURLWithPath: file)) } catch {
                throw lateUsageError("FILE: cannot read \(file): \(error.localizedDescription)")
            }
            let calendar = try store.services().serviceLevels
            let result = try storeCall { try calendar.importNotice(data, by: cliActor().name) }
            guard result.changed else {
                print("\(result.year): the same notice is already imported; nothing changed")
                return
            }
            print("\(result.year): notice imported; \(result.examined) open complaints with provisional deadlines examined, \(result.moved.count) moved"
                  + (result.moved.isEmpty ? "" : ": " + result.moved.joined(separator: ", ")))
        }
    }
}
