//! The pencil rule: every total a figure shows can be checked by hand.
//!
//! A number computed from numbers shown beside it (a sum of terms, a product, a dot product, a
//! difference, a quotient) is the exact result, rounded like every number of the book. When a
//! reader who redoes the arithmetic on the *shown*, rounded operands would get a different last
//! digit, the number is written `≈ 0.95` instead of `0.95`. `theme/attention/format.js` mirrors
//! this rule (`pencil*`) so the browser marks the same numbers after every move of a control.

use super::binding::Field;
use crate::format::fmt;

/// What marks a total that the shown operands do not reproduce.
pub const APPROX: &str = "≈ ";

/// Whether rendered HTML shows a number of the rule marked ≈ (and so needs the note).
pub fn marks_any(html: &str) -> bool {
    html.match_indices(APPROX).any(|(at, _)| {
        // `… data-b="FIELD …">≈ `: the mark opens an element bound to a field of the rule.
        let before = &html[..at];
        before.ends_with("\">")
            && before
                .rfind("data-b=\"")
                .map(|start| &before[start + 8..])
                .and_then(|bind| bind.split(' ').next())
                .and_then(Field::parse)
                .is_some_and(Field::follows_pencil)
    })
}

/// A shown number as an integer count of hundredths; `None` for the scientific form.
pub fn hundredths(shown: &str) -> Option<i128> {
    let (negative, digits) = match shown.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, shown),
    };
    let (whole, frac) = digits.split_once('.')?;
    let is_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if frac.len() != 2 || !is_digits(whole) || !is_digits(frac) {
        return None;
    }
    let value = whole.parse::<i128>().ok()?.checked_mul(100)? + frac.parse::<i128>().ok()?;
    Some(if negative { -value } else { value })
}

/// Ten-thousandths to hundredths, an exact half going to the even neighbour (the book's rule).
fn round_to_hundredths(x: i128) -> i128 {
    let (q, r) = (x.div_euclid(100), x.rem_euclid(100));
    if r > 50 || (r == 50 && q.rem_euclid(2) == 1) {
        q + 1
    } else {
        q
    }
}

/// `total`, marked when `Σ shown(a)·shown(b)` over `terms` does not round to the shown total.
/// A sum of shown terms is the case `b = 1`; a difference uses `b = -1`.
pub fn sum_of_products(total: f64, terms: impl IntoIterator<Item = (f64, f64)>) -> String {
    let shown = fmt(total);
    let by_hand = terms.into_iter().try_fold(0i128, |acc, (a, b)| {
        let product = hundredths(&fmt(a))?.checked_mul(hundredths(&fmt(b))?)?;
        acc.checked_add(product)
    });
    mark(shown, |s| by_hand.map(round_to_hundredths) == Some(s))
}

/// `total` as the sum of shown terms.
pub fn sum(total: f64, terms: impl IntoIterator<Item = f64>) -> String {
    sum_of_products(total, terms.into_iter().map(|t| (t, 1.0)))
}

/// `total` as `a ÷ b` of two shown numbers.
pub fn quotient(total: f64, a: f64, b: f64) -> String {
    let shown = fmt(total);
    let parse = |x: f64| fmt(x).parse::<f64>().ok();
    let by_hand = match (parse(a), parse(b)) {
        (Some(a), Some(b)) if b != 0.0 => Some(fmt(a / b)),
        _ => None,
    };
    let same = by_hand.as_deref() == Some(shown.as_str());
    if same {
        shown
    } else {
        format!("{APPROX}{shown}")
    }
}

fn mark(shown: String, reproduces: impl Fn(i128) -> bool) -> String {
    match hundredths(&shown) {
        Some(s) if reproduces(s) => shown,
        _ => format!("{APPROX}{shown}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_total_the_shown_terms_reproduce_is_plain() {
        assert_eq!(sum(0.6, [0.2, 0.4]), "0.60");
        assert_eq!(
            sum_of_products(0.41, [(1.0, 0.2), (0.2, 0.8), (0.5, 0.1)]),
            "0.41"
        );
    }

    #[test]
    fn a_total_the_shown_terms_miss_is_marked() {
        // 0.333 + 0.333 + 0.334 = 1, shown as 0.33 + 0.33 + 0.33 = 0.99.
        assert_eq!(sum(1.0, [0.333, 0.333, 0.334]), "≈ 1.00");
        // The issue's tooltip: 0.41×1.00 + 0.75×0.82 + 0.20×0.41 = 1.107 by hand.
        assert_eq!(
            sum_of_products(1.1, [(0.41, 1.0), (0.75, 0.82), (0.2, 0.41)]),
            "≈ 1.10"
        );
    }

    #[test]
    fn ties_round_to_even_by_hand_too() {
        // 0.25 × 0.5 = 0.125 by hand, which the book shows as 0.12.
        assert_eq!(sum_of_products(0.12, [(0.25, 0.5)]), "0.12");
        assert_eq!(sum_of_products(0.13, [(0.25, 0.5)]), "≈ 0.13");
        assert_eq!(round_to_hundredths(-1250), -12);
        assert_eq!(round_to_hundredths(-1350), -14);
    }

    #[test]
    fn differences_and_quotients() {
        assert_eq!(sum_of_products(-1.0, [(1.5, 1.0), (2.5, -1.0)]), "-1.00");
        assert_eq!(quotient(0.5, 1.0, 2.0), "0.50");
        assert_eq!(quotient(0.34, 1.0, 3.0), "≈ 0.34");
        assert_eq!(quotient(0.0, 1.0, 0.0), "≈ 0.00");
    }

    #[test]
    fn only_marked_numbers_of_the_rule_call_for_the_note() {
        assert!(marks_any(r#"<td data-b="wsum f">≈ 1.00</td>"#));
        assert!(!marks_any(r#"<td data-b="wsum f">1.00</td>"#));
        // A token that happens to start with the mark is not a number of the rule.
        assert!(!marks_any(r#"<span data-b="tok f">≈ 1.00</span>"#));
        assert!(!marks_any(r#"<th scope="row">≈ 1.00</th>"#));
    }

    #[test]
    fn scientific_numbers_cannot_be_checked_and_say_so() {
        assert_eq!(hundredths("1.23e18"), None);
        assert!(sum(2e15, [1e15, 1e15]).starts_with(APPROX));
        assert_eq!(hundredths("-0.05"), Some(-5));
    }
}
