//! `mdbook-attention`: a thin shell over the library's command line.

use clap::Parser;
use mdbook_attention::cli::{Cli, run};
use std::process::ExitCode;

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(e) => {
            // An error may quote book.toml or a chapter: nothing in it may act on the terminal.
            eprintln!(
                "{}",
                mdbook_attention::report::terminal_safe(&format!("{e:#}"))
            );
            ExitCode::FAILURE
        }
    }
}
