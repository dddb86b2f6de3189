import Core
import Crypto
import Foundation
import Identity
import Logging
import Persistence
import PostgresNIO

/// KYC documents (`compliance_documents`, docs/compliance.md "Documents"): the bytes sealed with
/// AES-GCM under a key derived from `CROUPIER_SECRET_KEY` for the purpose `compliance.document`,
/// bound to the document's id (a dump opens nothing; sealed bytes moved to another row do not
/// open there), kept with the SHA-256 of the plaintext. Players get metadata only; bytes go to
/// staff, each viewing audited.
public struct KYCDocuments: Sendable {
    let database: Database
    let sealer: RowSealer
    let audit: AuditLog
    let logger: Logger

    public static let sealPurpose = "compliance.document"

    public init(database: Database, secret: SecretKey, logger: Logger) {
        self.database = database
        self.sealer = RowSealer(secret: secret, purpose: Self.sealPurpose)
        self.audit = AuditLog(database: database, logger: logger)
        self.logger = logger
    }

    /// Stores a player's document after checking it by content. A player's upload of the kind an
    /// open application asked for sends that application back to the review queue.
    public func submit(player: PlayerID, kind: DocumentKind, bytes: Data, claimedFilename: String) async throws -> KYCDocument {
        guard !bytes.isEmpty else { throw DocumentRefusal.empty }
        guard bytes.count <= DocumentLimits.maxBytes else { throw DocumentRefusal.tooLarge(maxBytes: DocumentLimits.maxBytes) }
        guard let type = DocumentContentType.sniff(bytes) else { throw DocumentRefusal.unsupportedType }
        let id = ComplianceID.random("doc")
        let digest = Array(SHA256.hash(data: bytes))
        let sealed = try sealer.seal(bytes, for: id)
        let filename = Self.safeFilename(claimedFilename)
        return try await database.withTransaction(logger: logger) { connection in
            try await PlayerLock.acquire(player, on: connection, logger: logger)
            let pending = try await connection.query(
                "SELECT count(*)::int FROM compliance_documents WHERE player_id = \(player.rawValue) AND state = 'pending'", logger: logger)
            for try await count in pending.decode(Int.self) where count >= DocumentLimits.maxPending {
                throw DocumentRefusal.tooManyPending(max: DocumentLimits.maxPending)
            }
            let rows = try await connection.query(
                """
                INSERT INTO compliance_documents (public_id, player_id, kind, content_type, size_bytes, sha256, sealed, claimed_filename)
                VALUES (\(id), \(player.rawValue), \(kind.rawValue), \(type.rawValue), \(bytes.count), \(ByteBuffer(bytes: digest)),
                        \(ByteBuffer(bytes: sealed)), \(filename))
                RETURNING \(unescaped: Self.columns)
                """, logger: logger)
            guard let document = try await Self.documents(rows).first else { throw DocumentRefusal.notFound }
            _ = try await connection.query(
                """
                UPDATE compliance_applications SET state = 'pending', requested_kind = NULL
                 WHERE player_id = \(player.rawValue) AND state = 'document_requested' AND requested_kind = \(kind.rawValue)
                """, logger: logger
            ).collect()
            try await audit.append(
                AuditEntry(
                    actor: "player:\(player.rawValue)", action: "compliance.document_uploaded", target: "document:\(id)",
                    summary: ["kind": kind.rawValue, "type": type.rawValue, "bytes": String(bytes.count), "sha256": document.sha256]),
                on: connection)
            return document
        }
    }

    /// The player's documents, newest first: metadata only.
    public func documents(of player: PlayerID) async throws -> [KYCDocument] {
        try await database.withConnection { connection in try await documents(of: player, on: connection) }
    }

    func documents(of player: PlayerID, on connection: PostgresConnection) async throws -> [KYCDocument] {
        try await Self.documents(
            try await connection.query(
                "SELECT \(unescaped: Self.columns) FROM compliance_documents WHERE player_id = \(player.rawValue) ORDER BY id DESC",
                logger: logger))
    }

    /// Documents waiting for review, oldest first (staff with `kyc.review`).
    public func pending(limit: Int = 100) async throws -> [KYCDocument] {
        try await database.withConnection { connection in
            try await Self.documents(
                try await connection.query(
                    """
                    SELECT \(unescaped: Self.columns) FROM compliance_documents WHERE state = 'pending' ORDER BY id LIMIT \(max(1, min(limit, 500)))
                    """, logger: logger))
        }
    }

    /// A document's bytes for staff member `staff` (`kyc.review`, checked by the App), audited as
    /// `compliance.document_viewed` before they are returned. The App serves them with
    /// `Content-Disposition: attachment` and the type found here, never the player's filename.
    public func content(_ id: String, staff: Int64) async throws -> DocumentContent {
        try await database.withTransaction(logger: logger) { connection in
            let rows = try await connection.query(
                "SELECT \(unescaped: Self.columns), sealed FROM compliance_documents WHERE public_id = \(id)", logger: logger)
            for try await row in rows.decode(
                (String, Int64, String, String, Int32, String, String, String, String?, Date, Date?, ByteBuffer).self)
            {
                let document = Self.document((row.0, row.1, row.2, row.3, row.4, row.5, row.6, row.7, row.8, row.9, row.10))
                let bytes = try sealer.open(Array(buffer: row.11), for: id)
                try await audit.append(
                    AuditEntry(
                        actor: "staff:\(staff)", action: "compliance.document_viewed", target: "document:\(id)",
                        summary: ["player": String(document.player.rawValue), "kind": document.kind.rawValue]), on: connection)
                return DocumentContent(document: document, bytes: bytes)
            }
            throw DocumentRefusal.notFound
        }
    }

    /// Staff accept a document as what it claims to be.
    public func approve(_ id: String, staff: Int64) async throws -> KYCDocument {
        try await review(id, to: .approved, reason: nil, staff: staff)
    }

    /// Staff refuse a document with words the player sees (and can act on: upload another).
    public func reject(_ id: String, reason: String, staff: Int64) async throws -> KYCDocument {
        let words = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...1000).contains(words.count) else { throw DocumentRefusal.reasonMissing }
        return try await review(id, to: .rejected, reason: words, staff: staff)
    }

    private func review(_ id: String, to state: KYCDocument.State, reason: String?, staff: Int64) async throws -> KYCDocument {
        try await database.withTransaction(logger: logger) { connection in
            try await review(id, to: state, reason: reason, staff: staff, on: connection)
        }
    }

    func review(_ id: String, to state: KYCDocument.State, reason: String?, staff: Int64, on connection: PostgresConnection) async throws
        -> KYCDocument
    {
        let rows = try await connection.query(
            """
            UPDATE compliance_documents SET state = \(state.rawValue), reason = \(reason), reviewed_by = \(staff), reviewed_at = now()
             WHERE public_id = \(id) AND state = 'pending' RETURNING \(unescaped: Self.columns)
            """, logger: logger)
        guard let document = try await Self.documents(rows).first else {
            let exists = try await connection.query("SELECT 1 FROM compliance_documents WHERE public_id = \(id)", logger: logger).collect()
            throw exists.isEmpty ? DocumentRefusal.notFound : DocumentRefusal.alreadyReviewed
        }
        var summary = ["player": String(document.player.rawValue), "kind": document.kind.rawValue]
        if let reason { summary["reason"] = reason }
        try await audit.append(
            AuditEntry(
                actor: "staff:\(staff)", action: "compliance.document_\(state.rawValue)", target: "document:\(id)", summary: summary),
            on: connection)
        return document
    }

    /// The name kept for staff: its last path component, printable characters only, at most 255.
    static func safeFilename(_ name: String) -> String {
        let last = name.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        let printable = String(
            String.UnicodeScalarView(
                last.unicodeScalars.filter {
                    ![.control, .format, .surrogate, .privateUse, .unassigned, .lineSeparator, .paragraphSeparator].contains(
                        $0.properties.generalCategory)
                }))
        return String(printable.prefix(255))
    }

    // MARK: - Rows

    /// A constant of this file, never input: the only text `unescaped:` puts into these queries.
    static let columns = """
        public_id, player_id, kind, content_type, size_bytes, encode(sha256, 'hex'), claimed_filename, state, reason, created_at, reviewed_at
        """
    typealias Row = (String, Int64, String, String, Int32, String, String, String, String?, Date, Date?)

    static func document(_ row: Row) -> KYCDocument {
        KYCDocument(
            id: row.0, player: PlayerID(row.1), kind: DocumentKind(rawValue: row.2) ?? .identityDocument,
            contentType: DocumentContentType(rawValue: row.3) ?? .pdf, sizeBytes: Int(row.4), sha256: row.5, claimedFilename: row.6,
            state: KYCDocument.State(rawValue: row.7) ?? .pending, reason: row.8, createdAt: row.9, reviewedAt: row.10)
    }

    static func documents(_ rows: PostgresRowSequence) async throws -> [KYCDocument] {
        var documents: [KYCDocument] = []
        for try await row in rows.decode(Row.self) { documents.append(document(row)) }
        return documents
    }
}
