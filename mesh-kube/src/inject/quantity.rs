//! Kubernetes resource quantities (`100m`, `128Mi`, `1e3`): validation and the canonical
//! form the API machinery writes back (`2000m` is stored as `2`, `1024Mi` as `1Gi`), which
//! is what an injected pod carries after Kubernetes' typed round trip.

/// How a quantity was written, which decides how its canonical form is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    /// `Ki`, `Mi`, ... (powers of 1024).
    BinarySi,
    /// `m`, `k`, `M`, ... or no suffix (powers of 1000).
    DecimalSi,
    /// `e3`, `E-2` (powers of ten).
    DecimalExponent,
}

/// A parsed quantity: its value in nano-units and its format.
struct Parsed {
    nanos: i128,
    format: Format,
}

const NANO: i128 = 1_000_000_000;

fn parse(s: &str) -> Option<Parsed> {
    let (negative, body) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let num_end = body.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(body.len());
    let (num, suffix) = body.split_at(num_end);
    let (int_part, frac_part) = num.split_once('.').unwrap_or((num, ""));
    if (int_part.is_empty() && frac_part.is_empty()) || frac_part.contains('.') {
        return None;
    }
    let (format, multiplier_nanos, exponent) = match suffix {
        "" => (Format::DecimalSi, NANO, 0),
        "n" => (Format::DecimalSi, 1, 0),
        "u" => (Format::DecimalSi, 1_000, 0),
        "m" => (Format::DecimalSi, 1_000_000, 0),
        "k" => (Format::DecimalSi, NANO * 1_000, 0),
        "M" => (Format::DecimalSi, NANO * 1_000_000, 0),
        "G" => (Format::DecimalSi, NANO * 1_000_000_000, 0),
        "T" => (Format::DecimalSi, NANO * 1_000_000_000_000, 0),
        "P" => (Format::DecimalSi, NANO * 1_000_000_000_000_000, 0),
        "E" => (Format::DecimalSi, NANO * 1_000_000_000_000_000_000, 0),
        "Ki" => (Format::BinarySi, NANO << 10, 0),
        "Mi" => (Format::BinarySi, NANO << 20, 0),
        "Gi" => (Format::BinarySi, NANO << 30, 0),
        "Ti" => (Format::BinarySi, NANO << 40, 0),
        "Pi" => (Format::BinarySi, NANO << 50, 0),
        "Ei" => (Format::BinarySi, NANO << 60, 0),
        _ => {
            let exp = suffix.strip_prefix(['e', 'E'])?;
            let digits = exp.strip_prefix(['+', '-']).unwrap_or(exp);
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let e: i32 = exp.parse().ok()?;
            (Format::DecimalExponent, NANO, e)
        }
    };
    // value = digits / 10^frac_len * multiplier * 10^exponent, in nano-units, rounded up
    // (Kubernetes keeps nano precision and rounds away from zero).
    let digits: String = [int_part, frac_part].concat();
    let mantissa: i128 = if digits.is_empty() { 0 } else { digits.parse().ok()? };
    let mut num = mantissa.checked_mul(multiplier_nanos)?;
    let mut den: i128 = 1;
    let scale = i32::try_from(frac_part.len()).ok()? - exponent;
    if scale >= 0 {
        den = 10i128.checked_pow(u32::try_from(scale).ok()?)?;
    } else {
        num = num.checked_mul(10i128.checked_pow(u32::try_from(-scale).ok()?)?)?;
    }
    let nanos = num / den + i128::from(num % den != 0);
    Some(Parsed { nanos: if negative { -nanos } else { nanos }, format })
}

/// Whether `s` is a Kubernetes quantity (`100m`, `1.5`, `128Mi`, `1e3`).
pub fn is_quantity(s: &str) -> bool {
    parse(s).is_some()
}

/// The canonical form Kubernetes writes for a quantity: `2000m` → `2`, `1024Mi` → `1Gi`,
/// `1536Mi` stays, `1.5` → `1500m`, `1000` → `1k`, `100Mi` stays. `None` when `s` is not a
/// quantity.
///
/// ```
/// use mesh_kube::inject::quantity::canonical;
/// assert_eq!(canonical("2000m").as_deref(), Some("2"));
/// assert_eq!(canonical("1024Mi").as_deref(), Some("1Gi"));
/// assert_eq!(canonical("0.5").as_deref(), Some("500m"));
/// ```
pub fn canonical(s: &str) -> Option<String> {
    let Parsed { nanos, format } = parse(s)?;
    if nanos == 0 {
        return Some("0".into());
    }
    let sign = if nanos < 0 { "-" } else { "" };
    let abs = nanos.abs();
    // Binary quantities of at least 1024 that are whole numbers keep a binary suffix.
    if format == Format::BinarySi && abs >= 1024 * NANO && abs % NANO == 0 {
        let mut n = abs / NANO;
        let mut k = 0;
        while k < 6 && n % 1024 == 0 {
            n /= 1024;
            k += 1;
        }
        let suffix = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"][k];
        return Some(format!("{sign}{n}{suffix}"));
    }
    // Otherwise the largest power of 1000 (down to nano) that leaves a whole mantissa.
    let mut exp = 18i32;
    let n = loop {
        let unit = 10i128.pow(u32::try_from(exp + 9).unwrap_or(0));
        if abs % unit == 0 || exp == -9 {
            break abs / unit;
        }
        exp -= 3;
    };
    let suffix = if format == Format::DecimalExponent {
        if exp == 0 { String::new() } else { format!("e{exp}") }
    } else {
        match exp {
            -9 => "n",
            -6 => "u",
            -3 => "m",
            0 => "",
            3 => "k",
            6 => "M",
            9 => "G",
            12 => "T",
            15 => "P",
            _ => "E",
        }
        .to_string()
    };
    Some(format!("{sign}{n}{suffix}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    // apimachinery resource/quantity_test.go TestQuantityParseCanonical (a selection).
    #[test]
    fn canonical_forms_match_kubernetes() {
        for (input, want) in [
            ("0", "0"),
            ("0m", "0"),
            ("1", "1"),
            ("100m", "100m"),
            ("2000m", "2"),
            ("1500m", "1500m"),
            ("1.5", "1500m"),
            ("0.5", "500m"),
            ("1000", "1k"),
            ("1024Mi", "1Gi"),
            ("1536Mi", "1536Mi"),
            ("128Mi", "128Mi"),
            ("1.5Gi", "1536Mi"),
            ("1Ki", "1Ki"),
            ("0.5Ki", "512"),
            ("1e3", "1e3"),
            ("1E6", "1e6"),
            ("100e-3", "100e-3"),
            ("-2000m", "-2"),
            ("1000000n", "1m"),
            ("1.1n", "2n"),
        ] {
            assert_eq!(canonical(input).as_deref(), Some(want), "{input}");
        }
    }

    #[test]
    fn invalid_quantities_are_rejected() {
        for q in ["", "m", "1.2.3", "10x", "Mi", ".", "1e", "1e+", "--1"] {
            assert!(!is_quantity(q), "{q}");
            assert_eq!(canonical(q), None, "{q}");
        }
        for q in ["100m", "1", "1.5", "128Mi", "1e3", "2Gi", ".5", "5."] {
            assert!(is_quantity(q), "{q}");
        }
    }
}
