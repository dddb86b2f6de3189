import Reporting
import Testing

@testable import App

/// A report as CSV: quoted where RFC 4180 says, and no cell a spreadsheet would run as a formula.
@Suite struct ReportCSVTests {
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
}
