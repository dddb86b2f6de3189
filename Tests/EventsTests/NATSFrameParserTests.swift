import NIOCore
import Testing

@testable import Events

/// The NATS protocol's frames as the server sends them
/// (https://docs.nats.io/reference/reference-protocols/nats-protocol), parsed without a server.
@Suite struct NATSFrameParserTests {
    /// A frame as comparable text: its kind and what it carries.
    static func describe(_ frame: NATSFrame) -> String {
        switch frame {
        case .info(let json): "info \(json)"
        case .ping: "ping"
        case .pong: "pong"
        case .ok: "ok"
        case .error(let message): "error \(message)"
        case .malformed(let line): "malformed \(line)"
        case .message(let message, let sid):
            "message \(message.subject) sid=\(sid) reply=\(message.replyTo ?? "none") status=\(message.status.map(String.init) ?? "none") "
                + "headers=\(message.headers.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value)" }.joined(separator: ",")) "
                + "payload=\(String(decoding: message.payload, as: UTF8.self))"
        }
    }

    static func parse(_ reads: [String]) -> [[String]] {
        var parser = NATSFrameParser()
        return reads.map { read in parser.frames(after: ByteBuffer(string: read)).map(describe) }
    }

    @Test func controlLines() {
        let frames = Self.parse([
            "INFO {\"server_id\":\"N1\",\"headers\":true,\"jetstream\":true}\r\nPING\r\nPONG\r\n+OK\r\n-ERR 'Unknown Protocol Operation'\r\n"
        ])
        #expect(
            frames == [
                [
                    "info {\"server_id\":\"N1\",\"headers\":true,\"jetstream\":true}", "ping", "pong", "ok",
                    "error Unknown Protocol Operation",
                ]
            ])
    }

    @Test func messagesWithAndWithoutReplySubjects() {
        let frames = Self.parse(["MSG orders.new 7 5\r\nhello\r\nMSG _INBOX.abc.1 1 orders.reply 0\r\n\r\n"])
        #expect(
            frames == [
                [
                    "message orders.new sid=7 reply=none status=none headers= payload=hello",
                    "message _INBOX.abc.1 sid=1 reply=orders.reply status=none headers= payload=",
                ]
            ])
    }

    @Test func messagesWithHeadersAndAHeaderOnlyStatus() {
        let headers = "NATS/1.0\r\nNats-Msg-Id: event-1\r\nNats-Expected-Stream: EVENTS\r\n\r\n"
        let payload = "{\"stream\":\"EVENTS\",\"seq\":3}"
        let status = "NATS/1.0 503\r\n\r\n"
        let frames = Self.parse([
            "HMSG _INBOX.x.1 1 \(headers.utf8.count) \(headers.utf8.count + payload.utf8.count)\r\n\(headers)\(payload)\r\n"
                + "HMSG _INBOX.x.2 1 reply.to \(status.utf8.count) \(status.utf8.count)\r\n\(status)\r\n"
        ])
        #expect(
            frames == [
                [
                    "message _INBOX.x.1 sid=1 reply=none status=none headers=Nats-Expected-Stream:EVENTS,Nats-Msg-Id:event-1 payload=\(payload)",
                    "message _INBOX.x.2 sid=1 reply=reply.to status=503 headers= payload=",
                ]
            ])
    }

    /// TCP delivers bytes, not frames: a frame cut anywhere waits for the rest.
    @Test func aFrameSplitAcrossTwoReads() {
        #expect(
            Self.parse(["MSG orders.new 7 11\r\nhello", " world\r\nPI", "NG\r\n"]) == [
                [], ["message orders.new sid=7 reply=none status=none headers= payload=hello world"], ["ping"],
            ])
        #expect(
            Self.parse(["MSG orders.n", "ew 7 2\r\nhi\r\n"]) == [
                [], ["message orders.new sid=7 reply=none status=none headers= payload=hi"],
            ])
        #expect(Self.parse(["PONG\r", "\n"]) == [[], ["pong"]])
    }

    /// A line that is no frame is reported and skipped; what follows still parses.
    @Test func malformedLines() {
        let frames = Self.parse(["MSG orders.new\r\nHMSG s 1 9 4\r\nBOGUS stuff\r\n\r\nMSG s 1 many\r\nPING\r\n"])
        #expect(
            frames == [
                [
                    "malformed MSG orders.new", "malformed HMSG s 1 9 4", "malformed BOGUS stuff", "malformed ", "malformed MSG s 1 many",
                    "ping",
                ]
            ])
    }

    /// Verbs in any case; a header block's blank lines, its status description, blanks around
    /// values and a line without a colon; names and values beyond ASCII.
    @Test func headerDetailsAndCase() {
        let headers =
            "\r\nNATS/1.0 408 Request Timeout\r\nNats-Pending-Messages:\t 2 \r\nno colon here\r\nKey-\u{00E9}: caf\u{00E9}\r\n\r\n"
        let frames = Self.parse([
            "ping\r\nPong\r\n+ok\r\n-err  'Stale Connection' \r\n"
                + "hmsg _INBOX.\u{00E9}t\u{00E9}.1 9 \(headers.utf8.count) \(headers.utf8.count)\r\n\(headers)\r\n"
        ])
        #expect(
            frames == [
                [
                    "ping", "pong", "ok", "error Stale Connection",
                    "message _INBOX.\u{00E9}t\u{00E9}.1 sid=9 reply=none status=408 headers=Key-\u{00E9}:caf\u{00E9},Nats-Pending-Messages:2 payload=",
                ]
            ])
    }

    /// A payload is taken by its byte count, whatever it holds: line ends, verbs, blanks.
    @Test func aPayloadThatLooksLikeFrames() {
        let payload = "PING\r\nMSG a 1 2\r\n  \r\n"
        let frames = Self.parse(["MSG  data.x   3   reply.y  \(payload.utf8.count)\r\n\(payload)\r\nPONG\r\n"])
        #expect(
            frames == [
                [
                    "message data.x sid=3 reply=reply.y status=none headers= payload=\(payload)", "pong",
                ]
            ])
    }

    /// Counts that are not plain decimal numbers, or headers longer than the whole, make the
    /// line malformed.
    @Test func countsThatAreNotCounts() {
        let frames = Self.parse(["MSG s 1 -2\r\nMSG s 1 +2\r\nHMSG s 1 5 4\r\nMSG s 1 99999999999999999999\r\nMSG s 1 2\r\nok\r\n"])
        #expect(
            frames == [
                [
                    "malformed MSG s 1 -2", "malformed MSG s 1 +2", "malformed HMSG s 1 5 4", "malformed MSG s 1 99999999999999999999",
                    "message s sid=1 reply=none status=none headers= payload=ok",
                ]
            ])
    }

    /// The same bytes cut at every size of read give the same frames as one read.
    @Test func everyCutGivesTheSameFrames() {
        let headers = "NATS/1.0\r\nNats-Msg-Id: e-\u{00E9}\r\n\r\n"
        let stream =
            "INFO {\"max_payload\":1048576}\r\nMSG orders.new 7 5\r\nhello\r\nPING\r\n"
            + "HMSG _INBOX.x.1 1 ack.1 \(headers.utf8.count) \(headers.utf8.count + 2)\r\n\(headers){}\r\n-ERR 'Slow Consumer'\r\n"
        let bytes = Array(stream.utf8)
        let whole = Self.parse([stream]).flatMap { $0 }
        #expect(whole.count == 5)
        for size in 1...bytes.count {
            var parser = NATSFrameParser()
            var frames: [String] = []
            for start in stride(from: 0, to: bytes.count, by: size) {
                let read = ByteBuffer(bytes: bytes[start..<min(start + size, bytes.count)])
                frames += parser.frames(after: read).map(Self.describe)
            }
            #expect(frames == whole, "reads of \(size) bytes")
        }
    }
}
