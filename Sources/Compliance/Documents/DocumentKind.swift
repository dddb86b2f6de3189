import Core
import Foundation

/// What a KYC document shows.
public enum DocumentKind: String, Sendable, CaseIterable, Codable {
    case identityDocument, selfie, proofOfAddress, sourceOfFunds
}

/// The three types a document may be, found in its first bytes (its magic number), never in the
/// name the player gave it: a program renamed `passport.jpg` is still a program and is refused.
public enum DocumentContentType: String, Sendable, CaseIterable, Codable {
    case jpeg = "image/jpeg"
    case png = "image/png"
    case pdf = "application/pdf"

    /// The type `bytes` start like, or nil for anything else (executables, archives, HTML, text…).
    public static func sniff<Bytes: Collection>(_ bytes: Bytes) -> DocumentContentType? where Bytes.Element == UInt8 {
        let head = Array(bytes.prefix(8))
        if head.starts(with: [0xFF, 0xD8, 0xFF]) { return .jpeg }
        if head.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if head.starts(with: Array("%PDF-".utf8)) { return .pdf }
        return nil
    }

    /// The extension a download is named with, from the type found, not the name given.
    public var fileExtension: String {
        switch self {
        case .jpeg: "jpg"
        case .png: "png"
        case .pdf: "pdf"
        }
    }
}

/// One document as the player and the review queue see it: never its bytes.
public struct KYCDocument: Sendable, Equatable {
    public enum State: String, Sendable, CaseIterable { case pending, approved, rejected }

    /// `doc_` and 22 random URL-safe characters.
    public let id: String
    public let player: PlayerID
    public let kind: DocumentKind
    public let contentType: DocumentContentType
    public let sizeBytes: Int
    /// Hex SHA-256 of the bytes as uploaded.
    public let sha256: String
    /// The name the player's file had, kept only to help staff (never trusted for the type).
    public let claimedFilename: String
    public let state: State
    /// Staff's words when rejected, shown to the player.
    public let reason: String?
    public let createdAt: Date
    public let reviewedAt: Date?
}

/// A document's bytes for a staff member who reviews it.
public struct DocumentContent: Sendable {
    public let document: KYCDocument
    public let bytes: Data
    /// What to name the download: the id and the extension of the type found.
    public var downloadName: String { "\(document.id).\(document.contentType.fileExtension)" }
}

/// Why an upload or a review was refused; an upload refused stores nothing.
public enum DocumentRefusal: Error, Sendable, Equatable {
    case empty
    /// More than `DocumentLimits.maxBytes` (10 MiB).
    case tooLarge(maxBytes: Int)
    /// Not a JPEG, PNG or PDF by its content, whatever its name says.
    case unsupportedType
    /// Too many documents wait for review already.
    case tooManyPending(max: Int)
    case notFound
    /// Approved or rejected already.
    case alreadyReviewed
    /// A rejection needs words the player can act on (1 to 1000 characters).
    case reasonMissing

    public var code: String {
        switch self {
        case .empty: "documentEmpty"
        case .tooLarge: "documentTooLarge"
        case .unsupportedType: "documentTypeUnsupported"
        case .tooManyPending: "documentTooManyPending"
        case .notFound: "documentNotFound"
        case .alreadyReviewed: "documentAlreadyReviewed"
        case .reasonMissing: "reasonMissing"
        }
    }
}

public enum DocumentLimits {
    /// 10 MiB: a phone photo or a scanned PDF fits; the App sets the same limit on the upload route.
    public static let maxBytes = 10 * 1024 * 1024
    /// Documents of one player waiting for review at once.
    public static let maxPending = 10
}
