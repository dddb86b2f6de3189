import Compliance
import Core
import Crypto
import Foundation
import Identity
import TestSupport
import Testing

/// Documents are typed by their bytes, never their names; refused uploads store nothing; stored
/// bytes are sealed and come back only to staff, unchanged, with their SHA-256.
@Suite struct DocumentTests {
    static let jpeg: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10] + Array("JFIF".utf8) + [0, 1, 2, 3, 4, 5]
    static let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D] + Array("IHDR".utf8)
    static let pdf: [UInt8] = Array("%PDF-1.7\n%\u{E2}\u{E3}\n1 0 obj\n<<>>\nendobj\n".utf8)
    static let elf: [UInt8] = [0x7F, 0x45, 0x4C, 0x46, 0x02, 0x01, 0x01, 0x00, 0, 0, 0, 0]
    static let mz: [UInt8] = Array("MZ".utf8) + [0x90, 0x00, 0x03, 0x00, 0x00, 0x00, 0x04, 0x00]

    @Test func theTypeComesFromTheFirstBytes() {
        #expect(DocumentContentType.sniff(Self.jpeg) == .jpeg)
        #expect(DocumentContentType.sniff(Self.png) == .png)
        #expect(DocumentContentType.sniff(Self.pdf) == .pdf)
        #expect(DocumentContentType.sniff(Self.elf) == nil)
        #expect(DocumentContentType.sniff(Self.mz) == nil)
        #expect(DocumentContentType.sniff([UInt8]()) == nil)
        #expect(DocumentContentType.sniff(Array("<html><script>".utf8)) == nil)
        #expect(DocumentContentType.sniff([0x89, 0x50, 0x4E, 0x47]) == nil, "a truncated PNG signature is not a PNG")
    }

    @Test func programsRenamedEmptyAndOversizedUploadsAreRefusedByNameAndNothingIsStored() async throws {
        try await ComplianceHarness.with { h in
            let player = try await h.player()
            let documents = h.kyc.documents
            await #expect(throws: DocumentRefusal.unsupportedType) {
                try await documents.submit(player: player, kind: .identityDocument, bytes: Data(Self.elf), claimedFilename: "passport.jpg")
            }
            await #expect(throws: DocumentRefusal.unsupportedType) {
                try await documents.submit(player: player, kind: .proofOfAddress, bytes: Data(Self.mz), claimedFilename: "bill.pdf")
            }
            await #expect(throws: DocumentRefusal.empty) {
                try await documents.submit(player: player, kind: .selfie, bytes: Data(), claimedFilename: "me.png")
            }
            var oversized = Data(Self.pdf)
            oversized.append(Data(count: DocumentLimits.maxBytes + 1 - oversized.count))
            #expect(oversized.count == 10 * 1024 * 1024 + 1)
            await #expect(throws: DocumentRefusal.tooLarge(maxBytes: 10 * 1024 * 1024)) {
                try await documents.submit(player: player, kind: .sourceOfFunds, bytes: oversized, claimedFilename: "statement.pdf")
            }
            #expect(try await h.count("SELECT count(*)::text FROM compliance_documents") == 0)
            // Exactly 10 MiB passes.
            oversized.removeLast()
            let largest = try await documents.submit(
                player: player, kind: .sourceOfFunds, bytes: oversized, claimedFilename: "statement.pdf")
            #expect(largest.sizeBytes == DocumentLimits.maxBytes && largest.contentType == .pdf)
        }
    }

    @Test func storedBytesAreSealedAndComeBackToStaffUnchangedWithTheirHash() async throws {
        try await ComplianceHarness.with { h in
            let player = try await h.player()
            let bytes = Data(Self.png + Array(repeating: 0x42, count: 64))
            let document = try await h.kyc.documents.submit(
                player: player, kind: .selfie, bytes: bytes, claimedFilename: "../../etc/me\u{202E}gnp.exe")
            #expect(document.contentType == .png && document.state == .pending && document.sizeBytes == bytes.count)
            #expect(document.sha256 == Hex.encode(SHA256.hash(data: bytes)))
            #expect(document.claimedFilename == "megnp.exe", "the path and the bidi override are dropped")
            // The row holds ciphertext: the plaintext's distinctive run is nowhere in it.
            #expect(
                try await h.count(
                    "SELECT count(*)::text FROM compliance_documents WHERE position('\\x4242424242424242'::bytea in sealed) > 0") == 0)
            let content = try await h.kyc.documents.content(document.id, staff: 11)
            #expect(content.bytes == bytes && content.downloadName == "\(document.id).png")
            let viewed = try await AuditLog(database: h.database, logger: h.logger).search(.init(action: "compliance.document_viewed"))
            #expect(viewed.map(\.entry.actor) == ["staff:11"] && viewed.first?.entry.target == "document:\(document.id)")
            // Sealed bytes copied onto another document's row do not open there.
            let other = try await h.kyc.documents.submit(
                player: player, kind: .identityDocument, bytes: Data(Self.jpeg), claimedFilename: "id.jpg")
            _ = try await h.strings(
                "UPDATE compliance_documents SET sealed = (SELECT sealed FROM compliance_documents WHERE public_id = '\(document.id)') WHERE public_id = '\(other.id)' RETURNING ''"
            )
            await #expect(throws: RowSealer.Unopenable.self) { try await h.kyc.documents.content(other.id, staff: 11) }
            let listed = try await h.kyc.documents.documents(of: player)
            #expect(listed.map(\.id) == [other.id, document.id])
        }
    }

    @Test func aRejectionCarriesReasonsThePlayerSeesAndPendingDocumentsAreCapped() async throws {
        try await ComplianceHarness.with { h in
            let player = try await h.player()
            let document = try await h.kyc.documents.submit(
                player: player, kind: .identityDocument, bytes: Data(Self.jpeg), claimedFilename: "id.jpg")
            await #expect(throws: DocumentRefusal.reasonMissing) { try await h.kyc.documents.reject(document.id, reason: "  ", staff: 2) }
            _ = try await h.kyc.documents.reject(document.id, reason: "The photo is blurred: upload a sharper one.", staff: 2)
            await #expect(throws: DocumentRefusal.alreadyReviewed) { try await h.kyc.documents.approve(document.id, staff: 2) }
            let seen = try await h.kyc.verification(of: player).documents.first
            #expect(seen?.state == .rejected && seen?.reason == "The photo is blurred: upload a sharper one.")
            for _ in 0..<DocumentLimits.maxPending {
                _ = try await h.kyc.documents.submit(player: player, kind: .selfie, bytes: Data(Self.png), claimedFilename: "s.png")
            }
            await #expect(throws: DocumentRefusal.tooManyPending(max: DocumentLimits.maxPending)) {
                try await h.kyc.documents.submit(player: player, kind: .selfie, bytes: Data(Self.png), claimedFilename: "s.png")
            }
            #expect(try await h.kyc.documents.pending().count == DocumentLimits.maxPending)
        }
    }
}
