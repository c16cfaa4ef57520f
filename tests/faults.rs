//! Runs that end badly — Ctrl-C, a kill, a closed pipe — leave the user's files as they
//! were and exit with the documented code (README, "Exit codes").
//!
//! The interrupted runs simulate the starter scenario at 20 times its users over 30
//! days: about 7·10⁸ requests, more than a minute of work on two cores. A signal sent a
//! second after the start therefore lands in the middle of the simulation, long after
//! the binary has installed its Ctrl-C handler (a few milliseconds in).

#![cfg(unix)]

use std::fs;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

mod common;

const STARTER: &str = include_str!("../scenarios/starter.yaml");

/// What the output file held before the run: it must still hold it, byte for byte.
const PREVIOUS: &str = "{\"results\": \"from last week\"}\n";

/// How long after the start the signal is sent.
const MID_RUN: Duration = Duration::from_secs(1);

/// An interrupted run polls for Ctrl-C every few milliseconds; ten seconds is far above
/// that and far below the minute the whole run would take.
const PROMPT: Duration = Duration::from_secs(10);

/// The names in `dir`, sorted: shows stray temporary files.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .expect("list the folder")
        .map(|e| {
            e.expect("read an entry")
                .file_name()
                .to_string_lossy()
                .into()
        })
        .collect();
    names.sort();
    names
}

fn scalecost(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_scalecost"));
    cmd.current_dir(dir)
        .args(args)
        .env_remove("RUST_BACKTRACE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

/// A long `simulate --output results.json` over a `results.json` that holds
/// [`PREVIOUS`], started [`MID_RUN`] ago and still running.
fn start_long_run() -> (TempDir, Child) {
    let dir = tempfile::tempdir().expect("create a temporary folder");
    let scenario = common::starter_with(&[
        ("users: 1000 ", "users: 20000 "),
        ("horizon: 8d ", "horizon: 30d "),
    ]);
    fs::write(dir.path().join("scenario.yaml"), scenario).expect("write the scenario");
    fs::write(dir.path().join("results.json"), PREVIOUS).expect("write the old results");
    let mut child = scalecost(
        dir.path(),
        &[
            "simulate",
            "scenario.yaml",
            "--format",
            "json",
            "--output",
            "results.json",
        ],
    )
    .spawn()
    .expect("start scalecost");
    std::thread::sleep(MID_RUN);
    if let Some(status) = child.try_wait().expect("poll scalecost") {
        let mut stderr = String::new();
        let _ = child
            .stderr
            .take()
            .map(|mut s| s.read_to_string(&mut stderr));
        panic!("the run ended ({status}) before it could be interrupted:\n{stderr}");
    }
    (dir, child)
}

/// Waits for `child` to exit within `limit`; kills it and fails the test otherwise.
fn wait_within(child: &mut Child, limit: Duration) -> ExitStatus {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("poll scalecost") {
            return status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("scalecost did not stop within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn read_all(stream: Option<impl Read>) -> String {
    let mut text = String::new();
    if let Some(mut s) = stream {
        s.read_to_string(&mut text).expect("read the output");
    }
    text
}

/// Sends `signal` to a long run and checks it stops promptly with `code` and `said`
/// on standard error, the previous results intact and no temporary file left.
fn signal_stops_a_long_run(signal: libc::c_int, code: i32, said: &str) {
    let (dir, mut child) = start_long_run();
    let pid = child.id() as libc::pid_t;
    // SAFETY: sends a signal to the child this test started and has not yet reaped.
    assert_eq!(
        unsafe { libc::kill(pid, signal) },
        0,
        "send signal {signal}"
    );
    let status = wait_within(&mut child, PROMPT);
    let stdout = read_all(child.stdout.take());
    let stderr = read_all(child.stderr.take());

    assert_eq!(
        status.code(),
        Some(code),
        "exit status {status}; stderr:\n{stderr}"
    );
    assert!(
        stderr.contains(said),
        "the signal must be acknowledged; stderr:\n{stderr}"
    );
    assert!(!stderr.contains("panicked"), "stderr:\n{stderr}");
    assert!(stdout.is_empty(), "stdout:\n{stdout}");
    assert_eq!(
        fs::read_to_string(dir.path().join("results.json")).expect("read results.json"),
        PREVIOUS,
        "the previous results must survive byte for byte"
    );
    assert_eq!(
        listing(dir.path()),
        ["results.json", "scenario.yaml"],
        "no temporary file may be left behind"
    );
}

#[test]
fn ctrl_c_stops_a_long_run_with_a_message_and_exit_code_130_leaving_the_old_file() {
    signal_stops_a_long_run(libc::SIGINT, 130, "interrupted; no output written");
}

#[test]
fn a_run_killed_mid_way_leaves_the_old_file_intact() {
    let (dir, mut child) = start_long_run();
    child.kill().expect("send SIGKILL");
    let status = wait_within(&mut child, PROMPT);
    assert!(!status.success(), "a killed run cannot succeed: {status}");
    assert_eq!(
        fs::read_to_string(dir.path().join("results.json")).expect("read results.json"),
        PREVIOUS,
        "the previous results must survive byte for byte"
    );
    assert_eq!(
        listing(dir.path()),
        ["results.json", "scenario.yaml"],
        "no temporary file may be left behind"
    );
}

/// `scalecost simulate ... | head -1`: the reader goes away after one line.
#[test]
fn a_pipe_closed_early_ends_the_run_quietly_with_success() {
    let dir = tempfile::tempdir().expect("create a temporary folder");
    fs::write(dir.path().join("scenario.yaml"), STARTER).expect("write the scenario");
    let args = ["simulate", "scenario.yaml", "--format", "json"];
    // The whole output must be well over what a pipe holds (64 KiB on Linux), or the binary
    // would finish writing before the pipe closed and the test would prove nothing.
    let whole = scalecost(dir.path(), &args)
        .output()
        .expect("run scalecost");
    assert!(whole.status.success());
    assert!(
        whole.stdout.len() > 2 * 65_536,
        "the JSON is only {} bytes",
        whole.stdout.len()
    );

    let mut child = scalecost(dir.path(), &args)
        .spawn()
        .expect("start scalecost");
    let mut first = String::new();
    BufReader::new(child.stdout.take().expect("stdout is piped"))
        .read_line(&mut first)
        .expect("read the first line");
    // The reader was dropped at the end of that statement: the pipe is now closed.
    assert_eq!(first.trim(), "{");
    let status = wait_within(&mut child, Duration::from_secs(60));
    let stderr = read_all(child.stderr.take());
    assert!(status.success(), "exit status {status}; stderr:\n{stderr}");
    assert!(
        stderr.is_empty(),
        "a closed pipe is not an error:\n{stderr}"
    );
}

#[test]
fn sigterm_stops_a_long_run_with_exit_code_143_leaving_the_old_file() {
    signal_stops_a_long_run(
        libc::SIGTERM,
        143,
        "terminated (SIGTERM); no output written",
    );
}

/// A process id that is not in use: a child that has exited and been reaped.
fn dead_pid() -> u32 {
    let mut child = Command::new("true").spawn().expect("run true");
    let pid = child.id();
    child.wait().expect("reap true");
    pid
}

#[test]
fn a_killed_runs_temporary_file_is_removed_by_the_next_write_but_a_live_ones_is_kept() {
    let dir = tempfile::tempdir().expect("create a temporary folder");
    fs::write(dir.path().join("scenario.yaml"), STARTER).expect("write the scenario");
    let stale = format!(".scalecost-tmp-{}-Ab12Cd", dead_pid());
    // This test's own process is alive for the whole run: its file must stay.
    let live = format!(".scalecost-tmp-{}-Ef34Gh", std::process::id());
    // Not named like ours (no process id): never touched.
    let other = ".scalecost-notes".to_string();
    for name in [&stale, &live, &other] {
        fs::write(dir.path().join(name), "half a result").expect("plant a file");
    }
    let out = scalecost(
        dir.path(),
        &[
            "simulate",
            "scenario.yaml",
            "--scales",
            "1",
            "-o",
            "out.json",
        ],
    )
    .output()
    .expect("run scalecost");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut expected = vec![live, other, "out.json".into(), "scenario.yaml".into()];
    expected.sort();
    assert_eq!(listing(dir.path()), expected);
}

#[test]
fn a_folder_that_cannot_be_written_is_refused_before_any_simulation() {
    let dir = tempfile::tempdir().expect("create a temporary folder");
    // The run would take over a minute: refused at once means refused before it.
    let scenario = common::starter_with(&[
        ("users: 1000 ", "users: 20000 "),
        ("horizon: 8d ", "horizon: 30d "),
    ]);
    fs::write(dir.path().join("scenario.yaml"), scenario).expect("write the scenario");
    fs::write(dir.path().join("file.txt"), "").expect("write a file");
    fs::create_dir(dir.path().join("locked")).expect("create a folder");
    fs::create_dir(dir.path().join("locked-charts")).expect("create a folder");
    use std::os::unix::fs::PermissionsExt;
    for locked in ["locked", "locked-charts"] {
        fs::set_permissions(dir.path().join(locked), fs::Permissions::from_mode(0o555))
            .expect("make a folder read-only");
    }
    // SAFETY: geteuid has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;

    let refused = |args: &[&str], needles: &[&str]| {
        let started = Instant::now();
        let out = scalecost(dir.path(), args).output().expect("run scalecost");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        for needle in needles {
            assert!(stderr.contains(needle), "{args:?}: {stderr}");
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{args:?} took {:?}: the check must come before the simulation",
            started.elapsed()
        );
    };
    // Under a regular file: no one can write there, root included.
    refused(
        &["simulate", "scenario.yaml", "-o", "file.txt/out.json"],
        &["file.txt/out.json: file.txt is a file, not a folder"],
    );
    refused(
        &["simulate", "scenario.yaml", "--plot", "file.txt/charts"],
        &["file.txt/charts: cannot create the folder for the charts"],
    );
    // Root writes into a 0555 folder regardless, so there is nothing to refuse.
    if !root {
        refused(
            &["simulate", "scenario.yaml", "-o", "locked/out.json"],
            &[
                "locked/out.json: cannot write in the folder locked",
                "make it writable (e.g. chmod u+w locked)",
            ],
        );
        refused(
            &["simulate", "scenario.yaml", "--plot", "locked-charts"],
            &["locked-charts: cannot write in the folder locked-charts"],
        );
    }
    for locked in ["locked", "locked-charts"] {
        fs::set_permissions(dir.path().join(locked), fs::Permissions::from_mode(0o755))
            .expect("make a folder writable again");
        assert_eq!(listing(&dir.path().join(locked)), Vec::<String>::new());
    }
}
