import Foundation

/// A ZIP archive whose entries are stored, not compressed (PKWARE APPNOTE 4.3): enough for an
/// XLSX of a report, which is small, and no dependency for it.
struct StoredZIP {
    private var body: [UInt8] = []
    private var directory: [UInt8] = []
    private var count: UInt16 = 0

    mutating func add(_ name: String, _ data: [UInt8]) {
        let nameBytes = Array(name.utf8)
        let crc = CRC32.checksum(data)
        let offset = UInt32(body.count)
        // Local file header: version 2.0, no flags, stored, no time, CRC, sizes, name.
        body += Self.le32(0x0403_4b50) + Self.le16(20) + Self.le16(0) + Self.le16(0) + Self.le16(0) + Self.le16(0x21)
        body += Self.le32(crc) + Self.le32(UInt32(data.count)) + Self.le32(UInt32(data.count))
        body += Self.le16(UInt16(nameBytes.count)) + Self.le16(0) + nameBytes + data
        // Its central directory record.
        directory += Self.le32(0x0201_4b50) + Self.le16(20) + Self.le16(20) + Self.le16(0) + Self.le16(0) + Self.le16(0)
        directory += Self.le16(0x21) + Self.le32(crc) + Self.le32(UInt32(data.count)) + Self.le32(UInt32(data.count))
        directory += Self.le16(UInt16(nameBytes.count)) + Self.le16(0) + Self.le16(0) + Self.le16(0) + Self.le16(0)
        directory += Self.le32(0) + Self.le32(offset) + nameBytes
        count += 1
    }

    /// The archive: entries, central directory, end of central directory.
    var bytes: [UInt8] {
        body + directory + Self.le32(0x0605_4b50) + Self.le16(0) + Self.le16(0) + Self.le16(count) + Self.le16(count)
            + Self.le32(UInt32(directory.count)) + Self.le32(UInt32(body.count)) + Self.le16(0)
    }

    static func le16(_ value: UInt16) -> [UInt8] { [UInt8(value & 0xff), UInt8(value >> 8)] }
    static func le32(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8((value >> (8 * $0)) & 0xff) } }
}

/// CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320), as ZIP checks each entry.
enum CRC32 {
    static let table: [UInt32] = (0..<256).map { index in
        var value = UInt32(index)
        for _ in 0..<8 { value = value & 1 == 1 ? 0xEDB8_8320 ^ (value >> 1) : value >> 1 }
        return value
    }

    static func checksum(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xff)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }
}
