import FerryCore

/// The round-trip part of a fixture: `"round_trip": true` says the steps back from `to` to
/// `from` give the input again (T⁻¹(T(doc)) = doc); `"round_trip": {"expect": {...}}`
/// gives the document the way back must produce when the recipe documents a loss.
extension Fixture {
    public enum RoundTrip: Sendable, Hashable {
        /// The way back must give the input exactly (as JSON values).
        case lossless
        /// The way back must give this document (the input minus the documented loss).
        case expect(JSONValue)
    }

    /// The document the way back must produce.
    public func roundTripExpected() -> JSONValue? {
        switch roundTrip {
        case .lossless?: return try? JSONValue.parse(input)
        case .expect(let doc)?: return doc
        case nil: return nil
        }
    }

    static func roundTrip(
        _ json: JSONValue, path: String, expectation: Expectation, from: String, to: String
    ) throws(FixtureError) -> RoundTrip? {
        guard let value = json["round_trip"], !value.isNull, value != false else { return nil }
        let roundTrip: RoundTrip
        if value == true {
            roundTrip = .lossless
        } else if let members = value.objectValue, members.count == 1, let doc = members["expect"], doc.objectValue != nil {
            roundTrip = .expect(doc)
        } else {
            throw FixtureError(path, "'round_trip' must be true (the way back gives the input) or {\"expect\": {document}} (the way back gives this document)")
        }
        guard case .output = expectation else {
            throw FixtureError(path, "'round_trip' needs \"expected\": the way back from \(to) to \(from) starts from the output document")
        }
        guard from != to else {
            throw FixtureError(path, "'round_trip' needs different 'from' and 'to' versions")
        }
        return roundTrip
    }
}
