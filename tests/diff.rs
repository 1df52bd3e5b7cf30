//! `diff` on a fixture repository with a few commits: an example edit, a prose-only edit, an
//! added figure, a broken claim; in text, Markdown and JSON, and its errors.

mod common;

use std::path::Path;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_mdbook-attention");

fn git(repo: &Path, args: &[&str]) {
    let out = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args([
            "-c",
            "user.name=T",
            "-c",
            "user.email=t@example.com",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn edit(repo: &Path, file: &str, from: &str, to: &str) {
    let path = repo.join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{file} holds {from:?}");
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
}

fn commit(repo: &Path, message: &str) {
    git(repo, &["add", "-A"]);
    git(repo, &["commit", "-q", "-m", message]);
    git(repo, &["tag", message]);
}

/// The mini book in a repository, the book in a subfolder (as in a real project):
/// base → example → prose → figure → claim.
fn history() -> tempfile::TempDir {
    let repo = tempfile::tempdir().unwrap();
    let book = repo.path().join("book");
    common::copy_dir(&common::fixture("mini"), &book);
    mdbook_attention::install::install(&book).unwrap();
    git(repo.path(), &["init", "-q"]);
    commit(repo.path(), "base");
    edit(
        repo.path(),
        "book/src/examples.toml",
        "embeddings = [[1.0, 0.0], [0.0, 1.0]]",
        "embeddings = [[1.0, 0.0], [0.5, 1.0]]",
    );
    commit(repo.path(), "example");
    edit(
        repo.path(),
        "book/src/widgets.md",
        "The weight of a on b is",
        "Here, the weight of a on b is",
    );
    commit(repo.path(), "prose");
    edit(
        repo.path(),
        "book/src/plain.md",
        "No widgets here",
        "```attention\nexample = \"pair\"\nid = \"new\"\nshow = [\"weights\"]\nassert = [\"new:weights[a][a] > 0.5\"]\n```\n\nNo widgets here",
    );
    commit(repo.path(), "figure");
    edit(
        repo.path(),
        "book/src/examples.toml",
        "w_k = [[1.0, 0.0], [0.0, 1.0]]",
        "w_k = [[-1.0, 0.0], [0.0, 1.0]]",
    );
    commit(repo.path(), "claim");
    repo
}

fn diff(repo: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("diff")
        .arg(repo.join("book"))
        .args(args)
        .output()
        .unwrap()
}

fn stdout(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn an_example_edit_moves_values_and_figures_in_every_format() {
    let repo = history();
    let text = stdout(&diff(repo.path(), &["--base", "base", "--head", "example"]));
    assert!(
        text.starts_with("attention diff: base `base` → head `example`\n"),
        "{text}"
    );
    // The inline value, its line, the expression as written, old → new and the exact change.
    assert!(
        text.contains("src/widgets.md:8 attn: weights[a][b]: 0.33 → 0.41 (exactly +0.0822825"),
        "{text}"
    );
    assert!(text.contains("Figures whose numbers changed (4)"), "{text}");
    assert!(
        text.contains(
            "src/widgets.md:3 the figure showing qkv, heatmap, controls: embeddings 1 of 4 cells"
        ),
        "{text}"
    );
    assert!(
        text.contains("largest change v[b][2] 4.00 → 5.50"),
        "{text}"
    );
    assert!(
        text.contains("    where a attends most: a 0.67 → a 0.59\n"),
        "{text}"
    );
    assert!(!text.contains("Claims"), "every claim still holds: {text}");

    let markdown = stdout(&diff(
        repo.path(),
        &[
            "--base", "base", "--head", "example", "--format", "markdown",
        ],
    ));
    assert!(
        markdown.starts_with("### Numbers this change moves\n"),
        "{markdown}"
    );
    assert!(markdown.contains("\n#### Inline values changed (1)\n\n- src/widgets.md:8 `attn: weights[a][b]`: 0.33 → 0.41"), "{markdown}");

    let json: serde_json::Value = serde_json::from_str(&stdout(&diff(
        repo.path(),
        &["--base", "base", "--head", "example", "--format", "json"],
    )))
    .unwrap();
    let values = json["changes"]["values"].as_array().unwrap();
    assert_eq!(values.len(), 1);
    assert_eq!(values[0]["written"], "attn: weights[a][b]");
    assert_eq!(values[0]["old"], "0.33");
    assert_eq!(values[0]["new"], "0.41");
    assert_eq!(json["changes"]["figures"].as_array().unwrap().len(), 4);
    let fields = json["changes"]["figures"][0]["fields"].as_array().unwrap();
    assert!(fields.iter().any(|f| f["field"] == "weights"), "{fields:?}");
}

#[test]
fn a_prose_edit_moves_no_number() {
    let repo = history();
    let text = stdout(&diff(
        repo.path(),
        &["--base", "example", "--head", "prose"],
    ));
    assert!(text.ends_with("\nno numbers changed\n"), "{text}");
    let json = stdout(&diff(
        repo.path(),
        &["--base", "example", "--head", "prose", "--format", "json"],
    ));
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(json["changes"]["values"].as_array().unwrap().is_empty());
}

#[test]
fn an_added_figure_and_its_claim_are_listed() {
    let repo = history();
    let text = stdout(&diff(repo.path(), &["--base", "prose", "--head", "figure"]));
    assert!(
        text.contains("Figures added (1)\n  src/plain.md:3 the figure `new`"),
        "{text}"
    );
    assert!(
        text.contains("Claims added (1)\n  src/plain.md:7 new:weights[a][a] > 0.5"),
        "{text}"
    );
    assert!(!text.contains("Figures whose numbers changed"), "{text}");
    // And the other way round.
    let back = stdout(&diff(repo.path(), &["--base", "figure", "--head", "prose"]));
    assert!(
        back.contains("Figures removed (1)") && back.contains("Claims removed (1)"),
        "{back}"
    );
}

#[test]
fn a_change_that_breaks_a_claim_says_so_and_still_compares() {
    let repo = history();
    let text = stdout(&diff(repo.path(), &["--base", "figure", "--head", "claim"]));
    assert!(
        text.contains("Claims newly failing (1)\n  src/plain.md:7 new:weights[a][a] > 0.5"),
        "{text}"
    );
    // The numbers are compared all the same: the weights flipped.
    assert!(
        text.contains("where `a` attends most") || text.contains("where a attends most"),
        "{text}"
    );
}

#[test]
fn the_working_tree_is_the_default_head_and_two_folders_work_too() {
    let repo = history();
    edit(
        repo.path(),
        "book/src/widgets.md",
        "Here, the weight",
        "Look: the weight",
    );
    let text = stdout(&diff(repo.path(), &["--base", "claim"]));
    assert!(
        text.starts_with("attention diff: base `claim` → head the working tree\n"),
        "{text}"
    );
    assert!(text.ends_with("no numbers changed\n"), "{text}");
    // Nothing was written to the repository.
    let status = Command::new("git")
        .arg("-C")
        .arg(repo.path())
        .args(["status", "--porcelain"])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&status.stdout).trim(),
        "M book/src/widgets.md"
    );
    let old = common::copy_fixture("mini");
    let out = Command::new(BIN)
        .arg("diff")
        .arg(old.path())
        .arg(repo.path().join("book"))
        .output()
        .unwrap();
    assert!(stdout(&out).contains("Figures added (1)"));
}

#[test]
fn mistakes_are_clear_and_exit_non_zero() {
    let repo = history();
    let out = diff(repo.path(), &["--base", "no-such-branch"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("the revision `no-such-branch` names no commit"),
        "{err}"
    );
    // Any revision syntax git knows (`:/message`), and never an option in disguise.
    let out = diff(repo.path(), &["--base", ":/claim"]);
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("names no commit"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let planted = repo.path().join("planted.tar");
    let out = diff(
        repo.path(),
        &["--base", &format!("--output={}", planted.display())],
    );
    assert!(!out.status.success());
    assert!(
        !planted.exists(),
        "a revision is never read as an option of git"
    );
    // A side that does not compute says which, with its problems.
    edit(
        repo.path(),
        "book/src/widgets.md",
        "show = [\"qkv\"",
        "show = [\"qkvv\"",
    );
    let out = diff(repo.path(), &["--base", "claim"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("the head (the working tree) does not compute")
            && err.contains("unknown view `qkvv`")
            && err.contains("--> src/widgets.md:5"),
        "{err}"
    );
    let out = Command::new(BIN)
        .arg("diff")
        .arg(repo.path().join("book"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("say what to compare"));
    let outside = tempfile::tempdir().unwrap();
    common::copy_dir(&common::fixture("mini"), outside.path());
    let out = Command::new(BIN)
        .arg("diff")
        .arg(outside.path())
        .args(["--base", "main"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not in a git repository"));
}

/// Every number a figure shows is in the ledger: a later head's weights, W_O and the order of a
/// shuffled copy each move figures that `diff` names, with the result they are in.
#[test]
fn later_heads_w_o_and_the_shuffled_order_are_compared() {
    let chapter = "# C\n\n```attention\nid = \"two\"\ntokens = [\"a\", \"b\", \"c\"]\nembeddings = [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]\nheads = [\n  { w_q = [[1.0, 0.0], [0.0, 1.0]], w_k = [[1.0, 0.0], [0.0, 1.0]], w_v = [[1.0, 0.0], [0.0, 1.0]] },\n  { w_q = [[2.0, 0.0], [0.0, 2.0]], w_k = [[2.0, 0.0], [0.0, 2.0]], w_v = [[1.0, 0.0], [0.0, 1.0]], scale = 1.0 },\n]\nw_o = [[1.0, 0.0, 0.5, 0.0], [0.0, 1.0, 0.0, 0.5]]\nshow = [\"heads\", \"combine\"]\n```\n\n```attention\nid = \"moved\"\ntokens = [\"a\", \"b\", \"c\"]\nembeddings = [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]\nw_q = [[1.0, 0.0], [0.0, 1.0]]\nw_k = [[1.0, 0.0], [0.0, 1.0]]\nw_v = [[1.0, 0.0], [0.0, 1.0]]\npositions = \"sinusoidal\"\nshuffled = [\"c\", \"a\", \"b\"]\nshow = [\"order\"]\n```\n\n`attn: two:heads[2].weights[a][a]` `attn: moved:order[shuffled].weights[a][b]`\n";
    for (from, to, moved) in [
        (
            "{ w_q = [[2.0, 0.0], [0.0, 2.0]]",
            "{ w_q = [[3.0, 0.0], [0.0, 2.0]]",
            "heads[2].weights",
        ),
        (
            "w_o = [[1.0, 0.0, 0.5, 0.0]",
            "w_o = [[1.0, 0.0, 1.5, 0.0]",
            "combined",
        ),
        (
            "shuffled = [\"c\", \"a\", \"b\"]",
            "shuffled = [\"b\", \"c\", \"a\"]",
            "order[shuffled].weights",
        ),
    ] {
        let base = common::copy_fixture("mini");
        std::fs::write(base.path().join("src/plain.md"), chapter).unwrap();
        let head = common::copy_fixture("mini");
        std::fs::write(
            head.path().join("src/plain.md"),
            chapter.replacen(from, to, 1),
        )
        .unwrap();
        let out = Command::new(BIN)
            .arg("diff")
            .arg(base.path())
            .arg(head.path())
            .output()
            .unwrap();
        let said = String::from_utf8_lossy(&out.stdout);
        assert!(!said.contains("no numbers changed"), "{to}: {said}");
        assert!(said.contains(moved), "{to}: `{moved}` not named in {said}");
    }
}

/// `diff --base` reads only the book's folder from the revision: a file elsewhere in the
/// repository is never read (here its object is missing altogether, so reading the whole
/// revision, as `git archive` of the repository did, fails; a large file costs nothing).
#[test]
fn diff_base_reads_only_the_books_folder() {
    let repo = tempfile::tempdir().unwrap();
    common::copy_dir(&common::fixture("mini"), &repo.path().join("book"));
    std::fs::write(repo.path().join("outside.bin"), "not the book's").unwrap();
    git(repo.path(), &["init", "-q"]);
    git(repo.path(), &["add", "-A"]);
    commit(repo.path(), "base");
    // The object of the file outside the book is gone.
    let out = Command::new("git")
        .arg("-C")
        .arg(repo.path())
        .args(["rev-parse", "HEAD:outside.bin"])
        .output()
        .unwrap();
    let id = String::from_utf8_lossy(&out.stdout).trim().to_string();
    std::fs::remove_file(
        repo.path()
            .join(".git/objects")
            .join(&id[..2])
            .join(&id[2..]),
    )
    .unwrap();
    let out = diff(repo.path(), &["--base", "HEAD"]);
    assert!(
        stdout(&out).contains("no numbers changed"),
        "{}",
        stdout(&out)
    );
}
