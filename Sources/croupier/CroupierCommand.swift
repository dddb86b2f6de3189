import ArgumentParser

@main
struct CroupierCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "croupier",
        abstract: "Croupier: an open-source platform for running a licensed online casino.",
        discussion: "Configuration comes from CROUPIER_* environment variables (see docs/configuration.md).",
        subcommands: [
            Serve.self, Worker.self, Migrate.self, Audit.self, Adjust.self, Admin.self, Demo.self,
            Providers.self, Gateways.self,
        ])
}
