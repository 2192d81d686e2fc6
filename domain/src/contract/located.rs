//! A contract document printed with the line of every JSON pointer, so findings can be shown
//! where they are in the document.

use serde_json::Value;
use std::collections::HashMap;

/// A document pretty-printed as JSON (two-space indent), one line per `lines` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct LocatedDocument {
    pub lines: Vec<String>,
    /// JSON pointer (without the leading `#`) to the 0-based line where its value starts.
    lines_by_pointer: HashMap<String, usize>,
}

impl LocatedDocument {
    pub fn new(document: &Value) -> LocatedDocument {
        let mut printer = Printer::default();
        printer.value(document, String::new(), 0, None, true);
        LocatedDocument {
            lines: printer.lines,
            lines_by_pointer: printer.pointers,
        }
    }

    /// The line of `pointer` (`#/a/b` or `/a/b`), or of its closest ancestor that exists here
    /// (a finding about something removed points at where it used to hang).
    pub fn line_of(&self, pointer: &str) -> usize {
        let mut pointer = pointer.trim_start_matches('#').to_string();
        loop {
            if let Some(&line) = self.lines_by_pointer.get(&pointer) {
                return line;
            }
            match pointer.rfind('/') {
                Some(cut) => pointer.truncate(cut),
                None => return 0,
            }
        }
    }
}

/// Nesting printed line by line; deeper values (which no parsed document has: the parsers stop
/// at 128) are elided on one line, so printing never recurses without bound.
const MAX_PRINTED_DEPTH: usize = 256;

#[derive(Default)]
struct Printer {
    lines: Vec<String>,
    pointers: HashMap<String, usize>,
}

impl Printer {
    fn value(
        &mut self,
        value: &Value,
        pointer: String,
        depth: usize,
        key: Option<&str>,
        last: bool,
    ) {
        let indent = "  ".repeat(depth);
        let prefix = match key {
            Some(k) => format!("{indent}{}: ", Value::String(k.to_string())),
            None => indent.clone(),
        };
        let comma = if last { "" } else { "," };
        self.pointers.insert(pointer.clone(), self.lines.len());
        match value {
            Value::Object(_) | Value::Array(_) if depth >= MAX_PRINTED_DEPTH => {
                self.lines.push(format!("{prefix}\"…\"{comma}"));
            }
            Value::Object(map) if !map.is_empty() => {
                self.lines.push(format!("{prefix}{{"));
                let n = map.len();
                for (i, (k, v)) in map.iter().enumerate() {
                    let child = format!("{pointer}/{}", escape(k));
                    self.value(v, child, depth + 1, Some(k), i + 1 == n);
                }
                self.lines.push(format!("{indent}}}{comma}"));
            }
            Value::Array(items) if !items.is_empty() => {
                self.lines.push(format!("{prefix}["));
                let n = items.len();
                for (i, v) in items.iter().enumerate() {
                    self.value(v, format!("{pointer}/{i}"), depth + 1, None, i + 1 == n);
                }
                self.lines.push(format!("{indent}]{comma}"));
            }
            scalar => self.lines.push(format!("{prefix}{scalar}{comma}")),
        }
    }
}

/// RFC 6901: `~` is written `~0` and `/` is written `~1` inside a pointer segment.
fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pointers_map_to_their_lines() {
        let doc = json!({"paths": {"/charges": {"post": {"x": 1}}}, "list": [1, {"a": true}]});
        let located = LocatedDocument::new(&doc);
        let text = located.lines.join("\n");
        assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), doc);
        let line = |p: &str| located.lines[located.line_of(p)].trim().to_string();
        assert_eq!(line("#/paths/~1charges/post"), "\"post\": {");
        assert_eq!(line("#/paths/~1charges/post/x"), "\"x\": 1");
        assert_eq!(line("/list/1/a"), "\"a\": true");
        // Removed things point at their closest ancestor.
        assert_eq!(
            line("#/paths/~1charges/delete/responses"),
            "\"/charges\": {"
        );
        assert_eq!(located.line_of("#/nothing"), 0);
    }
}
