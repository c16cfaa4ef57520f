//! The HTML report (`--format html`), read the way its readers read it: opened in
//! headless Chromium (driven over its DevTools pipe) at a phone's width and a desktop's,
//! checked by `tidy`, and compared figure by figure with `--format json` of the same run.
//! `scripts/report-tools.sh` installs Chromium and tidy where they are missing; where it
//! cannot (not root, no apt-get, no package lists), the tests that need them print why
//! and pass without checking.

use std::io::{BufRead, BufReader, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::OnceLock;
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use serde_json::{Value, json};

/// The phone width the page must fit without scrolling sideways (an iPhone 12–15).
const PHONE: u32 = 390;
/// Longest wait for one answer from the browser; a load takes about a second.
const ANSWER: Duration = Duration::from_secs(90);

fn manifest(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn scalecost() -> Command {
    let mut cmd = Command::cargo_bin("scalecost").unwrap();
    cmd.env_remove("RUST_BACKTRACE");
    cmd
}

/// A small service with everything the page's answer shows: an SLO, revenue (so a
/// margin and a break-even), a one-off cost, and a name and comments that would be
/// markup if they were not escaped.
const SCENARIO: &str = r#"# A support assistant, for the report's tests.
name: "assistant <script>alert(1)</script> & co"
currency: USD
seed: 7
# Today, and two growth steps.
scales: [1, 10]
workload:
  users: 100                      # active users at launch
  requests_per_user_per_day: 10
  horizon: 3d
  warmup: 12h
  diurnal: {peak_to_trough: 4, peak_hour: 15}
  classes:
    simple:
      share: 0.8
      input_tokens: {dist: lognormal, mean: 400, sd: 150}
      output_tokens: {dist: lognormal, mean: 120, sd: 40}
    complex:
      share: 0.2
      input_tokens: {dist: lognormal, mean: 2000, sd: 800}
      output_tokens: {dist: lognormal, mean: 500, sd: 200}
cache:
  hit_rate: 0.25                  # measured on last month's logs
  lookup_latency: 2ms
  price_per_hour: 0.05
routing:
  routes: {simple: small, complex: big}
tiers:
  small:
    kind: self_hosted
    service_time: {base: 30ms, per_input_token: 0.1ms, per_output_token: 8ms}
    concurrency: 8
    price_per_instance_hour: 0.80 # on-demand <b>list</b> price
    queue_capacity: 500
    timeout: 20s
    autoscaling: {min: 1, max: 4, target_utilization: 0.7}
  big:
    kind: api
    price_per_1k_input_tokens: 0.0025
    price_per_1k_output_tokens: 0.01
    latency: {dist: lognormal, mean: 2s, sd: 1s}
    timeout: 60s
slo:
  p99_latency: 8s                 # what the support team promised
costs:
  one_off:
    # Two engineers for a month.
    - {name: initial implementation, amount: 20000}
revenue:
  per_seat: {price_per_user_per_month: 3}
"#;

/// A second design for the commands that weigh two: the API for every request.
fn all_api(scenario: &str) -> String {
    scenario
        .replace(
            "name: \"assistant <script>alert(1)</script> & co\"",
            "name: all-api",
        )
        .replace(
            "routes: {simple: small, complex: big}",
            "routes: {simple: big, complex: big}",
        )
}

/// A folder with the scenarios in it.
fn scenarios() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("assistant.yaml"), SCENARIO).unwrap();
    std::fs::write(dir.path().join("all-api.yaml"), all_api(SCENARIO)).unwrap();
    dir
}

/// Runs scalecost with `args` in `dir`, and returns what it wrote to standard output.
fn run(dir: &Path, args: &[&str]) -> Vec<u8> {
    let out = scalecost()
        .current_dir(dir)
        .args(args)
        .arg("--quiet")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "scalecost {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Chromium and tidy, installed once per test binary; the reason when they cannot be.
fn tools() -> Result<(), String> {
    static READY: OnceLock<Result<(), String>> = OnceLock::new();
    READY
        .get_or_init(|| {
            let started = Instant::now();
            let out = Command::new("bash")
                .arg(manifest("scripts/report-tools.sh"))
                .timeout(Duration::from_secs(900))
                .output()
                .map_err(|e| format!("cannot run bash: {e}"))?;
            eprintln!(
                "report tools ready in {:.1} s",
                started.elapsed().as_secs_f64()
            );
            let stderr = String::from_utf8_lossy(&out.stderr).trim().to_string();
            match out.status.code() {
                Some(0) => Ok(()),
                Some(77) => Err(stderr),
                code => panic!("scripts/report-tools.sh failed ({code:?}): {stderr}"),
            }
        })
        .clone()
}

/// Every command writes HTML, byte for byte the same whatever the number of threads.
#[test]
fn every_command_writes_the_same_page_on_one_thread_as_on_several() {
    let dir = scenarios();
    let d = dir.path();
    let commands: [&[&str]; 7] = [
        &["simulate", "assistant.yaml"],
        &["compare", "assistant.yaml", "all-api.yaml"],
        &["sweep", "assistant.yaml", "--set", "cache.hit_rate=0.1,0.4"],
        &[
            "optimize",
            "assistant.yaml",
            "--vary",
            "tiers.small.autoscaling.max=2,4",
        ],
        &["crossover", "assistant.yaml", "all-api.yaml"],
        &[
            "sensitivity",
            "assistant.yaml",
            "--vary",
            "cache.hit_rate",
            "--vary",
            "tiers.small.price_per_instance_hour",
        ],
        &["diff", "assistant.yaml", "all-api.yaml"],
    ];
    for command in commands {
        let started = Instant::now();
        let mut args = command.to_vec();
        args.extend(["--format", "html", "--jobs", "1"]);
        let one = run(d, &args);
        let last = args.len() - 1;
        args[last] = "2";
        let two = run(d, &args);
        eprintln!(
            "{}: {} bytes, twice in {:.1} s",
            command[0],
            one.len(),
            started.elapsed().as_secs_f64()
        );
        assert!(
            one == two,
            "{}: the page differs between 1 and 2 threads",
            command[0]
        );
        let page = String::from_utf8(one).unwrap();
        assert!(page.starts_with("<!DOCTYPE html>"), "{}", command[0]);
        assert!(
            !page.contains("<script"),
            "{}: scenario text became markup",
            command[0]
        );
        assert!(page.contains("assistant &lt;script&gt;"), "{}", command[0]);
        // Every chart states what it shows: an accessible name and a caption it points at.
        let charts = page.matches("<svg ").count();
        assert_eq!(
            page.matches(" role=\"img\" aria-label=\"").count(),
            charts,
            "{}",
            command[0]
        );
        for i in 1..=charts {
            assert!(
                page.contains(&format!("aria-describedby=\"chart{i}-caption\""))
                    && page.contains(&format!("<figcaption id=\"chart{i}-caption\">")),
                "{}: chart {i} has no caption",
                command[0]
            );
        }
        if command[0] != "diff" {
            assert!(charts > 0, "{}: no chart", command[0]);
        }
        std::fs::write(d.join(format!("{}.html", command[0])), &page).unwrap();
    }
    // The same pages again, this time through the checker.
    match tools() {
        Err(why) => eprintln!("skipped the HTML check: {why}"),
        Ok(()) => {
            for command in commands {
                tidy(&d.join(format!("{}.html", command[0])));
            }
        }
    }
}

/// `tidy` finds no error and no warning. Its exit code is 0 for a clean file, 1 for
/// warnings and 2 for errors; only 0 is accepted, so the page is clean HTML5 as tidy
/// reads it (tidy knows little of inline SVG's attributes, which the page keeps to the
/// ones it accepts).
fn tidy(page: &Path) {
    let out = std::process::Command::new("tidy")
        .args(["-q", "-e", "--show-warnings", "yes"])
        .arg(page)
        .output()
        .unwrap();
    assert!(
        out.status.code() == Some(0) && out.stderr.is_empty(),
        "tidy finds problems in {} (exit {:?}):\n{}",
        page.display(),
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `-o report.html` chooses HTML by its extension, as `.json` chooses JSON.
#[test]
fn the_html_extension_chooses_the_format() {
    let dir = scenarios();
    run(
        dir.path(),
        &["simulate", "assistant.yaml", "-o", "report.htm"],
    );
    let page = std::fs::read_to_string(dir.path().join("report.htm")).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>"));
}

/// The simulate page in a real browser: it loads with no console error and no request,
/// every headline figure it shows is the JSON's, it fits a phone without scrolling
/// sideways, its headings are in order, its tables have headers, its text passes WCAG
/// AA contrast and its charts have text alternatives. Screenshots at both widths are
/// left in the target folder to look at.
#[test]
fn the_page_reads_in_a_browser_as_the_json_says() {
    if let Err(why) = tools() {
        eprintln!("skipped the browser check: {why}");
        return;
    }
    let dir = scenarios();
    let d = dir.path();
    let started = Instant::now();
    let page = d.join("report.html");
    run(d, &["simulate", "assistant.yaml", "-o", "report.html"]);
    let json: Value =
        serde_json::from_slice(&run(d, &["simulate", "assistant.yaml", "--format", "json"]))
            .unwrap();
    eprintln!("page and JSON in {:.1} s", started.elapsed().as_secs_f64());
    tidy(&page);

    let started = Instant::now();
    let mut browser = Browser::start(d).unwrap_or_else(|e| panic!("chromium: {e}"));
    let url = format!("file://{}", page.display());
    let tab = browser.open(&url, PHONE, 844, true);
    eprintln!(
        "loaded in Chromium in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    // No console error and no request for anything but the page itself.
    let problems = browser.problems(&url);
    assert!(problems.is_empty(), "the page: {problems:#?}");

    let facts = browser.evaluate(&tab, FACTS);
    eprintln!("at {PHONE} px: {}", facts_summary(&facts));
    assert!(
        facts["scrollWidth"].as_u64().unwrap() <= PHONE as u64,
        "the page scrolls sideways at {PHONE} px: {facts}"
    );
    assert_eq!(facts["h1"], 1, "one h1: {facts}");
    assert!(
        facts["headingJumps"].as_array().unwrap().is_empty(),
        "headings skip a level: {facts}"
    );
    assert!(
        facts["tablesWithoutHeaders"] == 0 && facts["tables"].as_u64().unwrap() >= 3,
        "{facts}"
    );
    for chart in facts["charts"].as_array().unwrap() {
        assert_eq!(chart["role"], "img", "{chart}");
        assert!(
            chart["label"].as_str().unwrap().len() > 10
                && chart["description"].as_str().unwrap().len() > 40,
            "a chart without a text alternative: {chart}"
        );
    }
    assert!(facts["charts"].as_array().unwrap().len() >= 3, "{facts}");
    let worst = facts["lowestContrast"]["ratio"].as_f64().unwrap();
    assert!(
        worst >= 4.5,
        "text below WCAG AA contrast (4.5:1): {}",
        facts["lowestContrast"]
    );
    // The scenario's name is shown as text, not run.
    assert_eq!(
        facts["title"],
        "assistant <script>alert(1)</script> & co — scalecost report"
    );

    // Every figure shown is the JSON's, as written and as rounded for reading.
    let figures = facts["figures"].as_array().unwrap();
    for f in figures {
        check_figure(f, &json);
    }
    let pointers: Vec<&str> = figures
        .iter()
        .map(|f| f["pointer"].as_str().unwrap())
        .collect();
    for k in 0..2 {
        for wanted in [
            "figures/cost_per_transaction/mean",
            "figures/monthly_cost/mean",
            "figures/margin/mean",
            "slo/pass",
            "degraded",
        ] {
            let p = format!("/results/{k}/summary/{wanted}");
            assert!(pointers.contains(&p.as_str()), "{p} is not shown");
        }
        for wanted in ["two_year_total", "one_off_total"] {
            let p = format!("/results/{k}/economics/{wanted}");
            assert!(pointers.contains(&p.as_str()), "{p} is not shown");
        }
    }
    assert!(pointers.contains(&"/break_even/users"), "{pointers:?}");
    eprintln!("{} figures equal the JSON's", figures.len());

    let shots = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let phone = browser.screenshot(&tab);
    assert_eq!(
        png_width(&phone),
        PHONE,
        "the screenshot is not {PHONE} px wide"
    );
    std::fs::write(shots.join("report-390.png"), &phone).unwrap();
    browser.resize(&tab, 1280, 900, false);
    let desktop = browser.screenshot(&tab);
    assert_eq!(png_width(&desktop), 1280);
    std::fs::write(shots.join("report-1280.png"), &desktop).unwrap();
    eprintln!(
        "screenshots in {} ({} and {} bytes)",
        shots.display(),
        phone.len(),
        desktop.len()
    );

    // Printed on A4 (14 mm margins: 182 × 269 mm, 688 × 1017 CSS pixels), nothing is
    // wider than the paper and every chart fits on a page.
    browser.resize(&tab, 688, 1017, false);
    browser.call(
        Some(&tab.session),
        "Emulation.setEmulatedMedia",
        json!({"media": "print"}),
    );
    let printed = browser.evaluate(&tab, PRINTED);
    eprintln!("printed: {printed}");
    assert!(printed["scrollWidth"].as_u64().unwrap() <= 688, "{printed}");
    assert!(
        printed["tallestChart"].as_f64().unwrap() <= 1017.0
            && printed["widestChart"].as_f64().unwrap() <= 688.0,
        "a chart does not fit an A4 page: {printed}"
    );
    let pdf = browser.call(
        Some(&tab.session),
        "Page.printToPDF",
        json!({"paperWidth": 8.27, "paperHeight": 11.69, "preferCSSPageSize": true}),
    );
    let pdf = base64(pdf["data"].as_str().unwrap());
    assert!(pdf.starts_with(b"%PDF"), "printing gave no PDF");
    eprintln!("printed to {} bytes of PDF", pdf.len());

    // The checks can fail: the same page with a picture from elsewhere is caught.
    let tampered = d.join("tampered.html");
    let html = std::fs::read_to_string(&page).unwrap().replacen(
        "<main>",
        "<main><img src=\"http://192.0.2.1/logo.png\" alt=\"logo\">",
        1,
    );
    std::fs::write(&tampered, html).unwrap();
    let tampered_url = format!("file://{}", tampered.display());
    browser.navigate(&tab, &tampered_url);
    assert!(
        !browser.problems(&tampered_url).is_empty(),
        "a request to another host went unnoticed"
    );
    browser.close();
    eprintln!("browser checks in {:.1} s", started.elapsed().as_secs_f64());
}

/// What the test reads from the page, as one JSON value.
const FACTS: &str = r#"(() => {
  const rgb = s => { const m = s.match(/[\d.]+/g).map(Number); return {r: m[0], g: m[1], b: m[2], a: m.length > 3 ? m[3] : 1}; };
  const lum = c => { const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }; return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b); };
  const background = el => { for (let e = el; e; e = e.parentElement) { const c = rgb(getComputedStyle(e).backgroundColor); if (c.a > 0) return c; } return {r: 255, g: 255, b: 255, a: 1}; };
  let lowest = {ratio: 99, text: ''};
  for (const el of document.body.querySelectorAll('*')) {
    if (el.closest('svg')) continue;
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own) continue;
    const a = lum(rgb(getComputedStyle(el).color)), b = lum(background(el));
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < lowest.ratio) lowest = {ratio, text: el.textContent.trim().slice(0, 60)};
  }
  const levels = [...document.querySelectorAll('h1,h2,h3,h4,h5,h6')].map(h => +h.tagName[1]);
  const jumps = levels.map((l, i) => i > 0 && l > levels[i - 1] + 1 ? i : -1).filter(i => i >= 0);
  return {
    title: document.title,
    scrollWidth: Math.max(document.documentElement.scrollWidth, document.body.scrollWidth),
    h1: levels.filter(l => l === 1).length,
    headingJumps: jumps,
    tables: document.querySelectorAll('table').length,
    tablesWithoutHeaders: [...document.querySelectorAll('table')].filter(t => !t.querySelector('thead th')).length,
    charts: [...document.querySelectorAll('svg')].map(s => ({
      role: s.getAttribute('role'),
      label: s.getAttribute('aria-label') || '',
      description: (document.getElementById(s.getAttribute('aria-describedby') || '') || {}).textContent || '',
    })),
    lowestContrast: lowest,
    figures: [...document.querySelectorAll('[data-json]')].map(e => ({pointer: e.dataset.json, value: e.dataset.value, text: e.textContent})),
  };
})()"#;

/// The page laid out for print, as one JSON value.
const PRINTED: &str = r#"(() => {
  const charts = [...document.querySelectorAll('svg')].map(s => s.getBoundingClientRect());
  return {
    scrollWidth: Math.max(document.documentElement.scrollWidth, document.body.scrollWidth),
    tallestChart: Math.max(0, ...charts.map(r => r.height)),
    widestChart: Math.max(0, ...charts.map(r => r.width)),
  };
})()"#;

fn facts_summary(facts: &Value) -> String {
    format!(
        "scroll width {}, {} tables, {} charts, {} figures, lowest contrast {:.2}:1",
        facts["scrollWidth"],
        facts["tables"],
        facts["charts"].as_array().map_or(0, Vec::len),
        facts["figures"].as_array().map_or(0, Vec::len),
        facts["lowestContrast"]["ratio"].as_f64().unwrap_or(0.0)
    )
}

/// One figure read from the page against the JSON: its value exactly, and the text
/// shown to within the rounding of its last digit.
fn check_figure(f: &Value, json: &Value) {
    let pointer = f["pointer"].as_str().unwrap();
    let text = f["text"].as_str().unwrap();
    let expected = json
        .pointer(pointer)
        .unwrap_or_else(|| panic!("{pointer} is not in the JSON"));
    let value: Value = serde_json::from_str(f["value"].as_str().unwrap()).unwrap();
    match expected {
        Value::Bool(b) => {
            assert_eq!(value, Value::Bool(*b), "{pointer}");
            // "pass" (an SLO) and "degraded" say yes; "fail" and "no" say no.
            let shown = matches!(text, "pass" | "degraded");
            assert_eq!(shown, *b, "{pointer}: shown as {text:?}, the JSON says {b}");
        }
        Value::Number(n) => {
            let n = n.as_f64().unwrap();
            assert_eq!(value.as_f64(), Some(n), "{pointer}: data-value");
            let (shown, tolerance) = read_number(text);
            assert!(
                (shown - n).abs() <= tolerance,
                "{pointer}: shown as {text:?} ({shown}), the JSON says {n}"
            );
        }
        other => panic!("{pointer}: {other} is not a figure"),
    }
}

/// "USD 0.01951" → (0.01951, 0.000005); "-USD 7,702" → (-7702, 0.5); "97.8%" → (0.978,
/// 0.0005); "17,068 users", "6,423 ms", "4.9×" likewise: the number and half a unit of
/// its last digit.
fn read_number(text: &str) -> (f64, f64) {
    let negative = text.trim_start().starts_with('-');
    let digits: String = text
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == ',')
        .filter(|c| *c != ',')
        .collect();
    let x: f64 = digits
        .parse()
        .unwrap_or_else(|_| panic!("no number in {text:?}"));
    let decimals = digits.split_once('.').map_or(0, |(_, d)| d.len()) as i32;
    let mut half_unit = 0.5 * 10f64.powi(-decimals);
    let mut x = if negative { -x } else { x };
    if text.trim_end().ends_with('%') {
        x /= 100.0;
        half_unit /= 100.0;
    }
    // A little more than half a unit, for the binary representation of both.
    (x, half_unit * (1.0 + 1e-9) + 1e-12)
}

/// The width of a PNG, from its header.
fn png_width(png: &[u8]) -> u32 {
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
    u32::from_be_bytes(png[16..20].try_into().unwrap())
}

/// Headless Chromium over `--remote-debugging-pipe`: commands written to its fd 3 and
/// answers and events read from its fd 4, each a JSON message ended by a NUL byte.
struct Browser {
    child: Child,
    commands: std::fs::File,
    messages: Receiver<Value>,
    next_id: u64,
    /// Events received so far, in order.
    events: Vec<Value>,
    _profile: tempfile::TempDir,
}

/// A page's DevTools session.
struct Tab {
    session: String,
}

impl Browser {
    fn start(dir: &Path) -> Result<Browser, String> {
        let profile = tempfile::tempdir_in(dir).map_err(|e| e.to_string())?;
        let (to_read, to_write) = pipe()?;
        let (from_read, from_write) = pipe()?;
        let mut cmd = std::process::Command::new("chromium");
        cmd.args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--remote-debugging-pipe",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
        let (child_in, child_out) = (to_read.as_raw_fd(), from_write.as_raw_fd());
        // The pipe's ends become the child's fds 3 and 4; duplicated above 10 first so
        // that neither is overwritten by the other's dup2.
        unsafe {
            use std::os::unix::process::CommandExt;
            cmd.pre_exec(move || {
                let a = libc::fcntl(child_in, libc::F_DUPFD, 10);
                let b = libc::fcntl(child_out, libc::F_DUPFD, 10);
                if a < 0 || b < 0 || libc::dup2(a, 3) < 0 || libc::dup2(b, 4) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = cmd.spawn().map_err(|e| format!("cannot start: {e}"))?;
        drop(to_read);
        drop(from_write);
        let (send, messages) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(std::fs::File::from(from_read));
            let mut buf = Vec::new();
            while reader.read_until(0, &mut buf).is_ok_and(|n| n > 0) {
                if buf.last() == Some(&0) {
                    buf.pop();
                }
                if let Ok(v) = serde_json::from_slice::<Value>(&buf)
                    && send.send(v).is_err()
                {
                    break;
                }
                buf.clear();
            }
        });
        Ok(Browser {
            child,
            commands: std::fs::File::from(to_write),
            messages,
            next_id: 0,
            events: Vec::new(),
            _profile: profile,
        })
    }

    /// Sends one command and waits for its answer, keeping the events that come first.
    fn call(&mut self, session: Option<&str>, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut message = json!({"id": id, "method": method, "params": params});
        if let Some(s) = session {
            message["sessionId"] = json!(s);
        }
        let mut bytes = serde_json::to_vec(&message).unwrap();
        bytes.push(0);
        self.commands.write_all(&bytes).unwrap();
        let deadline = Instant::now() + ANSWER;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let m = self
                .messages
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("no answer to {method} from chromium"));
            if m["id"] == json!(id) {
                if let Some(e) = m.get("error") {
                    panic!("{method}: {e}");
                }
                return m["result"].clone();
            }
            self.events.push(m);
        }
    }

    /// Waits for an event of `method`, keeping every event.
    fn wait_for(&mut self, method: &str) {
        if self.events.iter().any(|e| e["method"] == method) {
            return;
        }
        let deadline = Instant::now() + ANSWER;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let m = self
                .messages
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("no {method} from chromium"));
            let done = m["method"] == method;
            self.events.push(m);
            if done {
                return;
            }
        }
    }

    /// A new page at `width` × `height` CSS pixels with `url` loaded.
    fn open(&mut self, url: &str, width: u32, height: u32, mobile: bool) -> Tab {
        let target = self.call(None, "Target.createTarget", json!({"url": "about:blank"}));
        let attached = self.call(
            None,
            "Target.attachToTarget",
            json!({"targetId": target["targetId"], "flatten": true}),
        );
        let tab = Tab {
            session: attached["sessionId"].as_str().unwrap().to_string(),
        };
        for domain in ["Page", "Runtime", "Log", "Network"] {
            self.call(Some(&tab.session), &format!("{domain}.enable"), json!({}));
        }
        self.resize(&tab, width, height, mobile);
        self.navigate(&tab, url);
        tab
    }

    fn resize(&mut self, tab: &Tab, width: u32, height: u32, mobile: bool) {
        self.call(
            Some(&tab.session),
            "Emulation.setDeviceMetricsOverride",
            json!({"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile}),
        );
    }

    /// Loads `url` and waits for its load event; the events before are forgotten.
    fn navigate(&mut self, tab: &Tab, url: &str) {
        self.events.clear();
        self.call(Some(&tab.session), "Page.navigate", json!({"url": url}));
        self.wait_for("Page.loadEventFired");
        // Let late console messages (a blocked request's) arrive.
        self.call(
            Some(&tab.session),
            "Runtime.evaluate",
            json!({"expression": "new Promise(r => setTimeout(r, 300))", "awaitPromise": true}),
        );
    }

    /// Console errors, exceptions and requests for anything but `url` since the last load.
    fn problems(&self, url: &str) -> Vec<String> {
        let mut found = Vec::new();
        for e in &self.events {
            let p = &e["params"];
            match e["method"].as_str().unwrap_or_default() {
                "Network.requestWillBeSent" => {
                    let asked = p["request"]["url"].as_str().unwrap_or_default();
                    if asked != url {
                        found.push(format!("request for {asked}"));
                    }
                }
                "Runtime.consoleAPICalled" if p["type"] == "error" => {
                    found.push(format!("console error: {}", p["args"]));
                }
                "Runtime.exceptionThrown" => {
                    found.push(format!("exception: {}", p["exceptionDetails"]));
                }
                "Log.entryAdded" if p["entry"]["level"] == "error" => {
                    found.push(format!("console error: {}", p["entry"]["text"]));
                }
                _ => {}
            }
        }
        found
    }

    /// Runs `expression` in the page and returns its value.
    fn evaluate(&mut self, tab: &Tab, expression: &str) -> Value {
        let r = self.call(
            Some(&tab.session),
            "Runtime.evaluate",
            json!({"expression": expression, "returnByValue": true}),
        );
        if let Some(e) = r.get("exceptionDetails") {
            panic!("the page's facts could not be read: {e}");
        }
        r["result"]["value"].clone()
    }

    /// The whole page as PNG bytes, at the current width.
    fn screenshot(&mut self, tab: &Tab) -> Vec<u8> {
        let shot = self.call(
            Some(&tab.session),
            "Page.captureScreenshot",
            json!({"format": "png", "captureBeyondViewport": true}),
        );
        base64(shot["data"].as_str().unwrap())
    }

    fn close(mut self) {
        let _ = self.call(None, "Browser.close", json!({}));
        let _ = self.child.wait();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Stopped by its own pid if a check failed before `close`.
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A pipe whose ends are closed in every child except where `pre_exec` copies them.
fn pipe() -> Result<(OwnedFd, OwnedFd), String> {
    let mut fds = [0; 2];
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(format!("pipe: {}", std::io::Error::last_os_error()));
    }
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

/// Standard base64, as DevTools sends screenshots.
fn base64(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => panic!("not base64: {c}"),
    };
    let bytes: Vec<u8> = text.bytes().filter(|&c| c != b'=').collect();
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for chunk in bytes.chunks(4) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &c)| n | (value(c) as u32) << (18 - 6 * i));
        out.extend_from_slice(&n.to_be_bytes()[1..chunk.len()]);
    }
    out
}

#[test]
fn base64_decodes_as_devtools_encodes() {
    assert_eq!(base64("aGVsbG8="), b"hello");
    assert_eq!(base64("aGk="), b"hi");
    assert_eq!(base64("YWJj"), b"abc");
}
