//! Sharded runs: `--shard K/N` then `scalecost merge` must write, byte for byte, what
//! the unsharded command writes, in every format; parts that are not every shard of
//! one plan, once each, are refused by number; the shard index comes from the job
//! array engines' variables in the documented order, and an explicit K wins.

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;

/// Far above any run here (each is a small scenario), so a hang fails instead of waiting.
const HANG: Duration = Duration::from_secs(120);

/// A folder holding two small scenarios, where the commands run.
struct Workspace {
    dir: tempfile::TempDir,
}

impl Workspace {
    fn new() -> Workspace {
        let dir = tempfile::tempdir().expect("create a temporary folder");
        std::fs::write(dir.path().join("a.yaml"), common::small_starter_with(&[]))
            .expect("write a.yaml");
        std::fs::write(
            dir.path().join("b.yaml"),
            common::small_starter_with(&[("max: 6", "max: 3")]),
        )
        .expect("write b.yaml");
        Workspace { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `scalecost ARGS` in the workspace, with no job array variable set unless added.
    fn scalecost(&self, args: &[&str]) -> Command {
        let mut cmd = Command::cargo_bin("scalecost").expect("the scalecost binary is built");
        cmd.current_dir(self.dir.path())
            .args(args)
            .env_remove("RUST_BACKTRACE")
            .timeout(HANG);
        for name in scalecost::shard::INDEX_VARIABLES {
            cmd.env_remove(name);
        }
        cmd
    }

    fn succeeds(&self, cmd: &mut Command) -> Vec<u8> {
        let out = cmd.output().expect("run scalecost");
        assert!(
            out.status.success(),
            "{cmd:?} failed ({:?}):\n{}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    }

    /// Exit code 2, no panic, nothing on standard output; returns standard error.
    fn refused(&self, cmd: &mut Command) -> String {
        let out = cmd.output().expect("run scalecost");
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(2), "{cmd:?}:\n{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(out.stdout.is_empty(), "{cmd:?} wrote to standard output");
        stderr
    }

    /// Runs `command` as shards 0..n, each into `{tag}-K-of-N.json`; returns the parts.
    fn shards(&self, command: &[&str], n: u64, tag: &str) -> Vec<String> {
        (0..n)
            .map(|k| {
                let part = format!("{tag}-{k}-of-{n}.json");
                let shard = format!("{k}/{n}");
                let mut args = command.to_vec();
                args.extend(["--shard", &shard, "-q", "-o", &part]);
                self.succeeds(&mut self.scalecost(&args));
                part
            })
            .collect()
    }

    fn merge(&self, parts: &[String], extra: &[&str]) -> Vec<u8> {
        let mut args = vec!["merge"];
        args.extend(parts.iter().map(String::as_str));
        args.extend(extra);
        self.succeeds(&mut self.scalecost(&args))
    }
}

/// Shards `command` into 1, 3 and 8 parts and checks that merging them gives the
/// unsharded output in each of `formats`.
fn merges_byte_identical(command: &[&str], formats: &[&str]) {
    let ws = Workspace::new();
    let whole: Vec<Vec<u8>> = formats
        .iter()
        .map(|f| {
            let mut args = command.to_vec();
            args.extend(["-q", "--format", f]);
            ws.succeeds(&mut ws.scalecost(&args))
        })
        .collect();
    for n in [1, 3, 8] {
        let parts = ws.shards(command, n, command[0]);
        for (format, expected) in formats.iter().zip(&whole) {
            let merged = ws.merge(&parts, &["-q", "--format", format]);
            assert!(
                merged == *expected,
                "{command:?} in {n} shards merged as {format} differs from the unsharded run:\n\
                 --- unsharded\n{}\n--- merged\n{}",
                String::from_utf8_lossy(expected),
                String::from_utf8_lossy(&merged)
            );
        }
    }
}

const SWEEP: &[&str] = &[
    "sweep",
    "a.yaml",
    "--set",
    "cache.hit_rate=0.1,0.5",
    "--set",
    "tiers.small.autoscaling.max=4,8",
    "--scales",
    "1,2",
];

#[test]
fn sweep_merged_from_1_3_and_8_shards_is_the_unsharded_output_in_every_format() {
    merges_byte_identical(SWEEP, &["json", "table", "csv", "markdown", "html"]);
}

#[test]
fn compare_with_replications_merged_from_1_3_and_8_shards_is_the_unsharded_output() {
    merges_byte_identical(
        &[
            "compare",
            "a.yaml",
            "b.yaml",
            "--scales",
            "1,3",
            "--replications",
            "2",
        ],
        &["json", "table"],
    );
}

#[test]
fn simulate_replications_merged_from_1_3_and_8_shards_is_the_unsharded_output() {
    merges_byte_identical(
        &[
            "simulate",
            "a.yaml",
            "--scales",
            "1,2",
            "--replications",
            "3",
        ],
        &["json", "table"],
    );
}

#[test]
fn sensitivity_merged_from_shards_is_the_unsharded_output() {
    let ws = Workspace::new();
    let command = [
        "sensitivity",
        "a.yaml",
        "--vary",
        "cache.hit_rate",
        "--vary",
        "tiers.small.autoscaling.max",
        "--scales",
        "1",
    ];
    let mut args = command.to_vec();
    args.extend(["-q", "--format", "json"]);
    let whole = ws.succeeds(&mut ws.scalecost(&args));
    let parts = ws.shards(&command, 3, "sensitivity");
    assert!(ws.merge(&parts, &["-q", "--format", "json"]) == whole);
}

#[test]
fn sweep_charts_drawn_by_the_merge_are_the_unsharded_charts() {
    let ws = Workspace::new();
    let mut args = SWEEP.to_vec();
    args.extend(["-q", "--plot", "whole"]);
    ws.succeeds(&mut ws.scalecost(&args));
    let parts = ws.shards(SWEEP, 3, "charts");
    ws.merge(&parts, &["-q", "--plot", "merged"]);
    let names = |dir: &Path| {
        let mut names: Vec<_> = std::fs::read_dir(dir)
            .expect("the chart folder exists")
            .map(|e| e.expect("an entry").file_name())
            .collect();
        names.sort();
        names
    };
    let charts = names(&ws.path("whole"));
    assert!(!charts.is_empty(), "sweep --plot drew no chart");
    assert_eq!(charts, names(&ws.path("merged")));
    for chart in charts {
        let a = std::fs::read(ws.path("whole").join(&chart)).expect("read a chart");
        let b = std::fs::read(ws.path("merged").join(&chart)).expect("read a chart");
        assert!(a == b, "{chart:?} differs");
    }
}

#[test]
fn merge_writes_to_a_file_named_by_o_in_the_format_its_extension_names() {
    let ws = Workspace::new();
    let mut args = SWEEP.to_vec();
    args.extend(["-q", "--format", "csv"]);
    let whole = ws.succeeds(&mut ws.scalecost(&args));
    let parts = ws.shards(SWEEP, 2, "file");
    ws.merge(&parts, &["-q", "-o", "merged.csv"]);
    assert!(std::fs::read(ws.path("merged.csv")).expect("merged.csv written") == whole);
}

#[test]
fn missing_shards_are_refused_by_number() {
    let ws = Workspace::new();
    let parts = ws.shards(SWEEP, 8, "missing");
    let some: Vec<&str> = [0, 1, 3, 4, 6, 7]
        .iter()
        .map(|&k| parts[k].as_str())
        .collect();
    let mut args = vec!["merge"];
    args.extend(some);
    let stderr = ws.refused(&mut ws.scalecost(&args));
    assert!(
        stderr.contains("shards 2 and 5 of 8 are missing"),
        "{stderr}"
    );
}

#[test]
fn a_shard_given_twice_is_refused_by_number() {
    let ws = Workspace::new();
    let parts = ws.shards(SWEEP, 3, "twice");
    std::fs::copy(ws.path(&parts[1]), ws.path("copy.json")).expect("copy a part");
    let stderr =
        ws.refused(&mut ws.scalecost(&["merge", &parts[0], &parts[1], "copy.json", &parts[2]]));
    assert!(
        stderr.contains("given more than once: shard 1 (twice-1-of-3.json, copy.json)"),
        "{stderr}"
    );
}

#[test]
fn parts_of_different_plans_are_refused() {
    let ws = Workspace::new();
    let parts = ws.shards(SWEEP, 2, "first");
    // Another grid value: another plan.
    let mut other = SWEEP.to_vec();
    other[3] = "cache.hit_rate=0.1,0.6";
    let others = ws.shards(&other, 2, "other");
    let stderr = ws.refused(&mut ws.scalecost(&["merge", &parts[0], &others[1]]));
    assert!(stderr.contains("are parts of different plans"), "{stderr}");
    // Another number of shards of the same plan.
    let thirds = ws.shards(SWEEP, 3, "thirds");
    let stderr = ws.refused(&mut ws.scalecost(&["merge", &parts[0], &thirds[1], &thirds[2]]));
    assert!(stderr.contains("a shard of 2"), "{stderr}");
    // The same command line after the scenario file changed: another plan too.
    std::fs::write(
        ws.path("a.yaml"),
        common::small_starter_with(&[("max: 6", "max: 5")]),
    )
    .expect("change a.yaml");
    let changed = ws.shards(SWEEP, 2, "changed");
    let stderr = ws.refused(&mut ws.scalecost(&["merge", &parts[0], &changed[1]]));
    assert!(stderr.contains("are parts of different plans"), "{stderr}");
}

#[test]
fn the_merge_reads_the_scenario_copies_in_the_parts_not_the_files() {
    let ws = Workspace::new();
    let mut args = SWEEP.to_vec();
    args.extend(["-q", "--format", "json"]);
    let whole = ws.succeeds(&mut ws.scalecost(&args));
    let parts = ws.shards(SWEEP, 2, "moved");
    std::fs::remove_file(ws.path("a.yaml")).expect("remove a.yaml");
    assert!(ws.merge(&parts, &["-q", "--format", "json"]) == whole);
}

#[test]
fn a_changed_part_and_a_file_that_is_no_part_are_refused() {
    let ws = Workspace::new();
    let parts = ws.shards(SWEEP, 2, "changed");
    let text = std::fs::read_to_string(ws.path(&parts[1])).expect("read a part");
    std::fs::write(ws.path(&parts[1]), text.replace("max: 6", "max: 7")).expect("change it");
    let stderr = ws.refused(&mut ws.scalecost(&["merge", &parts[0], &parts[1]]));
    assert!(stderr.contains("fingerprint does not match"), "{stderr}");
    let stderr = ws.refused(&mut ws.scalecost(&["merge", "a.yaml"]));
    assert!(stderr.contains("not a partial result"), "{stderr}");
}

/// The `"shard"` field of the part `scalecost ... --shard SHARD` writes with `vars` set.
fn shard_taken(ws: &Workspace, shard: &str, vars: &[(&str, &str)]) -> u64 {
    let mut args = SWEEP.to_vec();
    args.extend(["--shard", shard, "-q", "-o", "env.json"]);
    let mut cmd = ws.scalecost(&args);
    for (name, value) in vars {
        cmd.env(name, value);
    }
    ws.succeeds(&mut cmd);
    let part: serde_json::Value =
        serde_json::from_slice(&std::fs::read(ws.path("env.json")).expect("read the part"))
            .expect("the part is JSON");
    part["shard"].as_u64().expect("a shard number")
}

#[test]
fn shard_index_comes_from_slurm_then_kubernetes_then_aws_batch_and_an_explicit_k_wins() {
    let ws = Workspace::new();
    let all = [
        ("SLURM_ARRAY_TASK_ID", "1"),
        ("JOB_COMPLETION_INDEX", "2"),
        ("AWS_BATCH_JOB_ARRAY_INDEX", "3"),
    ];
    assert_eq!(shard_taken(&ws, "4", &all), 1);
    assert_eq!(shard_taken(&ws, "4", &all[1..]), 2);
    assert_eq!(shard_taken(&ws, "4", &all[2..]), 3);
    assert_eq!(shard_taken(&ws, "0/4", &all), 0);
}

#[test]
fn bad_shards_are_refused_with_what_is_allowed() {
    let ws = Workspace::new();
    let run = |shard: &str, vars: &[(&str, &str)]| {
        let mut args = SWEEP.to_vec();
        args.extend(["--shard", shard, "-o", "bad.json"]);
        let mut cmd = ws.scalecost(&args);
        for (name, value) in vars {
            cmd.env(name, value);
        }
        ws.refused(&mut cmd)
    };
    assert!(run("8/8", &[]).contains("0/8 to 7/8"));
    assert!(run("0/0", &[]).contains("N = 0"));
    assert!(run("2/x", &[]).contains("N \"x\""));
    assert!(run("8", &[]).contains("SLURM_ARRAY_TASK_ID, JOB_COMPLETION_INDEX"));
    let past = run("8", &[("SLURM_ARRAY_TASK_ID", "8")]);
    assert!(
        past.contains("SLURM_ARRAY_TASK_ID=8") && past.contains("--array=0-7"),
        "{past}"
    );
    let word = run("8", &[("JOB_COMPLETION_INDEX", "one")]);
    assert!(word.contains("JOB_COMPLETION_INDEX=\"one\""), "{word}");
    assert!(!ws.path("bad.json").exists());
}

#[test]
fn shards_with_output_options_and_rounds_of_a_command_that_does_not_search_are_refused() {
    let ws = Workspace::new();
    let mut args = SWEEP.to_vec();
    args.extend(["--shard", "0/2", "--format", "table"]);
    let stderr = ws.refused(&mut ws.scalecost(&args));
    assert!(stderr.contains("give --format to the merge"), "{stderr}");
    // Only a search goes in rounds.
    let mut args = SWEEP.to_vec();
    args.extend(["--shard", "0/2", "--round", "state.json", "-o", "r.json"]);
    let stderr = ws.refused(&mut ws.scalecost(&args));
    assert!(stderr.contains("does not search in rounds"), "{stderr}");
}

/// An optimize search whose bisection along `max` and alternative take several rounds
/// at each of two scales.
const OPTIMIZE: &[&str] = &[
    "optimize",
    "a.yaml",
    "--vary",
    "tiers.small.autoscaling.max=1..8:1",
    "--alternative",
    "b.yaml",
    "--scales",
    "1,10",
];

/// What a merge of one round did.
enum Merged {
    /// Wrote the state of the next round (exit code 4).
    Another,
    /// Wrote the output.
    Done(Vec<u8>),
}

impl Workspace {
    /// Runs round `round` of `command` in `n` shards, from the state `state-{tag}-R.json`
    /// the merge of the round before wrote (none for round 0); returns the parts.
    fn round_shards(&self, command: &[&str], round: u64, n: u64, tag: &str) -> Vec<String> {
        let state = format!("state-{tag}-{round}.json");
        (0..n)
            .map(|k| {
                let part = format!("{tag}-r{round}-{k}-of-{n}.json");
                let shard = format!("{k}/{n}");
                let mut args = command.to_vec();
                args.extend(["--shard", &shard, "-q", "-o", &part]);
                if round > 0 {
                    args.extend(["--round", &state]);
                }
                self.succeeds(&mut self.scalecost(&args));
                part
            })
            .collect()
    }

    /// Merges the parts of round `round`, the state of the next going to
    /// `state-{tag}-(R+1).json`.
    fn merge_round(&self, parts: &[String], round: u64, tag: &str, extra: &[&str]) -> Merged {
        let state = format!("state-{tag}-{round}.json");
        let next = format!("state-{tag}-{}.json", round + 1);
        let mut args = vec!["merge"];
        args.extend(parts.iter().map(String::as_str));
        if round > 0 {
            args.extend(["--round", &state]);
        }
        args.extend(["--next-round", &next]);
        args.extend(extra);
        let mut cmd = self.scalecost(&args);
        let out = cmd.output().expect("run the merge");
        let stderr = String::from_utf8_lossy(&out.stderr);
        match out.status.code() {
            Some(0) => Merged::Done(out.stdout),
            Some(4) => {
                assert!(
                    stderr.contains(&format!(
                        "round {round} merged; the search needs round {}",
                        round + 1
                    )) && stderr.contains(&format!("--round {next}")),
                    "{stderr}"
                );
                assert!(
                    out.stdout.is_empty(),
                    "a merge that needs another round wrote output"
                );
                assert!(
                    self.path(&next).exists(),
                    "no state written for round {}",
                    round + 1
                );
                Merged::Another
            }
            code => panic!("{cmd:?} failed ({code:?}):\n{stderr}"),
        }
    }

    /// Runs `command` round after round in `n` shards until a merge writes the output
    /// (`extra` its options); returns it, the last round's parts and the rounds taken.
    fn chain(
        &self,
        command: &[&str],
        n: u64,
        tag: &str,
        extra: &[&str],
    ) -> (Vec<u8>, Vec<String>, u64) {
        for round in 0..100 {
            let parts = self.round_shards(command, round, n, tag);
            if let Merged::Done(out) = self.merge_round(&parts, round, tag, extra) {
                return (out, parts, round + 1);
            }
        }
        panic!("{command:?} took more than 100 rounds");
    }
}

#[test]
fn optimize_chained_in_rounds_of_1_3_and_8_shards_is_the_unsharded_output_in_every_format() {
    let ws = Workspace::new();
    let formats = ["json", "table", "csv", "markdown"];
    let whole: Vec<Vec<u8>> = formats
        .iter()
        .map(|f| {
            let mut args = OPTIMIZE.to_vec();
            args.extend(["-q", "--format", f]);
            ws.succeeds(&mut ws.scalecost(&args))
        })
        .collect();
    let mut taken = Vec::new();
    for n in [1, 3, 8] {
        let tag = format!("opt{n}");
        let (json, parts, rounds) = ws.chain(OPTIMIZE, n, &tag, &["-q", "--format", "json"]);
        assert!(
            json == whole[0],
            "{n} shards: the merged JSON differs from the unsharded one"
        );
        // The last round's merge, asked for each format, writes the unsharded output.
        for (format, expected) in formats.iter().zip(&whole).skip(1) {
            match ws.merge_round(&parts, rounds - 1, &tag, &["-q", "--format", format]) {
                Merged::Done(out) => assert!(
                    out == *expected,
                    "{n} shards merged as {format} differ from the unsharded run:\n--- \
                     unsharded\n{}\n--- merged\n{}",
                    String::from_utf8_lossy(expected),
                    String::from_utf8_lossy(&out)
                ),
                Merged::Another => panic!("the last round asked for another"),
            }
        }
        taken.push(rounds);
    }
    // The rounds are the search's, whatever the number of shards; and there are several.
    assert!(
        taken.iter().all(|&r| r == taken[0]),
        "rounds taken: {taken:?}"
    );
    assert!(taken[0] >= 4, "the search took {} rounds", taken[0]);
}

#[test]
fn a_break_even_search_and_a_crossover_chained_in_rounds_of_shards_are_the_unsharded_output() {
    let ws = Workspace::new();
    // The small starter sold per seat: simulate searches its break-even.
    let text = std::fs::read_to_string(ws.path("a.yaml")).expect("read a.yaml");
    std::fs::write(
        ws.path("sold.yaml"),
        format!("{text}\nrevenue:\n  per_seat: {{price_per_user_per_month: 2, free_share: 0.6}}\n"),
    )
    .expect("write sold.yaml");
    let simulate: &[&str] = &["simulate", "sold.yaml"];
    let crossover: &[&str] = &["crossover", "a.yaml", "b.yaml", "--scales", "1,10"];
    for (command, counts) in [(simulate, &[1u64, 3, 8][..]), (crossover, &[3][..])] {
        let formats = ["json", "table"];
        let whole: Vec<Vec<u8>> = formats
            .iter()
            .map(|f| {
                let mut args = command.to_vec();
                args.extend(["-q", "--format", f]);
                ws.succeeds(&mut ws.scalecost(&args))
            })
            .collect();
        let mut taken = Vec::new();
        for &n in counts {
            let tag = format!("{}{n}", command[0]);
            let (json, parts, rounds) = ws.chain(command, n, &tag, &["-q", "--format", "json"]);
            assert!(
                json == whole[0],
                "{command:?} in {n} shards: the JSON differs"
            );
            match ws.merge_round(&parts, rounds - 1, &tag, &["-q", "--format", "table"]) {
                Merged::Done(out) => assert!(out == whole[1], "{command:?}: the table differs"),
                Merged::Another => panic!("the last round asked for another"),
            }
            taken.push(rounds);
        }
        assert!(
            taken.iter().all(|&r| r == taken[0]),
            "rounds taken: {taken:?}"
        );
        if command[0] == "simulate" {
            // The scales with the loads between them, then the search's narrowing.
            assert!(
                taken[0] >= 3,
                "the break-even search took {} rounds",
                taken[0]
            );
        }
    }
}

/// A break-even search with more sign changes than it follows, in several spans
/// between simulated loads: a support pod for every 200 users costs a little less
/// than those users pay, so profit saws around zero from 2,000 users on, and a
/// threshold falls on the 10x scale. Probes start as soon as the loads below them are
/// in, whichever run finishes first; the loads probed, and so the output, are the same
/// on one thread, on two, and round by round in shards.
#[test]
fn a_break_even_search_with_more_crossings_than_it_follows_is_the_same_in_rounds_and_on_any_thread_count()
 {
    let ws = Workspace::new();
    let mut text = common::starter_with(&[
        ("users: 1000 ", "users: 100 "),
        ("horizon: 8d ", "horizon: 2d "),
    ]);
    text.push_str(
        "\ncosts:\n  monthly:\n    - {name: team, amount: 2000}\n  steps:\n    \
         - {name: support pod, amount_per_month: 3600, every: {users: 200}}\n\
         revenue:\n  per_seat: {price_per_user_per_month: 20, free_share: 0}\n",
    );
    std::fs::write(ws.path("saw.yaml"), text).expect("write saw.yaml");
    let command: &[&str] = &["simulate", "saw.yaml", "--scales", "1,3,10,30,100"];
    let on = |threads: &str| {
        let mut args = command.to_vec();
        args.extend(["-q", "--format", "json", "--jobs", threads]);
        ws.succeeds(&mut ws.scalecost(&args))
    };
    let whole = on("2");
    assert!(whole == on("1"), "one thread and two differ");
    let (json, _, rounds) = ws.chain(command, 3, "saw", &["-q", "--format", "json"]);
    assert!(json == whole, "in rounds of 3 shards the JSON differs");
    let out: serde_json::Value = serde_json::from_slice(&whole).expect("JSON output");
    let be = &out["break_even"];
    let crossings = be["crossings"].as_array().expect("crossings");
    // Followed up to the cap, across the spans on both sides of the 30x scale.
    assert_eq!(crossings.len(), 16, "{be}");
    let users: Vec<f64> = crossings
        .iter()
        .map(|c| c["users"].as_f64().unwrap())
        .collect();
    assert!(users[0] < 3000.0 && users[15] > 3000.0, "{users:?}");
    // Round 0 with the scales, then at least two of narrowing.
    assert!(rounds >= 3, "the search took {rounds} rounds");
}

#[test]
fn a_part_of_another_round_or_plan_and_a_missing_shard_of_a_round_are_refused_by_name() {
    let ws = Workspace::new();
    let round0 = ws.round_shards(OPTIMIZE, 0, 2, "r");
    assert!(matches!(
        ws.merge_round(&round0, 0, "r", &["-q"]),
        Merged::Another
    ));
    let round1 = ws.round_shards(OPTIMIZE, 1, 2, "r");
    // A part of round 0 among those of round 1.
    let stderr = ws.refused(&mut ws.scalecost(&[
        "merge",
        &round1[0],
        &round0[1],
        "--round",
        "state-r-1.json",
    ]));
    assert!(
        stderr.contains(
            "r-r1-0-of-2.json is a part of round 1 and r-r0-1-of-2.json a part of round 0"
        ),
        "{stderr}"
    );
    // The parts of round 0 given the state that leads to round 1.
    let stderr = ws.refused(&mut ws.scalecost(&[
        "merge",
        &round0[0],
        &round0[1],
        "--round",
        "state-r-1.json",
    ]));
    assert!(
        stderr
            .contains("r-r0-0-of-2.json is a part of round 0, and state-r-1.json leads to round 1"),
        "{stderr}"
    );
    // Round 1 without the state it ran from.
    let stderr = ws.refused(&mut ws.scalecost(&["merge", &round1[0], &round1[1]]));
    assert!(
        stderr.contains("r-r1-0-of-2.json is a part of round 1 of a search: give the state"),
        "{stderr}"
    );
    // A missing shard of the round, by number.
    let stderr = ws.refused(&mut ws.scalecost(&["merge", &round1[0], "--round", "state-r-1.json"]));
    assert!(stderr.contains("shard 1 of 2 is missing"), "{stderr}");
    // Another plan: the state refused by the shards and the merge of another command.
    let mut other = OPTIMIZE.to_vec();
    other[3] = "tiers.small.autoscaling.max=1..6:1";
    let others = ws.round_shards(&other, 0, 2, "o");
    let stderr = ws.refused(&mut ws.scalecost(&[
        "merge",
        &others[0],
        &others[1],
        "--round",
        "state-r-1.json",
    ]));
    assert!(
        stderr.contains("state-r-1.json: the state of another plan"),
        "{stderr}"
    );
    let mut args = other.clone();
    args.extend([
        "--shard",
        "0/2",
        "--round",
        "state-r-1.json",
        "-o",
        "x.json",
    ]);
    let stderr = ws.refused(&mut ws.scalecost(&args));
    assert!(
        stderr.contains("state-r-1.json: the state of another plan"),
        "{stderr}"
    );
    // A state changed after it was written.
    let text = std::fs::read_to_string(ws.path("state-r-1.json")).expect("read the state");
    let changed = text.replacen("\"served\":", "\"served\":1", 1);
    assert_ne!(changed, text);
    std::fs::write(ws.path("changed.json"), changed).expect("write it");
    let stderr = ws.refused(&mut ws.scalecost(&[
        "merge",
        &round1[0],
        &round1[1],
        "--round",
        "changed.json",
    ]));
    assert!(
        stderr.contains("changed.json: its id does not match"),
        "{stderr}"
    );
    // A merge that needs another round and has nowhere to write its state says so.
    let stderr = ws.refused(&mut ws.scalecost(&["merge", &round0[0], &round0[1]]));
    assert!(stderr.contains("give --next-round STATE"), "{stderr}");
}

#[test]
fn the_commands_gates_are_judged_by_the_merge_after_it_writes() {
    let ws = Workspace::new();
    let mut command = SWEEP.to_vec();
    command.extend(["--fail-on", "monthly-cost>0"]);
    let mut args = command.clone();
    args.extend(["-q", "--format", "json"]);
    let whole = ws.scalecost(&args).output().expect("run the sweep");
    assert_eq!(whole.status.code(), Some(3), "the gate trips unsharded");
    let parts = ws.shards(&command, 3, "gates");
    let mut args = vec!["merge"];
    args.extend(parts.iter().map(String::as_str));
    args.extend(["-q", "--format", "json"]);
    let merged = ws.scalecost(&args).output().expect("run the merge");
    assert_eq!(
        merged.status.code(),
        Some(3),
        "the merge trips the same gate"
    );
    assert!(merged.stdout == whole.stdout);
    assert!(String::from_utf8_lossy(&merged.stderr).contains("gate failed"));
}

#[test]
fn growth_loads_are_run_by_the_shards_and_the_merge_gives_the_unsharded_sweep() {
    let ws = Workspace::new();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/growing-startup.yaml"),
        ws.path("growing.yaml"),
    )
    .expect("copy the growing scenario");
    let command = [
        "sweep",
        "growing.yaml",
        "--set",
        "workload.requests_per_user_per_day=5,15",
        "--set",
        "workload.horizon=3d",
    ];
    let mut args = command.to_vec();
    args.extend(["-q", "--format", "json"]);
    let whole = ws.succeeds(&mut ws.scalecost(&args));
    let parts = ws.shards(&command, 3, "growth");
    assert!(ws.merge(&parts, &["-q", "--format", "json"]) == whole);
    // Two grid points at one scale, and the loads their two-year growth passes through.
    let part: serde_json::Value =
        serde_json::from_slice(&std::fs::read(ws.path(&parts[0])).expect("read a part"))
            .expect("the part is JSON");
    let total = part["runs_total"].as_u64().expect("runs_total");
    assert!(
        total > 2,
        "the shards run the growth loads too ({total} runs)"
    );
}
