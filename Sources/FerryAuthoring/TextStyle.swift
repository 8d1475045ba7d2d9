import Foundation

/// ANSI colours for terminal output, or none: decided once by the caller (a terminal, no
/// `--no-color`, no `NO_COLOR`, `TERM` not `dumb`).
public struct TextStyle: Sendable {
    public let colored: Bool

    public init(colored: Bool) {
        self.colored = colored
    }

    public static let plain = TextStyle(colored: false)

    /// Colours only when `fd` is a terminal and nothing asks for plain text.
    public static func forTerminal(
        _ fd: Int32, noColor: Bool, environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> TextStyle {
        let wanted = !noColor && environment["NO_COLOR"].map(\.isEmpty) ?? true && environment["TERM"] != "dumb"
        return TextStyle(colored: wanted && isatty(fd) == 1)
    }

    private func wrap(_ code: String, _ text: String) -> String {
        colored ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }

    public func red(_ s: String) -> String { wrap("31", s) }
    public func green(_ s: String) -> String { wrap("32", s) }
    public func yellow(_ s: String) -> String { wrap("33", s) }
    public func cyan(_ s: String) -> String { wrap("36", s) }
    public func bold(_ s: String) -> String { wrap("1", s) }
    public func dim(_ s: String) -> String { wrap("2", s) }
}
