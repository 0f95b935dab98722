//! Numbers exactly as written. Events are read with serde_json's `arbitrary_precision`, so every
//! number keeps its source text through replay, diff and display: `1250.50` stays `1250.50`, a
//! 30-digit integer keeps every digit, `-0` stays `-0` and `1e400` is not infinity (serde_json
//! spells every exponent one way, `1e+400`, keeping its digits). This module
//! compares such numbers by value (`1250.5` equals `1250.50`, `-0` equals `0`) and adds them
//! exactly on their decimal digits (`0.1 + 0.2` is `0.3`; `1250.50 + 10` is `1260.50`, keeping
//! the finer of the two scales, as an amount is written).
//!
//! Hand-written because no crate fit: `rust_decimal` stops at 28 digits, and `bigdecimal` keeps
//! its own scale rules and big-integer arithmetic for what is here a comparison and an addition
//! of digit strings, written back with the finer of the two scales as the source wrote them.

use std::cmp::Ordering;

/// `2013` -> `2,013`. Hand-written: the number-formatting crates bring locale tables for one
/// thousands separator.
pub fn count(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (idx, ch) in digits.chars().enumerate() {
        if idx > 0 && (digits.len() - idx).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// `3 events`, `1 stream`: a count and its noun, plural when it is not one.
pub fn counted(n: usize, noun: &str) -> String {
    match n {
        1 => format!("1 {noun}"),
        n => format!("{} {noun}s", count(n)),
    }
}

/// The most zeros an addition may write to line two numbers up (`1e4000 + 1` is fine,
/// `1e999999 + 1` would be a megabyte of zeros and is refused).
const MAX_ALIGNMENT: i64 = 4_096;

/// A decimal number: `digits × 10^exponent`, with the digits most significant first and no
/// leading zeros (no digits at all for zero). Trailing zeros are kept, so the scale written
/// (`1250.50` has two decimals) survives an addition.
#[derive(Clone, Debug)]
pub struct Decimal {
    negative: bool,
    digits: Vec<u8>,
    exponent: i64,
}

impl Decimal {
    /// Reads a number as JSON writes one (`-12.50`, `1e400`, `3E-2`), surrounding spaces
    /// allowed; leading zeros are accepted, as amounts kept in strings often have them.
    pub fn parse(text: &str) -> Option<Decimal> {
        let text = text.trim();
        let (negative, rest) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (mantissa, power) = match rest.find(['e', 'E']) {
            Some(at) => (&rest[..at], rest[at + 1..].parse::<i64>().ok()?),
            None => (rest, 0),
        };
        // One pass over the mantissa: digits, and at most one point with digits on both sides.
        let mut digits = Vec::with_capacity(mantissa.len());
        let mut decimals: Option<i64> = None;
        for byte in mantissa.bytes() {
            match (byte, decimals) {
                (b'0'..=b'9', _) => {
                    digits.push(byte - b'0');
                    decimals = decimals.map(|n| n + 1);
                }
                (b'.', None) if !digits.is_empty() => decimals = Some(0),
                _ => return None,
            }
        }
        if digits.is_empty() || decimals == Some(0) {
            return None;
        }
        let exponent = power.checked_sub(decimals.unwrap_or(0))?;
        Some(Decimal::new(negative, digits, exponent))
    }

    fn new(negative: bool, mut digits: Vec<u8>, exponent: i64) -> Decimal {
        let leading = digits.iter().take_while(|&&d| d == 0).count();
        digits.drain(..leading);
        Decimal {
            negative: negative && !digits.is_empty(),
            digits,
            exponent,
        }
    }

    fn is_zero(&self) -> bool {
        self.digits.is_empty()
    }

    /// The significant digits without trailing zeros, and the exponent of the last one.
    fn significant(&self) -> (&[u8], i64) {
        let trailing = self.digits.iter().rev().take_while(|&&d| d == 0).count();
        let kept = &self.digits[..self.digits.len() - trailing];
        (kept, self.exponent.saturating_add(trailing as i64))
    }

    /// Compares the sizes of two numbers, signs aside.
    fn cmp_magnitude(&self, other: &Decimal) -> Ordering {
        let ((a, a_exp), (b, b_exp)) = (self.significant(), other.significant());
        match (a.is_empty(), b.is_empty()) {
            (true, true) => return Ordering::Equal,
            (true, false) => return Ordering::Less,
            (false, true) => return Ordering::Greater,
            (false, false) => {}
        }
        // The power of ten just above the leading digit decides, then the digits in order.
        let a_top = a_exp.saturating_add(a.len() as i64);
        let b_top = b_exp.saturating_add(b.len() as i64);
        a_top.cmp(&b_top).then_with(|| a.cmp(b))
    }

    /// The exact sum, written at the finer of the two scales; `None` when lining the two up
    /// would take more than [`MAX_ALIGNMENT`] zeros.
    pub fn add(&self, other: &Decimal) -> Option<Decimal> {
        let exponent = self.exponent.min(other.exponent);
        let a = self.aligned_to(exponent)?;
        let b = other.aligned_to(exponent)?;
        if self.negative == other.negative {
            return Some(Decimal::new(self.negative, add_digits(&a, &b), exponent));
        }
        match self.cmp_magnitude(other) {
            Ordering::Less => Some(Decimal::new(other.negative, sub_digits(&b, &a), exponent)),
            _ => Some(Decimal::new(self.negative, sub_digits(&a, &b), exponent)),
        }
    }

    /// The digits written with zeros added so that the last one stands for `10^exponent`.
    fn aligned_to(&self, exponent: i64) -> Option<Vec<u8>> {
        let zeros = self.exponent.checked_sub(exponent)?;
        if zeros > MAX_ALIGNMENT {
            return None;
        }
        let mut digits = self.digits.clone();
        digits.resize(digits.len() + zeros as usize, 0);
        Some(digits)
    }
}

impl PartialEq for Decimal {
    fn eq(&self, other: &Decimal) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Decimal {}

impl PartialOrd for Decimal {
    fn partial_cmp(&self, other: &Decimal) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Decimal {
    fn cmp(&self, other: &Decimal) -> Ordering {
        match (self.negative, other.negative) {
            (false, true) => Ordering::Greater,
            (true, false) => Ordering::Less,
            (false, false) => self.cmp_magnitude(other),
            (true, true) => other.cmp_magnitude(self),
        }
    }
}

/// Written as JSON writes a number: plain digits with a point where the scale puts one
/// (`1260.50`, `0.3`, `-42`), and `digits e exponent` for a number above its last digit
/// (`5e3` stays `5e3`).
impl std::fmt::Display for Decimal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let digits: String = if self.is_zero() {
            "0".to_owned()
        } else {
            self.digits.iter().map(|d| char::from(b'0' + d)).collect()
        };
        let sign = if self.negative { "-" } else { "" };
        if self.exponent > 0 {
            return write!(f, "{sign}{digits}e{}", self.exponent);
        }
        let scale = self.exponent.unsigned_abs() as usize;
        if scale == 0 {
            return write!(f, "{sign}{digits}");
        }
        let padded = format!("{digits:0>width$}", width = scale + 1);
        let (whole, fraction) = padded.split_at(padded.len() - scale);
        write!(f, "{sign}{whole}.{fraction}")
    }
}

/// Whether two numbers as written have the same value.
pub fn same_value(a: &str, b: &str) -> bool {
    a == b || matches!((Decimal::parse(a), Decimal::parse(b)), (Some(x), Some(y)) if x == y)
}

fn add_digits(a: &[u8], b: &[u8]) -> Vec<u8> {
    let (long, short) = if a.len() >= b.len() { (a, b) } else { (b, a) };
    let mut out = Vec::with_capacity(long.len() + 1);
    let mut carry = 0;
    for i in 0..long.len() {
        let from_short = short.len().checked_sub(i + 1).map_or(0, |j| short[j]);
        let sum = long[long.len() - 1 - i] + from_short + carry;
        out.push(sum % 10);
        carry = sum / 10;
    }
    if carry > 0 {
        out.push(carry);
    }
    out.reverse();
    out
}

/// `a - b`, for digits of the same scale with `a >= b`.
fn sub_digits(a: &[u8], b: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(a.len());
    let mut borrow = 0;
    for i in 0..a.len() {
        let from_b = b.len().checked_sub(i + 1).map_or(0, |j| b[j]) + borrow;
        let from_a = a[a.len() - 1 - i];
        let (digit, next_borrow) = if from_a >= from_b {
            (from_a - from_b, 0)
        } else {
            (from_a + 10 - from_b, 1)
        };
        out.push(digit);
        borrow = next_borrow;
    }
    out.reverse();
    out
}
