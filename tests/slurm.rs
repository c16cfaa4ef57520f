//! Sharding on Slurm: on a real single-node cluster started by
//! `scripts/slurm-single-node.sh`, the 8-task job array and dependent merge job of
//! `examples/slurm/`, and the merged JSON compared byte for byte with the local,
//! unsharded sweep. Where the cluster cannot run (not root, the packages cannot be
//! installed) the test says why and passes without checking; the daemons are stopped by
//! their pids however the test ends. The round-by-round optimize driver runs everywhere,
//! with a stand-in for `sbatch --wait` that runs each array's tasks here in turn.

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;

/// Starting the cluster: the package install, when needed, takes most of it.
const START: Duration = Duration::from_secs(420);
/// The array and the merge: about 5 s on 2 cores; the bound catches a stuck queue.
const JOBS: Duration = Duration::from_secs(180);

fn manifest(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// The running cluster; dropping it stops its daemons.
struct Cluster {
    dir: tempfile::TempDir,
}

impl Cluster {
    /// Starts one, or says why it cannot run here.
    fn start() -> Result<Cluster, String> {
        #[cfg(unix)]
        if unsafe { libc::geteuid() } != 0 {
            return Err("not root: the cluster's daemons and packages need root".into());
        }
        let dir = tempfile::tempdir().map_err(|e| format!("no temporary folder: {e}"))?;
        let out = Command::new("bash")
            .arg(manifest("scripts/slurm-single-node.sh"))
            .arg("start")
            .arg(dir.path())
            .timeout(START)
            .output()
            .map_err(|e| format!("cannot run bash: {e}"))?;
        let cluster = Cluster { dir };
        let stderr = String::from_utf8_lossy(&out.stderr);
        match out.status.code() {
            Some(0) => Ok(cluster),
            Some(77) => Err(stderr.trim().to_string()),
            code => {
                let logs = ["slurmctld.log", "slurmd.log", "munged.log"]
                    .iter()
                    .map(|log| {
                        let text = std::fs::read_to_string(cluster.dir.path().join(log))
                            .unwrap_or_default();
                        let tail: Vec<&str> = text.lines().rev().take(15).collect();
                        format!(
                            "--- {log}\n{}",
                            tail.into_iter().rev().collect::<Vec<_>>().join("\n")
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n");
                panic!("the single-node cluster did not start ({code:?}):\n{stderr}\n{logs}")
            }
        }
    }

    fn conf(&self) -> PathBuf {
        self.dir.path().join("slurm.conf")
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .arg(manifest("scripts/slurm-single-node.sh"))
            .arg("stop")
            .arg(self.dir.path())
            .timeout(Duration::from_secs(30))
            .output();
    }
}

#[test]
fn an_8_task_job_array_and_its_dependent_merge_give_the_local_sweep_byte_for_byte() {
    let cluster = match Cluster::start() {
        Ok(cluster) => cluster,
        Err(why) => {
            eprintln!("skipped: no single-node Slurm here: {why}");
            return;
        }
    };
    let work = tempfile::tempdir().expect("a temporary folder");
    std::fs::write(work.path().join("a.yaml"), common::small_starter_with(&[]))
        .expect("write the scenario");
    let scalecost = assert_cmd::cargo::cargo_bin("scalecost");
    // The sweep examples/slurm/sweep-array.sbatch runs, here on one machine, unsharded.
    let local = Command::new(&scalecost)
        .current_dir(work.path())
        .args([
            "sweep",
            "a.yaml",
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
        .env_remove("RUST_BACKTRACE")
        .timeout(JOBS)
        .output()
        .expect("run the local sweep");
    assert!(
        local.status.success(),
        "{}",
        String::from_utf8_lossy(&local.stderr)
    );

    let mut submit = Command::new("bash");
    submit
        .arg(manifest("examples/slurm/submit.sh"))
        .current_dir(work.path())
        .env("SLURM_CONF", cluster.conf())
        .env("SCALECOST", &scalecost)
        .env("SCENARIO", "a.yaml")
        .env_remove("RUST_BACKTRACE")
        .timeout(JOBS);
    for name in scalecost::shard::INDEX_VARIABLES {
        submit.env_remove(name);
    }
    let out = submit.output().expect("run examples/slurm/submit.sh");
    let logs = || {
        let mut text = String::new();
        for entry in std::fs::read_dir(work.path())
            .expect("list the folder")
            .flatten()
        {
            if entry.file_name().to_string_lossy().ends_with(".out") {
                text += &format!(
                    "--- {}\n{}",
                    entry.file_name().to_string_lossy(),
                    std::fs::read_to_string(entry.path()).unwrap_or_default()
                );
            }
        }
        text
    };
    assert!(
        out.status.success(),
        "submitting failed ({:?}):\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr),
    );
    let merge_job = String::from_utf8_lossy(&out.stdout).trim().to_string();
    // Polled here rather than with `sbatch --wait`, whose own polling backs off to tens
    // of seconds between looks.
    let deadline = std::time::Instant::now() + JOBS;
    loop {
        let state = Command::new("scontrol")
            .args(["show", "job", "-o", &merge_job])
            .env("SLURM_CONF", cluster.conf())
            .timeout(Duration::from_secs(30))
            .output()
            .expect("run scontrol");
        let state = String::from_utf8_lossy(&state.stdout).into_owned();
        if state.contains("JobState=COMPLETED") {
            break;
        }
        let ended = [
            "FAILED",
            "CANCELLED",
            "TIMEOUT",
            "NODE_FAIL",
            "OUT_OF_MEMORY",
        ]
        .iter()
        .any(|s| state.contains(&format!("JobState={s}")));
        assert!(
            !ended && !state.contains("DependencyNeverSatisfied"),
            "the array or its merge failed:\n{state}\n{}",
            logs()
        );
        assert!(
            std::time::Instant::now() < deadline,
            "the merge job did not finish in {JOBS:?}:\n{state}\n{}",
            logs()
        );
        std::thread::sleep(Duration::from_millis(250));
    }
    let parts = std::fs::read_dir(work.path().join("parts"))
        .expect("the array wrote parts/")
        .count();
    assert_eq!(parts, 8, "one part per task of the array");
    let merged = std::fs::read(work.path().join("sweep.json"))
        .unwrap_or_else(|e| panic!("the merge job wrote no sweep.json ({e}):\n{}", logs()));
    assert!(
        merged == local.stdout,
        "the merged sweep differs from the local one:\n--- local\n{}\n--- merged\n{}",
        String::from_utf8_lossy(&local.stdout),
        String::from_utf8_lossy(&merged)
    );
}

/// Stands in for `sbatch --wait` where no cluster runs: runs the script's tasks here,
/// one after another, with the variables Slurm sets (and those `--export` names), logs
/// each submission to `submissions.log`, and exits with the highest task's exit code.
const STAND_IN_SBATCH: &str = r#"#!/bin/bash
set -u
exports=()
script=
for arg in "$@"; do
    case $arg in
        --export=*) IFS=, read -ra pairs <<<"${arg#--export=}"
                    for pair in "${pairs[@]}"; do [ "$pair" = ALL ] || exports+=("$pair"); done ;;
        --*) ;;
        *) script=$arg ;;
    esac
done
last=$(sed -n 's/^#SBATCH --array=0-\([0-9]*\).*/\1/p' "$script")
status=0
if [ -n "$last" ]; then
    n=$((last + 1))
    for ((k = 0; k < n; k++)); do
        env "${exports[@]}" SLURM_ARRAY_TASK_ID=$k SLURM_ARRAY_TASK_COUNT=$n bash "$script" \
            || { s=$?; [ $s -gt $status ] && status=$s; }
    done
else
    env "${exports[@]}" bash "$script" || status=$?
    n=1
fi
echo "$(basename "$script") ${exports[*]} tasks=$n exit=$status" >>submissions.log
echo "Submitted batch job 1"
exit $status
"#;

#[test]
fn the_optimize_driver_submits_rounds_until_the_merge_says_done_and_gives_the_local_search() {
    let work = tempfile::tempdir().expect("a temporary folder");
    std::fs::write(work.path().join("a.yaml"), common::small_starter_with(&[]))
        .expect("write the scenario");
    let sbatch = work.path().join("sbatch");
    std::fs::write(&sbatch, STAND_IN_SBATCH).expect("write the stand-in sbatch");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&sbatch, std::fs::Permissions::from_mode(0o755))
            .expect("make the stand-in executable");
    }
    let scalecost = assert_cmd::cargo::cargo_bin("scalecost");
    // The search examples/slurm/optimize-array.sbatch shards, here unsharded.
    let local = Command::new(&scalecost)
        .current_dir(work.path())
        .args([
            "optimize",
            "a.yaml",
            "--vary",
            "tiers.small.autoscaling.max=1..8:1",
            "--scales",
            "1,10",
            "-q",
            "--format",
            "json",
        ])
        .env_remove("RUST_BACKTRACE")
        .timeout(JOBS)
        .output()
        .expect("run the local optimize");
    assert!(local.status.success());
    let mut driver = Command::new("bash");
    driver
        .arg(manifest("examples/slurm/optimize-rounds.sh"))
        .current_dir(work.path())
        .env("SBATCH", &sbatch)
        .env("SCALECOST", &scalecost)
        .env("SCENARIO", "a.yaml")
        .env_remove("RUST_BACKTRACE")
        .timeout(JOBS);
    for name in scalecost::shard::INDEX_VARIABLES {
        driver.env_remove(name);
    }
    let out = driver
        .output()
        .expect("run examples/slurm/optimize-rounds.sh");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let log = std::fs::read_to_string(work.path().join("submissions.log")).unwrap_or_default();
    assert!(out.status.success(), "the driver failed:\n{stderr}\n{log}");
    // Each round: an 8-task array, then a merge that says 4 (another round) or 0 (done).
    let merges: Vec<&str> = log
        .lines()
        .filter(|l| l.starts_with("optimize-merge"))
        .collect();
    let arrays = log.lines().filter(|l| l.contains("tasks=8 exit=0")).count();
    assert!(merges.len() >= 2, "one round only:\n{log}");
    assert_eq!(arrays, merges.len(), "{log}");
    assert!(
        merges[..merges.len() - 1]
            .iter()
            .all(|l| l.ends_with("exit=4")),
        "{log}"
    );
    assert!(merges[merges.len() - 1].ends_with("exit=0"), "{log}");
    assert!(
        stderr.contains(&format!("done after {} rounds", merges.len())),
        "{stderr}"
    );
    let merged = std::fs::read(work.path().join("optimize.json")).expect("optimize.json");
    assert!(
        merged == local.stdout,
        "the search merged round by round differs from the local one"
    );
}
