import Reporting
import Testing

@testable import App

/// A report's exports: CSV quoted where RFC 4180 says and with no cell a spreadsheet would run as a
/// formula; the XLSX's ZIP checksums (the workbook itself is read back by openpyxl in e2e/test_reports.py).
@Suite struct ReportExportTests {
    @Test func cellsAreQuotedAndFormulasDefused() {
        let table = ReportRunner.Table(
            columns: ["provider", "ggr"],
            rows: [
                ["=HYPERLINK(\"x\")", "-12.50000"], ["a,b", "3"], ["say \"hi\"\n", "0"], ["@sum", "1"], ["+1", "2"], ["plain", "-1"],
            ])
        #expect(
            ReportCSV.text(table)
                == "provider,ggr\r\n\"'=HYPERLINK(\"\"x\"\")\",-12.50000\r\n\"a,b\",3\r\n\"say \"\"hi\"\"\n\",0\r\n'@sum,1\r\n+1,2\r\nplain,-1\r\n"
        )
    }

    @Test func theZIPChecksumIsCRC32AndXMLTextIsEscaped() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926, "the standard check value")
        #expect(CRC32.checksum([]) == 0)
        #expect(ReportXLSX.escaped("<a href=\"x\">&\u{0}\u{1b}ok\n") == "&lt;a href=&quot;x&quot;&gt;&amp;ok\n")
    }
}
