import Foundation
import LiaisonCore
import Testing
import LiaisonTestSupport

/// One rule for typed text in every body: NFC on the way in; NUL, controls and bidirectional
/// overrides refused with the field named; and nothing raw on a terminal.
@Suite struct FreeTextTests {
    static let refused: [(String, String)] = [
        ("\u{0}abc", "U+0000"), ("ab\u{7}c", "U+0007"), ("ab\u{1B}[2Jc", "U+001B"), ("a\u{85}b", "U+0085"),
        ("付款\u{202E}元001", "U+202E"), ("\u{2066}x\u{2069}", "U+2066"),
    ]

    @Test(arguments: ["description", "consumer.name", "merchant.name", "merchant.address"])
    func intakeRefusesControlAndBidiCharactersNamingTheField(field: String) throws {
        for (text, code) in Self.refused {
            var body = ComplaintBody.object()
            let parts = field.split(separator: ".").map(String.init)
            if parts.count == 1 {
                body[field] = text
            } else {
                var inner = body[parts[0]] as? [String: Any] ?? [:]
                inner[parts[1]] = text
                body[parts[0]] = inner
            }
            let data = try JSONSerialization.data(withJSONObject: body)
            #expect { try ComplaintIntake.validate(data) } throws: { error in
                let parameters = (error as? InvalidInput)?.parameters ?? []
                return parameters.contains { $0.name == field && $0.reason.contains(code) && $0.reason.contains("bidirectional") }
            }
        }
    }

    @Test func tabsAndLineBreaksAreAllowedAndTextIsStoredInNFC() throws {
        let decomposed = "Cafe\u{301} 超市"   // é as e + combining acute
        let body = ComplaintBody.json(["description": "第一行\n第二行\t(附图)", "merchant": ["name": decomposed]])
        let intake = try ComplaintIntake.validate(body)
        #expect(intake.description == "第一行\n第二行\t(附图)")
        #expect(intake.merchantName == "Caf\u{E9} 超市" && Array(intake.merchantName.unicodeScalars) == Array("Caf\u{E9} 超市".unicodeScalars))   // String == compares canonically: count the scalars
    }

    @Test func staffNotesConsumerCommentsAndEnterpriseAnswersFollowTheRule() throws {
        #expect { try StaffCommand.validate(Data(#"{"action":"fail","note":"协商\u202e失败"}"#.utf8)) } throws: {
            ($0 as? InvalidInput)?.parameters.contains { $0.name == "note" && $0.reason.contains("U+202E") } == true
        }
        #expect { try ConsumerCommand.feedback(Data(#"{"satisfaction":5,"comment":"好\u0000"}"#.utf8)) } throws: {
            ($0 as? InvalidInput)?.parameters.contains { $0.name == "comment" && $0.reason.contains("U+0000") } == true
        }
        #expect { try EnterpriseCommand.validate(Data(#"{"reason":"\u001b[31m"}"#.utf8), action: .decline) } throws: {
            ($0 as? InvalidInput)?.parameters.contains { $0.name == "reason" } == true
        }
        if case .withdraw(let reason) = try ConsumerCommand.withdraw(Data(#"{"reason":"不想投诉了 e\u0301"}"#.utf8)) {
            #expect(reason == "不想投诉了 \u{E9}")
        } else {
            Issue.record("withdraw did not parse")
        }
    }

    @Test func aStationNameOrStaffMemberWithAControlCharacterIsNamed() throws {
        let feature = try #require(Geodata.snapshot.activeStations.first)
        var properties = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(StationFeature(feature))) as? [String: Any])
        var inner = try #require(properties["properties"] as? [String: Any])
        inner["name"] = "联络站\u{202E}"
        properties["properties"] = inner
        let bad = try JSONDecoder().decode(StationFeature.self, from: JSONSerialization.data(withJSONObject: properties))
        #expect { try bad.validated(counties: Geodata.locator) } throws: {
            ($0 as? InvalidInput)?.parameters.contains { $0.name == "properties.name" && $0.reason.contains("U+202E") } == true
        }
    }

    @Test func printableEscapesWhatCouldMoveTheCursorOrReorderALine() {
        #expect(FreeText.printable("a\u{1B}[2Jb\u{202E}c\rd\te\nf") == #"a\u001B[2Jb\u202Ec\u000Dd\u0009e"# + "\nf")
        #expect(FreeText.printable("联络站 ok") == "联络站 ok")
        // JSON stays JSON: the escapes are JSON's own.
        let printed = FreeText.printable(#"{"name":"x"# + "\u{202E}" + #"y"}"#)
        #expect((try? JSONSerialization.jsonObject(with: Data(printed.utf8)) as? [String: String])?["name"] == "x\u{202E}y")
    }
}
