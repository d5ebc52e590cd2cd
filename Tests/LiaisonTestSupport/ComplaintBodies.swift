import Foundation

/// Complaint bodies as a mini-program backend posts them.
public enum ComplaintBody {
    /// A complaint filed at West Lake (西湖区 330106) by `phone`, with `changes` merged in
    /// (an `NSNull` value removes a key).
    public static func object(phone: String = "13800138000", mode: String = "offline",
                              _ changes: [String: Any] = [:]) -> [String: Any] {
        var body: [String: Any] = [
            "location": ["lat": 30.259, "lng": 120.13],
            "consumer": ["name": "张三", "phone": phone],
            "merchant": ["name": "某某超市"],
            "category": "price",
            "description": "多收费",
            "preferred_mode": mode,
        ]
        for (key, value) in changes { body[key] = value is NSNull ? nil : value }
        return body
    }

    /// The same, as JSON bytes (keys sorted: the same body is the same bytes, for idempotent replays).
    public static func json(phone: String = "13800138000", mode: String = "offline",
                            _ changes: [String: Any] = [:]) -> Data {
        try! JSONSerialization.data(withJSONObject: object(phone: phone, mode: mode, changes), options: [.sortedKeys])
    }
}
