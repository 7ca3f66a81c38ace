//! A spreadsheet file as it comes: any common encoding, comma, semicolon or tab, CRLF, quoted
//! newlines. Anything that is not a table of text is refused whole with the reason.

use encoding_rs::{Encoding, UTF_16BE, UTF_16LE, UTF_8};

use crate::ImportError;

/// Larger files are not spreadsheets a group keeps by hand.
pub const MAX_FILE: usize = 64 << 20;
pub const MAX_COLUMNS: usize = 500;
/// A cell longer than this is not something typed into a sheet.
pub const MAX_CELL: usize = 100_000;
pub const MAX_ROWS: usize = 200_000;

/// The rows of a file, as text.
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    /// The header row's names; column numbers ("column 1"…) for a file without one.
    pub headers: Vec<String>,
    pub rows: Vec<Row>,
    /// The encoding the file was read in, as named by the WHATWG standard ("UTF-8", "windows-1252").
    pub encoding: &'static str,
    pub delimiter: char,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// The line the row starts on in the file, counting from 1 (a quoted cell may span lines).
    pub line: u64,
    pub cells: Vec<String>,
}

impl Row {
    /// The cell in `column`, or "" for a short row.
    pub fn cell(&self, column: usize) -> &str {
        self.cells.get(column).map_or("", |c| c.trim())
    }
}

impl Table {
    /// Reads `bytes`; with `has_headers` the first row names the columns. Blank rows are left out.
    pub fn read(bytes: &[u8], has_headers: bool) -> Result<Table, ImportError> {
        if bytes.len() > MAX_FILE {
            return Err(ImportError::TooLarge { bytes: bytes.len(), max: MAX_FILE });
        }
        let (text, encoding) = decode(bytes)?;
        let delimiter = sniff_delimiter(&text);
        let mut reader = csv::ReaderBuilder::new().delimiter(delimiter).has_headers(false).flexible(true).from_reader(text.as_bytes());
        let mut rows = Vec::new();
        // The reader's own line count skips blank lines and CRLFs; counting newlines up to
        // where each record starts gives the line a text editor shows.
        let (mut line, mut counted_to) = (1, 0);
        for record in reader.records() {
            let record = record.map_err(|e| ImportError::Unreadable(e.to_string()))?;
            // A record's position can be the line break that ended the one before.
            let at = record.position().map_or(counted_to, |p| p.byte() as usize);
            let start = at + text.as_bytes()[at..].iter().take_while(|&&b| b == b'\r' || b == b'\n').count();
            line += text.as_bytes()[counted_to..start].iter().filter(|&&b| b == b'\n').count() as u64;
            counted_to = start;
            if record.len() > MAX_COLUMNS {
                return Err(ImportError::TooManyColumns { line, columns: record.len(), max: MAX_COLUMNS });
            }
            if record.iter().any(|cell| cell.len() > MAX_CELL) {
                return Err(ImportError::CellTooLong { line, max: MAX_CELL });
            }
            if record.iter().all(|cell| cell.trim().is_empty()) {
                continue;
            }
            if rows.len() == MAX_ROWS + usize::from(has_headers) {
                return Err(ImportError::TooManyRows { max: MAX_ROWS });
            }
            rows.push(Row { line, cells: record.iter().map(str::to_string).collect() });
        }
        let headers = match has_headers {
            true if rows.is_empty() => return Err(ImportError::Empty),
            true => rows.remove(0).cells.iter().map(|h| h.trim().to_string()).collect(),
            false => (1..=rows.iter().map(|r| r.cells.len()).max().unwrap_or(0)).map(|n| format!("column {n}")).collect(),
        };
        if rows.is_empty() {
            return Err(ImportError::Empty);
        }
        Ok(Table { headers, rows, encoding: encoding.name(), delimiter: char::from(delimiter) })
    }
}

/// The text of `bytes`: by its byte order mark, else UTF-8 if it is valid UTF-8, else the
/// legacy encoding a detector finds most likely (Windows-1252 for most Spanish sheets).
fn decode(bytes: &[u8]) -> Result<(String, &'static Encoding), ImportError> {
    let (encoding, bom) = Encoding::for_bom(bytes).unwrap_or_else(|| {
        if std::str::from_utf8(bytes).is_ok() {
            (UTF_8, 0)
        } else {
            let mut detector = chardetng::EncodingDetector::new();
            detector.feed(bytes, true);
            (detector.guess(None, true), 0)
        }
    });
    let body = &bytes[bom..];
    // UTF-16 text has NUL bytes by design; anywhere else they mean a binary file.
    if encoding != UTF_16LE && encoding != UTF_16BE && body.contains(&0) {
        return Err(ImportError::Binary);
    }
    let text = encoding.decode_without_bom_handling_and_without_replacement(body).ok_or(ImportError::Undecodable(encoding.name()))?;
    Ok((text.into_owned(), encoding))
}

/// The delimiter a sheet uses: whichever of comma, semicolon and tab its first line has most of
/// (outside quotes). Spreadsheets in Spanish locales save CSV with semicolons.
fn sniff_delimiter(text: &str) -> u8 {
    let (mut counts, mut quoted) = ([0usize; 3], false);
    for c in text.chars().take(64 * 1024) {
        match c {
            '"' => quoted = !quoted,
            '\n' if !quoted => break,
            ',' if !quoted => counts[0] += 1,
            ';' if !quoted => counts[1] += 1,
            '\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let best = (0..3).max_by_key(|&i| (counts[i], std::cmp::Reverse(i))).unwrap_or(0);
    [b',', b';', b'\t'][best]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bom_crlf_and_quoted_newlines_are_read_as_meant() {
        let table = Table::read(b"\xEF\xBB\xBFName,Note\r\nAna,\"two\r\nlines\"\r\n\r\nBo,x\r\n", true).unwrap();
        assert_eq!(table.headers, ["Name", "Note"]);
        assert_eq!(table.rows.len(), 2);
        assert_eq!(table.rows[0].cells[1], "two\r\nlines");
        assert_eq!((table.rows[0].line, table.rows[1].line), (2, 5));
        assert_eq!(table.encoding, "UTF-8");
    }

    #[test]
    fn windows_1252_and_semicolons_are_found() {
        let table = Table::read(b"Nombre;Barrio\nNu\xF1ez;Cami\xF3n\n", true).unwrap();
        assert_eq!(table.delimiter, ';');
        assert_eq!(table.encoding, "windows-1252");
        assert_eq!(table.rows[0].cells, ["Nuñez", "Camión"]);
    }

    #[test]
    fn a_file_without_headers_numbers_its_columns() {
        let table = Table::read(b"1,member,2,member,3600\n", false).unwrap();
        assert_eq!(table.headers[4], "column 5");
        assert_eq!(table.rows[0].line, 1);
    }

    #[test]
    fn what_is_not_a_table_of_text_is_refused() {
        assert!(matches!(Table::read(b"PK\x03\x04\x00\x00binary", true), Err(ImportError::Binary)));
        assert!(matches!(Table::read(b"", true), Err(ImportError::Empty)));
        assert!(matches!(Table::read(b"only,a,header\n", true), Err(ImportError::Empty)));
        let wide = format!("{}\n", vec!["x"; MAX_COLUMNS + 1].join(","));
        assert!(matches!(Table::read(wide.as_bytes(), true), Err(ImportError::TooManyColumns { line: 1, .. })));
        let long = format!("a\n{}\n", "y".repeat(MAX_CELL + 1));
        assert!(matches!(Table::read(long.as_bytes(), true), Err(ImportError::CellTooLong { line: 2, .. })));
        assert!(matches!(Table::read(b"a\n\"unclosed\n", true), Ok(_) | Err(ImportError::Unreadable(_))));
    }
}
