import Geodesy

/// An immutable spatial index over stations that answers k-nearest queries exactly.
///
/// Exact means: the answer is the one ``BruteForce/nearest(in:to:limit:withinMeters:filter:)``
/// gives, the same ids in the same order with bit-identical WGS-84 geodesic distances
/// (ties broken by id).
///
/// How: the stations are kept as ECEF points in a 3-D k-d tree whose nodes carry tight
/// bounding boxes. A query walks the tree best-first by *chord* (straight 3-D distance),
/// and computes the geodesic only for stations whose chord could still beat the answer.
///
/// Why that is exact: for two points on the ellipsoid, chord ≤ geodesic, because the
/// geodesic is a curve between the two points and no curve between two points in space is
/// shorter than the straight segment. The distance from the query to a node's box is
/// ≤ the chord to any station inside it. So once the next item to expand has a lower bound
/// strictly greater than the k-th best geodesic found (or the radius), every station not
/// yet evaluated is strictly farther than the k-th best and cannot enter the answer, not
/// even by a tie. Lower bounds are reduced by ``roundingSlackMeters`` to absorb floating-point
/// error in the chord (≈1e-9 m) and in GeographicLib's geodesic (≈1.5e-8 m).
///
/// Cost: near the surface, geodesic/chord − 1 ≈ d²/(24 R²) (1e-7 at 10 km), so stations
/// leave the heap in very nearly geodesic order and a k-nearest query evaluates about k
/// geodesics.
public struct StationIndex: Sendable {
    /// Stations in the order given to `init`; ``Neighbor/entry`` indexes this array.
    public let stations: [IndexedStation]

    /// Slack subtracted from every chord lower bound, metres.
    public static let roundingSlackMeters = 1e-6

    /// k-d tree node: a tight box around its points and the slot range they occupy.
    struct Node {
        var minX, minY, minZ, maxX, maxY, maxZ: Double
        var start, end: Int32
        /// Child nodes; `left < 0` marks a leaf.
        var left, right: Int32

        @inline(__always)
        func squaredDistance(to q: ECEF) -> Double {
            let dx = max(0, minX - q.x, q.x - maxX)
            let dy = max(0, minY - q.y, q.y - maxY)
            let dz = max(0, minZ - q.z, q.z - maxZ)
            return dx * dx + dy * dy + dz * dz
        }
    }

    let nodes: [Node]
    /// Per tree slot: the ECEF point, its station's position in `stations`, and copies of
    /// the filter fields so a leaf scan touches one contiguous array.
    let points: [ECEF]
    let slotEntry: [Int32]
    let slotModes: [UInt8]
    let slotCounty: [Int32]

    /// Number of stations indexed.
    public var count: Int { stations.count }

    /// Bytes held by the index's own arrays (the tree, ECEF points and per-slot copies),
    /// not counting the `stations` array it was given.
    public var footprintBytes: Int {
        nodes.capacity * MemoryLayout<Node>.stride + points.capacity * MemoryLayout<ECEF>.stride
            + slotEntry.capacity * 4 + slotModes.capacity + slotCounty.capacity * 4
    }

    /// Builds the index; O(n log n).
    ///
    /// - Parameter leafSize: stations per leaf; 8 suits both 2,000 and 1,000,000 stations.
    public init(_ stations: [IndexedStation], leafSize: Int = 8) {
        self.stations = stations
        var order = Array(0..<Int32(stations.count))
        var ecef = stations.map { ECEF($0.location) }
        var nodes: [Node] = []
        nodes.reserveCapacity(2 * stations.count / max(leafSize, 1) + 1)
        if !stations.isEmpty {
            Self.build(&nodes, &order, &ecef, 0, stations.count, leafSize: max(leafSize, 1))
        }
        self.nodes = nodes
        self.points = ecef
        self.slotEntry = order
        self.slotModes = order.map { stations[Int($0)].modeMask }
        self.slotCounty = order.map { stations[Int($0)].countyCode }
    }

    /// Builds the subtree over slots `start..<end`, splitting at the median of the widest axis.
    @discardableResult
    private static func build(_ nodes: inout [Node], _ order: inout [Int32], _ ecef: inout [ECEF], _ start: Int, _ end: Int, leafSize: Int) -> Int32 {
        var node = Node(minX: .infinity, minY: .infinity, minZ: .infinity,
                        maxX: -.infinity, maxY: -.infinity, maxZ: -.infinity,
                        start: Int32(start), end: Int32(end), left: -1, right: -1)
        for i in start..<end {
            let p = ecef[i]
            node.minX = min(node.minX, p.x); node.maxX = max(node.maxX, p.x)
            node.minY = min(node.minY, p.y); node.maxY = max(node.maxY, p.y)
            node.minZ = min(node.minZ, p.z); node.maxZ = max(node.maxZ, p.z)
        }
        let index = Int32(nodes.count)
        nodes.append(node)
        guard end - start > leafSize else { return index }

        let extents = [node.maxX - node.minX, node.maxY - node.minY, node.maxZ - node.minZ]
        let axis = extents.indices.max { extents[$0] < extents[$1] }!
        let mid = (start + end) / 2
        select(&order, &ecef, start, end - 1, mid, axis: axis)
        let left = build(&nodes, &order, &ecef, start, mid, leafSize: leafSize)
        let right = build(&nodes, &order, &ecef, mid, end, leafSize: leafSize)
        nodes[Int(index)].left = left
        nodes[Int(index)].right = right
        return index
    }

    /// Quickselect: after it, slot `k` holds the value it would hold if `lo...hi` were sorted on `axis`.
    private static func select(_ order: inout [Int32], _ ecef: inout [ECEF], _ lo: Int, _ hi: Int, _ k: Int, axis: Int) {
        func key(_ i: Int) -> Double { axis == 0 ? ecef[i].x : axis == 1 ? ecef[i].y : ecef[i].z }
        func swapAt(_ i: Int, _ j: Int) { order.swapAt(i, j); ecef.swapAt(i, j) }
        var lo = lo, hi = hi
        while hi > lo {
            // Median of three as pivot keeps sorted or clustered input from going quadratic.
            let m = (lo + hi) / 2
            if key(m) < key(lo) { swapAt(m, lo) }
            if key(hi) < key(lo) { swapAt(hi, lo) }
            if key(hi) < key(m) { swapAt(hi, m) }
            let pivot = key(m)
            var i = lo, j = hi
            while i <= j {
                while key(i) < pivot { i += 1 }
                while key(j) > pivot { j -= 1 }
                if i <= j { swapAt(i, j); i += 1; j -= 1 }
            }
            if k <= j { hi = j } else if k >= i { lo = i } else { return }
        }
    }

    /// The `limit` stations nearest to `query` that pass `filter`, optionally within a radius.
    ///
    /// ```swift
    /// let five = index.nearest(to: westLake, limit: 5)
    /// ```
    /// - Parameters:
    ///   - query: WGS-84.
    ///   - limit: how many to return at most.
    ///   - radius: only stations at most this many metres away (geodesic); `.infinity` for all.
    ///   - filter: required modes and county.
    /// - Returns: neighbours ordered by (distance, id), at most `limit` of them.
    public func nearest(to query: Coordinate, limit: Int, withinMeters radius: Double = .infinity, filter: StationFilter = .all) -> [Neighbor] {
        var evaluations = 0
        return nearest(to: query, limit: limit, withinMeters: radius, filter: filter, geodesicEvaluations: &evaluations)
    }

    /// ``nearest(to:limit:withinMeters:filter:)`` that also counts geodesic evaluations (for benchmarks).
    public func nearest(to query: Coordinate, limit: Int, withinMeters radius: Double = .infinity, filter: StationFilter = .all, geodesicEvaluations: inout Int) -> [Neighbor] {
        guard limit > 0, !nodes.isEmpty else { return [] }
        let q = ECEF(query)
        let slack = Self.roundingSlackMeters
        var best: [Neighbor] = []
        best.reserveCapacity(limit + 1)
        var heap = MinHeap()
        heap.push(key: nodes[0].squaredDistance(to: q).squareRoot(), ref: 0)

        // Everything strictly farther than this can be dropped.
        func bound() -> Double { best.count == limit ? min(best[limit - 1].distanceMeters, radius) : radius }

        while let item = heap.pop() {
            if item.key - slack > bound() { break }
            if item.ref < 0 {
                let slot = Int(-item.ref - 1)
                let entry = Int(slotEntry[slot])
                let station = stations[entry]
                let leg = Geodesic.wgs84.inverse(from: query, to: station.location)
                geodesicEvaluations += 1
                guard leg.distanceMeters <= radius else { continue }
                let candidate = Neighbor(entry: entry, id: station.id, distanceMeters: leg.distanceMeters, bearingDegrees: leg.initialBearingDegrees)
                if best.count == limit {
                    guard Neighbor.precedes(candidate, best[limit - 1]) else { continue }
                    best.removeLast()
                }
                var at = best.count
                while at > 0, Neighbor.precedes(candidate, best[at - 1]) { at -= 1 }
                best.insert(candidate, at: at)
                continue
            }
            let node = nodes[Int(item.ref)]
            let limitBound = bound()
            if node.left < 0 {
                for slot in Int(node.start)..<Int(node.end)
                where filter.accepts(modeMask: slotModes[slot], countyCode: slotCounty[slot]) {
                    let chord = points[slot].squaredDistance(to: q).squareRoot()
                    if chord - slack <= limitBound { heap.push(key: chord, ref: -Int32(slot) - 1) }
                }
            } else {
                let left = nodes[Int(node.left)].squaredDistance(to: q).squareRoot()
                if left - slack <= limitBound { heap.push(key: left, ref: node.left) }
                let right = nodes[Int(node.right)].squaredDistance(to: q).squareRoot()
                if right - slack <= limitBound { heap.push(key: right, ref: node.right) }
            }
        }
        return best
    }
}

/// A binary min-heap of (lower bound, node or slot) for the best-first walk.
/// `ref >= 0` is a node index, `ref < 0` is slot `-ref - 1`.
struct MinHeap {
    struct Item {
        var key: Double
        var ref: Int32
    }

    private var items: [Item] = []

    init() { items.reserveCapacity(64) }

    mutating func push(key: Double, ref: Int32) {
        items.append(Item(key: key, ref: ref))
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard items[child].key < items[parent].key else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> Item? {
        guard let top = items.first else { return nil }
        let last = items.removeLast()
        guard !items.isEmpty else { return top }
        items[0] = last
        var parent = 0
        let n = items.count
        while true {
            let left = 2 * parent + 1
            guard left < n else { break }
            let right = left + 1
            let child = right < n && items[right].key < items[left].key ? right : left
            guard items[child].key < items[parent].key else { break }
            items.swapAt(child, parent)
            parent = child
        }
        return top
    }
}
