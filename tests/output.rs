//! Drives the real `scalecost` binary: `--output` respects what it replaces.
//!
//! A regular file is replaced whole and keeps its mode; a symbolic link stays a link and
//! what it leads to is replaced; a device, FIFO or socket is written in place and stays
//! what it was; `-` is standard output. No case leaves a `.scalecost-*` temporary file.
//!
//! Each test runs the binary in its own temporary folder on the starter scenario cut down
//! to ten users over one simulated day, which takes milliseconds. Devices are only ever
//! nodes the test makes inside that folder, never the machine's own `/dev`.
#![cfg(unix)]

use std::fs;
use std::io::{ErrorKind, Read};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt, PermissionsExt, symlink};
use std::os::unix::net::UnixListener;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use assert_cmd::Command;
use serde_json::Value;
use tempfile::TempDir;

mod common;

/// Longest any single run may take before the test counts it as a hang.
const HANG: Duration = Duration::from_secs(60);

/// The starter at ten users over one day with a one-hour warm-up (its burst moved inside
/// the day); each edit must match exactly once, so a changed starter fails loudly here.
fn small_scenario() -> String {
    common::starter_with(&[
        ("users: 1000 ", "users: 10 "),
        ("horizon: 8d ", "horizon: 1d "),
        ("warmup: 1d ", "warmup: 1h "),
        ("start: 1d 12h,", "start: 12h,"),
    ])
}

/// A temporary folder holding `small.yaml`, where the binary runs.
struct Workspace {
    dir: TempDir,
}

impl Workspace {
    fn new() -> Workspace {
        let dir = tempfile::tempdir().expect("create a temporary folder");
        fs::write(dir.path().join("small.yaml"), small_scenario()).expect("write the scenario");
        Workspace { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn read(&self, name: &str) -> String {
        fs::read_to_string(self.path(name)).expect("read a test file")
    }

    /// Every name under the folder, sorted, subfolders included (`sub/x`): shows stray
    /// temporary files wherever a link may have led the writer.
    fn listing(&self) -> Vec<String> {
        fn walk(dir: &Path, prefix: &str, names: &mut Vec<String>) {
            for entry in fs::read_dir(dir).expect("list a folder") {
                let entry = entry.expect("read an entry");
                let name = format!("{prefix}{}", entry.file_name().to_string_lossy());
                let kind = entry.file_type().expect("the entry's type");
                names.push(name.clone());
                if kind.is_dir() {
                    walk(&entry.path(), &format!("{name}/"), names);
                }
            }
        }
        let mut names = Vec::new();
        walk(self.dir.path(), "", &mut names);
        names.sort();
        names
    }

    /// Checks that no temporary file is left anywhere in the folder.
    fn assert_no_temporary_files(&self) {
        let listing = self.listing();
        assert!(
            !listing.iter().any(|n| n.contains(".scalecost-")),
            "a temporary file was left behind: {listing:?}"
        );
    }

    /// `scalecost simulate small.yaml --scales 1 --format json --output OUTPUT`. Without
    /// RUST_BACKTRACE, so a failure shows the message a user sees.
    fn simulate_to(&self, output: &str) -> Command {
        let mut cmd = Command::cargo_bin("scalecost").expect("the scalecost binary is built");
        cmd.current_dir(self.dir.path())
            .args([
                "simulate",
                "small.yaml",
                "--scales",
                "1",
                "--format",
                "json",
            ])
            .args(["--quiet", "--output", output])
            .env_remove("RUST_BACKTRACE")
            .timeout(HANG);
        cmd
    }

    /// The same run at `scales`, as a plain process for tests that read its output
    /// while it runs.
    fn process(&self, scales: &str, output: &str) -> std::process::Command {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_scalecost"));
        cmd.current_dir(self.dir.path())
            .args([
                "simulate",
                "small.yaml",
                "--scales",
                scales,
                "--format",
                "json",
            ])
            .args(["--quiet", "--output", output])
            .env_remove("RUST_BACKTRACE");
        cmd
    }

    /// Runs [`Workspace::simulate_to`] and expects success; returns standard output.
    fn succeeds(&self, output: &str) -> String {
        let out = self.simulate_to(output).output().expect("run scalecost");
        assert_success(&out, output);
        String::from_utf8(out.stdout).expect("standard output is UTF-8")
    }
}

fn assert_success(out: &Output, output: &str) {
    assert!(
        out.status.success(),
        "scalecost --output {output} failed ({:?}):\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Checks that `text` is the JSON results of one run at one scale.
fn assert_results(text: &str) {
    let json: Value = serde_json::from_str(text)
        .unwrap_or_else(|e| panic!("not JSON results ({e}):\n{text:.200}"));
    assert_eq!(
        json["results"].as_array().map(Vec::len),
        Some(1),
        "{text:.200}"
    );
}

fn mode(path: &Path) -> u32 {
    fs::metadata(path)
        .expect("the file exists")
        .permissions()
        .mode()
        & 0o7777
}

mod regular_files {
    //! A regular file is replaced whole and keeps its mode.

    use super::*;

    #[test]
    fn a_replaced_file_keeps_its_mode() {
        let ws = Workspace::new();
        fs::write(ws.path("results.json"), "old\n").unwrap();
        fs::set_permissions(ws.path("results.json"), fs::Permissions::from_mode(0o640)).unwrap();
        assert_eq!(ws.succeeds("results.json"), "");
        assert_results(&ws.read("results.json"));
        assert_eq!(
            mode(&ws.path("results.json")),
            0o640,
            "mode {:o}",
            mode(&ws.path("results.json"))
        );
        assert_eq!(ws.listing(), ["results.json", "small.yaml"]);
    }

    /// Regression: the mode was given when the temporary file was created, where the
    /// umask (usually 022) strips group and other write.
    #[test]
    fn a_replaced_file_keeps_write_bits_the_umask_would_remove() {
        let ws = Workspace::new();
        fs::write(ws.path("results.json"), "old\n").unwrap();
        fs::set_permissions(ws.path("results.json"), fs::Permissions::from_mode(0o666)).unwrap();
        ws.succeeds("results.json");
        assert_eq!(
            mode(&ws.path("results.json")),
            0o666,
            "mode {:o}",
            mode(&ws.path("results.json"))
        );
        ws.assert_no_temporary_files();
    }
}

mod links {
    //! A symbolic link stays a link; what it finally leads to is replaced atomically.

    use super::*;

    fn assert_link(ws: &Workspace, name: &str, to: &str) {
        let path = ws.path(name);
        let kind = fs::symlink_metadata(&path)
            .expect("the link exists")
            .file_type();
        assert!(kind.is_symlink(), "{name} is no longer a symbolic link");
        assert_eq!(
            fs::read_link(&path).unwrap(),
            Path::new(to),
            "{name} leads elsewhere"
        );
    }

    #[test]
    fn a_link_stays_a_link_and_its_target_is_replaced() {
        let ws = Workspace::new();
        fs::write(ws.path("real.json"), "old\n").unwrap();
        fs::set_permissions(ws.path("real.json"), fs::Permissions::from_mode(0o640)).unwrap();
        symlink("real.json", ws.path("link.json")).unwrap();
        ws.succeeds("link.json");
        assert_link(&ws, "link.json", "real.json");
        assert_results(&ws.read("real.json"));
        assert_eq!(
            mode(&ws.path("real.json")),
            0o640,
            "the target keeps its mode"
        );
        assert_eq!(ws.listing(), ["link.json", "real.json", "small.yaml"]);
    }

    /// Each relative link is read from its own folder, and the temporary file goes
    /// beside the final target (a rename cannot cross file systems).
    #[test]
    fn a_chain_of_links_across_folders_is_followed_to_its_end() {
        let ws = Workspace::new();
        fs::create_dir_all(ws.path("links")).unwrap();
        fs::create_dir_all(ws.path("data")).unwrap();
        fs::write(ws.path("data/real.json"), "old\n").unwrap();
        symlink("links/middle.json", ws.path("first.json")).unwrap();
        symlink("../data/real.json", ws.path("links/middle.json")).unwrap();
        ws.succeeds("first.json");
        assert_link(&ws, "first.json", "links/middle.json");
        assert_link(&ws, "links/middle.json", "../data/real.json");
        assert_results(&ws.read("data/real.json"));
        assert_eq!(
            ws.listing(),
            [
                "data",
                "data/real.json",
                "first.json",
                "links",
                "links/middle.json",
                "small.yaml"
            ]
        );
    }

    #[test]
    fn an_absolute_link_is_followed() {
        let ws = Workspace::new();
        fs::write(ws.path("real.json"), "old\n").unwrap();
        symlink(ws.path("real.json"), ws.path("link.json")).unwrap();
        ws.succeeds("link.json");
        assert_results(&ws.read("real.json"));
        assert!(
            fs::symlink_metadata(ws.path("link.json"))
                .unwrap()
                .file_type()
                .is_symlink()
        );
        ws.assert_no_temporary_files();
    }

    #[test]
    fn a_dangling_link_gets_its_target_created() {
        let ws = Workspace::new();
        fs::create_dir(ws.path("data")).unwrap();
        symlink("data/new.json", ws.path("link.json")).unwrap();
        ws.succeeds("link.json");
        assert_link(&ws, "link.json", "data/new.json");
        assert_results(&ws.read("data/new.json"));
        assert_eq!(
            mode(&ws.path("data/new.json")) & 0o600,
            0o600,
            "readable and writable"
        );
        assert_eq!(
            ws.listing(),
            ["data", "data/new.json", "link.json", "small.yaml"]
        );
    }

    #[test]
    fn a_dangling_link_into_a_missing_folder_is_refused_before_running() {
        let ws = Workspace::new();
        symlink("nowhere/new.json", ws.path("link.json")).unwrap();
        let out = ws.simulate_to("link.json").output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "bad input; stderr:\n{stderr}");
        assert_eq!(
            stderr,
            "error: link.json: a symbolic link to nowhere/new.json, but the folder nowhere \
             does not exist; create it, fix the link or choose another output path\n"
        );
        assert!(out.stdout.is_empty());
        assert_eq!(ws.listing(), ["link.json", "small.yaml"]);
    }

    #[test]
    fn a_link_to_a_folder_is_refused() {
        let ws = Workspace::new();
        fs::create_dir(ws.path("out")).unwrap();
        symlink("out", ws.path("link")).unwrap();
        let out = ws.simulate_to("link").output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "bad input; stderr:\n{stderr}");
        assert!(stderr.contains("link: this is a folder"), "{stderr}");
        assert_eq!(ws.listing(), ["link", "out", "small.yaml"]);
    }

    #[test]
    fn a_loop_of_links_is_refused() {
        let ws = Workspace::new();
        symlink("b.json", ws.path("a.json")).unwrap();
        symlink("a.json", ws.path("b.json")).unwrap();
        let out = ws.simulate_to("a.json").output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "bad input; stderr:\n{stderr}");
        assert!(stderr.contains("is there a loop?"), "{stderr}");
        assert_eq!(ws.listing(), ["a.json", "b.json", "small.yaml"]);
    }
}

mod in_place {
    //! Devices, FIFOs and sockets are written in place and stay what they were.

    use super::*;

    /// Makes a null device (Linux's 1:3, which discards what it is given) at `path`, or
    /// says why not: making device nodes takes root, and some folders refuse to open them.
    #[cfg(target_os = "linux")]
    fn make_null_device(path: &Path) -> Result<(), String> {
        let c_path = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: a valid NUL-terminated path; mknod reads nothing else.
        let made =
            unsafe { libc::mknod(c_path.as_ptr(), libc::S_IFCHR | 0o666, libc::makedev(1, 3)) };
        if made != 0 {
            return Err(format!("mknod: {}", std::io::Error::last_os_error()));
        }
        // A folder on a `nodev` mount holds the node but will not open it.
        fs::OpenOptions::new()
            .write(true)
            .open(path)
            .map(drop)
            .map_err(|e| format!("opening the node: {e}"))
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_character_device_stays_a_device() {
        let ws = Workspace::new();
        if let Err(why) = make_null_device(&ws.path("null")) {
            eprintln!("skipped: cannot make a character device in a temporary folder ({why})");
            return;
        }
        assert_eq!(ws.succeeds("null"), "");
        let metadata = fs::symlink_metadata(ws.path("null")).unwrap();
        assert!(
            metadata.file_type().is_char_device(),
            "{:?}",
            metadata.file_type()
        );
        assert_eq!(
            std::os::unix::fs::MetadataExt::rdev(&metadata),
            libc::makedev(1, 3)
        );
        assert_eq!(ws.listing(), ["null", "small.yaml"]);
    }

    fn make_fifo(path: &Path) {
        let c_path = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: a valid NUL-terminated path; mkfifo reads nothing else.
        assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0, "mkfifo");
    }

    /// Opens `fifo` for reading without waiting for a writer.
    fn open_nonblocking_reader(fifo: &Path) -> fs::File {
        fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(fifo)
            .expect("open the FIFO for reading")
    }

    #[test]
    fn a_fifo_reader_receives_the_results() {
        let ws = Workspace::new();
        let fifo = ws.path("pipe");
        make_fifo(&fifo);
        // The test holds a write end of its own until scalecost has finished, so the
        // reader never waits to open and reaches end-of-file even if scalecost never
        // wrote to the FIFO (as when it renamed a file over it): the test then fails
        // instead of hanging.
        let reader = open_nonblocking_reader(&fifo);
        let own_writer = fs::OpenOptions::new()
            .write(true)
            .open(&fifo)
            .expect("open the FIFO");
        set_blocking(&reader);
        let reading = thread::spawn(move || {
            let mut text = String::new();
            (&reader).read_to_string(&mut text).map(|_| text)
        });
        let out = ws.simulate_to("pipe").output().unwrap();
        drop(own_writer);
        let received = reading
            .join()
            .expect("the reader thread")
            .expect("read the FIFO");
        assert_success(&out, "pipe");
        assert!(out.stdout.is_empty());
        assert_results(&received);
        assert!(fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());
        assert_eq!(ws.listing(), ["pipe", "small.yaml"]);
    }

    fn set_blocking(file: &fs::File) {
        use std::os::fd::AsRawFd;
        // SAFETY: fcntl on a descriptor the file keeps open; no pointers.
        unsafe {
            let flags = libc::fcntl(file.as_raw_fd(), libc::F_GETFL);
            assert!(flags >= 0, "F_GETFL");
            assert_eq!(
                libc::fcntl(file.as_raw_fd(), libc::F_SETFL, flags & !libc::O_NONBLOCK),
                0
            );
        }
    }

    /// Like `scalecost ... | head`: a reader that leaves early is not a failure. The
    /// results (three scales, about 100 kB) overfill the pipe (64 kB by default), so
    /// scalecost is still writing when the reader goes.
    #[test]
    fn a_fifo_reader_that_leaves_early_is_not_an_error() {
        let ws = Workspace::new();
        let fifo = ws.path("pipe");
        make_fifo(&fifo);
        let reader = open_nonblocking_reader(&fifo);
        let mut child = ws
            .process("1,2,3", "pipe")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start scalecost");
        let started = Instant::now();
        let written = loop {
            // Checked before looking at the pipe: what it wrote before exiting is there.
            let exited = child.try_wait().unwrap().is_some();
            if queued_bytes(&reader) > 0 {
                break true;
            }
            if exited || started.elapsed() > HANG {
                break false;
            }
            thread::sleep(Duration::from_millis(10));
        };
        drop(reader);
        let out = child.wait_with_output().expect("scalecost ends");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(written, "nothing reached the FIFO; stderr:\n{stderr}");
        assert!(out.status.success(), "{:?}; stderr:\n{stderr}", out.status);
        assert_eq!(stderr, "");
        assert!(fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());
        assert_eq!(ws.listing(), ["pipe", "small.yaml"]);
    }

    /// Bytes waiting in the pipe behind `reader`.
    fn queued_bytes(reader: &fs::File) -> libc::c_int {
        use std::os::fd::AsRawFd;
        let mut queued: libc::c_int = 0;
        // SAFETY: FIONREAD writes one c_int through the pointer, to a live local.
        let ok = unsafe { libc::ioctl(reader.as_raw_fd(), libc::FIONREAD, &mut queued) };
        assert_eq!(ok, 0, "FIONREAD: {}", std::io::Error::last_os_error());
        queued
    }

    #[test]
    fn a_socket_listener_receives_the_results() {
        let ws = Workspace::new();
        let socket = ws.path("socket");
        let listener = UnixListener::bind(&socket).expect("bind a socket");
        // Polled, so a scalecost that never connects fails the test instead of hanging it.
        listener.set_nonblocking(true).unwrap();
        let mut child = ws
            .process("1", "socket")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start scalecost");
        let started = Instant::now();
        let received = loop {
            // Checked before accepting: a connection made before exiting is queued by then.
            let exited = child.try_wait().unwrap().is_some();
            match listener.accept() {
                Ok((mut stream, _)) => {
                    stream.set_nonblocking(false).unwrap();
                    let mut text = String::new();
                    stream.read_to_string(&mut text).expect("receive");
                    break text;
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock && !exited => {
                    assert!(started.elapsed() < HANG, "scalecost hangs");
                    thread::sleep(Duration::from_millis(10));
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => break String::new(),
                Err(e) => panic!("accept: {e}"),
            }
        };
        let out = child.wait_with_output().expect("scalecost ends");
        assert_success(&out, "socket");
        assert_results(&received);
        assert!(
            fs::symlink_metadata(&socket)
                .unwrap()
                .file_type()
                .is_socket()
        );
        assert_eq!(ws.listing(), ["small.yaml", "socket"]);
    }
}

mod standard_output {
    //! `-o -` is standard output, as in most command-line tools.

    use super::*;

    #[test]
    fn a_dash_writes_to_standard_output() {
        let ws = Workspace::new();
        assert_results(&ws.succeeds("-"));
        assert_eq!(ws.listing(), ["small.yaml"], "no file named `-`");
    }

    /// A file that happens to be called `-` is reached as `./-`.
    #[test]
    fn a_dash_is_standard_output_even_beside_a_file_named_dash() {
        let ws = Workspace::new();
        fs::write(ws.path("-"), "mine\n").unwrap();
        assert_results(&ws.succeeds("-"));
        assert_eq!(ws.read("-"), "mine\n");
        ws.succeeds("./-");
        assert_results(&ws.read("-"));
        ws.assert_no_temporary_files();
    }

    /// Like `scalecost ... | head` where `head` has already gone.
    #[test]
    fn a_closed_standard_output_is_not_an_error() {
        let ws = Workspace::new();
        let (reader, writer) = std::io::pipe().expect("a pipe");
        drop(reader);
        let out = ws
            .process("1", "-")
            .stdout(writer)
            .output()
            .expect("run scalecost");
        assert_success(&out, "-");
        assert_eq!(String::from_utf8_lossy(&out.stderr), "");
        assert_eq!(ws.listing(), ["small.yaml"]);
    }
}

mod quiet {
    //! `--quiet` writes nothing at all to standard error on success: no progress, no
    //! notice, no `wrote …` line for a chart; only errors remain.

    use super::*;

    fn run(ws: &Workspace, quiet: bool) -> Output {
        let mut cmd = Command::cargo_bin("scalecost").expect("the scalecost binary is built");
        cmd.current_dir(ws.dir.path())
            .args([
                "simulate",
                "small.yaml",
                "--scales",
                "1",
                "--format",
                "json",
            ])
            .args(["--output", "results.json", "--plot", "charts"])
            .env_remove("RUST_BACKTRACE")
            .timeout(HANG);
        if quiet {
            cmd.arg("-q");
        }
        cmd.output().expect("run scalecost")
    }

    #[test]
    fn quiet_is_silent_where_a_plain_run_names_what_it_wrote() {
        let ws = Workspace::new();
        let plain = run(&ws, false);
        assert!(plain.status.success());
        let said = String::from_utf8_lossy(&plain.stderr);
        assert!(said.contains("wrote charts/"), "{said}");

        let ws = Workspace::new();
        let quiet = run(&ws, true);
        assert!(quiet.status.success());
        assert_eq!(String::from_utf8_lossy(&quiet.stderr), "");
        assert!(quiet.stdout.is_empty());
        assert_results(&ws.read("results.json"));
        assert!(ws.path("charts").read_dir().unwrap().next().is_some());
    }
}
