import Core
import Foundation
import Testing

@Suite struct MultipartFormTests {
    static let type = "multipart/form-data; boundary=----WebKitFormBoundaryx7Zq"

    static func body(_ text: String, then bytes: [UInt8] = [], _ tail: String = "") -> [UInt8] {
        Array(text.replacingOccurrences(of: "\n", with: "\r\n").utf8) + bytes
            + Array(tail.replacingOccurrences(of: "\n", with: "\r\n").utf8)
    }

    @Test func readsFieldsAndAFileAsABrowserSendsThem() throws {
        // Binary content holding CRLF and the boundary's text one dash short of a delimiter.
        let file: [UInt8] = [0xFF, 0xD8, 0xFF, 0x0D, 0x0A, 0x2D] + Array("----WebKitFormBoundaryx7Zq".utf8) + [0x00, 0x0D, 0x0A]
        let form = try MultipartForm(
            body: Self.body(
                """
                ------WebKitFormBoundaryx7Zq
                Content-Disposition: form-data; name="csrf"

                tok en
                ------WebKitFormBoundaryx7Zq
                Content-Disposition: form-data; name="document"; filename="pass;port.jpg"
                Content-Type: image/jpeg


                """, then: file,
                """

                ------WebKitFormBoundaryx7Zq--

                """),
            contentType: Self.type)
        #expect(form.parts.count == 2)
        #expect(form.field("csrf") == "tok en")
        #expect(form.field("document") == nil)
        let document = try #require(form.file("document"))
        #expect(document.filename == "pass;port.jpg")
        #expect(document.contentType == "image/jpeg")
        #expect(document.body == file)
    }

    @Test func takesAQuotedBoundaryAndAnEmptyFile() throws {
        let form = try MultipartForm(
            body: Self.body(
                """
                --a b
                Content-Disposition: form-data; name="f"; filename=""


                --a b--
                """), contentType: "Multipart/Form-Data; charset=utf-8; boundary=\"a b\"")
        #expect(form.file("f")?.body == [])
        #expect(form.file("f")?.filename == "")
    }

    @Test(arguments: [
        "application/x-www-form-urlencoded", "multipart/form-data", "multipart/form-data; boundary=",
        "multipart/mixed; boundary=abc", "multipart/form-data; boundary=\(String(repeating: "x", count: 71))",
    ])
    func refusesAnotherContentType(_ type: String) {
        #expect(throws: MultipartForm.Problem.notMultipart) { try MultipartForm(body: Self.body("--abc--"), contentType: type) }
    }

    @Test(arguments: [
        // No closing boundary.
        "--abc\nContent-Disposition: form-data; name=\"a\"\n\nx",
        // No blank line after the headers.
        "--abc\nContent-Disposition: form-data; name=\"a\"",
        // A part without a name, or not form-data.
        "--abc\nContent-Disposition: form-data\n\nx\n--abc--",
        "--abc\nContent-Disposition: attachment; name=\"a\"\n\nx\n--abc--",
        // A header line without a colon.
        "--abc\nContent-Disposition form-data; name=\"a\"\n\nx\n--abc--",
        // Something before the first boundary, or junk after one.
        "preamble\n--abc\nContent-Disposition: form-data; name=\"a\"\n\nx\n--abc--",
        "--abcjunk\nContent-Disposition: form-data; name=\"a\"\n\nx\n--abc--",
        "",
    ])
    func refusesAMalformedBody(_ text: String) {
        #expect(throws: MultipartForm.Problem.malformed) {
            try MultipartForm(body: Self.body(text), contentType: "multipart/form-data; boundary=abc")
        }
    }

    @Test func refusesHeadersThatAreNotUTF8() {
        let body = Array("--abc\r\nContent-Disposition: form-data; name=\"".utf8) + [0xC3, 0x28] + Array("\"\r\n\r\nx\r\n--abc--".utf8)
        #expect(throws: MultipartForm.Problem.malformed) { try MultipartForm(body: body, contentType: "multipart/form-data; boundary=abc") }
    }

    @Test func boundsTheNumberOfParts() {
        let part = "--abc\nContent-Disposition: form-data; name=\"a\"\n\nx\n"
        let text = String(repeating: part, count: 5) + "--abc--"
        #expect(throws: MultipartForm.Problem.tooManyParts) {
            try MultipartForm(body: Self.body(text), contentType: "multipart/form-data; boundary=abc", maximumParts: 4)
        }
        #expect(
            (try? MultipartForm(body: Self.body(text), contentType: "multipart/form-data; boundary=abc", maximumParts: 5))?.parts.count == 5
        )
    }
}
