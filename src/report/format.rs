//! Number formatting shared by the human-readable renderers.

/// 1234567 → "1,234,567".
pub fn count(n: u64) -> String {
    grouped(&n.to_string())
}

/// Digits with a comma between each group of three: "1234567" → "1,234,567".
fn grouped(digits: &str) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// A non-negative figure rounded to a whole number, grouped: 1234567.4 → "1,234,567".
/// Any finite figure comes out right: past 10^18 (beyond any integer type's exact
/// range) in scientific notation with four significant digits, "1.235e21".
pub fn whole(x: f64) -> String {
    let x = x.abs().round();
    if !x.is_finite() {
        return "∞".into();
    }
    if x >= 1e18 {
        return format!("{x:.3e}");
    }
    grouped(&format!("{x:.0}"))
}

/// A user count or other large quantity that may be fractional: 2000 → "2,000", 0.5 → "0.5".
pub fn quantity(x: f64) -> String {
    if x.fract() == 0.0 || x.abs() >= 100.0 {
        whole(x)
    } else {
        trimmed(x, 2)
    }
}

/// Money with enough digits to be useful: cents for large sums, four significant digits
/// for the tiny per-transaction figures.
pub fn money(currency: &str, amount: f64) -> String {
    if amount < 0.0 {
        return format!("-{}", money(currency, -amount));
    }
    let body = if amount >= 1000.0 {
        whole(amount)
    } else if amount.abs() >= 1.0 {
        format!("{amount:.2}")
    } else if amount == 0.0 {
        "0".into()
    } else {
        let digits = (-amount.abs().log10()).ceil() as usize + 3;
        format!("{amount:.digits$}")
    };
    format!("{currency} {body}")
}

pub fn percent(fraction: f64) -> String {
    if fraction > 0.0 && fraction < 0.001 {
        format!("{:.3}%", fraction * 100.0)
    } else {
        format!("{:.1}%", fraction * 100.0)
    }
}

pub fn millis(ms: f64) -> String {
    if ms >= 100.0 {
        format!("{} ms", whole(ms))
    } else {
        format!("{} ms", trimmed(ms, 1))
    }
}

/// A load multiplier: 1 → "1x", 0.5 → "0.5x".
pub fn scale(s: f64) -> String {
    format!("{}x", trimmed(s, 3))
}

/// Hours since the start as "day 2 09:00".
pub fn day_time(hours: f64) -> String {
    let day = (hours / 24.0).floor();
    let rest = hours - day * 24.0;
    let h = rest.floor();
    let m = ((rest - h) * 60.0).floor();
    format!("day {} {:02}:{:02}", day as u64, h as u64, m as u64)
}

/// A decimal with at most `places` digits and no trailing zeros.
pub fn trimmed(x: f64, places: usize) -> String {
    let s = format!("{x:.places$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_for_people() {
        // Past u64's range amounts are still right, not saturated.
        assert_eq!(whole(18_446_744_073_709_551_615.0 * 10.0), "1.845e20");
        assert_eq!(whole(999_999_999_999_999_900.0), "999,999,999,999,999,872");
        assert_eq!(money("USD", 2.5e21), "USD 2.500e21");
        assert_eq!(count(1_234_567), "1,234,567");
        assert_eq!(count(999), "999");
        assert_eq!(money("USD", 1234.4), "USD 1,234");
        assert_eq!(money("USD", 12.345), "USD 12.35");
        assert_eq!(money("USD", -7023.4), "-USD 7,023");
        assert_eq!(money("USD", 0.000412), "USD 0.0004120");
        assert_eq!(percent(0.1234), "12.3%");
        assert_eq!(scale(10.0), "10x");
        assert_eq!(day_time(33.5), "day 1 09:30");
    }
}
