//! Where a block's attention comes from: one [`Kind`] per block, each kind in its own module
//! with the keys it reads, what it computes and its named results.
//!
//! - [`given`]: weights written in the block, one head or several (with `w_o`);
//! - [`trained`]: weights learned while the book builds (`train`);
//! - [`pretrained`]: a real model's head on a text (`model`, `text`, `layer`, `head`);
//! - [`translated`]: cross-attention from a French translation to its English sentence, trained
//!   while the book builds (`translate`).
//!
//! A kind never names a view: each view says which kinds it draws (`View::accepts`).

pub mod given;
pub mod pretrained;
pub mod trained;
pub mod translated;

use crate::core::training::Training;
use ndarray::Array2;

/// Where a block's attention comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    Given(given::Heads),
    Trained(trained::Trained),
    Pretrained(pretrained::OnHead),
    Translated(translated::Translated),
}

named_enum! {
    /// The kinds by name, as views list the kinds they draw.
    pub enum KindName {
        Given = "given",
        Trained = "trained",
        Pretrained = "pretrained",
        Translated = "translated",
    }
}

/// The labels of a figure's rows (the queries) and columns (the keys), and how a heatmap's
/// corner names the two.
pub struct Axes<'a> {
    pub queries: &'a [String],
    pub keys: &'a [String],
    pub corner: &'static str,
}

impl Kind {
    /// What labels the rows and columns: the block's tokens both, except across two sentences
    /// (a translation's words ask, the source's answer).
    pub fn axes<'a>(&'a self, tokens: &'a [String]) -> Axes<'a> {
        match self {
            // A row is the step that writes its word (its query, the word before it).
            Kind::Translated(t) => Axes {
                queries: tokens,
                keys: &t.source,
                corner: "writing ↓ / English →",
            },
            _ => Axes {
                queries: tokens,
                keys: tokens,
                corner: "attending ↓ / attended →",
            },
        }
    }

    pub fn name(&self) -> KindName {
        match self {
            Kind::Given(_) => KindName::Given,
            Kind::Trained(_) => KindName::Trained,
            Kind::Pretrained(_) => KindName::Pretrained,
            Kind::Translated(_) => KindName::Translated,
        }
    }

    /// How many heads the block shows side by side: its own result and the first `heads − 1`
    /// variants.
    pub fn heads(&self) -> usize {
        match self {
            Kind::Given(h) => h.count,
            Kind::Trained(_) | Kind::Pretrained(_) | Kind::Translated(_) => 1,
        }
    }

    /// `(d_out, H·d_v)`: combines the heads' outputs, when the block gives one.
    pub fn w_o(&self) -> Option<&Array2<f64>> {
        match self {
            Kind::Given(h) => h.w_o.as_ref(),
            Kind::Trained(_) | Kind::Pretrained(_) | Kind::Translated(_) => None,
        }
    }

    /// A trained block's run and the steps it shows side by side.
    pub fn trained(&self) -> Option<&trained::Trained> {
        match self {
            Kind::Trained(t) => Some(t),
            _ => None,
        }
    }

    /// The training run of a trained block.
    pub fn training(&self) -> Option<&Training> {
        self.trained().map(|t| &*t.run)
    }

    /// The translation run and the sentence pair, for a block on one.
    pub fn translated(&self) -> Option<&translated::Translated> {
        match self {
            Kind::Translated(t) => Some(t),
            _ => None,
        }
    }

    /// The real model's run and the head shown, for a block on one.
    pub fn on_head(&self) -> Option<&pretrained::OnHead> {
        match self {
            Kind::Pretrained(h) => Some(h),
            _ => None,
        }
    }
}
