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

            Connection: --url URL (FERRY_URL) or --cloud-id ID (FERRY_CLOUD_ID), and at \
            most one way to sign in: two at once are refused. Credentials are never \
            printed; prefer the variables to flags (shell history, ps).
              --user elastic                 basic auth, password in FERRY_PASSWORD
                                             (or --user elastic:pw; FERRY_USER)
              --api-key "$KEY"               API key, base64 or id:key (FERRY_API_KEY)
              --bearer-token "$TOKEN"        OAuth/JWT/service token (FERRY_BEARER_TOKEN)
              --aws-sigv4 eu-west-1          Amazon OpenSearch Service, signed with
                                             AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY
                                             (AWS_SESSION_TOKEN) or AWS_PROFILE's keys
              --aws-sigv4 us-east-1:aoss     OpenSearch Serverless
              --cloud-id "$CLOUD_ID"         Elastic Cloud deployment, instead of --url
              --ca-cert ca.pem               trust this CA for the cluster's certificate
              --client-cert c.pem --client-key c.key
                                             client certificate (key password in
                                             FERRY_CLIENT_KEY_PASSWORD)
              --insecure                     no certificate checks: tests only; warns

            `ferry --version` prints ferry's version and the Lua, libcurl and SQLite it runs with.

            Exit codes: 0 success, 1 failure (the message names the thing), 64 bad usage; \
            `ferry help run` lists the codes a migration adds.
            """,
        version: FerryVersion.description,
        subcommands: [RecipesCommand.self, InitCommand.self, RunCommand.self, PreviewCommand.self, TransformCommand.self, TestCommand.self, CheckCommand.self, VerifyCommand.self, PlanCommand.self, StatusCommand.self, RollbackCommand.self, CleanupCommand.self, DeadLettersCommand.self]
    )
}
