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

    @Option(help: ArgumentHelp("Basic auth as user:password (or user, with the password in $FERRY_PASSWORD).",
                               discussion: "Default: $FERRY_USER.", valueName: "user[:password]"))
    var user: String?

    @Option(name: .customLong("api-key"), help: ArgumentHelp("API key (the base64 id:key form). Default: $FERRY_API_KEY.", valueName: "key"))
    var apiKey: String?

    @Option(name: .customLong("ca-cert"), help: ArgumentHelp("CA certificate file (PEM) to verify the cluster's TLS certificate.", valueName: "file"))
    var caCert: String?

    @Flag(help: "Skip TLS certificate verification (never in production).")
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

    func clusterConfig() throws -> ClusterConfig {
        let url = self.url ?? environment["FERRY_URL"] ?? "http://localhost:9200"
        var auth = ClusterConfig.Auth.none
        if let key = apiKey ?? environment["FERRY_API_KEY"], !key.isEmpty {
            auth = .apiKey(key)
        } else if let user = user ?? environment["FERRY_USER"], !user.isEmpty {
            if let colon = user.firstIndex(of: ":") {
                auth = .basic(user: String(user[..<colon]), password: String(user[user.index(after: colon)...]))
            } else {
                auth = .basic(user: user, password: environment["FERRY_PASSWORD"] ?? "")
            }
        }
        var config = try ClusterConfig(url: url, auth: auth)
        config.tls.caFile = caCert
        config.tls.insecure = insecure
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
