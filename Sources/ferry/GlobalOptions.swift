import ArgumentParser
import Foundation
import Logging
import FerryCluster
import FerryCore
import FerryMigration
import FerryRecipes

/// Options every command that talks to the cluster or reads recipes shares.
struct GlobalOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Cluster URL.", discussion: "Default: $FERRY_URL, else http://localhost:9200.", valueName: "url"))
    var url: String?

    @Option(help: ArgumentHelp("Recipes folder (shared modules are in transforms/ beside it).",
                               discussion: "Default: $FERRY_RECIPES, else ./recipes.", valueName: "dir"))
    var recipes: String?

    @Option(name: .customLong("cloud-id"), help: ArgumentHelp(
        "Elastic Cloud deployment id, instead of --url.", discussion: "Default: $FERRY_CLOUD_ID.", valueName: "id"))
    var cloudID: String?

    @Option(help: ArgumentHelp("Basic auth as user:password (or user, with the password in $FERRY_PASSWORD).",
                               discussion: "Default: $FERRY_USER.", valueName: "user[:password]"))
    var user: String?

    @Option(name: .customLong("api-key"), help: ArgumentHelp(
        "API key, encoded (base64 of id:key) or as id:key.", discussion: "Default: $FERRY_API_KEY.", valueName: "key"))
    var apiKey: String?

    @Option(name: .customLong("bearer-token"), help: ArgumentHelp(
        "Bearer token (OAuth, JWT or an Elasticsearch service token).", discussion: "Default: $FERRY_BEARER_TOKEN.",
        valueName: "token"))
    var bearerToken: String?

    @Option(name: .customLong("aws-sigv4"), help: ArgumentHelp(
        "Sign requests with AWS SigV4: service es (Amazon OpenSearch Service, default) or aoss (Serverless).",
        discussion: "Keys from $AWS_ACCESS_KEY_ID, $AWS_SECRET_ACCESS_KEY, $AWS_SESSION_TOKEN, else from $AWS_PROFILE "
            + "(or default) in ~/.aws/credentials ($AWS_SHARED_CREDENTIALS_FILE).",
        valueName: "region[:service]"))
    var awsSigV4: String?

    @Option(name: .customLong("ca-cert"), help: ArgumentHelp("CA certificate file (PEM) to verify the cluster's TLS certificate.", valueName: "file"))
    var caCert: String?

    @Option(name: .customLong("client-cert"), help: ArgumentHelp(
        "Client certificate (PEM) for clusters that require one.", valueName: "file"))
    var clientCert: String?

    @Option(name: .customLong("client-key"), help: ArgumentHelp(
        "Private key (PEM) of --client-cert.", discussion: "Its password, if any: $FERRY_CLIENT_KEY_PASSWORD.",
        valueName: "file"))
    var clientKey: String?

    @Flag(help: "Skip TLS certificate and host name verification (never in production; warns on every run).")
    var insecure = false

    @Option(help: ArgumentHelp("The run journal (SQLite).", discussion: "Default: $FERRY_STATE, else .ferry/state.db.", valueName: "path"))
    var state: String?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "notice"

    // Authoring: where shared modules are, and checks of the options above.
    @Option(help: ArgumentHelp("Shared modules folder for require (text, fields, dates).",
                               discussion: "Default: $FERRY_TRANSFORMS, else transforms = \"...\" in recipe.lua, else transforms/ beside the recipes folder.",
                               valueName: "dir"))
    var transforms: String?

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level '\(logLevel)' is not a level; use one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    var transformsFolder: RecipeCatalog.ModulesFolder? {
        if let transforms { return .init(path: transforms, origin: "--transforms") }
        return environment["FERRY_TRANSFORMS"].flatMap { $0.isEmpty ? nil : .init(path: $0, origin: "FERRY_TRANSFORMS") }
    }

    var environment: [String: String] { ProcessInfo.processInfo.environment }

    var recipesFolder: String {
        recipes ?? environment["FERRY_RECIPES"] ?? "recipes"
    }

    var statePath: String {
        state ?? environment["FERRY_STATE"] ?? ".ferry/state.db"
    }

    func journal() throws -> Journal {
        do {
            return try Journal(path: statePath)
        } catch {
            throw FerryError("cannot open the journal \(statePath): \(error)", hint: "pass --state PATH or set FERRY_STATE")
        }
    }

    func catalog() -> RecipeCatalog {
        RecipeCatalog(recipesFolder: recipesFolder, transforms: transformsFolder)
    }

    /// The cluster connection, through the library's one resolver (flags, then FERRY_* and AWS_*
    /// variables). With --insecure it warns on stderr, every run.
    func clusterConfig() throws -> ClusterConfig {
        let config = try ClusterConfig.fromCommandLine(
            url: url, cloudID: cloudID, user: user, apiKey: apiKey, bearerToken: bearerToken, awsSigV4: awsSigV4,
            caFile: caCert, clientCertificate: clientCert, clientKey: clientKey, insecure: insecure,
            environment: environment)
        if config.tls.insecure { InsecureWarning.once() }
        return config
    }

    func bootstrapLogging() {
        let level = Logger.Level(rawValue: logLevel) ?? .notice   // validate() refused anything else
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}

/// The --insecure warning: once per process, however many clients a command builds.
private enum InsecureWarning {
    nonisolated(unsafe) private static var shown = false
    private static let lock = NSLock()

    static func once() {
        lock.lock()
        defer { lock.unlock() }
        guard !shown else { return }
        shown = true
        FileHandle.standardError.write(Data(
            "warning: --insecure: TLS certificate and host name verification are OFF; anyone on the path can read and change this traffic\n".utf8))
    }
}
