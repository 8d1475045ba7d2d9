/// Printing a parsed document with its numbers' own digits: the parser holds an integer
/// beyond 64 bits as a double, and `--json` output must not print 18446744073709551615 as
/// 1.8446744073709552e+19.
extension JSONValue {
    /// This value with every integer that a double holds (beyond 64 bits) replaced by its
    /// text from `numbers` (`NumberLiterals.scan` of the bytes this value was parsed from).
    public func withNumberTexts(_ numbers: [JSONPath: String]) -> JSONValue {
        guard !numbers.isEmpty else { return self }
        return replacingNumbers(numbers, at: .root)
    }

    /// Parses `bytes` and keeps big integers' digits (`withNumberTexts`), for output.
    public static func parseForOutput(_ bytes: some Collection<UInt8>) -> JSONValue? {
        let bytes = Array(bytes)
        guard let value = try? JSONValue.parse(bytes) else { return nil }
        return value.withNumberTexts(NumberLiterals.scan(bytes))
    }

    private func replacingNumbers(_ numbers: [JSONPath: String], at path: JSONPath) -> JSONValue {
        switch self {
        case .double:
            guard let text = numbers[path], NumberText(text)?.isIntegerLiteral == true else { return self }
            return .number(text)
        case .array(let items):
            return .array(items.enumerated().map { $1.replacingNumbers(numbers, at: path.appending($0)) })
        case .object(let members):
            return .object(Dictionary(uniqueKeysWithValues: members.map { ($0, $1.replacingNumbers(numbers, at: path.appending($0))) }))
        default:
            return self
        }
    }
}
