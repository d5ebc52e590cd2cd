import HTTPTypes
import LiaisonCore
import LiaisonHTTP
import Testing

/// Domain errors become problems in one place (`Problem.init(_:)`), by the kind of refusal each declares.
@Suite struct ProblemMappingTests {
    @Test(arguments: [
        (InvalidInput(name: "lat", reason: "is required") as any DomainError, 400, "invalid-parameters", ["lat"]),
        (NotFound(what: "station", id: "330106-9999"), 404, "not-found", []),
        (IllegalTransition(number: "ZJ-20260101-000001", status: .closed, action: .accept, allowed: []), 409, "illegal-transition", []),
    ])
    func eachRefusalHasItsStatusAndType(_ error: any DomainError, _ status: Int, _ kind: String, _ names: [String]) {
        let problem = Problem(error)
        #expect(Int(problem.status.code) == status)
        #expect(problem.kind == kind)
        #expect(problem.detail == error.description)
        #expect(problem.invalidParameters.map(\.name) == names)
    }
}
