//! A block made from arbitrary bytes with the keys of the later rounds — several heads with their
//! own scales, W_O, sinusoidal, learned and rotary positions, position_scale, rope_base, shuffled,
//! masks, set_query — in shapes that fit and shapes that do not. Shared by the fuzz target
//! `keys` (tests/fuzz, nightly) and the property test of tests/hostile_keys.rs (stable, in CI).
#![allow(dead_code)]

/// Reads small numbers from the bytes, 0 when they run out.
pub struct Bytes<'a>(pub &'a [u8]);

impl Bytes<'_> {
    fn next(&mut self) -> u8 {
        let (first, rest) = self.0.split_first().unwrap_or((&0, &[]));
        self.0 = rest;
        *first
    }

    fn below(&mut self, n: usize) -> usize {
        self.next() as usize % n.max(1)
    }

    /// Mostly ordinary numbers, sometimes extremes.
    fn number(&mut self) -> String {
        match self.next() {
            250 => "1e300".into(),
            251 => "-1e300".into(),
            252 => "0.0".into(),
            b => format!("{:.2}", (b as f64 - 125.0) / 40.0),
        }
    }

    fn rows(&mut self, r: usize, c: usize) -> String {
        let rows: Vec<String> = (0..r)
            .map(|_| {
                let row: Vec<String> = (0..c).map(|_| self.number()).collect();
                format!("[{}]", row.join(", "))
            })
            .collect();
        format!("[{}]", rows.join(", "))
    }

    /// `x`, and now and then one more: shapes that do not fit must be told, not panic.
    fn about(&mut self, x: usize) -> usize {
        if self.below(8) == 0 { x + 1 } else { x }
    }
}

const VIEWS: [&str; 10] = [
    "heatmap",
    "heads",
    "combine",
    "order",
    "positions",
    "qkv",
    "scores",
    "compare",
    "controls",
    "lines",
];

/// A chapter holding one block made from `data`, and inline values that read its results.
pub fn chapter_from(data: &[u8]) -> String {
    let mut b = Bytes(data);
    let n = 1 + b.below(5);
    let d = 1 + b.below(4);
    let repeats = 1 + b.below(n);
    let tokens: Vec<String> = (0..n).map(|i| format!("\"w{}\"", i % repeats)).collect();
    let width = b.about(d);
    let mut block = format!(
        "tokens = [{}]\nembeddings = {}\n",
        tokens.join(", "),
        b.rows(n, width)
    );
    let heads = 1 + b.below(3);
    if heads == 1 {
        let (q, k, v) = (b.rows(d, d), b.rows(d, d), b.rows(d, d));
        block += &format!("w_q = {q}\nw_k = {k}\nw_v = {v}\n");
    } else {
        let mut list = Vec::new();
        for _ in 0..heads {
            let d_k = 1 + b.below(3);
            let scale = if b.below(2) == 0 {
                format!(", scale = {}", b.number())
            } else {
                String::new()
            };
            let q = b.rows(d_k, d);
            let k_rows = b.about(d_k);
            let k = b.rows(k_rows, d);
            let v = b.rows(1, d);
            list.push(format!("{{ w_q = {q}, w_k = {k}, w_v = {v}{scale} }}"));
        }
        block += &format!("heads = [{}]\n", list.join(", "));
        if b.below(2) == 0 {
            let rows = 1 + b.below(3);
            let cols = b.about(heads);
            block += &format!("w_o = {}\n", b.rows(rows, cols));
        }
    }
    match b.below(5) {
        0 => block += "positions = \"sinusoidal\"\n",
        1 => block += &format!("positions = \"rope\"\nrope_base = {}\n", b.number()),
        2 => {
            let rows = b.about(n);
            block += &format!("positions = {}\n", b.rows(rows, d));
        }
        3 => {
            block += &format!(
                "positions = \"sinusoidal\"\nposition_scale = {}\n",
                b.number()
            )
        }
        _ => {}
    }
    match b.below(3) {
        0 => block += "mask = \"causal\"\n",
        1 => {
            let rows: Vec<String> = (0..n)
                .map(|_| {
                    let row: Vec<&str> = (0..n)
                        .map(|_| if b.below(2) == 0 { "true" } else { "false" })
                        .collect();
                    format!("[{}]", row.join(", "))
                })
                .collect();
            block += &format!("mask = [{}]\n", rows.join(", "));
        }
        _ => {}
    }
    if b.below(3) == 0 {
        block += &format!("scale = {}\n", b.number());
    }
    if b.below(3) == 0 {
        let dim = 1 + b.below(4);
        block += &format!("set_query = {{ {dim} = {} }}\n", b.number());
    }
    // Views that fit the block, mostly; now and then any view at all.
    let count = 1 + b.below(3);
    let fits = |v: &&str| match *v {
        "heads" => heads > 1,
        "combine" => block.contains("w_o"),
        "order" | "compare" => !block.contains("mask"),
        _ => true,
    };
    let fitting: Vec<&str> = VIEWS.iter().copied().filter(fits).collect();
    let show: Vec<String> = (0..count)
        .map(|_| {
            let pick = if b.below(6) == 0 {
                &VIEWS[..]
            } else {
                &fitting[..]
            };
            format!("\"{}\"", pick[b.below(pick.len())])
        })
        .collect();
    block += &format!("show = [{}]\n", show.join(", "));
    if b.below(2) == 0 {
        let mut order = tokens.clone();
        let turn = b.below(n);
        order.rotate_left(turn);
        if b.below(4) == 0 {
            order.pop();
        }
        block += &format!("shuffled = [{}]\n", order.join(", "));
    }
    let named = if heads > 1 {
        " `attn: heads[2].weights[1][1]`"
    } else {
        ""
    };
    format!("# K\n\n```attention\n{block}```\n\n`attn: weights[1][1]`{named}\n")
}
