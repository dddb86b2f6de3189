import App
import ArgumentParser
import CommandSupport
import Core
import Foundation
import Identity
import Ledger
import Logging

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Load demo data (development only) and print how to sign in.",
        discussion: """
            Creates a demo owner for the admin console once and keeps its credentials in \
            <data dir>/demo-credentials (mode 0600), printing them on every run. Refused outside \
            development mode.
            """)

    func run() async throws {
        let (configuration, logger) = try startUp(label: "croupier.demo")
        guard configuration.environment == .development else {
            print("croupier demo runs only with CROUPIER_ENV=development")
            throw ExitCode(2)
        }
        let dependencies = try AppDependencies(configuration: configuration, logger: logger)
        do {
            let staff = try await dependencies.withDatabase {
                let staff = try await demoOwner(configuration: configuration, dependencies: dependencies, logger: logger)
                try await fundDemoPlayer(configuration: configuration, dependencies: dependencies, logger: logger)
                try await seedDemoRates(configuration: configuration, dependencies: dependencies, logger: logger)
                return staff
            }
            print(staff)
        } catch {
            throw fail(error, logger: logger)
        }
        print(
            """
            Players: in development, \(configuration.publicURL)/dev/signin signs you in as the demo player
              (\(PlayerSignIn.demoEmail), 100.00 EUR) and opens the lobby with Croupier Originals' Dice and slot.
              Real players sign in with Telegram plus an e-mail code at \(configuration.publicURL)/signin once a
              bot is configured (CROUPIER_TELEGRAM_BOT_TOKEN, docs/identity.md); mailed codes appear at
              \(configuration.publicURL)/dev/mail in development.
            """)
    }

    /// The demo owner's sign-in, created once and kept in `<data dir>/demo-credentials`.
    func demoOwner(configuration: Configuration, dependencies: AppDependencies, logger: Logger) async throws -> String {
        let path = (configuration.dataDirectory as NSString).appendingPathComponent("demo-credentials")
        if let saved = try? String(contentsOfFile: path, encoding: .utf8) {
            // Files written by earlier versions also held a players' paragraph: show the staff part.
            return saved.components(separatedBy: "\nPlayers:").first ?? saved
        }
        let email = "owner@croupier.local"
        let password = RandomToken.hex(byteCount: 9)
        let uri: String
        do {
            let created = try await dependencies.staffDirectory(logger: logger).create(email: email, password: password, role: .owner)
            try await AuditLog(database: dependencies.database, logger: logger).append(
                AuditEntry(
                    actor: "demo", action: "staff.created", target: "staff:\(created.0.id)", summary: ["role": "owner", "email": email]))
            uri = created.otpauth
        } catch StaffDirectoryError.emailTaken {
            return
                "The demo owner exists but \(path) is gone; create another with: croupier admin create --email you@example.com --role owner"
        }
        let text = """
            Staff (admin console): \(configuration.publicURL)/admin/login
              e-mail    \(email)
              password  \(password)
              TOTP      add this URI to an authenticator app (or any RFC 6238 tool):
                        \(uri)
            """
        FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600])
        return text
    }

    /// The demo player and its 100.00 EUR, once: the funding's idempotency key makes reruns no-ops.
    func fundDemoPlayer(configuration: Configuration, dependencies: AppDependencies, logger: Logger) async throws {
        let player = try await PlayerSignIn(
            database: dependencies.database, secret: configuration.secretKey, composer: NoMail(), publicURL: configuration.publicURL,
            logger: logger
        ).demoPlayer()
        let funded = try await dependencies.ledger.apply(
            LedgerOperation(
                key: IdempotencyKey(scope: "admin", key: "demo-player-funds"), player: player, currency: "EUR",
                movement: .adjustment(units: 100 * 100_000), metadata: ["reason": "demo player's money", "actor": "demo"]))
        guard funded.code == .ok else { throw LedgerError.unexpectedResult("funding the demo player: \(funded.code)") }
    }
}

extension Demo {
    /// Rough EUR rates of the ledger's other currencies, valid from the epoch, so the demo's KYC
    /// limits can sum deposits and withdrawals in any currency (without a rate they fail closed).
    /// Demo figures only: a real deployment sets its rates in the console or imports them.
    static let demoRatesInEUR = ["USD": "0.92", "RUB": "0.0098", "USDT": "0.92", "BTC": "85000"]

    func seedDemoRates(configuration: Configuration, dependencies: AppDependencies, logger: Logger) async throws {
        guard configuration.pivotCurrency == "EUR" else {
            logger.notice("demo FX rates are in EUR; CROUPIER_PIVOT_CURRENCY is not EUR, so none were added")
            return
        }
        try await dependencies.kyc.rates.seedDemoRates(Self.demoRatesInEUR)
    }
}

/// The demo player is created confirmed: no code is ever mailed.
struct NoMail: SignInMailComposer {
    func codeMail(to email: String, code: String, link: String, language: String) -> OutgoingMail {
        OutgoingMail(recipient: email, subject: "", text: "", html: "")
    }
}
