//! The command line, shaped like mdbook's own: the preprocessor protocol (no arguments),
//! `supports`, `build`, `check`, `serve`, `install` and `archive`. `main.rs` only calls [`run`].

use crate::mdbook::{AttentionPreprocessor, NAME};
use crate::serve;
use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use mdbook_preprocessor::Preprocessor;
use std::io::Write;
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "mdbook-attention",
    version,
    about = "Exact, interactive attention widgets for mdBook.\n\nWith no command, runs as an mdBook preprocessor (JSON on stdin, JSON on stdout)."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Tell mdBook whether a renderer is supported (exit 0 = yes).
    Supports { renderer: String },
    /// Build the book in-process, search index included.
    Build {
        /// The book's root, where book.toml is.
        #[arg(default_value = ".")]
        book_dir: PathBuf,
        /// Where to write the book (default: build.build-dir of book.toml, usually book/).
        #[arg(short = 'd', long)]
        dest_dir: Option<PathBuf>,
        /// Stop on warnings too (also `deny-warnings = true` in [preprocessor.attention]).
        #[arg(long)]
        deny_warnings: bool,
    },
    /// Check every block, inline value and claim of the book without rendering it (exit 0 when
    /// all hold, 1 otherwise).
    Check {
        #[arg(default_value = ".")]
        book_dir: PathBuf,
        /// `human` (rustc-style, on stderr) or `json` (one object per problem per line, on
        /// stdout, like cargo's).
        #[arg(long, value_enum, default_value_t = MessageFormat::Human)]
        message_format: MessageFormat,
        /// Exit 1 on warnings too (also `deny-warnings = true` in [preprocessor.attention]).
        #[arg(long)]
        deny_warnings: bool,
    },
    /// What numbers did a change move? Compares the book at two revisions (or two book folders)
    /// without rendering: inline values, figures, claims.
    Diff {
        /// The book's root (default `.`); or, without `--base`, two book folders: OLD NEW.
        #[arg(num_args = 0..=2)]
        books: Vec<PathBuf>,
        /// The revision to compare against, like `origin/main`.
        #[arg(long)]
        base: Option<String>,
        /// The revision to compare (default: the working tree, as it is on disk).
        #[arg(long)]
        head: Option<String>,
        /// `text`, `markdown` (for a pull request or a job summary) or `json`.
        #[arg(long, value_enum, default_value_t = crate::diff::Format::Text)]
        format: crate::diff::Format,
    },
    /// Real models: `model fetch [NAME]` downloads and checks one (or every one book.toml names)
    /// into the cache, so that a later build needs no network.
    Model {
        #[command(subcommand)]
        action: ModelAction,
    },
    /// Add the widgets to any mdBook: [preprocessor.attention] and the JS and CSS (idempotent).
    Install {
        #[arg(default_value = ".")]
        book_dir: PathBuf,
    },
    /// Build the book and pack it into one .tar.gz that opens from disk once unpacked.
    Archive {
        #[arg(default_value = ".")]
        book_dir: PathBuf,
        /// The archive to write.
        #[arg(short = 'o', long, default_value = "book.tar.gz")]
        output: PathBuf,
        /// Replace the archive if it exists.
        #[arg(long)]
        force: bool,
    },
    /// Build, serve on localhost, and rebuild when a chapter, the theme or book.toml changes.
    Serve {
        #[arg(default_value = ".")]
        book_dir: PathBuf,
        #[arg(short = 'd', long)]
        dest_dir: Option<PathBuf>,
        #[arg(short = 'p', long, default_value_t = 3000)]
        port: u16,
        #[arg(short = 'n', long, default_value = "localhost")]
        hostname: String,
        /// Open the book in the default web browser.
        #[arg(long)]
        open: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum ModelAction {
    /// Fetch a model named in book.toml (all of them without a name) and check its files.
    Fetch {
        name: Option<String>,
        #[arg(long, default_value = ".")]
        book_dir: PathBuf,
    },
}

/// How `check` writes its problems.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum MessageFormat {
    Human,
    Json,
}

pub use crate::mdbook::{build, load};

/// The preprocessor protocol: `[context, book]` on stdin, the book on stdout.
pub fn protocol() -> anyhow::Result<()> {
    let mut input = String::new();
    std::io::Read::read_to_string(&mut std::io::stdin(), &mut input)
        .context("cannot read the book from standard input")?;
    if input.trim().is_empty() {
        bail!(
            "nothing arrived on standard input — mdbook-attention with no command is an mdBook preprocessor; run `mdbook-attention build` to build a book"
        );
    }
    let (ctx, book) = mdbook_preprocessor::parse_input(input.as_bytes()).map_err(|e| {
        anyhow::anyhow!(
            "{e:#} — the input must be the JSON that mdBook {} sends to preprocessors (mdBook 0.4 books are not supported: upgrade mdbook to 0.5)",
            mdbook_preprocessor::MDBOOK_VERSION
        )
    })?;
    if !ctx.mdbook_version.starts_with("0.5") {
        eprintln!(
            "warning: mdbook-attention was built for mdBook {} but is run by {}",
            mdbook_preprocessor::MDBOOK_VERSION,
            ctx.mdbook_version
        );
    }
    let processed = AttentionPreprocessor.run(&ctx, book)?;
    let mut out = std::io::stdout().lock();
    serde_json::to_writer(&mut out, &processed)
        .context("cannot write the book to standard output")?;
    out.flush()?;
    Ok(())
}

/// Runs the command line; the error is printed by `main`.
pub fn run(cli: Cli) -> anyhow::Result<std::process::ExitCode> {
    match cli.command {
        None => protocol()?,
        Some(Command::Supports { renderer }) => {
            let yes = AttentionPreprocessor.supports_renderer(&renderer)?;
            return Ok(if yes {
                std::process::ExitCode::SUCCESS
            } else {
                std::process::ExitCode::FAILURE
            });
        }
        Some(Command::Build {
            book_dir,
            dest_dir,
            deny_warnings,
        }) => {
            let out = crate::mdbook::build_with(&book_dir, dest_dir.as_deref(), deny_warnings)?;
            eprintln!("{NAME}: the book is in {}", out.display());
        }
        Some(Command::Check {
            book_dir,
            message_format,
            deny_warnings,
        }) => {
            let checked = match crate::mdbook::check(&book_dir) {
                Ok(checked) => checked,
                // A book that cannot even be read (book.toml): in JSON mode still one JSON
                // object, so an editor or CI shows why rather than nothing.
                Err(e) if message_format == MessageFormat::Json => {
                    let problem = crate::source::Diagnostic::new(
                        crate::source::Place::line(std::sync::Arc::from("book.toml"), 1),
                        format!("{e:#}"),
                    );
                    print!("{}", crate::report::json_lines(&[problem]));
                    return Ok(std::process::ExitCode::FAILURE);
                }
                Err(e) => return Err(e),
            };
            let problems = checked.problems;
            match message_format {
                MessageFormat::Json => print!("{}", crate::report::json_lines(&problems)),
                MessageFormat::Human if problems.is_empty() => {
                    eprintln!("{NAME}: every block, inline value and claim holds");
                }
                MessageFormat::Human => {
                    let read = |path: &str| {
                        crate::files::read_text(&book_dir.join(path), crate::files::TEXT_LIMIT).ok()
                    };
                    let style = crate::report::Style::for_stderr();
                    eprintln!("{}", crate::report::render(&problems, &read, style));
                }
            }
            let deny = deny_warnings || checked.deny_warnings;
            return Ok(if crate::mdbook::stops(&problems, deny) {
                std::process::ExitCode::FAILURE
            } else {
                std::process::ExitCode::SUCCESS
            });
        }
        Some(Command::Diff {
            books,
            base,
            head,
            format,
        }) => {
            use crate::diff::Side;
            let (book_dir, base, head) = match (base, books.as_slice()) {
                (Some(base), [] | [_]) => {
                    let dir = books.first().cloned().unwrap_or_else(|| PathBuf::from("."));
                    let head = head.map_or_else(|| Side::WorkingTree(dir.clone()), Side::Revision);
                    (dir, Side::Revision(base), head)
                }
                (None, [old, new]) if head.is_none() => (
                    new.clone(),
                    Side::Folder(old.clone()),
                    Side::Folder(new.clone()),
                ),
                _ => bail!(
                    "say what to compare: `mdbook-attention diff [BOOK_DIR] --base REV [--head REV]`, or two book folders: `mdbook-attention diff OLD_BOOK NEW_BOOK`"
                ),
            };
            let report = crate::diff::diff(&book_dir, &base, &head)?;
            print!("{}", crate::diff::write(&report, format));
        }
        Some(Command::Model {
            action: ModelAction::Fetch { name, book_dir },
        }) => {
            let models = crate::mdbook::models_of(&book_dir)?;
            if models.is_empty() {
                bail!("book.toml names no model in [preprocessor.attention.models]");
            }
            for (model, source) in &models {
                if name.as_ref().is_some_and(|n| n != model) {
                    continue;
                }
                let folder = source
                    .ensure(model, &book_dir)
                    .map_err(anyhow::Error::msg)?;
                eprintln!("{NAME}: the model `{model}` is in {}", folder.display());
            }
            if let Some(n) = name.filter(|n| !models.contains_key(n)) {
                let names: Vec<&str> = models.keys().map(String::as_str).collect();
                bail!(
                    "book.toml names no model `{n}` — it names {}",
                    names.join(", ")
                );
            }
        }
        Some(Command::Install { book_dir }) => {
            let done = crate::install::install(&book_dir)?;
            let what = match (done.changed_config, done.wrote_assets) {
                (false, false) => "already installed; nothing changed".to_string(),
                (c, a) => format!(
                    "installed{}{}",
                    if c { " — book.toml updated" } else { "" },
                    if a {
                        " — the widget scripts (theme/attention/) and theme/attention.css written"
                    } else {
                        ""
                    }
                ),
            };
            eprintln!("{NAME}: {what} in {}", book_dir.display());
        }
        Some(Command::Archive {
            book_dir,
            output,
            force,
        }) => {
            let out = crate::install::archive(&book_dir, &output, force)?;
            eprintln!(
                "{NAME}: the book is packed in {}; unpack it anywhere and open index.html",
                out.display()
            );
        }
        Some(Command::Serve {
            book_dir,
            dest_dir,
            port,
            hostname,
            open,
        }) => {
            serve::serve(&book_dir, dest_dir.as_deref(), &hostname, port, open)?;
        }
    }
    Ok(std::process::ExitCode::SUCCESS)
}
