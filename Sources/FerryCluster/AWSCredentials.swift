import FerryCore
import Foundation

/// Where `--aws-sigv4` finds its keys, in the AWS SDKs' order: the environment
/// (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`), then the profile
/// `AWS_PROFILE` (else "default") of the shared credentials file (`AWS_SHARED_CREDENTIALS_FILE`,
/// else ~/.aws/credentials). Error messages name files and profiles, never a key.
enum AWSCredentials {
    static let services: Set<String> = ["es", "aoss"]

    /// A signer for `spec` ("region" or "region:service").
    static func signer(for spec: String, environment: [String: String]) throws -> AWSSigV4 {
        let parts = spec.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        let region = parts[0]
        let service = parts.count > 1 ? parts[1] : "es"
        guard parts.count <= 2, !region.isEmpty,
            region.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-") })
        else {
            throw FerryError(
                "invalid --aws-sigv4 value \(spec)", hint: "give region[:service], e.g. eu-west-1 or us-east-1:aoss")
        }
        guard services.contains(service) else {
            throw FerryError(
                "unknown AWS service \(service) in --aws-sigv4",
                hint: "es (Amazon OpenSearch Service, the default) or aoss (OpenSearch Serverless)")
        }
        let (access, secret, token) = try keys(environment: environment)
        return AWSSigV4(region: region, service: service, accessKeyID: access, secretAccessKey: secret, sessionToken: token)
    }

    private static func keys(environment: [String: String]) throws -> (String, String, String?) {
        func value(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        if let access = value("AWS_ACCESS_KEY_ID"), let secret = value("AWS_SECRET_ACCESS_KEY") {
            return (access, secret, value("AWS_SESSION_TOKEN"))
        }
        let profile = value("AWS_PROFILE") ?? "default"
        let file = value("AWS_SHARED_CREDENTIALS_FILE") ?? "\(value("HOME") ?? NSHomeDirectory())/.aws/credentials"
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
            throw FerryError(
                "AWS SigV4 needs credentials: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY are not set and \(file) cannot be read",
                hint: "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN), or AWS_PROFILE with a shared credentials file")
        }
        let section = profileSection(profile, in: text)
        guard let section else {
            throw FerryError("no profile [\(profile)] in \(file)", hint: "set AWS_PROFILE to a profile of that file")
        }
        guard let access = section["aws_access_key_id"], let secret = section["aws_secret_access_key"] else {
            throw FerryError(
                "profile [\(profile)] in \(file) has no aws_access_key_id and aws_secret_access_key",
                hint: "ferry reads static keys only; for SSO or role profiles export the keys first (aws configure export-credentials)")
        }
        return (access, secret, section["aws_session_token"])
    }

    /// The `key = value` lines of `[profile]` in an INI file; nil if there is no such section.
    static func profileSection(_ profile: String, in text: String) -> [String: String]? {
        var current: String?
        var found: [String: String]?
        for raw in text.split(whereSeparator: \.isNewline) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("["), line.hasSuffix("]") {
                current = line.dropFirst().dropLast().trimmingCharacters(in: .whitespaces)
                if current == profile, found == nil { found = [:] }
                continue
            }
            guard current == profile, let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if !value.isEmpty { found?[key] = value }
        }
        return found
    }
}
