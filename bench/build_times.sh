#!/usr/bin/env bash
# Build times a new user meets, measured on a fresh clone with an empty
# target dir (crates already downloaded: run `cargo fetch` once first):
#
#   1. `cargo check` of a user crate that depends on `shaped` with
#      `default-features = false`;
#   2. `cargo run --release --example mnist_static`'s build;
#   3. the release rebuild after an edit of the example;
#   4. the release rebuild after a one-literal edit in shaped-nn.
#
# Usage: bash bench/build_times.sh [runs]   (default 1; medians when more)
# Run it on an idle machine (`uptime`): the figures are wall-clock seconds.
set -euo pipefail
src="$(cd "$(dirname "$0")/.." && pwd)"
runs=${1:-1}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

secs() { # command... -> wall seconds, quietly
  local start end
  start=$(date +%s.%N)
  "$@" >/dev/null 2>&1
  end=$(date +%s.%N)
  awk "BEGIN { printf \"%.1f\", $end - $start }"
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

(cd "$src" && cargo fetch --quiet)
declare -a check release edit_example edit_nn
for r in $(seq "$runs"); do
  rm -rf "$work/clone" "$work/user"
  git clone --quiet "$src" "$work/clone"
  mkdir -p "$work/user/src"
  cat >"$work/user/Cargo.toml" <<EOF
[package]
name = "user"
version = "0.1.0"
edition = "2021"

[dependencies]
shaped = { path = "$work/clone", default-features = false }

[workspace]
EOF
  cat >"$work/user/src/main.rs" <<'EOF'
use shaped::prelude::*;

model! {
    /// Chollet's MNIST network.
    pub struct Mnist: 784 => [Dense<512, Relu>, Dense<10, Softmax>]
}

fn main() {
    let x: Tensor<shape![2, 3]> = Tensor::randn(&mut shaped::rng(0));
    println!("{x} {}", Mnist::PARAMS);
}
EOF
  check+=("$(cd "$work/user" && secs cargo check --offline)")
  cd "$work/clone"
  release+=("$(secs cargo build --offline --release --example mnist_static)")
  echo "// an edit" >>examples/mnist_static.rs
  edit_example+=("$(secs cargo build --offline --release --example mnist_static)")
  # An edit in shaped-nn's code (a new item), which rebuilds it and what
  # depends on it.
  printf '\n#[doc(hidden)]\npub const EDITED: u32 = %s;\n' "$r" >>nn/src/lib.rs
  edit_nn+=("$(secs cargo build --offline --release --example mnist_static)")
  cd "$src"
done
printf '| what | seconds (median of %s) |\n|---|---|\n' "$runs"
printf '| `cargo check`, user crate on `shaped` without default features, from empty | %s |\n' "$(printf '%s\n' "${check[@]}" | median)"
printf '| `cargo build --release --example mnist_static`, from empty | %s |\n' "$(printf '%s\n' "${release[@]}" | median)"
printf '| the same after an edit of the example | %s |\n' "$(printf '%s\n' "${edit_example[@]}" | median)"
printf '| the same after an edit in shaped-nn | %s |\n' "$(printf '%s\n' "${edit_nn[@]}" | median)"
