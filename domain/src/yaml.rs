//! A guard in front of `serde_yaml_ng`: every YAML text the domain parses goes through
//! [`check_nesting`] and [`from_str`].
//!
//! Why: the YAML loader reads a whole document into events before the deserializer's own depth
//! limit (128) applies, and that load is quadratic in the nesting depth: `[[[[...]]]]` 100,000
//! levels deep (200 KB) takes 15 s. A linear pre-scan refuses such documents first. Aliases
//! are bounded too: `serde_yaml_ng` limits alias jumps to 100 per event, which stops the
//! exponential "billion laughs", but one large anchored node aliased many times still expands
//! quadratically, so documents with aliases are first expanded under a size budget.

use serde::de::{self, DeserializeOwned, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use std::cell::Cell;
use std::fmt;

/// Deepest nesting a YAML document may have, counted by [`check_nesting`]: flow collections
/// (`[`, `{`) exactly, block collections by their indentation levels and `- `/`? ` indicators.
/// The same depth `serde_json` and the YAML deserializer allow (128), which real documents never
/// approach.
pub const MAX_YAML_DEPTH: usize = 128;

/// How much larger than its text a YAML document with aliases may become once they are
/// expanded (counted as 16 bytes per node plus the bytes of each string), on top of
/// [`MIN_ALIAS_EXPANSION`]. Plain documents are not affected: without aliases a document's nodes
/// take at most a few times its text.
pub const MAX_ALIAS_EXPANSION: usize = 16;

/// Expansion every document with aliases may use whatever its size, in the units of
/// [`MAX_ALIAS_EXPANSION`] (1 MB).
pub const MIN_ALIAS_EXPANSION: usize = 1 << 20;

/// A document refused before parsing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NestingError {
    /// 1-based line and column (in bytes) where the limit was passed.
    pub line: usize,
    pub column: usize,
}

impl fmt::Display for NestingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the document is nested deeper than {MAX_YAML_DEPTH} levels (the limit) at line {}, \
             column {}",
            self.line, self.column
        )
    }
}

impl std::error::Error for NestingError {}

/// What the pre-scan learnt about a document that passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Scan {
    /// Alias nodes (`*name`) seen.
    pub aliases: usize,
}

/// Refuses YAML nested deeper than [`MAX_YAML_DEPTH`], in one linear pass over the text.
///
/// Flow collections are counted exactly outside quoted strings and comments. Block nesting is
/// counted by indentation (a stack of the columns in use, as a tokenizer would keep) plus the
/// `- ` and `? ` indicators of compact nested collections (`- - - x`). A sequence written at
/// its key's indentation adds a level without a new column, so real block nesting may reach
/// about twice the limit before the scan refuses it; the deserializer's own limit (also 128)
/// then applies, and loading that much is fast. Block scalar (`|`, `>`) contents are skipped.
pub fn check_nesting(text: &str) -> Result<Scan, NestingError> {
    Scanner::default().run(text)
}

#[derive(Clone, Copy, PartialEq, Eq, Default)]
enum Quote {
    #[default]
    None,
    Single,
    Double,
}

#[derive(Default)]
struct Scanner {
    /// Columns of the block collections that are open, strictly increasing.
    columns: Vec<usize>,
    flow: usize,
    quote: Quote,
    /// Inside a block scalar whose parent is at this indentation.
    block_scalar: Option<usize>,
    aliases: usize,
}

fn is_space(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

fn is_blank_at(bytes: &[u8], i: usize) -> bool {
    bytes.get(i).is_none_or(|b| is_space(*b) || *b == b'\r')
}

impl Scanner {
    fn run(mut self, text: &str) -> Result<Scan, NestingError> {
        for (n, line) in text.split('\n').enumerate() {
            self.line(line.as_bytes(), n + 1)?;
        }
        Ok(Scan {
            aliases: self.aliases,
        })
    }

    fn depth(&self) -> usize {
        self.columns.len() + self.flow
    }

    fn check(&self, line: usize, i: usize) -> Result<(), NestingError> {
        if self.depth() > MAX_YAML_DEPTH {
            return Err(NestingError {
                line,
                column: i + 1,
            });
        }
        Ok(())
    }

    /// Opens a block collection at `column` unless one is open there already.
    fn push_column(&mut self, column: usize, line: usize) -> Result<(), NestingError> {
        if self.columns.last().is_none_or(|top| *top < column) {
            self.columns.push(column);
        }
        self.check(line, column)
    }

    fn line(&mut self, bytes: &[u8], line: usize) -> Result<(), NestingError> {
        let indent = bytes.iter().take_while(|b| **b == b' ').count();
        let rest = &bytes[indent..];
        let blank = rest.iter().all(|b| is_space(*b) || *b == b'\r');
        if let Some(parent) = self.block_scalar {
            if blank || indent > parent {
                return Ok(());
            }
            self.block_scalar = None;
        }
        let mut node_start = true;
        let mut i = indent;
        if self.quote == Quote::None && self.flow == 0 {
            if blank || rest[0] == b'#' || (indent == 0 && rest[0] == b'%') {
                return Ok(());
            }
            let marker = indent == 0
                && (rest.starts_with(b"---") || rest.starts_with(b"..."))
                && is_blank_at(bytes, 3);
            if marker {
                self.columns.clear();
                i = 3;
            } else {
                while self.columns.last().is_some_and(|top| *top > indent) {
                    self.columns.pop();
                }
                self.push_column(indent, line)?;
            }
        }
        while i < bytes.len() {
            let b = bytes[i];
            match self.quote {
                Quote::Single => {
                    if b == b'\'' {
                        if bytes.get(i + 1) == Some(&b'\'') {
                            i += 2;
                            continue;
                        }
                        self.quote = Quote::None;
                        node_start = false;
                    }
                    i += 1;
                    continue;
                }
                Quote::Double => {
                    if b == b'\\' {
                        i += 2;
                        continue;
                    }
                    if b == b'"' {
                        self.quote = Quote::None;
                        node_start = false;
                    }
                    i += 1;
                    continue;
                }
                Quote::None => {}
            }
            if is_space(b) || b == b'\r' {
                i += 1;
                continue;
            }
            if b == b'#' && (i == 0 || is_space(bytes[i - 1])) {
                return Ok(());
            }
            let flow = self.flow > 0;
            match b {
                b'[' | b'{' if node_start || flow => {
                    self.flow += 1;
                    self.check(line, i)?;
                    node_start = true;
                }
                b']' | b'}' if flow => {
                    self.flow -= 1;
                    node_start = false;
                }
                b',' if flow => node_start = true,
                b':' if flow || is_blank_at(bytes, i + 1) => node_start = true,
                b'-' | b'?' if node_start && is_blank_at(bytes, i + 1) => {
                    if !flow {
                        let next = (i + 1..bytes.len()).find(|&j| !is_space(bytes[j]));
                        if let Some(column) = next.filter(|&j| bytes[j] != b'\r') {
                            self.push_column(column, line)?;
                        }
                    }
                }
                b'\'' if node_start => self.quote = Quote::Single,
                b'"' if node_start => self.quote = Quote::Double,
                b'|' | b'>' if node_start && !flow => {
                    self.block_scalar = Some(indent);
                    return Ok(());
                }
                b'&' | b'!' | b'*' if node_start => {
                    if b == b'*' {
                        self.aliases += 1;
                        node_start = false;
                    }
                    while i + 1 < bytes.len() && !is_space(bytes[i + 1]) && bytes[i + 1] != b'\r' {
                        // Inside flow collections a name ends at an indicator too.
                        if flow && matches!(bytes[i + 1], b',' | b']' | b'}') {
                            break;
                        }
                        i += 1;
                    }
                }
                _ => node_start = false,
            }
            i += 1;
        }
        Ok(())
    }
}

/// `serde_yaml_ng::from_str` behind the guards: refuses documents nested deeper than
/// [`MAX_YAML_DEPTH`] and, for documents with aliases, ones that expand beyond
/// [`MAX_ALIAS_EXPANSION`] times their size. Errors say which limit was hit.
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, serde_yaml_ng::Error> {
    let scan = check_nesting(text)
        .map_err(|e| <serde_yaml_ng::Error as de::Error>::custom(e.to_string()))?;
    from_scanned(text, scan)
}

/// [`from_str`] for a text [`check_nesting`] already passed.
pub fn from_scanned<T: DeserializeOwned>(
    text: &str,
    scan: Scan,
) -> Result<T, serde_yaml_ng::Error> {
    if scan.aliases > 0 {
        let budget = Cell::new(
            text.len()
                .saturating_mul(MAX_ALIAS_EXPANSION)
                .saturating_add(MIN_ALIAS_EXPANSION),
        );
        let deserializer = serde_yaml_ng::Deserializer::from_str(text);
        Measure { budget: &budget }.deserialize(deserializer)?;
    }
    serde_yaml_ng::from_str(text)
}

/// Walks a document as the deserializer expands it, spending `budget` and failing when it runs
/// out; keeps nothing.
#[derive(Clone, Copy)]
struct Measure<'b> {
    budget: &'b Cell<usize>,
}

impl Measure<'_> {
    fn spend<E: de::Error>(self, bytes: usize) -> Result<(), E> {
        let cost = bytes.saturating_add(16);
        match self.budget.get().checked_sub(cost) {
            Some(left) => {
                self.budget.set(left);
                Ok(())
            }
            None => Err(E::custom(format!(
                "the document's aliases expand it to more than {MAX_ALIAS_EXPANSION} times its \
                 size (the limit)"
            ))),
        }
    }
}

impl<'de> DeserializeSeed<'de> for Measure<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Measure<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        self.spend(0)
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        self.spend(0)
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        self.spend(0)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        self.spend(0)
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<(), E> {
        self.spend(s.len())
    }
    fn visit_bytes<E: de::Error>(self, b: &[u8]) -> Result<(), E> {
        self.spend(b.len())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.spend(0)
    }
    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        self.spend(0)
    }
    fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        self.deserialize(d)
    }
    fn visit_newtype_struct<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        self.deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        self.spend(0)?;
        while seq.next_element_seed(self)?.is_some() {}
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        self.spend(0)?;
        while map.next_key_seed(self)?.is_some() {
            map.next_value_seed(self)?;
        }
        Ok(())
    }
    fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> Result<(), A::Error> {
        use de::VariantAccess;
        let ((), variant) = data.variant_seed(self)?;
        variant.newtype_variant_seed(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn depth_ok(text: &str) -> bool {
        check_nesting(text).is_ok()
    }

    #[test]
    fn counts_flow_and_block_nesting() {
        let deep = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        assert!(depth_ok(&deep(MAX_YAML_DEPTH - 1)));
        assert!(!depth_ok(&deep(MAX_YAML_DEPTH + 1)));
        assert!(!depth_ok(&format!("--- {}", deep(1000))));
        assert!(!depth_ok(&format!("a: !!seq &x {}", deep(1000))));
        assert!(!depth_ok(&format!("{}x", "- ".repeat(1000))));
        let indented: String = (0..1000)
            .map(|i| format!("{}k:\n", " ".repeat(i)))
            .collect();
        assert!(!depth_ok(&indented));
    }

    #[test]
    fn brackets_in_strings_comments_and_block_scalars_do_not_count() {
        let many = "[".repeat(1000);
        for text in [
            format!("a: '{many}'\n"),
            format!("a: \"{many}\"\n"),
            format!("a: b # {many}\n"),
            format!("a: x{many}\n"),
            format!("a: |\n  {many}\n  {many}\nb: 1\n"),
            format!("a: 'it''s {many}'\n"),
            format!("a: \"q\\\" {many}\"\n"),
        ] {
            assert!(depth_ok(&text), "{text}");
        }
        let lines: String = (0..500).map(|_| "a: x[\n").collect();
        assert!(depth_ok(&lines));
    }

    #[test]
    fn ordinary_documents_pass() {
        let text = "openapi: 3.0.0\npaths:\n  /a:\n    get:\n      parameters:\n        - name: x\n          in: query\n      responses:\n        '200':\n          description: ok\n";
        assert!(depth_ok(text));
        let value: serde_json::Value = from_str(text).unwrap();
        assert_eq!(value["openapi"], "3.0.0");
        let aliased: serde_json::Value = from_str("a: &x [1, 2]\nb: *x\n").unwrap();
        assert_eq!(aliased["b"], serde_json::json!([1, 2]));
    }
}
