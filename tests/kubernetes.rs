//! The Kubernetes example: its manifests pass the API schema (checked offline by the PyPI
//! package kubernetes-validate, skipped with the reason where it cannot be installed), and
//! the commands its pods run, run here once per completion index, merge into what the
//! unsharded sweep writes; the optimize's pods, run round after round as its driver runs
//! the Jobs, merge into what the unsharded optimize writes.

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;

const MANIFESTS: [&str; 4] = [
    "examples/kubernetes/sweep-job.yaml",
    "examples/kubernetes/merge-job.yaml",
    "examples/kubernetes/optimize-job.yaml",
    "examples/kubernetes/optimize-merge-job.yaml",
];

fn manifest(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// Runs the validator on `files`: Ok(passed), or Err(why it cannot run here).
fn validate(files: &[PathBuf]) -> Result<bool, String> {
    // Kept between test runs, so the package is installed once.
    let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("kubernetes-validate");
    let out = Command::new("bash")
        .arg(manifest("scripts/validate-kubernetes.sh"))
        .arg(&venv)
        .args(files)
        .timeout(Duration::from_secs(420))
        .output()
        .map_err(|e| format!("cannot run bash: {e}"))?;
    match out.status.code() {
        Some(0) => Ok(true),
        Some(1) => Ok(false),
        _ => Err(String::from_utf8_lossy(&out.stderr).trim().to_string()),
    }
}

#[test]
fn the_manifests_pass_the_kubernetes_schema_and_a_misspelt_field_does_not() {
    let files: Vec<PathBuf> = MANIFESTS.iter().map(|m| manifest(m)).collect();
    match validate(&files) {
        Err(why) => {
            eprintln!("skipped: kubernetes-validate cannot run here: {why}");
            return;
        }
        Ok(passed) => assert!(passed, "examples/kubernetes does not validate"),
    }
    // The check can fail: the same Job with a field misspelt is refused.
    let dir = tempfile::tempdir().expect("a temporary folder");
    let bad = dir.path().join("bad.yaml");
    let text = std::fs::read_to_string(&files[0]).expect("read the manifest");
    assert_eq!(text.matches("parallelism:").count(), 1);
    std::fs::write(&bad, text.replace("parallelism:", "parallelsm:")).expect("write it");
    assert_eq!(validate(&[bad]), Ok(false), "a misspelt field passed");
}

/// The shell command (`sh -c ARG`) of the first container of the Job named `job`.
fn pod_command(file: &str, job: &str) -> String {
    let text = std::fs::read_to_string(manifest(file)).expect("read the manifest");
    let docs: Vec<serde_json::Value> =
        serde_saphyr::from_multiple(&text).expect("the manifest is YAML");
    let doc = docs
        .iter()
        .find(|d| d["kind"] == "Job" && d["metadata"]["name"] == job)
        .unwrap_or_else(|| panic!("{file} has no Job {job}"));
    let container = &doc["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(container["command"], serde_json::json!(["sh", "-c"]));
    container["args"][0]
        .as_str()
        .expect("one shell command")
        .to_string()
}

/// A temporary folder standing in for the pods' volumes, with the scenario where the
/// manifests mount it; its path; and a PATH on which `scalecost` is this build's binary.
fn pod_workspace() -> (tempfile::TempDir, String, String) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let root = dir.path().display().to_string();
    std::fs::create_dir(dir.path().join("scenario")).expect("make scenario/");
    std::fs::write(
        dir.path().join("scenario/starter.yaml"),
        common::small_starter_with(&[]),
    )
    .expect("write the scenario");
    let bin = assert_cmd::cargo::cargo_bin("scalecost");
    let path = format!(
        "{}:{}",
        bin.parent().expect("the binary's folder").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    (dir, root, path)
}

#[test]
fn the_pods_commands_run_for_each_index_merge_into_the_unsharded_sweep() {
    let (dir, root, path) = pod_workspace();
    // The volumes' mount points, moved into the temporary folder.
    let local = |command: String| {
        command
            .replace(" /scenario/", &format!(" {root}/scenario/"))
            .replace(" /results/", &format!(" {root}/results/"))
    };
    let shard = local(pod_command(MANIFESTS[0], "scalecost-sweep"));
    let completions = {
        let text = std::fs::read_to_string(manifest(MANIFESTS[0])).expect("read");
        let docs: Vec<serde_json::Value> = serde_saphyr::from_multiple(&text).expect("YAML");
        docs.iter()
            .find(|d| d["kind"] == "Job")
            .and_then(|d| d["spec"]["completions"].as_u64())
            .expect("completions")
    };
    for index in 0..completions {
        let mut cmd = Command::new("sh");
        cmd.args(["-c", &shard])
            .env("PATH", &path)
            .env("JOB_COMPLETION_INDEX", index.to_string())
            .env_remove("SLURM_ARRAY_TASK_ID")
            .env_remove("RUST_BACKTRACE")
            .timeout(Duration::from_secs(120));
        let out = cmd.output().expect("run a pod's command");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let merge = local(pod_command(MANIFESTS[1], "scalecost-merge"));
    let out = Command::new("sh")
        .args(["-c", &merge])
        .env("PATH", &path)
        .timeout(Duration::from_secs(120))
        .output()
        .expect("run the merge's command");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // The same sweep on one machine: the shard's command without its --shard and -o.
    let whole = Command::new(assert_cmd::cargo::cargo_bin("scalecost"))
        .args([
            "sweep",
            &format!("{root}/scenario/starter.yaml"),
            "--set",
            "cache.hit_rate=0.1,0.5",
            "--set",
            "tiers.small.autoscaling.max=4,8",
            "--scales",
            "1,2",
            "-q",
            "--format",
            "json",
        ])
        .timeout(Duration::from_secs(120))
        .output()
        .expect("run the sweep");
    assert!(whole.status.success());
    let merged = std::fs::read(dir.path().join("results/sweep.json")).expect("sweep.json");
    assert!(
        merged == whole.stdout,
        "the merged sweep differs from the unsharded one"
    );
}

/// `command` with the volumes' mount points moved into `root`.
fn localised(command: &str, root: &str) -> String {
    command
        .replace(" /scenario/", &format!(" {root}/scenario/"))
        .replace(" /results/", &format!(" {root}/results/"))
}

/// The manifest `file` as optimize-rounds.sh applies it for round `round`.
fn for_round(file: &str, round: u64) -> String {
    let script = manifest("examples/kubernetes/optimize-rounds.sh");
    let out = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "source <(sed -n '/^for_round()/,/^}}/p' {}); for_round {} {round}",
            script.display(),
            manifest(file).display()
        ))
        .timeout(Duration::from_secs(30))
        .output()
        .expect("run the driver's for_round");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("the manifest is text")
}

#[test]
fn the_optimize_rounds_pods_run_round_after_round_merge_into_the_unsharded_optimize() {
    let (dir, root, path) = pod_workspace();
    let job = |text: &str| -> serde_json::Value {
        let docs: Vec<serde_json::Value> = serde_saphyr::from_multiple(text).expect("YAML");
        docs.into_iter()
            .find(|d| d["kind"] == "Job")
            .expect("a Job")
    };
    let sh = |command: &str, vars: &[(&str, String)]| {
        let mut cmd = Command::new("sh");
        cmd.args(["-c", command])
            .env("PATH", &path)
            .env_remove("SLURM_ARRAY_TASK_ID")
            .env_remove("RUST_BACKTRACE")
            .timeout(Duration::from_secs(120));
        for (name, value) in vars {
            cmd.env(name, value);
        }
        let out = cmd.output().expect("run a pod's command");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let mut rounds = 0;
    loop {
        assert!(rounds < 50, "the search did not end");
        // Each round's Jobs as the driver applies them: its number in the names and ROUND.
        let shards = job(&for_round("examples/kubernetes/optimize-job.yaml", rounds));
        let merge = job(&for_round(
            "examples/kubernetes/optimize-merge-job.yaml",
            rounds,
        ));
        for (doc, name) in [
            (&shards, "scalecost-optimize-round"),
            (&merge, "scalecost-optimize-merge-round"),
        ] {
            assert_eq!(doc["metadata"]["name"], format!("{name}-{rounds}"));
            let container = &doc["spec"]["template"]["spec"]["containers"][0];
            assert_eq!(container["env"][0]["value"], rounds.to_string());
        }
        let command = |doc: &serde_json::Value| {
            let container = &doc["spec"]["template"]["spec"]["containers"][0];
            localised(
                container["args"][0].as_str().expect("a shell command"),
                &root,
            )
        };
        let round = ("ROUND", rounds.to_string());
        for index in 0..shards["spec"]["completions"].as_u64().expect("completions") {
            sh(
                &command(&shards),
                &[round.clone(), ("JOB_COMPLETION_INDEX", index.to_string())],
            );
        }
        let log = sh(&command(&merge), &[round]);
        rounds += 1;
        match log.trim() {
            "scalecost merge exit code 0" => break,
            "scalecost merge exit code 4" => continue,
            other => panic!("the merge of round {} said {other:?}", rounds - 1),
        }
    }
    assert!(rounds >= 2, "one round only");
    let whole = Command::new(assert_cmd::cargo::cargo_bin("scalecost"))
        .args([
            "optimize",
            &format!("{root}/scenario/starter.yaml"),
            "--vary",
            "tiers.small.autoscaling.max=1..8:1",
            "--scales",
            "1,10",
            "-q",
            "--format",
            "json",
        ])
        .timeout(Duration::from_secs(120))
        .output()
        .expect("run the optimize");
    assert!(whole.status.success());
    let merged = std::fs::read(dir.path().join("results/optimize.json")).expect("optimize.json");
    assert!(
        merged == whole.stdout,
        "the merged optimize differs from the unsharded one"
    );
}
