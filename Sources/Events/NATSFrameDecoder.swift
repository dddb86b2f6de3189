import NIOCore

enum NATSFrame: Sendable {
    case info(String)
    case ping
    case pong
    case ok
    case error(String)
    /// A message and the id of the subscription it came through.
    case message(NATSConnection.Message, sid: String)
    case malformed(String)
}

/// Hands the server's byte stream, split into protocol frames by `NATSFrameParser`, in order,
/// onto an AsyncStream.
final class NATSFrameDecoder: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private var parser = NATSFrameParser()
    private let sink: AsyncStream<NATSFrame>.Continuation

    init(sink: AsyncStream<NATSFrame>.Continuation) {
        self.sink = sink
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        for frame in parser.frames(after: unwrapInboundIn(data)) { sink.yield(frame) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        sink.finish()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        sink.finish()
        context.close(promise: nil)
    }
}

/// The NATS protocol's framing, apart from any channel: bytes in as they arrive, whole frames
/// out; a frame split across reads waits for its end.
///
/// Read byte by byte: every event the server consumes arrives as a frame or two, and splitting
/// lines as `String`s (grapheme by grapheme) with Foundation's trimming cost 4.5 % of the
/// server's CPU under the Hub88 benchmark (docs/benchmarks.md). Only the control lines' ASCII is
/// looked at; names and values become `String`s once, as they are handed on.
struct NATSFrameParser {
    private typealias Bytes = ByteBufferView.SubSequence

    private var buffer = ByteBuffer()

    /// Appends what was read and answers every frame now complete, in order.
    mutating func frames(after read: ByteBuffer) -> [NATSFrame] {
        var incoming = read
        buffer.writeBuffer(&incoming)
        var frames: [NATSFrame] = []
        while let frame = nextFrame() { frames.append(frame) }
        buffer.discardReadBytes()
        return frames
    }

    /// One frame, or nil when the buffer does not hold a whole one yet.
    private mutating func nextFrame() -> NATSFrame? {
        let view = buffer.readableBytesView
        guard let newline = view.firstIndex(of: Self.lineFeed) else { return nil }
        let lineLength = newline - view.startIndex + 1
        var end = newline
        while end > view.startIndex, view[end - 1] == Self.carriageReturn || view[end - 1] == Self.lineFeed { end -= 1 }
        let line = view[view.startIndex..<end]
        let parts = Self.fields(of: line, separatedBy: Self.space)
        let verb = parts.first.map(Self.verb) ?? ""
        if verb == "MSG" || verb == "HMSG" {
            return message(hasHeaders: verb == "HMSG", parts: parts, lineLength: lineLength, line: line)
        }
        buffer.moveReaderIndex(forwardBy: lineLength)
        switch verb {
        case "INFO": return .info(Self.text(line.dropFirst(5)))
        case "PING": return .ping
        case "PONG": return .pong
        case "+OK": return .ok
        case "-ERR": return .error(Self.text(Self.trimming(line.dropFirst(5), Self.quoting)))
        default: return .malformed(Self.text(line))
        }
    }

    /// `MSG <subject> <sid> [reply] <bytes>` or `HMSG <subject> <sid> [reply] <hdr> <total>`,
    /// followed by the payload and CRLF.
    private mutating func message(hasHeaders: Bool, parts: [Bytes], lineLength: Int, line: Bytes) -> NATSFrame? {
        let counts = hasHeaders ? 2 : 1
        guard parts.count == 3 + counts || parts.count == 4 + counts, let total = Self.count(parts[parts.count - 1]),
            let headerLength = hasHeaders ? Self.count(parts[parts.count - 2]) : 0, headerLength <= total
        else {
            buffer.moveReaderIndex(forwardBy: lineLength)
            return .malformed(Self.text(line))
        }
        guard buffer.readableBytes >= lineLength + total + 2 else { return nil }
        let (status, headers) = Self.headers(buffer.readableBytesView.dropFirst(lineLength).prefix(headerLength))
        let reply = parts.count == 4 + counts ? Self.text(parts[3]) : nil
        let subject = Self.text(parts[1])
        let sid = Self.text(parts[2])
        buffer.moveReaderIndex(forwardBy: lineLength + headerLength)
        let payload = buffer.readBytes(length: total - headerLength) ?? []
        buffer.moveReaderIndex(forwardBy: 2)
        return .message(.init(subject: subject, headers: headers, status: status, payload: payload, replyTo: reply), sid: sid)
    }

    /// A header block: `NATS/1.0[ <status>[ <description>]]`, then `Name: value` lines, each
    /// ended by CRLF. Lines without a colon are skipped; a value loses its surrounding blanks.
    private static func headers(_ block: Bytes) -> (status: Int?, headers: [String: String]) {
        var status: Int?
        var headers: [String: String] = [:]
        var start = block.startIndex
        var index = block.startIndex
        var isFirst = true
        while index <= block.endIndex {
            let endsLine =
                index == block.endIndex || (block[index] == carriageReturn && index + 1 < block.endIndex && block[index + 1] == lineFeed)
            guard endsLine else {
                index += 1
                continue
            }
            let headerLine = block[start..<index]
            index += 2
            start = index
            if headerLine.isEmpty { continue }
            if isFirst {
                isFirst = false
                let statusLine = fields(of: headerLine, separatedBy: space)
                if statusLine.count >= 2 { status = count(statusLine[1]) }
            } else if let nameEnd = headerLine.firstIndex(of: colon) {
                headers[text(headerLine[..<nameEnd])] = text(trimming(headerLine[(nameEnd + 1)...], blanks))
            }
        }
        return (status, headers)
    }

    /// The non-empty runs of `bytes` between separators.
    private static func fields(of bytes: Bytes, separatedBy separator: UInt8) -> [Bytes] {
        var fields: [Bytes] = []
        fields.reserveCapacity(6)
        var start = bytes.startIndex
        for index in bytes.indices where bytes[index] == separator {
            if index > start { fields.append(bytes[start..<index]) }
            start = index + 1
        }
        if start < bytes.endIndex { fields.append(bytes[start..<bytes.endIndex]) }
        return fields
    }

    /// A control line's verb in upper case; "" when too long to be one (no verb has more than four letters).
    private static func verb(_ field: Bytes) -> String {
        guard field.count <= 4 else { return "" }
        return String(decoding: field.lazy.map { $0 >= 0x61 && $0 <= 0x7A ? $0 - 0x20 : $0 }, as: UTF8.self)
    }

    /// A byte count: decimal digits only, at most 18 of them.
    private static func count(_ field: Bytes) -> Int? {
        guard !field.isEmpty, field.count <= 18 else { return nil }
        var value = 0
        for byte in field {
            guard byte >= 0x30, byte <= 0x39 else { return nil }
            value = value * 10 + Int(byte - 0x30)
        }
        return value
    }

    private static func trimming(_ bytes: Bytes, _ blanks: [UInt8]) -> Bytes {
        var start = bytes.startIndex
        var end = bytes.endIndex
        while start < end, blanks.contains(bytes[start]) { start += 1 }
        while end > start, blanks.contains(bytes[end - 1]) { end -= 1 }
        return bytes[start..<end]
    }

    private static func text(_ bytes: Bytes) -> String { String(decoding: bytes, as: UTF8.self) }

    private static let lineFeed = UInt8(ascii: "\n")
    private static let carriageReturn = UInt8(ascii: "\r")
    private static let space = UInt8(ascii: " ")
    private static let tab = UInt8(ascii: "\t")
    private static let colon = UInt8(ascii: ":")
    /// What surrounds a header's value, and an error's text.
    private static let blanks = [space, tab]
    private static let quoting = [UInt8(ascii: "'"), space]
}
