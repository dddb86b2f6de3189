import Tracing

/// The client span of one pooled connection or transaction borrowed from `Database`, a child of
/// the request or job that borrowed it (docs/operations.md, "Traces").
///
/// One span per borrow, not per statement: PostgresNIO has no tracing of its own, and the
/// statements run on the `PostgresConnection` the caller is handed. So the span is named by the
/// code that borrowed (`postgresql Ledger.apply`), which is a short, fixed list, and never
/// carries SQL text or parameters. Outside a trace nothing starts: the background jobs poll
/// every few hundred milliseconds and would otherwise make a trace per idle tick.
struct DatabaseSpan {
    enum Kind { case connection, transaction }

    /// Where the borrow was written: `#function`, `#fileID` and `#line` of the caller.
    struct CallSite: Sendable, Equatable {
        let function: String
        let fileID: String
        let line: UInt

        /// `Module.function`: the module from `#fileID` (`Ledger/Ledger.swift`), the function's
        /// base name without its argument labels.
        var name: String {
            let module = fileID.split(separator: "/", maxSplits: 1).first.map(String.init) ?? fileID
            let base = function.split(separator: "(", maxSplits: 1).first.map(String.init) ?? function
            return "\(module).\(base)"
        }
    }

    let tracer: any Tracer
    let url: DatabaseURL

    static func name(_ kind: Kind, _ site: CallSite) -> String {
        switch kind {
        case .connection: "postgresql \(site.name)"
        case .transaction: "postgresql \(site.name) transaction"
        }
    }

    func run<Result>(_ kind: Kind, _ site: CallSite, _ body: () async throws -> Result) async throws -> Result {
        guard let parent = ServiceContext.current else { return try await body() }
        let span = tracer.startSpan(Self.name(kind, site), context: parent, ofKind: .client)
        defer { span.end() }
        span.updateAttributes { attributes in
            attributes["db.system"] = "postgresql"
            attributes["db.system.name"] = "postgresql"
            attributes["db.namespace"] = url.database
            attributes["server.address"] = url.host
            attributes["server.port"] = url.port
            attributes["code.function.name"] = site.function
            attributes["code.file.path"] = site.fileID
            attributes["code.line.number"] = Int(site.line)
        }
        do {
            return try await ServiceContext.$current.withValue(span.context) { try await body() }
        } catch {
            span.recordFailure(error)
            throw error
        }
    }
}
