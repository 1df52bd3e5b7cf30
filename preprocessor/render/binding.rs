//! Bindings: what a number or word of a widget shows, named so that the script can recompute it
//! (`theme/attention/bindings.js`). [`Field`] is the one list of names; the script must know
//! exactly these (`tests/contracts.rs`).

named_enum! {
    /// Every field a binding may name.
    pub enum Field {
    Q = "q",
    K = "k",
    V = "v",
    Dots = "dots",
    Scores = "scores",
    Weights = "weights",
    Output = "output",
    Token = "tok",
    Embedding = "x",
    Scale = "scale",
    Weight = "w",
    WeightSum = "wsum",
    ScaledScore = "ss",
    WeightedValue = "wv",
    OutputSum = "osum",
    QueryTerm = "qt",
    KeyTerm = "kt",
    ValueTerm = "vt",
    QueryProjection = "qp",
    KeyProjection = "kp",
    ValueProjection = "vp",
    MatmulDot = "md",
    RowMax = "smax",
    Shifted = "sm",
    Exp = "ex",
    ExpSum = "esum",
    SoftmaxWeight = "sw",
    ResidualSum = "rsum",
    /// An entry of the followed head's W_Q, W_K or W_V.
    MatrixQ = "mq",
    MatrixK = "mk",
    MatrixV = "mv",
    /// The embedding plus the position: what is projected.
    Input = "xi",
    /// The heads' outputs side by side.
    Concat = "hc",
    /// The heads combined by `w_o`.
    Combined = "mo",
    /// A weight of the followed result minus the same weight of the result its cell is set
    /// against (`data-against`): the scores view's "change" column.
    WeightChange = "wc",
    /// What is projected, in words: the embeddings plus the positions, or alone while the
    /// reader has switched the positions off (the order view).
    Made = "made",
    }
}

impl Field {
    /// Read straight from a result's matrix of the same name (the script's `RESULT_FIELDS`);
    /// the others are worked out by the rule of their view.
    pub fn is_result_matrix(self) -> bool {
        matches!(
            self,
            Field::Q
                | Field::K
                | Field::V
                | Field::Dots
                | Field::Scores
                | Field::Weights
                | Field::Output
        )
    }

    /// A total shown beside its terms, which follows the pencil rule (`pencil.rs`).
    pub fn follows_pencil(self) -> bool {
        matches!(
            self,
            Field::QueryTerm
                | Field::KeyTerm
                | Field::ValueTerm
                | Field::QueryProjection
                | Field::KeyProjection
                | Field::ValueProjection
                | Field::MatmulDot
                | Field::ScaledScore
                | Field::WeightSum
                | Field::Shifted
                | Field::ExpSum
                | Field::SoftmaxWeight
                | Field::WeightedValue
                | Field::OutputSum
                | Field::ResidualSum
                | Field::Combined
                | Field::WeightChange
        )
    }
}

/// A `data-b` / `data-c` binding, written without allocating: `"w 2 3"`, `"q f 1"`, `"wsum f"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bind {
    field: Field,
    focus: bool,
    parts: [Option<usize>; 3],
}

impl Bind {
    /// Row `row`, column `col` of a field.
    pub fn at(field: Field, row: usize, col: usize) -> Bind {
        Bind {
            field,
            focus: false,
            parts: [Some(row), Some(col), None],
        }
    }
    /// A field with no indexes: `"scale"`.
    pub fn plain(field: Field) -> Bind {
        Bind {
            field,
            focus: false,
            parts: [None; 3],
        }
    }
    /// The focus token's row, then the given indexes.
    pub fn focus(field: Field, cols: &[usize]) -> Bind {
        let mut parts = [None; 3];
        for (p, c) in parts.iter_mut().zip(cols) {
            *p = Some(*c);
        }
        Bind {
            field,
            focus: true,
            parts,
        }
    }
}

impl Bind {
    /// Appends the binding's text; integers by `itoa`, as `write!` costs more than the rest.
    pub fn write_to(&self, out: &mut String) {
        out.push_str(self.field.name());
        if self.focus {
            out.push_str(" f");
        }
        for p in self.parts.iter().flatten() {
            out.push(' ');
            push_int(out, *p);
        }
    }
}

impl std::fmt::Display for Bind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut s = String::new();
        self.write_to(&mut s);
        f.write_str(&s)
    }
}

/// An integer written in place, without the formatter's machinery (the heatmap writes many).
pub(super) fn push_int(out: &mut String, n: impl itoa::Integer) {
    out.push_str(itoa::Buffer::new().format(n));
}
