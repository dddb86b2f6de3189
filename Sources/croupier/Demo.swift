import ArgumentParser

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Load demo data and print how to sign in.",
        discussion: "Idempotent: running it twice loads nothing twice.")

    func run() async throws {
        print(
            """
            Demo data: none yet. Player sign-in (Telegram + e-mail) and staff accounts arrive with the
            Identity context; until then the landing page, the sign-in pages and /health/ready are live.
            """)
    }
}
