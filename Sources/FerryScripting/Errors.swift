import FerryCore

/// A step failed (or its input or output was not valid JSON) on one document.
///
/// `description` reads like
/// `document 42: step 2.0→3.0 (recipes/blog_posts/steps/v2_to_v3.lua:17): attempt to index a nil value (field 'author')`.
public struct TransformError: UserFacingError {
    public enum Kind: String, Sendable, Hashable {
        case luaError, badReturnType, decode, encode, memoryLimit, timeLimit
    }

    public let kind: Kind
    /// nil for `roundTrip`, which has no document.
    public let documentID: String?
    /// 0-based position in the chain of the failing step; nil when no step ran (decoding `_source`).
    public let stepIndex: Int?
    /// "2.0→3.0"
    public let step: String?
    public let scriptPath: String?
    /// The line in `scriptPath`, when the error happened in that file.
    public let line: Int?
    /// Lua's message (usually "path:line: ...") or the bridge's.
    public let message: String

    public init(kind: Kind, documentID: String?, stepIndex: Int?, step: String?, scriptPath: String?, message: String) {
        self.kind = kind
        self.documentID = documentID
        self.stepIndex = stepIndex
        self.step = step
        self.scriptPath = scriptPath
        self.message = message
        self.line = scriptPath.flatMap { splitLocation(message, in: $0)?.line }
    }

    public var description: String {
        var out = documentID.map { "document \($0): " } ?? ""
        guard let step, let scriptPath else {
            switch kind {
            case .decode where documentID != nil: out += "_source is not valid JSON: \(message)"
            case .memoryLimit where documentID != nil: out += "decoding _source: \(message)"
            default: out += message
            }
            return out
        }
        if kind == .badReturnType {
            return out + "step \(step) (\(scriptPath)) \(message)"
        }
        if let located = splitLocation(message, in: scriptPath) {
            return out + "step \(step) (\(scriptPath):\(located.line)): \(located.rest)"
        }
        return out + "step \(step) (\(scriptPath)): \(message)"
    }

    public var hint: String? {
        switch kind {
        case .badReturnType: "end the step with `return doc`, or `return nil` to drop the document"
        case .memoryLimit: "the step (or the document) needs more memory than the sandbox allows; look for runaway string or table growth, or raise the memory limit"
        case .timeLimit: "the step ran longer than the per-document time limit; look for an endless loop, or raise the time limit"
        case .encode: "JSON needs string keys (objects) or keys 1..n (arrays); use ferry.null for null and ferry.array{} / ferry.object{} for empty containers"
        default: nil
        }
    }
}

/// A script (step, module or manifest) failed to load or run outside a document, e.g.
/// `recipes/x/steps/a.lua:3: syntax error near 'end'`.
public struct ScriptError: UserFacingError {
    public enum Kind: String, Sendable, Hashable {
        case fileNotReadable, syntax, runtime, badReturn, encode, memoryLimit, timeLimit, engine
    }

    public let kind: Kind
    /// The file being loaded or evaluated ("" for engine-level failures).
    public let path: String
    /// The line in `path`, when the error happened in that file.
    public let line: Int?
    public let message: String

    public init(kind: Kind, path: String, message: String) {
        self.kind = kind
        self.path = path
        self.message = message
        self.line = path.isEmpty ? nil : splitLocation(message, in: path)?.line
    }

    public var description: String {
        if path.isEmpty || message.contains(path) { return message }
        if let located = splitLocation(message, in: path) { return "\(path):\(located.line): \(located.rest)" }
        return "\(path): \(message)"
    }

    public var hint: String? {
        switch kind {
        case .badReturn: "a step file ends with `return function(doc, ctx) ... return doc end`"
        case .fileNotReadable: "check the script path in recipe.lua"
        default: nil
        }
    }
}

/// Splits Lua's "chunk:line: rest" when chunk is `path` (or Lua's "...tail" abbreviation of a long path).
func splitLocation(_ message: String, in path: String) -> (line: Int, rest: String)? {
    var search = message.startIndex
    while let colon = message[search...].firstIndex(of: ":") {
        let chunk = message[..<colon]
        var cursor = message.index(after: colon)
        let digitsStart = cursor
        while cursor < message.endIndex, message[cursor].isASCII, message[cursor].isNumber {
            cursor = message.index(after: cursor)
        }
        if cursor > digitsStart, cursor < message.endIndex, message[cursor] == ":",
            chunk == path || (chunk.hasPrefix("...") && path.hasSuffix(chunk.dropFirst(3))),
            let line = Int(message[digitsStart..<cursor])
        {
            var rest = message[message.index(after: cursor)...]
            if rest.first == " " { rest = rest.dropFirst() }
            return (line, String(rest))
        }
        if chunk.count > path.count + 3 { return nil }
        search = message.index(after: colon)
    }
    return nil
}
