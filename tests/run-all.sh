#!/usr/bin/env bash
# Runs every test of the project, exactly as CI does (.ci/run calls this script):
# formatting, clippy, the Rust tests (including the JS-vs-Rust consistency test under node),
# then the browser tests against a freshly built book in Debian's Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! [ -x /usr/bin/chromium ]; then
  echo "tests/run-all.sh: installing Debian's chromium for the browser tests"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
fi
command -v node >/dev/null || { echo "tests/run-all.sh: Node.js (20 or later) is needed" >&2; exit 1; }
(cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)
# numpy, for the independent reference of tests/reference.rs, in a virtual environment of its own.
command -v python3 >/dev/null || { echo "tests/run-all.sh: Python 3 is needed" >&2; exit 1; }
[ -x target/pyenv/bin/python ] || python3 -m venv target/pyenv
target/pyenv/bin/pip install --quiet --disable-pip-version-check -r tests/reference/requirements.txt
export ATTENTION_PYTHON="$PWD/target/pyenv/bin/python"

cargo fmt --all -- --check
cargo clippy --release --all-targets --quiet -- -D warnings
# The library alone, as a book that only preprocesses would use it: no server, archive or CLI crates.
cargo check --release --lib --no-default-features --quiet
# The real model of "Real attention" (and tests/model.rs): fetched once into the cache.
cargo run --release --quiet -- model fetch
cargo test --release
# Every block, inline value and claim, checked without building (as authors run it).
cargo run --release --quiet -- check --deny-warnings
cargo run --release --quiet -- build -d target/test-book
# The fixtures adopt the widgets as any book does: `install` writes the theme and lists it.
rm -rf target/hostile-book && cp -r tests/fixtures/hostile target/hostile-book
cargo run --release --quiet -- install target/hostile-book >/dev/null
cargo run --release --quiet -- build target/hostile-book -d target/test-hostile
# A block for every key, each widget compared before and after the script runs.
rm -rf target/every-key-book && cp -r tests/fixtures/every-key target/every-key-book
cargo run --release --quiet -- install target/every-key-book >/dev/null
cargo run --release --quiet -- build target/every-key-book -d target/test-every-key
cargo run --release --quiet -- archive --force -o target/attention-book.tar.gz
cd tests/browser
BOOK_DIR=../../target/test-book HOSTILE_DIR=../../target/test-hostile EVERY_KEY_DIR=../../target/test-every-key ARCHIVE=../../target/attention-book.tar.gz npm test --silent
