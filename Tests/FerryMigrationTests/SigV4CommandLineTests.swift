import FerryCluster
import FerryCore
import FerryMigration
import FerryTestSupport
import Foundation
import Testing

/// The `ferry` binary with --aws-sigv4, keys from a shared credentials file profile: a whole
/// migration through a capturing proxy, every request's signature recomputed by botocore.
@Suite("AWS SigV4 from the command line")
struct SigV4CommandLineTests {
    @Test("a whole migration signed with a profile's keys; botocore agrees with every signature")
    func migrationSignedWithProfile() throws {
        let clone = try OsmemServer.shared().clone()
        defer { clone.close() }
        let client = try clone.client()
        let recipe = try realRecipe()
        let source = try makeMigrator(recipe, clone).initialize(version: "1.0")
        try seedBlogPosts(client, into: recipe.writeAlias, count: 150)
        let proxy = try FaultProxy(upstream: clone.url, captureRequests: true)
        defer { proxy.stop() }

        let folder = NSTemporaryDirectory() + "ferry-sigv4-cli-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let secret = "migration/secret+KEY"
        try "[migration]\naws_access_key_id = AKIDCLITEST\naws_secret_access_key = \(secret)\naws_session_token = cli-token\n"
            .write(toFile: "\(folder)/credentials", atomically: true, encoding: .utf8)
        let ferry = FerryProcess(url: proxy.url, state: "\(folder)/state.db")
        let environment = [
            "AWS_PROFILE": "migration", "AWS_SHARED_CREDENTIALS_FILE": "\(folder)/credentials",
            "AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_SESSION_TOKEN": "",
        ]
        let run = try ferry.run(["run", "blog_posts", "--yes", "--slices", "2", "--aws-sigv4", "eu-west-1"], environment: environment)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(!run.stdout.contains(secret) && !run.stderr.contains(secret))
        try expectExactResult(client, recipe: recipe, journal: try Journal(path: "\(folder)/state.db"), sourceIndex: source)

        let captured = proxy.captured
        #expect(captured.count > 5)
        #expect(captured.contains { $0.target.contains("_bulk") })
        let reference = try BotocoreSigV4.authorizations(
            for: captured,
            signer: AWSSigV4(region: "eu-west-1", service: "es", accessKeyID: "AKIDCLITEST", secretAccessKey: secret,
                             sessionToken: "cli-token"))
        for (request, expected) in zip(captured, reference) {
            #expect(request.header("authorization") == expected, "\(request)")
            #expect(request.header("x-amz-security-token") == "cli-token")
        }
    }

    @Test("two authentication methods are refused, naming both, before anything is sent")
    func twoMethodsRefused() throws {
        let proxy = try FaultProxy(upstream: "http://127.0.0.1:9")
        defer { proxy.stop() }
        let folder = NSTemporaryDirectory() + "ferry-two-auth-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let ferry = FerryProcess(url: proxy.url, state: "\(folder)/state.db")
        let outcome = try ferry.run(["plan", "blog_posts", "--user", "elastic:pw"], environment: ["FERRY_API_KEY": "k3y"])
        #expect(outcome.status == 1)
        #expect(outcome.stderr.contains("two authentication methods given: --user and FERRY_API_KEY"), "\(outcome.stderr)")
        #expect(!outcome.stderr.contains("k3y") && !outcome.stderr.contains(":pw"))
        #expect(proxy.requests.isEmpty)
    }
}
