/// A request rewrite that lets osmem answer a `range` on `_seq_no`: osmem answers such a range
/// with zero hits, but evaluates `doc['_seq_no']` in a script query, so the proxy turns every
/// `{"range": {"_seq_no": {...}}}` in a search or count body into the equivalent script. The
/// documents still come from osmem; only the query's spelling changes on the way.
import FerryCore

extension FaultAction {
    public static let seqNoRangeAsScript = FaultAction.rewriteRequest { body in
        guard body.count < 1 << 20, let json = try? JSONValue.parse(body) else { return }
        let rewritten = SeqNoRangeRewrite.rewrite(json)
        if rewritten != json { body = rewritten.serializedBytes() }
    }
}

enum SeqNoRangeRewrite {
    static func rewrite(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let members):
            if members.count == 1, let range = members["range"]?["_seq_no"]?.objectValue, let script = script(range) {
                return script
            }
            return .object(members.mapValues(rewrite))
        case .array(let items):
            return .array(items.map(rewrite))
        default:
            return value
        }
    }

    private static func script(_ range: [String: JSONValue]) -> JSONValue? {
        let operators = ["gt": ">", "gte": ">=", "lt": "<", "lte": "<="]
        var clauses: [String] = []
        var params: [String: JSONValue] = [:]
        for (key, bound) in range.sorted(by: { $0.key < $1.key }) {
            guard let op = operators[key], let number = bound.intValue else { return nil }
            clauses.append("doc['_seq_no'].value \(op) params.\(key)")
            params[key] = .int(number)
        }
        guard !clauses.isEmpty else { return nil }
        return ["script": ["script": ["source": .string(clauses.joined(separator: " && ")), "params": .object(params)]]]
    }
}
