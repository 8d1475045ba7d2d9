import FerryCluster
import FerryCore
import FerryMigration
import FerryRecipes
import FerryTestSupport
import Foundation
import Testing

/// The `ferry` binary against a real TLS server: nginx terminating TLS in front of an osmem
/// clone, with a CA, server and client certificates made by openssl for each test. Every
/// failure must name its cause, exit non-zero and leave cluster and journal untouched.
/// Needs nginx and openssl: `scripts/setup.sh --deps` installs them (a missing one fails the
/// test with that hint; nothing is skipped).
@Suite("TLS from the command line")
struct TLSCommandLineTests {
    struct Setup {
        let clone: OsmemClone
        let client: ClusterClient
        let recipe: Recipe
        let source: String
        let nginx: NginxTLSProxy
        let state: String

        func ferry(_ listener: NginxTLSProxy.Listener, host: String = "127.0.0.1") -> FerryProcess {
            FerryProcess(url: nginx.url(listener, host: host), state: state)
        }

        var ca: String { nginx.certificates.caFile }

        /// Indices, aliases and the source's documents: what "nothing changed" compares.
        func clusterSnapshot() throws -> JSONValue {
            try client.refresh(source)
            return ["aliases": try client.request(.GET, "/_alias").json(), "documents": .int(Int64(try client.count(source)))]
        }

        /// The journal holds no run (the file may not even exist).
        func journalIsEmpty() throws -> Bool {
            guard FileManager.default.fileExists(atPath: state) else { return true }
            return try Journal(path: state).latestRun(recipe: recipe.name) == nil
        }

        func close() {
            nginx.stop()
            clone.close()
        }
    }

    func setUp(documents: Int = 120) throws -> Setup {
        let clone = try OsmemServer.shared().clone()
        let client = try clone.client()
        let recipe = try realRecipe()
        let source = try makeMigrator(recipe, clone).initialize(version: "1.0")
        try seedBlogPosts(client, into: recipe.writeAlias, count: documents)
        let nginx = try NginxTLSProxy(upstream: clone.url)
        let state = NSTemporaryDirectory() + "ferry-tls-\(UUID().uuidString)/state.db"
        return Setup(clone: clone, client: client, recipe: recipe, source: source, nginx: nginx, state: state)
    }

    @Test("a whole migration over https, trusting the CA given with --ca-cert")
    func migrationOverHTTPS() throws {
        let s = try setUp()
        defer { s.close() }
        let run = try s.ferry(.tls).run(["run", "blog_posts", "--yes", "--slices", "2", "--ca-cert", s.ca])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(!run.stderr.contains("warning: --insecure"))
        try expectExactResult(s.client, recipe: s.recipe, journal: try Journal(path: s.state), sourceIndex: s.source)
    }

    @Test("a server that requires a client certificate: refused without one, a whole migration with one")
    func clientCertificate() throws {
        let s = try setUp()
        defer { s.close() }
        let before = try s.clusterSnapshot()
        let refused = try s.ferry(.clientCertificate).run(["run", "blog_posts", "--yes", "--ca-cert", s.ca])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("No required SSL certificate was sent"), "\(refused.stderr)")
        #expect(refused.stderr.contains("hint: the server requires a client certificate: pass --client-cert"))
        #expect(try s.clusterSnapshot() == before)
        #expect(try s.journalIsEmpty())

        let certs = s.nginx.certificates
        let run = try s.ferry(.clientCertificate).run([
            "run", "blog_posts", "--yes", "--ca-cert", s.ca, "--client-cert", certs.clientCertificate,
            "--client-key", certs.clientKey,
        ])
        #expect(run.status == 0, "\(run.stderr)")
        try expectExactResult(s.client, recipe: s.recipe, journal: try Journal(path: s.state), sourceIndex: s.source)
    }

    @Test("an encrypted client key opens with FERRY_CLIENT_KEY_PASSWORD; a wrong password names the key file")
    func encryptedClientKey() throws {
        let s = try setUp(documents: 40)
        defer { s.close() }
        let certs = s.nginx.certificates
        let arguments = [
            "run", "blog_posts", "--yes", "--ca-cert", s.ca, "--client-cert", certs.clientCertificate,
            "--client-key", certs.encryptedClientKey,
        ]
        let before = try s.clusterSnapshot()
        let wrong = try s.ferry(.clientCertificate).run(arguments, environment: ["FERRY_CLIENT_KEY_PASSWORD": "wrong-pass"])
        #expect(wrong.status == 1)
        #expect(wrong.stderr.contains("TLS: unable to set private key file"), "\(wrong.stderr)")
        #expect(wrong.stderr.contains("FERRY_CLIENT_KEY_PASSWORD") && !wrong.stderr.contains("wrong-pass"))
        #expect(try s.clusterSnapshot() == before)
        #expect(try s.journalIsEmpty())

        let run = try s.ferry(.clientCertificate).run(
            arguments, environment: ["FERRY_CLIENT_KEY_PASSWORD": TestCertificates.encryptedClientKeyPassword])
        #expect(run.status == 0, "\(run.stderr)")
        try expectExactResult(s.client, recipe: s.recipe, journal: try Journal(path: s.state), sourceIndex: s.source)
    }

    @Test("basic auth enforced by nginx: a wrong password is refused and names the cause, the right one migrates")
    func basicAuth() throws {
        let s = try setUp()
        defer { s.close() }
        let before = try s.clusterSnapshot()
        let ferry = s.ferry(.basicAuth)
        let wrong = try ferry.run(
            ["run", "blog_posts", "--yes", "--ca-cert", s.ca, "--user", s.nginx.basicUser],
            environment: ["FERRY_PASSWORD": "not-the-password"])
        #expect(wrong.status == 1)
        #expect(wrong.stderr.contains("GET / → HTTP 401: 401 Authorization Required"), "\(wrong.stderr)")
        #expect(wrong.stderr.contains("hint: the cluster rejected the credentials"))
        #expect(!wrong.stderr.contains("not-the-password") && !wrong.stdout.contains("not-the-password"))
        #expect(try s.clusterSnapshot() == before)
        #expect(try s.journalIsEmpty())

        let run = try ferry.run(
            ["run", "blog_posts", "--yes", "--ca-cert", s.ca, "--user", s.nginx.basicUser],
            environment: ["FERRY_PASSWORD": s.nginx.basicPassword])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(!run.stderr.contains(s.nginx.basicPassword) && !run.stdout.contains(s.nginx.basicPassword))
        try expectExactResult(s.client, recipe: s.recipe, journal: try Journal(path: s.state), sourceIndex: s.source)
    }

    @Test("certificate failures name the cause, exit 1 and change nothing", arguments: [
        "no CA given", "another CA", "certificate for another host name",
    ])
    func certificateFailures(_ situation: String) throws {
        let s = try setUp(documents: 20)
        defer { s.close() }
        let before = try s.clusterSnapshot()
        let (ferry, extra, cause, hint): (FerryProcess, [String], String, String) =
            switch situation {
            case "no CA given":
                (s.ferry(.tls), [], "unable to get local issuer certificate", "pass that CA with --ca-cert")
            case "another CA":
                (s.ferry(.tls), ["--ca-cert", s.nginx.certificates.otherCAFile], "unable to get local issuer certificate",
                 "pass that CA with --ca-cert")
            default:
                (s.ferry(.otherHost), ["--ca-cert", s.ca], "no alternative certificate subject name matches target host name '127.0.0.1'",
                 "the cluster's certificate is for another host name")
            }
        let outcome = try ferry.run(["run", "blog_posts", "--yes"] + extra)
        #expect(outcome.status == 1, "\(situation): \(outcome.stderr)")
        #expect(outcome.stderr.contains("TLS: SSL"), "\(outcome.stderr)")
        #expect(outcome.stderr.contains(cause), "\(outcome.stderr)")
        #expect(outcome.stderr.contains("\nhint: ") && outcome.stderr.contains(hint), "\(outcome.stderr)")
        #expect(outcome.stderr.contains("after 1 attempt"), "a certificate problem is not retried")
        #expect(try s.clusterSnapshot() == before)
        #expect(try s.journalIsEmpty())
    }

    @Test("--insecure works without the CA and warns on stderr on every run")
    func insecureWarnsEveryRun() throws {
        let s = try setUp()
        defer { s.close() }
        let ferry = s.ferry(.tls)
        let run = try ferry.run(["run", "blog_posts", "--yes", "--insecure"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("warning: --insecure: TLS certificate and host name verification are OFF"))
        let status = try ferry.run(["status", "blog_posts", "--insecure"])
        #expect(status.status == 0, "\(status.stderr)")
        #expect(status.stderr.contains("warning: --insecure"))
        try expectExactResult(s.client, recipe: s.recipe, journal: try Journal(path: s.state), sourceIndex: s.source)
    }
}
