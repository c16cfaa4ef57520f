//! Request traces: the three public formats, read one line at a time.
//!
//! A trace is never held in memory: [`Reader`] keeps one line and one record, reused
//! from line to line, so a trace of hundreds of millions of lines is read in the
//! memory of one. [`scan`] reads a trace once to check every line and to learn what
//! the plan needs (its span, its size, its content digest, each class's share and
//! token means), and the simulation then reads it again as it replays it.
//!
//! Formats (columns found by their header names, in any order):
//! - `azure`: CSV `TIMESTAMP,ContextTokens,GeneratedTokens`, timestamps like
//!   `2023-11-16 18:15:46.6805900` (Azure LLM inference traces, Splitwise).
//! - `mooncake`: JSON lines with `timestamp` (ms), `input_length`, `output_length`
//!   and optional `hash_ids` (hashed 512-token prompt blocks); Qwen-Bailian's extra
//!   fields (`chat_id`, `parent_chat_id`, `turn`, `type`) are accepted.
//! - `burstgpt`: CSV `Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type`,
//!   timestamps in seconds.

use std::fs::File;
use std::io::{BufRead, BufReader, Seek, SeekFrom};
use std::path::Path;

use serde::{Deserialize, Serialize};

/// Largest token count one request may carry.
pub const MAX_TOKENS: u64 = 10_000_000;

/// The formats a trace can be written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    Azure,
    Mooncake,
    Burstgpt,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Azure => "azure",
            Format::Mooncake => "mooncake",
            Format::Burstgpt => "burstgpt",
        }
    }

    /// The format a trace's first line announces, if any.
    pub fn detect(first_line: &str) -> Option<Format> {
        let line = first_line.trim_start_matches('\u{feff}').trim();
        if line.starts_with('{') {
            return Some(Format::Mooncake);
        }
        let columns: Vec<&str> = line.split(',').map(str::trim).collect();
        if columns.contains(&"TIMESTAMP") && columns.contains(&"ContextTokens") {
            Some(Format::Azure)
        } else if columns.contains(&"Timestamp") && columns.contains(&"Request tokens") {
            Some(Format::Burstgpt)
        } else {
            None
        }
    }
}

/// One request of a trace.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Record {
    /// Its line in the file.
    pub line: u64,
    /// Arrival in the trace's own clock, µs (Azure: since 1970; the others: as written).
    pub time_us: i64,
    pub input_tokens: u32,
    pub output_tokens: u32,
    /// BurstGPT's `Model` column (empty in the other formats).
    pub model: String,
    /// A digest of the prompt's block hashes (`hash_ids`): equal prompts, equal keys.
    /// None when the format or the line carries none.
    pub prompt_key: Option<u64>,
    /// The prompt's block hashes in order (`hash_ids`; empty without them): equal
    /// leading runs are equal prefixes.
    pub blocks: Vec<u64>,
}

/// A line that cannot be read: where, which column, what is wrong.
#[derive(Clone, Debug, PartialEq)]
pub struct LineError {
    pub line: u64,
    pub column: String,
    pub message: String,
}

/// Reads the records of a trace one at a time.
pub struct Reader<R> {
    input: R,
    format: Format,
    line_no: u64,
    line: String,
    record: Record,
    /// CSV formats: the index of each needed column, from the header.
    columns: Vec<usize>,
}

const AZURE_COLUMNS: [&str; 3] = ["TIMESTAMP", "ContextTokens", "GeneratedTokens"];
const BURSTGPT_COLUMNS: [&str; 4] = ["Timestamp", "Model", "Request tokens", "Response tokens"];

impl Reader<BufReader<File>> {
    /// Opens a trace file.
    pub fn open(path: &Path, format: Format) -> std::io::Result<Reader<BufReader<File>>> {
        Ok(Reader::new(
            BufReader::with_capacity(64 * 1024, File::open(path)?),
            format,
        ))
    }
}

impl Reader<BufReader<File>> {
    /// On a reader just opened: moves to a line at or before the first record at
    /// `time_us` or later, by bisecting the file's bytes (a trace is sorted by time),
    /// so a copy that starts late in the trace does not read all that comes before.
    /// The records read next may still be earlier (up to 64 KiB of them); line numbers
    /// are no longer those of the file. On an error the position is unknown: reopen.
    pub fn skip_to(&mut self, time_us: i64) -> std::io::Result<()> {
        let mut start = 0;
        // A CSV trace's header first, so that its columns are known.
        while self.format != Format::Mooncake && self.columns.is_empty() {
            self.line.clear();
            let n = self.input.read_line(&mut self.line)?;
            if n == 0 {
                return Ok(());
            }
            start += n as u64;
            let text = self.line.trim_end_matches(['\n', '\r']);
            if text.trim().is_empty() {
                continue;
            }
            match header(text, self.format) {
                Ok(columns) => self.columns = columns,
                Err(_) => return Ok(()),
            }
        }
        let (mut lo, mut hi) = (start, self.input.get_ref().metadata()?.len());
        // Invariant: the first whole line after `lo` (after `start`, the first line)
        // is earlier than `time_us`, so every record at `time_us` or later follows it.
        while hi - lo > 64 * 1024 {
            let mid = lo + (hi - lo) / 2;
            self.input.seek(SeekFrom::Start(mid))?;
            self.line.clear();
            self.input.read_line(&mut self.line)?;
            let earlier = matches!(self.next_record(), Some(Ok(r)) if r.time_us < time_us);
            if earlier {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        self.input.seek(SeekFrom::Start(lo))?;
        if lo > start {
            self.line.clear();
            self.input.read_line(&mut self.line)?;
        }
        Ok(())
    }
}

impl<R: BufRead> Reader<R> {
    pub fn new(input: R, format: Format) -> Reader<R> {
        Reader {
            input,
            format,
            line_no: 0,
            line: String::new(),
            record: Record::default(),
            columns: Vec::new(),
        }
    }

    /// The record read last (its line's, or the default before the first).
    pub fn record(&self) -> &Record {
        &self.record
    }

    /// The next record, an error naming the line, or `None` at the end.
    pub fn next_record(&mut self) -> Option<Result<&Record, LineError>> {
        loop {
            self.line.clear();
            match self.input.read_line(&mut self.line) {
                Ok(0) => return None,
                Ok(_) => {}
                Err(e) => {
                    return Some(Err(LineError {
                        line: self.line_no + 1,
                        column: String::new(),
                        message: format!("cannot be read: {e}"),
                    }));
                }
            }
            self.line_no += 1;
            let text = self.line.trim_end_matches(['\n', '\r']);
            if text.trim().is_empty() {
                continue;
            }
            let parsed = match self.format {
                Format::Mooncake => mooncake(text, &mut self.record),
                Format::Azure | Format::Burstgpt if self.columns.is_empty() => {
                    match header(text, self.format) {
                        Ok(columns) => {
                            self.columns = columns;
                            continue;
                        }
                        Err(e) => Err(e),
                    }
                }
                Format::Azure => azure(text, &self.columns, &mut self.record),
                Format::Burstgpt => burstgpt(text, &self.columns, &mut self.record),
            };
            let line = self.line_no;
            self.record.line = line;
            return Some(
                parsed
                    .map(|()| &self.record)
                    .map_err(|(column, message)| LineError {
                        line,
                        column,
                        message,
                    }),
            );
        }
    }
}

type Parsed = Result<(), (String, String)>;

fn header(text: &str, format: Format) -> Result<Vec<usize>, (String, String)> {
    let names: Vec<&str> = text
        .trim_start_matches('\u{feff}')
        .split(',')
        .map(str::trim)
        .collect();
    let needed: &[&str] = match format {
        Format::Azure => &AZURE_COLUMNS,
        _ => &BURSTGPT_COLUMNS,
    };
    needed
        .iter()
        .map(|n| {
            names.iter().position(|h| h == n).ok_or_else(|| {
                (
                    n.to_string(),
                    format!(
                        "the header has no column `{n}`; a {} trace starts with {}",
                        format.name(),
                        needed.join(",")
                    ),
                )
            })
        })
        .collect()
}

fn tokens(text: &str, name: &str) -> Result<u32, (String, String)> {
    // Some traces write counts as floats ("12.0").
    let value: f64 = text
        .parse()
        .map_err(|_| (name.to_string(), format!("\"{text}\" is not a token count")))?;
    if !(value >= 0.0 && value <= MAX_TOKENS as f64 && value.fract() == 0.0) {
        return Err((
            name.to_string(),
            format!(
                "\"{text}\" is not allowed; a token count is a whole number from 0 to {MAX_TOKENS}"
            ),
        ));
    }
    Ok(value as u32)
}

fn seconds_us(text: &str, name: &str, unit_us: f64) -> Result<i64, (String, String)> {
    let value: f64 = text
        .parse()
        .map_err(|_| (name.to_string(), format!("\"{text}\" is not a number")))?;
    let us = value * unit_us;
    if !us.is_finite() || us.abs() > 1e17 {
        return Err((name.to_string(), format!("\"{text}\" is out of range")));
    }
    Ok(us.round() as i64)
}

/// The needed columns of a CSV line, in the order of `columns`, without allocating:
/// one pass over the line's fields.
fn fields<'a, const N: usize>(
    text: &'a str,
    columns: &[usize],
    names: &[&str; N],
) -> Result<[&'a str; N], (String, String)> {
    let mut out = [""; N];
    let mut found = [false; N];
    for (i, f) in text.split(',').enumerate() {
        for (k, &c) in columns.iter().enumerate() {
            if c == i {
                out[k] = f.trim();
                found[k] = true;
            }
        }
    }
    match found.iter().position(|f| !f) {
        Some(k) => Err((
            names[k].to_string(),
            "missing: the line has too few columns".into(),
        )),
        None => Ok(out),
    }
}

fn azure(text: &str, columns: &[usize], record: &mut Record) -> Parsed {
    let [stamp, input, output] = fields(text, columns, &AZURE_COLUMNS)?;
    record.time_us = timestamp_us(stamp).ok_or_else(|| {
        (
            AZURE_COLUMNS[0].to_string(),
            format!("\"{stamp}\" is not a timestamp like 2023-11-16 18:15:46.6805900"),
        )
    })?;
    record.input_tokens = tokens(input, AZURE_COLUMNS[1])?;
    record.output_tokens = tokens(output, AZURE_COLUMNS[2])?;
    record.model.clear();
    record.prompt_key = None;
    record.blocks.clear();
    Ok(())
}

fn burstgpt(text: &str, columns: &[usize], record: &mut Record) -> Parsed {
    let c = &BURSTGPT_COLUMNS;
    let [time, model, input, output] = fields(text, columns, c)?;
    record.time_us = seconds_us(time, c[0], 1e6)?;
    record.model.clear();
    record.model.push_str(model);
    record.input_tokens = tokens(input, c[2])?;
    record.output_tokens = tokens(output, c[3])?;
    record.prompt_key = None;
    record.blocks.clear();
    Ok(())
}

/// A Mooncake line's fields as written: borrowed from the line, so reading one
/// allocates nothing; other fields are skipped.
#[derive(Deserialize)]
struct MooncakeLine<'a> {
    #[serde(borrow)]
    timestamp: Option<&'a serde_json::value::RawValue>,
    #[serde(borrow)]
    input_length: Option<&'a serde_json::value::RawValue>,
    #[serde(borrow)]
    output_length: Option<&'a serde_json::value::RawValue>,
    #[serde(borrow, rename = "type")]
    kind: Option<&'a serde_json::value::RawValue>,
    #[serde(borrow)]
    hash_ids: Option<&'a serde_json::value::RawValue>,
}

fn mooncake(text: &str, record: &mut Record) -> Parsed {
    let line: MooncakeLine = serde_json::from_str(text)
        .map_err(|e| (String::new(), format!("is not a JSON object: {e}")))?;
    let ts = present("timestamp", line.timestamp)?;
    record.time_us = ts
        .parse::<f64>()
        .ok()
        .filter(|_| ts.starts_with(|c: char| c == '-' || c.is_ascii_digit()))
        .filter(|v| v.is_finite() && v.abs() < 1e14)
        .map(|ms| (ms * 1e3).round() as i64)
        .ok_or_else(|| ("timestamp".to_string(), format!("{ts} is not a time in ms")))?;
    for (name, raw, slot) in [
        ("input_length", line.input_length, &mut record.input_tokens),
        (
            "output_length",
            line.output_length,
            &mut record.output_tokens,
        ),
    ] {
        let v = present(name, raw)?;
        *slot = match whole(v) {
            Some(n) if n <= MAX_TOKENS => n as u32,
            _ => {
                return Err((
                    name.to_string(),
                    format!(
                        "{v} is not allowed; a token count is a whole number from 0 to {MAX_TOKENS}"
                    ),
                ));
            }
        };
    }
    record.model.clear();
    if let Some(kind) = line.kind
        && kind.get().trim_start().starts_with('"')
    {
        // A string without escapes is borrowed; one with them is decoded (rare).
        let decoded: std::borrow::Cow<str> = serde_json::from_str(kind.get())
            .map_err(|e| ("type".to_string(), format!("is not a string: {e}")))?;
        record.model.push_str(&decoded);
    }
    record.blocks.clear();
    record.prompt_key = None;
    let Some(ids) = line.hash_ids.map(|v| v.get().trim()) else {
        return Ok(());
    };
    if ids == "null" {
        return Ok(());
    }
    let Some(inner) = ids.strip_prefix('[').and_then(|s| s.strip_suffix(']')) else {
        return Err((
            "hash_ids".to_string(),
            format!("{ids} is not a list of block hashes"),
        ));
    };
    let mut h = Fnv::new();
    if !inner.trim().is_empty() {
        for id in inner.split(',') {
            let id = id.trim();
            let id = whole(id).ok_or_else(|| {
                (
                    "hash_ids".to_string(),
                    format!("{id} is not a block hash (a whole number)"),
                )
            })?;
            h.write(&id.to_le_bytes());
            record.blocks.push(id);
        }
    }
    record.prompt_key = Some(h.finish64());
    Ok(())
}

/// A field's text, or the error that it is missing.
fn present<'a>(
    name: &str,
    v: Option<&'a serde_json::value::RawValue>,
) -> Result<&'a str, (String, String)> {
    v.map(|v| v.get().trim())
        .ok_or_else(|| (name.to_string(), "missing".to_string()))
}

/// A JSON number that is a whole number from 0 to 2⁶⁴ − 1, as JSON writes one
/// (digits only: no sign, fraction or exponent).
fn whole(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// `2023-11-16 18:15:46.6805900` (or with a `T`) as µs since 1970-01-01, UTC.
pub fn timestamp_us(text: &str) -> Option<i64> {
    let text = text.trim();
    let (date, time) = text.split_once([' ', 'T'])?;
    let mut d = date.split('-');
    let year: i64 = d.next()?.parse().ok()?;
    let month: i64 = d.next()?.parse().ok()?;
    let day: i64 = d.next()?.parse().ok()?;
    if d.next().is_some() || !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let time = time.trim_end_matches('Z');
    let (hms, fraction) = time.split_once('.').unwrap_or((time, ""));
    let mut t = hms.split(':');
    let hour: i64 = t.next()?.parse().ok()?;
    let minute: i64 = t.next()?.parse().ok()?;
    let second: i64 = t.next()?.parse().ok()?;
    if t.next().is_some() || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    if !fraction.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    // The first six digits are microseconds; more are finer than the clock.
    let mut micros = 0i64;
    for i in 0..6 {
        micros = micros * 10 + fraction.as_bytes().get(i).map_or(0, |b| (b - b'0') as i64);
    }
    let days = days_from_civil(year, month, day);
    Some(((days * 24 + hour) * 60 + minute) * 60_000_000 + second * 1_000_000 + micros)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// FNV-1a, 64 bits: a stable digest (the standard hasher may change between releases).
pub struct Fnv(u64);

impl Fnv {
    pub fn new() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
    pub fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    pub fn finish64(&self) -> u64 {
        self.0
    }
}

impl Default for Fnv {
    fn default() -> Fnv {
        Fnv::new()
    }
}

/// A rule that gives a trace's requests a class: every condition given must hold.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    /// Index of the class in the scenario's `workload.classes`.
    pub class: usize,
    /// BurstGPT's `Model` (or Bailian's `type`) equals this.
    pub model: Option<String>,
    pub min_input_tokens: Option<u32>,
    pub max_input_tokens: Option<u32>,
    pub min_output_tokens: Option<u32>,
    pub max_output_tokens: Option<u32>,
}

impl Rule {
    fn accepts(&self, r: &Record) -> bool {
        self.model.as_deref().is_none_or(|m| m == r.model)
            && self.min_input_tokens.is_none_or(|v| r.input_tokens >= v)
            && self.max_input_tokens.is_none_or(|v| r.input_tokens <= v)
            && self.min_output_tokens.is_none_or(|v| r.output_tokens >= v)
            && self.max_output_tokens.is_none_or(|v| r.output_tokens <= v)
    }
}

/// The class of a record: the first rule that accepts it, or None.
pub fn classify(rules: &[Rule], r: &Record) -> Option<usize> {
    rules
        .iter()
        .find(|rule| rule.accepts(r))
        .map(|rule| rule.class)
}

/// What one reading of a trace found.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// FNV-1a of the file's bytes, so changing the trace changes a plan's fingerprint.
    pub digest: String,
    pub requests: u64,
    pub first_us: i64,
    pub last_us: i64,
    /// Whether the requests carry prompt keys (`hash_ids`).
    pub has_keys: bool,
    /// Block hashes over all requests (the sum of their `hash_ids` lengths).
    #[serde(default)]
    pub blocks: u64,
    /// Per class (by index): requests, and their input and output tokens.
    pub classes: Vec<ClassTally>,
    /// Requests no rule accepts, and the line of the first.
    pub unmatched: u64,
    pub first_unmatched_line: u64,
}

/// What the trace sends to one class.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ClassTally {
    pub requests: u64,
    pub input_tokens: f64,
    pub output_tokens: f64,
    pub max_input_tokens: u32,
    pub max_output_tokens: u32,
}

impl Summary {
    /// The length of one pass of the trace when it loops: its span plus one mean gap,
    /// so the last request and the first of the next pass are as far apart as an
    /// average pair.
    pub fn period_us(&self) -> u64 {
        let span = (self.last_us - self.first_us).max(0) as f64;
        let gap = span / (self.requests.max(2) - 1) as f64;
        (span + gap).round().max(1.0) as u64
    }
}

/// A trace file that cannot be used, with the message to show.
#[derive(Debug)]
pub struct TraceError(pub String);

/// Reads the whole trace once: checks every line and sums what the plan needs.
/// `shown` names the file in messages; `classes` is the number of classes.
pub fn scan(
    path: &Path,
    shown: &str,
    format: Format,
    rules: &[Rule],
    classes: usize,
) -> Result<Summary, TraceError> {
    let file =
        File::open(path).map_err(|e| TraceError(format!("{shown}: cannot read the trace: {e}")))?;
    let digesting = Digesting {
        inner: file,
        fnv: Fnv::new(),
    };
    let mut reader = Reader::new(BufReader::with_capacity(64 * 1024, digesting), format);
    let mut summary = Summary {
        digest: String::new(),
        requests: 0,
        first_us: 0,
        last_us: 0,
        has_keys: false,
        blocks: 0,
        classes: vec![ClassTally::default(); classes],
        unmatched: 0,
        first_unmatched_line: 0,
    };
    while let Some(next) = reader.next_record() {
        let r = next.map_err(|e| TraceError(describe(shown, format, &e)))?;
        let line = r.line;
        if summary.requests == 0 {
            summary.first_us = r.time_us;
        } else if r.time_us < summary.last_us {
            let column = match format {
                Format::Azure => "TIMESTAMP",
                Format::Mooncake => "timestamp",
                Format::Burstgpt => "Timestamp",
            };
            return Err(TraceError(format!(
                "{shown}:{line}: column {column}: goes back in time from the line before; a trace must be sorted by time"
            )));
        }
        summary.last_us = r.time_us;
        summary.requests += 1;
        summary.has_keys |= r.prompt_key.is_some();
        summary.blocks += r.blocks.len() as u64;
        match classify(rules, r) {
            Some(k) if k < classes => {
                let t = &mut summary.classes[k];
                t.requests += 1;
                t.input_tokens += f64::from(r.input_tokens);
                t.output_tokens += f64::from(r.output_tokens);
                t.max_input_tokens = t.max_input_tokens.max(r.input_tokens);
                t.max_output_tokens = t.max_output_tokens.max(r.output_tokens);
            }
            _ => {
                if summary.unmatched == 0 {
                    summary.first_unmatched_line = line;
                }
                summary.unmatched += 1;
            }
        }
    }
    if summary.requests < 2 || summary.last_us <= summary.first_us {
        return Err(TraceError(format!(
            "{shown}: the trace holds {} request(s) over no time; a trace needs at least two requests at different times",
            summary.requests
        )));
    }
    summary.digest = format!("{:016x}", reader.input.get_ref().fnv.finish64());
    Ok(summary)
}

/// `file:line: column NAME: message`, the place of a bad line.
pub fn describe(shown: &str, format: Format, e: &LineError) -> String {
    if e.column.is_empty() {
        format!("{shown}:{}: {} {}", e.line, format.name(), e.message)
    } else {
        format!("{shown}:{}: column {}: {}", e.line, e.column, e.message)
    }
}

/// A file read through an FNV digest of its bytes.
struct Digesting {
    inner: File,
    fnv: Fnv,
}

impl std::io::Read for Digesting {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.fnv.write(&buf[..n]);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(text: &str, format: Format) -> Result<Vec<Record>, LineError> {
        let mut r = Reader::new(text.as_bytes(), format);
        let mut out = Vec::new();
        while let Some(next) = r.next_record() {
            out.push(next?.clone());
        }
        Ok(out)
    }

    #[test]
    fn azure_timestamps_are_microseconds_since_1970() {
        assert_eq!(timestamp_us("1970-01-02 00:00:00"), Some(86_400_000_000));
        assert_eq!(
            timestamp_us("2023-11-16 18:15:46.6805900"),
            Some(1_700_158_546_680_590)
        );
        assert_eq!(timestamp_us("2023-13-16 18:15:46"), None);
    }

    #[test]
    fn each_format_reads_its_columns() {
        let azure = read_all(
            "TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.5,100,20\n",
            Format::Azure,
        )
        .unwrap();
        assert_eq!((azure[0].input_tokens, azure[0].output_tokens), (100, 20));
        let burst = read_all(
            "Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type\n5.5,GPT-4,300,40,340,Conversation log\n",
            Format::Burstgpt,
        )
        .unwrap();
        assert_eq!(burst[0].time_us, 5_500_000);
        assert_eq!(burst[0].model, "GPT-4");
        let moon = read_all(
            "{\"timestamp\": 27, \"input_length\": 1024, \"output_length\": 3, \"hash_ids\": [1, 2]}\n{\"timestamp\": 30, \"input_length\": 1024, \"output_length\": 3, \"hash_ids\": [1, 2]}\n",
            Format::Mooncake,
        )
        .unwrap();
        assert_eq!(moon[0].time_us, 27_000);
        assert!(moon[0].prompt_key.is_some());
        assert_eq!(moon[0].prompt_key, moon[1].prompt_key);
    }

    #[test]
    fn a_broken_line_names_its_line_and_column() {
        let e = read_all(
            "TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46,100,20\n2023-11-16 18:15:47,lots,20\n",
            Format::Azure,
        )
        .unwrap_err();
        assert_eq!((e.line, e.column.as_str()), (3, "ContextTokens"));
    }

    /// Bisecting lands before the first record at the time asked and skips most of
    /// what comes before: every later record is read, in both kinds of file.
    #[test]
    fn skipping_to_a_time_reads_every_later_record_and_little_before() {
        let dir = tempfile::tempdir().unwrap();
        let n = 100_000i64;
        for (format, name, header, line) in [
            (
                Format::Burstgpt,
                "t.csv",
                "Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type\n",
                (|i: i64| format!("{i},m,1,1,2,x\n")) as fn(i64) -> String,
            ),
            (Format::Mooncake, "t.jsonl", "", |i: i64| {
                format!(
                    "{{\"timestamp\": {}, \"input_length\": 1, \"output_length\": 1}}\n",
                    i * 1000
                )
            }),
        ] {
            let path = dir.path().join(name);
            let text: String = std::iter::once(header.to_string())
                .chain((0..n).map(line))
                .collect();
            std::fs::write(&path, text).unwrap();
            for target_s in [0, 1, 50_000, n - 1, n + 5] {
                let mut r = Reader::open(&path, format).unwrap();
                r.skip_to(target_s * 1_000_000).unwrap();
                let (mut read, mut later, mut first) = (0, 0, None);
                while let Some(next) = r.next_record() {
                    let t = next.unwrap().time_us / 1_000_000;
                    first.get_or_insert(t);
                    read += 1;
                    later += i64::from(t >= target_s);
                }
                assert_eq!(later, (n - target_s).clamp(0, n), "{name} from {target_s}");
                assert!(
                    first.is_none_or(|f| f <= target_s.max(0)),
                    "{name}: {first:?}"
                );
                // At most 64 KiB of earlier lines: fewer than 10,000 of these.
                assert!(read - later < 10_000, "{name} from {target_s}: {read} read");
            }
        }
    }

    #[test]
    fn the_format_is_told_by_the_first_line() {
        assert_eq!(
            Format::detect("TIMESTAMP,ContextTokens,GeneratedTokens"),
            Some(Format::Azure)
        );
        assert_eq!(
            Format::detect("Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type"),
            Some(Format::Burstgpt)
        );
        assert_eq!(Format::detect("{\"timestamp\": 0}"), Some(Format::Mooncake));
        assert_eq!(Format::detect("a,b"), None);
    }
}
