//! Honest precision (DESIGN "Pairs, direction, cross rates and precision"):
//! a quoted decimal is only as exact as its last digit, so a value computed
//! from it (an inverse, a cross rate, a conversion) carries that
//! uncertainty. `UZS/USD = 0.00008` is 0.00008 ± 0.000005: ±6.25%.

use rust_decimal::Decimal;

use crate::model::round_significant;

/// Above this relative uncertainty (in percent) a value is marked.
pub const LOW_PRECISION_PCT: Decimal = Decimal::from_parts(2, 0, 0, false, 0);

/// Significant digits of a marked uncertainty (`±6.25%`, `±7.14%`).
const MARK_DIGITS: u32 = 3;

/// Relative uncertainty of a quoted value in percent: half a unit in its
/// last quoted digit over the value (`0.00008` → 6.25).
pub fn quoted_pct(d: Decimal) -> Decimal {
    if d.is_zero() {
        return Decimal::MAX;
    }
    // 50 × 10^-scale: half a unit of the last digit, times 100 for percent.
    let half_unit_pct = Decimal::new(50, d.scale());
    half_unit_pct.checked_div(d.abs()).unwrap_or(Decimal::MAX)
}

/// The uncertainty to show for a value computed from these quoted operands:
/// `None` when every operand is within [`LOW_PRECISION_PCT`]; otherwise the
/// first-order bound (the sum of the operands' relative uncertainties).
pub fn low_precision(operands: &[Decimal]) -> Option<Decimal> {
    let each: Vec<Decimal> = operands.iter().map(|d| quoted_pct(*d)).collect();
    if !each.iter().any(|u| *u > LOW_PRECISION_PCT) {
        return None;
    }
    let sum = each.iter().fold(Decimal::ZERO, |a, u| a.checked_add(*u).unwrap_or(Decimal::MAX));
    Some(round_significant(sum, MARK_DIGITS).normalize())
}

/// A move between two values in percent of the first, counting only what
/// lies beyond both values' half-unit of their last quoted digit (DESIGN
/// "check limits", v3): the ticker's `0.00008` → `0.00009` (each ±6.25%)
/// is 0, not +12.5%. `a` and `b` are the values as shown; `a_quoted` and
/// `b_quoted` as published (their digits set the uncertainty, which an
/// inverse keeps relative). `None` when `a` is zero.
pub fn move_beyond_precision(a: Decimal, a_quoted: Decimal, b: Decimal, b_quoted: Decimal) -> Option<Decimal> {
    if a.is_zero() {
        return None;
    }
    let hundred = Decimal::ONE_HUNDRED;
    // Each value's half-unit, in the shown direction: value × relative uncertainty.
    let band = |v: Decimal, quoted: Decimal| v.abs().checked_mul(quoted_pct(quoted))?.checked_div(hundred);
    let slack = band(a, a_quoted)?.checked_add(band(b, b_quoted)?)?;
    let diff = b - a;
    let beyond = (diff.abs() - slack).max(Decimal::ZERO);
    let pct = beyond.checked_mul(hundred)?.checked_div(a.abs())?;
    Some(if diff.is_sign_negative() { -pct } else { pct })
}

/// The mark beside a value in tables: `±6.25%`.
pub fn mark(pct: Decimal) -> String {
    format!("±{pct}%")
}

/// Significant digits as quoted: leading zeros do not count, trailing zeros
/// do (`87.4500` has 6, `0.00008` has 1).
pub fn significant_digits(d: Decimal) -> u32 {
    let m = d.mantissa().unsigned_abs();
    if m == 0 {
        return 0;
    }
    m.to_string().len() as u32
}

/// `1 / quoted` rounded to the significant digits `quoted` was published
/// with (ties to even), in exact decimal arithmetic: an inverse that shows
/// no digit its quote never had (`TJS/USD = 0.10593` → `9.4402`, not
/// `9.440196356`). Where so few digits would move the value by more than
/// the quote's own uncertainty (half a unit in its last digit: the ticker's
/// one-digit `UZS/USD = 0.00008` is ±6.25%, and 1/0.00008 = 12500 would
/// read 10000), one more digit is kept until it does not (`12000`). None for
/// zero, or past what a `Decimal` holds.
pub fn inverse_to_quoted_digits(quoted: Decimal) -> Option<Decimal> {
    let digits = significant_digits(quoted);
    if digits == 0 || quoted.is_sign_negative() {
        return None;
    }
    let exact = Decimal::ONE.checked_div(quoted)?;
    // The quote's relative uncertainty is 1 / (2m) for a mantissa m, so a
    // rounding error e is within it when 2·m·e ≤ 1/quoted.
    let twice_m = Decimal::from(quoted.mantissa().unsigned_abs()).checked_mul(Decimal::TWO)?;
    for n in digits..=28 {
        let rounded = inverse_with_digits(quoted, n)?;
        if (rounded - exact).abs().checked_mul(twice_m)? <= exact {
            return Some(rounded);
        }
    }
    None
}

/// `1 / quoted` rounded to `digits` significant digits, ties to even, exactly.
fn inverse_with_digits(quoted: Decimal, digits: u32) -> Option<Decimal> {
    // quoted = m × 10^-s, so 1/quoted = 10^s / m. The smallest t with
    // ⌊10^t / m⌋ ≥ 10^(digits-1) gives that quotient with exactly `digits`
    // digits; the remainder says how to round it, exactly.
    let m = quoted.mantissa().unsigned_abs();
    let least = 10u128.checked_pow(digits - 1)?;
    let mut t = 0u32;
    let mut num = 1u128;
    while num / m < least {
        num = num.checked_mul(10)?;
        t += 1;
    }
    let (mut q, r) = (num / m, num % m);
    let twice = r.checked_mul(2)?;
    if twice > m || (twice == m && q % 2 == 1) {
        q += 1;
    }
    // 1/quoted ≈ q × 10^(s - t).
    let exp = i64::from(quoted.scale()) - i64::from(t);
    let q = i128::try_from(q).ok()?;
    let d = if exp >= 0 {
        let ten_to_exp = Decimal::try_from_i128_with_scale(10i128.checked_pow(u32::try_from(exp).ok()?)?, 0).ok()?;
        Decimal::try_from_i128_with_scale(q, 0).ok()?.checked_mul(ten_to_exp)?
    } else {
        Decimal::try_from_i128_with_scale(q, u32::try_from(-exp).ok()?).ok()?
    };
    Some(d.normalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn the_tickers_one_digit_uzs_is_six_and_a_quarter_percent() {
        assert_eq!(quoted_pct(d("0.00008")), d("6.25"));
        assert_eq!(low_precision(&[d("0.00008")]), Some(d("6.25")));
        assert_eq!(mark(d("6.25")), "±6.25%");
        // 0.000005 / 0.00007 = 7.142857…%
        assert_eq!(low_precision(&[d("0.00007")]), Some(d("7.14")));
    }

    #[test]
    fn well_quoted_values_are_not_marked_and_marks_add_up() {
        assert_eq!(low_precision(&[d("0.01144")]), None);
        assert_eq!(low_precision(&[d("87.4500"), d("0.1859")]), None);
        assert_eq!(low_precision(&[d("0.00008"), d("0.00192")]), Some(d("6.51")));
        // Exactly 2% is not above the limit.
        assert_eq!(low_precision(&[d("0.25")]), None);
    }

    #[test]
    fn a_move_counts_only_beyond_both_half_units() {
        let beyond = |a: &str, b: &str| move_beyond_precision(d(a), d(a), d(b), d(b)).unwrap();
        // The ticker's last-digit flip is no move at all.
        assert_eq!(beyond("0.00008", "0.00009"), Decimal::ZERO);
        assert_eq!(beyond("0.00009", "0.00008"), Decimal::ZERO);
        // Two last digits: 0.00001 beyond the 0.00001 of slack.
        assert_eq!(beyond("0.00008", "0.00010"), d("12.5"));
        // A bank's 6% move stays (almost) 6%: 29.99 of 30.00 is beyond.
        assert_eq!(beyond("500.00", "530.00"), d("5.998"));
        assert_eq!(beyond("530.00", "500.00").round_dp(4), d("-5.6585"));
        // Shown inverted, the slack stays relative to the published digits.
        let (a, b) = (d("0.00008"), d("0.00009"));
        let inv = |x: Decimal| Decimal::ONE / x;
        assert_eq!(move_beyond_precision(inv(a), a, inv(b), b).unwrap(), Decimal::ZERO);
        assert_eq!(move_beyond_precision(Decimal::ZERO, Decimal::ZERO, d("1"), d("1")), None);
    }

    #[test]
    fn an_inverse_keeps_its_quotes_digits_and_rounds_ties_to_even() {
        let inv = |s: &str| inverse_to_quoted_digits(d(s)).map(|x| x.to_string());
        // The ticker's TJS/USD: five digits, 9.440196356… → 9.4402.
        assert_eq!(inv("0.10593").as_deref(), Some("9.4402"));
        // A bank's USD/KZT 478.77 (5 digits) → 0.0020887 (0.00208868559…).
        assert_eq!(inv("478.77").as_deref(), Some("0.0020887"));
        // One digit would move these past their quote's own uncertainty (±6.25%, ±7.14%,
        // ±8.33%): 12500 → 10000 is -20%; so two: 12500 → 12000 (tie, even), 14285.7… → 14000,
        // 16666.6… → 17000, each within it.
        assert_eq!(inv("0.00008").as_deref(), Some("12000"));
        assert_eq!(inv("0.00007").as_deref(), Some("14000"));
        assert_eq!(inv("0.00006").as_deref(), Some("17000"));
        // Trailing zeros count: 4.000 → 0.2500 (shown normalized).
        assert_eq!(inv("4.000").as_deref(), Some("0.25"));
        // Exact ties go to the even digit at a given number of digits: 1/8.0 = 0.125 → 0.12,
        // 1/1.6 = 0.625 → 0.62, 1/0.16 = 6.25 → 6.2, 1/0.4 = 2.5 → 2; 1/2.4 = 0.41666… → 0.42 (up).
        let at = |s: &str, n: u32| inverse_with_digits(d(s), n).map(|x| x.to_string());
        assert_eq!(at("8.0", 2).as_deref(), Some("0.12"));
        assert_eq!(at("1.6", 2).as_deref(), Some("0.62"));
        assert_eq!(at("0.16", 2).as_deref(), Some("6.2"));
        assert_eq!(at("0.4", 1).as_deref(), Some("2"));
        assert_eq!(at("2.4", 2).as_deref(), Some("0.42"));
        // With the quote's uncertainty: 0.12 is 4% off 0.125 where 8.0 is ±0.625%, so 0.125;
        // 0.62 is within 1.6's ±3.125%; 2 is 20% off 2.5 where 0.4 is ±12.5%, so 2.5.
        assert_eq!(inv("8.0").as_deref(), Some("0.125"));
        assert_eq!(inv("1.6").as_deref(), Some("0.62"));
        assert_eq!(inv("4.0").as_deref(), Some("0.25"));
        assert_eq!(inv("0.4").as_deref(), Some("2.5"));
        assert_eq!(inv("2.4").as_deref(), Some("0.42"));
        // Rounding up past a power of ten: 1/0.10001 = 9.99900… (5 digits) → 9.999; 1/1.0001 → 0.99990.
        assert_eq!(inv("0.10001").as_deref(), Some("9.999"));
        assert_eq!(inv("1.0001").as_deref(), Some("0.9999"));
        assert_eq!(inv("0.0000000001").as_deref(), Some("10000000000"));
        assert_eq!(inv("0"), None);
    }

    #[test]
    fn significant_digits_count_trailing_zeros_not_leading_ones() {
        assert_eq!(significant_digits(d("87.4500")), 6);
        assert_eq!(significant_digits(d("0.00008")), 1);
        assert_eq!(significant_digits(d("0.01144")), 4);
        assert_eq!(significant_digits(d("12149.84")), 7);
    }
}
