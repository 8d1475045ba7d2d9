import ArgumentParser
import Foundation
import Logging
import FerryCore

@main
struct Ferry: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ferry",
        abstract: "Migrate Elasticsearch and OpenSearch indices to a new mapping with zero downtime.",
        discussion: """
            A recipe (recipes/<name>/recipe.lua) names the aliases, the schema versions, the \
            mapping of each version and the Lua steps between them. `ferry run` finds the version \
            the cluster holds, copies every document through the steps into a new index \
            <alias>-<version>-<hash8>, checks the counts and switches the read and write aliases \
            in one atomic call.

            Typical session:
              ferry recipes                     list the recipes
              ferry init blog_posts             fresh install: first index + aliases
              ferry run blog_posts              migrate to the latest version

            Connection: --url (or FERRY_URL), --user user:password (or FERRY_USER, \
            FERRY_PASSWORD), --api-key (or FERRY_API_KEY). Credentials are never printed.

            `ferry --version` prints ferry's version and the Lua, libcurl and SQLite it runs with.

            Exit codes: 0 success, 1 failure (the message names the thing), 64 bad usage; \
            `ferry help run` lists the codes a migration adds.
            """,
        version: FerryVersion.description,
        subcommands: [RecipesCommand.self, InitCommand.self, RunCommand.self, PreviewCommand.self, TransformCommand.self, TestCommand.self, CheckCommand.self, VerifyCommand.self, PlanCommand.self, StatusCommand.self, RollbackCommand.self, CleanupCommand.self, DeadLettersCommand.self]
    )
}
