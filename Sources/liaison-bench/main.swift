import Foundation
import Geodesy
import StationIndex

var rng = SystemRandomNumberGenerator()
func stations(_ n: Int) -> [IndexedStation] {
    (0..<n).map { i in IndexedStation(id: String(format: "%07d", i), location: Coordinate(latitude: .random(in: 27.0...31.2), longitude: .random(in: 118.0...123.2)), modeMask: 1, countyCode: 0) }
}
for n in [2045, 1_000_000] {
    let s = stations(n)
    let t0 = ContinuousClock.now
    let index = StationIndex(s)
    print("build", n, ContinuousClock.now - t0)
    let qs = (0..<20000).map { _ in Coordinate(latitude: .random(in: 27.0...31.2), longitude: .random(in: 118.0...123.2)) }
    var evals = 0
    var times: [Double] = []
    for q in qs {
        let t = ContinuousClock.now
        let r = index.nearest(to: q, limit: 5, geodesicEvaluations: &evals)
        times.append(Double((ContinuousClock.now - t).components.attoseconds) / 1e12)
        precondition(r.count == 5)
    }
    times.sort()
    print(n, "median us", times[times.count/2], "p99", times[times.count*99/100], "evals", Double(evals)/Double(qs.count))
}
