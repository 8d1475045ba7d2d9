import FerryCluster
import FerryCore
import Foundation

/// botocore's `SigV4Auth` as the judge of ferry's AWS signatures: runs
/// scripts/sigv4-reference.py (python3 with botocore) on captured requests.
public enum BotocoreSigV4 {
    /// The header names the request's `Authorization` says were signed.
    public static func signedHeaderNames(_ request: CapturedRequest) -> [String] {
        guard let authorization = request.header("authorization"),
            let field = authorization.split(separator: " ").first(where: { $0.hasPrefix("SignedHeaders=") })
        else { return [] }
        return field.dropFirst("SignedHeaders=".count).trimmingCharacters(in: CharacterSet(charactersIn: ","))
            .split(separator: ";").map(String.init)
    }

    /// The `Authorization` botocore computes for each request: same method, target, body,
    /// X-Amz-Date and the values of the headers the request says it signed.
    public static func authorizations(for requests: [CapturedRequest], signer credentials: AWSSigV4) throws -> [String] {
        let inputs: [JSONValue] = requests.map { request in
            let headers = signedHeaderNames(request).map { name -> JSONValue in
                [.string(name), .string(request.header(name) ?? "")]
            }
            return [
                "method": .string(request.method), "host": .string(request.header("host") ?? ""),
                "target": .string(request.target), "headers": .array(headers),
                "body_base64": .string(Data(request.body).base64EncodedString()),
                "region": .string(credentials.region), "service": .string(credentials.service),
                "access_key": .string(credentials.accessKeyID), "secret_key": .string(credentials.secretAccessKey),
                "token": credentials.sessionToken.map { .string($0) } ?? .null,
                "amz_date": .string(request.header("x-amz-date") ?? ""),
            ]
        }
        let out = try runScript(JSONValue.array(inputs).serializedBytes())
        let answers = (try JSONValue.parse(out).arrayValue ?? []).compactMap(\.stringValue)
        guard answers.count == requests.count else {
            throw FerryError("scripts/sigv4-reference.py answered \(answers.count) signatures for \(requests.count) requests")
        }
        return answers
    }

    private static func runScript(_ input: [UInt8]) throws -> [UInt8] {
        let folder = NSTemporaryDirectory() + "ferry-sigv4-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // Files, not pipes: no deadlock however large the captured bodies are.
        FileManager.default.createFile(atPath: "\(folder)/in", contents: Data(input))
        FileManager.default.createFile(atPath: "\(folder)/out", contents: nil)
        FileManager.default.createFile(atPath: "\(folder)/err", contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "\(repositoryRoot)/scripts/sigv4-reference.py"]
        process.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: "\(folder)/in"))
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: "\(folder)/out"))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: "\(folder)/err"))
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let err = (try? String(contentsOfFile: "\(folder)/err", encoding: .utf8)) ?? ""
            throw FerryError(
                "scripts/sigv4-reference.py failed (it needs python3 with botocore: run scripts/setup.sh --deps): \(err)")
        }
        return Array(try Data(contentsOf: URL(fileURLWithPath: "\(folder)/out")))
    }
}
