//! The one number format of the book, mirrored by `fmt` in `theme/attention.js`.
//!
//! Rule: two decimals (`0.41`) while |x| < 1e15, else three significant digits in scientific
//! form (`1.23e18`); an exact tie rounds to the even digit (Rust's own `{:.2}`; the JS side
//! corrects `toFixed`, which rounds ties away from zero); negative zero prints as `0.00`.
//! A masked entry prints as `⨯`.

/// Digits after the point.
pub const DECIMALS: usize = 2;
/// From here on, scientific notation.
pub const SCIENTIFIC_FROM: f64 = 1e15;
/// What a masked entry shows.
pub const MASKED: &str = "⨯";

pub fn fmt(x: f64) -> String {
    let s = if x.abs() >= SCIENTIFIC_FROM {
        format!("{x:.DECIMALS$e}")
    } else {
        format!("{x:.DECIMALS$}")
    };
    if s == "-0.00" { "0.00".to_string() } else { s }
}

/// A score or weight that may be masked.
pub fn fmt_opt(x: Option<f64>) -> String {
    x.map_or_else(|| MASKED.to_string(), fmt)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_to_two_decimals() {
        assert_eq!(fmt(0.41000000000000003), "0.41");
        assert_eq!(fmt(1.0), "1.00");
        assert_eq!(fmt(-2.345678), "-2.35");
    }

    #[test]
    fn exact_ties_round_to_even() {
        assert_eq!(fmt(0.125), "0.12");
        assert_eq!(fmt(0.375), "0.38");
        assert_eq!(fmt(-0.625), "-0.62");
        assert_eq!(fmt(1125000000000000000.0), "1.12e18");
    }

    #[test]
    fn negative_zero_prints_as_zero() {
        assert_eq!(fmt(-0.0), "0.00");
        assert_eq!(fmt(-0.001), "0.00");
    }

    #[test]
    fn huge_numbers_use_scientific_form() {
        assert_eq!(fmt(1e300), "1.00e300");
        assert_eq!(fmt(-2.5e15 - 2.0), "-2.50e15");
        assert_eq!(fmt(999999999999999.9), "999999999999999.88");
    }

    #[test]
    fn masked_entries_print_as_a_cross() {
        assert_eq!(fmt_opt(None), "⨯");
        assert_eq!(fmt_opt(Some(0.5)), "0.50");
    }
}
