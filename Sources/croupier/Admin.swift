import App
import ArgumentParser
import CommandSupport
import Foundation
import Identity

#if canImport(Glibc)
    import Glibc
#endif

struct Admin: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage staff accounts of the admin console.",
        subcommands: [CreateStaff.self])
}

struct CreateStaff: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create a staff account and print its TOTP enrolment URI (shown once).",
        discussion: """
            The password is read from the terminal (twice, not echoed) or, when standard input is \
            not a terminal, from its first line. Use it to bootstrap the first owner: \
            croupier admin create --email you@casino.example --role owner
            """)

    @Option(help: "The staff member's e-mail address.") var email: String
    @Option(help: "owner, admin, finance, risk, support or analyst.") var role: String

    func run() async throws {
        guard let staffRole = StaffRole(rawValue: role) else {
            throw ValidationError("--role must be one of \(StaffRole.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let password = try Self.readPassword()
        let (configuration, logger) = try startUp(label: "croupier.admin")
        let dependencies = try AppDependencies(configuration: configuration, logger: logger)
        do {
            let (member, uri) = try await dependencies.withDatabase {
                let directory = dependencies.staffDirectory(logger: logger)
                let created = try await directory.create(email: email, password: password, role: staffRole)
                try await AuditLog(database: dependencies.database, logger: logger).append(
                    AuditEntry(
                        actor: "cli", action: "staff.created", target: "staff:\(created.0.id)",
                        summary: ["role": staffRole.rawValue, "email": created.0.email]))
                return created
            }
            print("created staff #\(member.id) \(member.email) (\(member.role.rawValue))")
            print("Add this to an authenticator app now; it is not shown again:")
            print("TOTP: \(uri)")
        } catch let error as StaffDirectoryError {
            print("croupier: \(error)")
            throw ExitCode(2)
        } catch {
            throw fail(error, logger: logger)
        }
    }

    static func readPassword() throws -> String {
        guard isatty(STDIN_FILENO) != 0 else {
            guard let line = readLine(strippingNewline: true), !line.isEmpty else { throw ValidationError("no password on standard input") }
            return line
        }
        let first = prompt("Password (12 characters or more): ")
        let second = prompt("Repeat it: ")
        guard first == second else { throw ValidationError("the passwords differ") }
        return first
    }

    /// Reads a line from the terminal with echo off.
    static func prompt(_ text: String) -> String {
        FileHandle.standardError.write(Data(text.utf8))
        var original = termios()
        tcgetattr(STDIN_FILENO, &original)
        var silent = original
        silent.c_lflag &= ~tcflag_t(ECHO)
        tcsetattr(STDIN_FILENO, TCSANOW, &silent)
        defer {
            tcsetattr(STDIN_FILENO, TCSANOW, &original)
            FileHandle.standardError.write(Data("\n".utf8))
        }
        return readLine(strippingNewline: true) ?? ""
    }
}
