import Foundation
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
struct NATSFrameParser {
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
        guard let newline = view.firstIndex(of: UInt8(ascii: "\n")) else { return nil }
        let lineLength = newline - view.startIndex + 1
        guard let lineText = buffer.getString(at: buffer.readerIndex, length: lineLength) else { return nil }
        let line = lineText.trimmingTrailingCRLF()
        let parts = line.split(separator: " ", omittingEmptySubsequences: true)
        guard let verb = parts.first?.uppercased() else {
            buffer.moveReaderIndex(forwardBy: lineLength)
            return .malformed(line)
        }
        switch verb {
        case "MSG", "HMSG":
            return message(verb: verb, parts: parts, lineLength: lineLength, line: line)
        default:
            buffer.moveReaderIndex(forwardBy: lineLength)
        }
        switch verb {
        case "INFO": return .info(String(line.dropFirst(5)))
        case "PING": return .ping
        case "PONG": return .pong
        case "+OK": return .ok
        case "-ERR": return .error(String(line.dropFirst(5)).trimmingCharacters(in: ["'", " "]))
        default: return .malformed(line)
        }
    }

    /// `MSG <subject> <sid> [reply] <bytes>` or `HMSG <subject> <sid> [reply] <hdr> <total>`,
    /// followed by the payload and CRLF.
    private mutating func message(verb: String, parts: [Substring], lineLength: Int, line: String) -> NATSFrame? {
        let hasHeaders = verb == "HMSG"
        let counts = hasHeaders ? 2 : 1
        guard parts.count == 3 + counts || parts.count == 4 + counts,
            let total = Int(parts[parts.count - 1]), total >= 0
        else {
            buffer.moveReaderIndex(forwardBy: lineLength)
            return .malformed(line)
        }
        let headerLength = hasHeaders ? Int(parts[parts.count - 2]) ?? -1 : 0
        guard headerLength >= 0, headerLength <= total else {
            buffer.moveReaderIndex(forwardBy: lineLength)
            return .malformed(line)
        }
        guard buffer.readableBytes >= lineLength + total + 2 else { return nil }
        buffer.moveReaderIndex(forwardBy: lineLength)
        let headerText = buffer.readString(length: headerLength) ?? ""
        let payload = buffer.readBytes(length: total - headerLength) ?? []
        buffer.moveReaderIndex(forwardBy: 2)
        var headers: [String: String] = [:]
        var status: Int?
        for (index, headerLine) in headerText.split(separator: "\r\n").enumerated() {
            if index == 0 {
                let fields = headerLine.split(separator: " ")
                if fields.count >= 2 { status = Int(fields[1]) }
                continue
            }
            guard let colon = headerLine.firstIndex(of: ":") else { continue }
            headers[String(headerLine[..<colon])] = headerLine[headerLine.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let reply = parts.count == 4 + counts ? String(parts[3]) : nil
        return .message(
            .init(subject: String(parts[1]), headers: headers, status: status, payload: payload, replyTo: reply), sid: String(parts[2]))
    }
}

extension String {
    fileprivate func trimmingTrailingCRLF() -> String {
        var text = self
        while let last = text.last, last == "\r\n" || last == "\n" || last == "\r" { text.removeLast() }
        return text
    }
}
