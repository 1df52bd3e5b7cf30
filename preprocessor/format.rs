//! The one number format of the book, mirrored by `fmt` in `theme/attention/format.js`.
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

// The fast path prints hundredths.
const _: () = assert!(DECIMALS == 2);

/// Below this, `x·100` is computed to within 1e-5, so integer rounding is exact away from ties.
const FAST_BELOW: f64 = 1e9;

/// Significant digits a number keeps where more would be noise: a real model's queries, keys and
/// values (its weights are single precision, about seven digits), and numbers only drawn.
pub const KEPT_DIGITS: usize = 9;

/// `x` to [`KEPT_DIGITS`] significant digits: the page carries it in about ten characters
/// instead of nineteen, and the browser parses back the very number the build computed from.
pub fn kept(x: f64) -> f64 {
    if !x.is_finite() {
        return x;
    }
    format!("{:.*e}", KEPT_DIGITS - 1, x).parse().unwrap_or(x)
}

/// A number only drawn, never computed from: [`kept`], unless that would change what it shows.
pub fn drawn(x: f64) -> f64 {
    let short = kept(x);
    if fmt(short) == fmt(x) { short } else { x }
}

pub fn fmt(x: f64) -> String {
    fmt_fast(x).unwrap_or_else(|| fmt_exact(x))
}

/// The common case without the exact float formatter: round `|x|·100` to an integer and print
/// it. Values within 1e-3 of a tie go to `fmt_exact`, which knows the true decimal expansion.
fn fmt_fast(x: f64) -> Option<String> {
    let a = x.abs();
    if a.is_nan() || a >= FAST_BELOW {
        return None;
    }
    let scaled = a * 100.0;
    let whole = scaled.floor();
    let frac = scaled - whole;
    if (frac - 0.5).abs() < 1e-3 {
        return None;
    }
    let n = (if frac > 0.5 { whole + 1.0 } else { whole }) as u64;
    let mut s = String::with_capacity(16);
    if x < 0.0 && n > 0 {
        s.push('-');
    }
    s.push_str(itoa::Buffer::new().format(n / 100));
    s.push('.');
    s.push(char::from(b'0' + (n % 100 / 10) as u8));
    s.push(char::from(b'0' + (n % 10) as u8));
    Some(s)
}

/// Rust's exact formatting: correct for every value, ties to even.
fn fmt_exact(x: f64) -> String {
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

/// A number as a person reads it in a message: at most 12 significant digits, so that the
/// float's noise (0.8900000000000001) goes and any difference that matters stays.
pub fn human(x: f64) -> String {
    let rounded: f64 = format!("{x:.11e}").parse().unwrap_or(x);
    format!("{rounded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_numbers_are_short_close_and_drawn_ones_show_the_same() {
        for x in [
            -3.0939806626251083,
            0.1234567891234,
            1e-20 / 3.0,
            12345.678912345,
            0.0,
        ] {
            let k = kept(x);
            assert!((k - x).abs() <= 5e-9 * x.abs(), "{x} → {k}");
            let written = serde_json::to_string(&k).unwrap();
            let digits = written
                .chars()
                .take_while(|c| *c != 'e')
                .filter(char::is_ascii_digit);
            assert!(digits.count() <= KEPT_DIGITS + 1, "{written}");
        }
        assert!(kept(f64::NAN).is_nan());
        // Just below a tie of the shown digits: nine digits would round it up to the tie.
        let edge = 0.004_999_999_999_9;
        assert_eq!(fmt(drawn(edge)), fmt(edge));
        assert_eq!(drawn(edge), edge);
        assert_eq!(drawn(0.123_456_789_123), 0.123_456_789);
    }

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
    fn the_fast_path_agrees_with_the_exact_formatter() {
        // xorshift: many magnitudes, and values right next to ties.
        let mut state = 0x1234_5678_9abc_def0_u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..200_000 {
            let r = next();
            let magnitude = 10f64.powi((r % 12) as i32 - 3);
            let x = ((next() >> 11) as f64 / (1u64 << 53) as f64 - 0.5) * magnitude;
            let near_tie = (x * 200.0).round() / 200.0 + f64::EPSILON * x * ((r % 5) as f64 - 2.0);
            for v in [x, near_tie, -near_tie] {
                assert_eq!(fmt(v), fmt_exact(v), "{v:e}");
            }
        }
    }

    #[test]
    fn masked_entries_print_as_a_cross() {
        assert_eq!(fmt_opt(None), "⨯");
        assert_eq!(fmt_opt(Some(0.5)), "0.50");
    }
}
