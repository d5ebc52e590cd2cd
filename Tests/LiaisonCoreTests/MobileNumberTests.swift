import LiaisonCore
import Testing

@Suite struct MobileNumberTests {
    @Test(arguments: [
        ("13800138000", "13800138000"),
        ("+8613800138000", "13800138000"),
        ("+86 138-0013-8000", "13800138000"),
        ("0086 13800138000", "13800138000"),
        ("008613800138000", "13800138000"),
        ("138 0013 8000", "13800138000"),
        ("138-0013-8000", "13800138000"),
        (" 19900000012 ", "19900000012"),
        ("19912345678", "19912345678"),
        ("13000000000", "13000000000"),
        // Full-width forms, as Chinese keyboards type them: digits, plus, ideographic space, dash.
        ("１３８００１３８０００", "13800138000"),
        ("＋８６　１３８－００１３－８０００", "13800138000"),
        ("００８６１３８００１３８０００", "13800138000"),
        ("138　0013　8000", "13800138000"),
    ])
    func acceptedFormsNormaliseToElevenDigits(_ input: String, _ expected: String) {
        #expect(MobileNumber.normalized(input) == expected)
    }

    @Test(arguments: [
        "138001380001",     // 12 digits
        "1380013800",       // 10 digits
        "23800138000",      // leading 2
        "12800138000",      // second digit 2: no such prefix
        "11800138000",
        "1234",
        "",
        "+86",
        "8613800138000",    // country code without + or 00
        "+85213800138000",  // Hong Kong prefix
        "1380013800a",
        "138.0013.8000",
        "١٣٨٠٠١٣٨٠٠٠",      // Arabic-Indic digits
        "①③⑧⓪⓪①③⑧⓪⓪⓪",    // circled digits: NFKC would make them digits, but no keyboard types them for a phone
        "１３８００１３８０００１", // full-width, but 12 digits
        "+86 +86 13800138000",
    ])
    func rejectedForms(_ input: String) {
        #expect(MobileNumber.normalized(input) == nil, "\(input) was accepted")
    }

    @Test func maskedShowsThreeAndFourDigits() {
        #expect(MobileNumber.masked("13812345678") == "138****5678")
        #expect(MobileNumber.masked("19900000012") == "199****0012")
    }

    /// Something that is not an 11-digit number is hidden entirely rather than half-shown.
    @Test func maskedHidesAnythingElse() {
        #expect(MobileNumber.masked("1234") == "****")
        #expect(MobileNumber.masked("") == "")
        #expect(!MobileNumber.masked("+8613812345678").contains("1381234"))
    }
}
