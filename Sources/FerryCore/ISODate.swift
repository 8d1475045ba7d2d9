/// ISO-8601 in UTC, the one way ferry writes and reads instants (`2026-11-21T04:31:40Z`, with
/// milliseconds where the journal orders events).
import Foundation

public enum ISODate {
    /// Now, e.g. `2026-11-21T04:31:40Z` (`ctx.run_started_at`), or with milliseconds.
    public static func now(fractionalSeconds: Bool = false) -> String {
        string(from: Date(), fractionalSeconds: fractionalSeconds)
    }

    public static func string(from date: Date, fractionalSeconds: Bool = false) -> String {
        formatter(fractionalSeconds: fractionalSeconds).string(from: date)
    }

    /// Parses an instant with or without fractional seconds; nil when it is not one.
    public static func date(from text: String) -> Date? {
        formatter(fractionalSeconds: true).date(from: text) ?? formatter(fractionalSeconds: false).date(from: text)
    }

    public static func epochMilliseconds(_ text: String) -> Int64? {
        date(from: text).map { Int64($0.timeIntervalSince1970 * 1000) }
    }

    /// A new formatter per call: `ISO8601DateFormatter` is not Sendable.
    private static func formatter(fractionalSeconds: Bool) -> ISO8601DateFormatter {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = fractionalSeconds ? [.withInternetDateTime, .withFractionalSeconds] : [.withInternetDateTime]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter
    }
}
