import Foundation
import Identity
import Reporting

/// The mail of a scheduled report, in the schedule's language: what it is and for which days,
/// with the export attached, or, when the export is over `MailAttachment.maxBytes`, without it
/// and a link to the saved report in the console instead.
struct ScheduledReportMail: Sendable {
    let localization: Localization
    /// The console's address, for the link.
    let publicURL: String

    func mail(to recipient: String, report: SavedReport, spec: ReportSpec, file: ReportExport, rows: Int, language: String) -> OutgoingMail
    {
        func text(_ key: String) -> String { localization.string("mail.report.\(key)", in: language) }
        let period = spec.from == spec.to ? spec.from.text : "\(spec.from.text) – \(spec.to.text)"
        let attached = file.bytes.count <= MailAttachment.maxBytes
        let link = "\(publicURL)/admin/reports?saved=\(report.id)"
        let lines = [
            "\(report.name) · \(period) (\(spec.timeZone))", "\(text("rows")) \(rows)", attached ? text("attached") : text("tooLarge"),
            link,
        ]
        let html = lines.map { "<p>\(SignInMail.escape($0))</p>" }.joined(separator: "\n")
        let attachment = MailAttachment(
            name: file.fileName(Self.fileName(report.name, period: period)), contentType: file.contentType, bytes: file.bytes)
        return OutgoingMail(
            recipient: recipient, subject: "\(text("subject")): \(report.name) · \(period)", text: lines.joined(separator: "\n\n") + "\n",
            html: html, attachment: attached ? attachment : nil)
    }

    /// The report's name and period, without what a file system or a mail client trips on, and
    /// at most 90 bytes of UTF-8: percent-encoded in one `filename*` parameter, a longer name in
    /// another script would pass the 998 characters a mail header line may hold.
    static func fileName(_ name: String, period: String) -> String {
        let kept = "\(name) \(period)".unicodeScalars.map { scalar -> Character in
            scalar.properties.generalCategory == .control || "/\\:*?\"<>|".unicodeScalars.contains(scalar) ? "_" : Character(scalar)
        }
        var result = ""
        for character in kept where result.utf8.count + String(character).utf8.count <= 90 { result.append(character) }
        return result
    }
}
