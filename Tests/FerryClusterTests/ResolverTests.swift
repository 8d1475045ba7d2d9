import FerryCore
import Foundation
import Testing

@testable import FerryCluster

/// `ClusterConfig.fromCommandLine`, the one resolver from flags and variables to a config.
@Suite struct ResolverTests {
    func resolve(
        url: String? = nil, cloudID: String? = nil, user: String? = nil, apiKey: String? = nil,
        bearer: String? = nil, aws: String? = nil, ca: String? = nil, cert: String? = nil, key: String? = nil,
        insecure: Bool = false, env: [String: String] = [:]
    ) throws -> ClusterConfig {
        try ClusterConfig.fromCommandLine(
            url: url, cloudID: cloudID, user: user, apiKey: apiKey, bearerToken: bearer, awsSigV4: aws, caFile: ca,
            clientCertificate: cert, clientKey: key, insecure: insecure, environment: env)
    }

    func message(_ body: () throws -> ClusterConfig) -> String {
        do {
            _ = try body()
            return "no error"
        } catch {
            return String(describing: error)
        }
    }

    @Test func twoMethodsAreRefusedNamingBoth() {
        #expect(message { try resolve(user: "a:b", apiKey: "k") }.contains("--user and --api-key"))
        #expect(message { try resolve(bearer: "t", env: ["FERRY_USER": "bob"]) }.contains("FERRY_USER and --bearer-token"))
        #expect(message { try resolve(apiKey: "k", aws: "eu-west-1") }.contains("--api-key and --aws-sigv4"))
        let both = message { try resolve(user: "a:secret-pw", env: ["FERRY_API_KEY": "secret-key"]) }
        #expect(both.contains("--user and FERRY_API_KEY"))
        #expect(!both.contains("secret"), "values are never part of the message")
    }

    @Test func eachMethodResolves() throws {
        guard case .bearer("tok") = try resolve(env: ["FERRY_BEARER_TOKEN": "tok"]).auth else {
            Issue.record("bearer from FERRY_BEARER_TOKEN")
            return
        }
        guard case .basic("bob", "pw") = try resolve(env: ["FERRY_USER": "bob", "FERRY_PASSWORD": "pw"]).auth else {
            Issue.record("basic from FERRY_USER/FERRY_PASSWORD")
            return
        }
        guard case .apiKey("encoded==") = try resolve(apiKey: "encoded==").auth else {
            Issue.record("encoded api key kept")
            return
        }
        guard case .none = try resolve().auth else {
            Issue.record("no method given: no auth")
            return
        }
        #expect(try resolve().url == ClusterConfig.defaultURL)
        #expect(try resolve(env: ["FERRY_URL": "https://es.example:9243"]).url == "https://es.example:9243")
    }

    @Test func cloudIDIsDecodedToTheURL() throws {
        // "name:" + base64("us-east-1.aws.found.io$abc123$def456")
        let id = "prod:" + Data("us-east-1.aws.found.io$abc123$def456".utf8).base64EncodedString()
        #expect(try resolve(cloudID: id).url == "https://abc123.us-east-1.aws.found.io:443")
        let withPort = Data("eastus2.azure.elastic-cloud.com:9243$es1$kb1".utf8).base64EncodedString()
        #expect(try ClusterConfig.decodeCloudID(withPort) == "https://es1.eastus2.azure.elastic-cloud.com:9243")
        #expect(message { try resolve(url: "https://x:9200", cloudID: id) }.contains("both --url and --cloud-id"))
        #expect(message { try resolve(cloudID: "prod:not-base64!") }.contains("invalid cloud id"))
    }

    @Test func awsKeysFromTheEnvironmentOrTheProfileFile() throws {
        let folder = NSTemporaryDirectory() + "ferry-aws-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let file = "\(folder)/credentials"
        try """
            [default]
            aws_access_key_id = AKIDDEFAULT
            aws_secret_access_key = secret-default

            # a comment
            [migration]
            aws_access_key_id=AKIDMIGRATION
            aws_secret_access_key=secret-migration
            aws_session_token = token-migration
            """.write(toFile: file, atomically: true, encoding: .utf8)

        func signer(_ spec: String, _ env: [String: String]) throws -> AWSSigV4 {
            guard case .awsSigV4(let aws) = try resolve(url: "https://search.example", aws: spec, env: env).auth else {
                throw FerryError("not sigv4")
            }
            return aws
        }
        let fromProfile = try signer("eu-west-1", ["AWS_SHARED_CREDENTIALS_FILE": file, "AWS_PROFILE": "migration"])
        #expect(fromProfile.accessKeyID == "AKIDMIGRATION" && fromProfile.secretAccessKey == "secret-migration")
        #expect(fromProfile.sessionToken == "token-migration" && fromProfile.service == "es")
        let fromDefault = try signer("us-east-1:aoss", ["AWS_SHARED_CREDENTIALS_FILE": file])
        #expect(fromDefault.accessKeyID == "AKIDDEFAULT" && fromDefault.service == "aoss" && fromDefault.sessionToken == nil)
        let home = try signer("eu-west-1", ["HOME": "/nonexistent", "AWS_ACCESS_KEY_ID": "AKIDENV", "AWS_SECRET_ACCESS_KEY": "s",
                                            "AWS_PROFILE": "migration", "AWS_SHARED_CREDENTIALS_FILE": file])
        #expect(home.accessKeyID == "AKIDENV", "variables come before the profile, as in the AWS SDKs")

        #expect(message { try resolve(url: "https://s", aws: "eu-west-1", env: ["AWS_SHARED_CREDENTIALS_FILE": file, "AWS_PROFILE": "nope"]) }
            .contains("no profile [nope] in \(file)"))
        #expect(message { try resolve(url: "https://s", aws: "eu-west-1", env: ["HOME": "/nonexistent"]) }
            .contains("AWS SigV4 needs credentials"))
        #expect(message { try resolve(url: "https://s", aws: "eu-west-1:s3", env: ["AWS_SHARED_CREDENTIALS_FILE": file]) }
            .contains("unknown AWS service s3"))
        let description = try resolve(url: "https://s", aws: "eu-west-1", env: ["AWS_SHARED_CREDENTIALS_FILE": file]).description
        #expect(description.contains("aws-sigv4 (eu-west-1, es)") && !description.contains("secret-default"))
    }

    @Test func noTextualFormShowsASecret() throws {
        let auths: [ClusterConfig.Auth] = [
            .basic(user: "bob", password: "pw-SECRET"), .apiKey("key-SECRET"), .bearer("token-SECRET"),
            .awsSigV4(AWSSigV4(region: "eu-west-1", service: "es", accessKeyID: "AKID", secretAccessKey: "aws-SECRET",
                               sessionToken: "session-SECRET")),
        ]
        for auth in auths {
            let config = try ClusterConfig(
                url: "https://h:9200", auth: auth, tls: .init(clientCertificate: "c.pem", clientKeyPassword: "kp-SECRET"))
            var dumped = ""
            dump(config, to: &dumped)
            for text in [String(describing: auth), String(reflecting: auth), String(describing: config), dumped] {
                #expect(!text.contains("SECRET"), "\(auth.kind)")
            }
        }
    }

    @Test func tlsOptionsAreChecked() throws {
        #expect(message { try resolve(url: "http://h:9200", ca: "/etc/hostname") }.contains("--ca-cert given but the cluster URL http://h:9200 is not https"))
        #expect(message { try resolve(url: "http://h:9200", insecure: true) }.contains("--insecure given"))
        #expect(message { try resolve(url: "https://h:9200", key: "/etc/hostname") }.contains("--client-key given without --client-cert"))
        #expect(message { try resolve(url: "https://h:9200", ca: "/nonexistent/ca.pem") }.contains("cannot read /nonexistent/ca.pem (--ca-cert)"))
        let config = try resolve(url: "https://h:9200", ca: "/etc/hostname", insecure: true)
        #expect(config.tls.caFile == "/etc/hostname" && config.tls.insecure)
    }
}
