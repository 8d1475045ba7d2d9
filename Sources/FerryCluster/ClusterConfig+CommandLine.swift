import FerryCore
import Foundation

/// The one resolver from command-line values (and their environment fallbacks) to a
/// `ClusterConfig`: which URL, which one authentication method, which TLS files.
extension ClusterConfig {
    public static let defaultURL = "http://localhost:9200"

    /// Builds a config from the values of CLI flags, falling back to environment variables
    /// so secrets need not appear in shell history or `ps`:
    /// - `url` (`FERRY_URL`) or `cloudID` (`FERRY_CLOUD_ID`, Elastic Cloud's id), not both;
    ///   `http://localhost:9200` when neither is given.
    /// - `user`: "name" or "name:password"; password from `FERRY_PASSWORD` when absent (`FERRY_USER`).
    /// - `apiKey`: encoded key, or "id:key" (encoded for you) (`FERRY_API_KEY`).
    /// - `bearerToken` (`FERRY_BEARER_TOKEN`).
    /// - `awsSigV4`: "region" or "region:service" (service "es" by default, or "aoss"); keys
    ///   from `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`/`AWS_SESSION_TOKEN`, else from
    ///   `AWS_PROFILE` (or "default") in the shared credentials file.
    /// At most one authentication method may be given; the error names both.
    public static func fromCommandLine(
        url: String? = nil,
        cloudID: String? = nil,
        user: String? = nil,
        apiKey: String? = nil,
        bearerToken: String? = nil,
        awsSigV4: String? = nil,
        caFile: String? = nil,
        clientCertificate: String? = nil,
        clientKey: String? = nil,
        insecure: Bool = false,
        connectTimeout: Duration = .seconds(10),
        requestTimeout: Duration = .seconds(120),
        retry: RetryPolicy = .default,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> ClusterConfig {
        let source = Sources(environment: environment)
        let url = try resolveURL(url: source.pick(url, flag: "--url", env: "FERRY_URL"),
                                 cloudID: source.pick(cloudID, flag: "--cloud-id", env: "FERRY_CLOUD_ID"))

        let methods = [
            source.pick(user, flag: "--user", env: "FERRY_USER").map { ("user", $0) },
            source.pick(apiKey, flag: "--api-key", env: "FERRY_API_KEY").map { ("api-key", $0) },
            source.pick(bearerToken, flag: "--bearer-token", env: "FERRY_BEARER_TOKEN").map { ("bearer", $0) },
            source.pick(awsSigV4, flag: "--aws-sigv4", env: nil).map { ("aws", $0) },
        ].compactMap { $0 }
        if methods.count > 1 {
            let names = methods.map(\.1.origin)
            throw FerryError(
                "two authentication methods given: \(names[0]) and \(names[1])",
                hint: "use only one of --user, --api-key, --bearer-token, --aws-sigv4 (or their FERRY_* variables)")
        }

        var auth = Auth.none
        if let (method, given) = methods.first {
            let value = given.value
            switch method {
            case "user":
                if let colon = value.firstIndex(of: ":") {
                    auth = .basic(user: String(value[..<colon]), password: String(value[value.index(after: colon)...]))
                } else {
                    auth = .basic(user: value, password: environment["FERRY_PASSWORD"] ?? "")
                }
            case "api-key":
                if let colon = value.firstIndex(of: ":") {
                    auth = ClusterConfig.apiKey(
                        id: String(value[..<colon]), key: String(value[value.index(after: colon)...]))
                } else {
                    auth = .apiKey(value)
                }
            case "bearer":
                auth = .bearer(value)
            default:
                auth = .awsSigV4(try AWSCredentials.signer(for: value, environment: environment))
            }
        }

        let tls = TLS(
            caFile: nonEmpty(caFile), clientCertificate: nonEmpty(clientCertificate), clientKey: nonEmpty(clientKey),
            clientKeyPassword: nonEmpty(environment["FERRY_CLIENT_KEY_PASSWORD"]), insecure: insecure)
        try check(tls, url: url)
        return try ClusterConfig(
            url: url, auth: auth, tls: tls, connectTimeout: connectTimeout, requestTimeout: requestTimeout,
            retry: retry)
    }

    private static func resolveURL(url: Given?, cloudID: Given?) throws -> String {
        switch (url, cloudID) {
        case let (url?, cloud?):
            throw FerryError(
                "both \(url.origin) and \(cloud.origin) given", hint: "a cloud id names the URL: give only one")
        case let (nil, cloud?):
            return try decodeCloudID(cloud.value)
        case let (url?, nil):
            return url.value
        case (nil, nil):
            return defaultURL
        }
    }

    /// Elastic Cloud's id, "name:base64(host[:port]$es_uuid$kibana_uuid)", as the Elasticsearch
    /// URL "https://<es_uuid>.<host>:<port>" (port 443 unless the id names one).
    public static func decodeCloudID(_ id: String) throws -> String {
        let invalid = FerryError(
            "invalid cloud id", hint: "copy the Cloud ID from the deployment's page in Elastic Cloud (name:base64...)")
        let encoded = id.split(separator: ":", maxSplits: 1).last.map(String.init) ?? id
        var padded = encoded
        while padded.count % 4 != 0 { padded += "=" }
        guard let data = Data(base64Encoded: padded), let decoded = String(data: data, encoding: .utf8) else {
            throw invalid
        }
        let parts = decoded.split(separator: "$", omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 2, !parts[0].isEmpty, !parts[1].isEmpty else { throw invalid }
        var host = parts[0]
        var port = "443"
        if let colon = host.lastIndex(of: ":") {
            port = String(host[host.index(after: colon)...])
            host = String(host[..<colon])
        }
        guard !host.isEmpty, Int(port) != nil, !host.contains("/"), !parts[1].contains("/") else { throw invalid }
        return "https://\(parts[1]).\(host):\(port)"
    }

    private static func check(_ tls: TLS, url: String) throws {
        if tls.clientKey != nil, tls.clientCertificate == nil {
            throw FerryError("--client-key given without --client-cert", hint: "pass both, or a --client-cert PEM that holds the key too")
        }
        let files = [("--ca-cert", tls.caFile), ("--client-cert", tls.clientCertificate), ("--client-key", tls.clientKey)]
        let given = files.filter { $0.1 != nil }
        let tlsFlags = given.map(\.0) + (tls.insecure ? ["--insecure"] : [])
        if !url.lowercased().hasPrefix("https://"), let first = tlsFlags.first {
            throw FerryError(
                "\(first) given but the cluster URL \(redact(url)) is not https", hint: "TLS options need an https:// URL")
        }
        for case let (flag, path?) in given where !FileManager.default.isReadableFile(atPath: path) {
            throw FerryError("cannot read \(path) (\(flag))", hint: "check the path and its permissions")
        }
    }

    fileprivate static func nonEmpty(_ s: String?) -> String? { s.flatMap { $0.isEmpty ? nil : $0 } }

    /// A value and where it came from, for messages ("--user", "FERRY_API_KEY").
    fileprivate struct Given {
        let value: String
        let origin: String
    }

    fileprivate struct Sources {
        let environment: [String: String]

        func pick(_ flag: String?, flag name: String, env: String?) -> Given? {
            if let value = nonEmpty(flag) { return Given(value: value, origin: name) }
            if let env, let value = nonEmpty(environment[env]) { return Given(value: value, origin: env) }
            return nil
        }
    }
}
