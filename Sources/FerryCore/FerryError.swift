/// An error a user can act on: one line that names the thing (file:line, index, document id,
/// HTTP status and the cluster's error type), plus an optional hint on what to do next.
public protocol UserFacingError: Error, CustomStringConvertible {
    /// Optional advice, printed on its own line after the message.
    var hint: String? { get }
}

extension UserFacingError {
    public var hint: String? { nil }
}

/// A generic error with context, for failures that have no richer type of their own.
public struct FerryError: UserFacingError {
    public let description: String
    public let hint: String?

    public init(_ description: String, hint: String? = nil) {
        self.description = description
        self.hint = hint
    }
}
