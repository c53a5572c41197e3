//! [`Number`]: DynamoDB's exact decimal number type.
//!
//! DynamoDB stores numbers as decimals of up to 38 significant digits, with a magnitude of
//! 1E-130 up to 9.9999999999999999999999999999999999999E+125 (both signs) or zero. It
//! returns them in a canonical spelling: no exponent, no leading or trailing zeros, no `+`,
//! `0` for every zero. A [`Number`] always holds that canonical text, so equal numbers have
//! equal text, and it orders numerically.
//!
//! ```
//! use singletable_core::Number;
//!
//! let n = Number::parse("1.50").unwrap();
//! assert_eq!(n.as_str(), "1.5");
//! assert_eq!(Number::parse("1E2").unwrap().as_str(), "100");
//! assert!(Number::parse("-10").unwrap() < Number::parse("-9.5").unwrap());
//! assert_eq!(i64::try_from(&Number::from(-42i64)).unwrap(), -42);
//! ```

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;
use std::sync::Arc;

/// The most significant digits DynamoDB keeps in a number.
pub const MAX_PRECISION: usize = 38;

/// Largest decimal-point position: values are below 10^126.
const MAX_POINT: i64 = 126;
/// Smallest decimal-point position: values are at least 10^-130 = 0.1 × 10^-129.
const MIN_POINT: i64 = -129;
/// Longest canonical text: `-0.` + 129 zeros + 38 digits.
const MAX_TEXT_LEN: usize = 3 + 129 + MAX_PRECISION;
/// Texts up to this length live inside the value (every `i64`/`u64` fits).
const INLINE_CAP: usize = 22;
/// Saturation bound for parsed exponents (far outside any valid range, far from overflow).
const EXPONENT_LIMIT: i64 = 1_000_000_000_000;

/// Why a text or a Rust value is not a number DynamoDB can store. The messages are
/// DynamoDB's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
pub enum NumberError {
    /// Not a decimal number at all: empty, spaces, hex, `NaN`, infinite, `1E+`.
    #[error("A value provided cannot be converted into a number")]
    NotANumber,
    /// More than 38 significant digits.
    #[error("DynamoDB only supports precision up to 38 digits")]
    Precision,
    /// Magnitude of 10^126 or more.
    #[error(
        "Number overflow. Attempting to store a number with magnitude larger than supported range"
    )]
    Overflow,
    /// Magnitude below 10^-130 (and not zero).
    #[error(
        "Number underflow. Attempting to store a number with magnitude smaller than supported range"
    )]
    Underflow,
}

/// A [`Number`] that does not fit the Rust type it was converted to (a fraction, or out
/// of the type's range).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("number {value} does not fit in {target}")]
pub struct NumberRangeError {
    /// The number.
    pub value: Number,
    /// The Rust type asked for (`u8`, `i64`, …).
    pub target: &'static str,
}

/// The canonical text, inline when short, shared when long (so clones never allocate).
#[derive(Clone)]
enum Text {
    Inline { len: u8, buf: [u8; INLINE_CAP] },
    Heap(Arc<str>),
}

impl Text {
    /// `text` must be ASCII (it always is: digits, `-`, `.`).
    fn new(text: &str) -> Text {
        let bytes = text.as_bytes();
        match u8::try_from(bytes.len()) {
            Ok(len) if bytes.len() <= INLINE_CAP => {
                let mut buf = [0u8; INLINE_CAP];
                buf[..bytes.len()].copy_from_slice(bytes);
                Text::Inline { len, buf }
            }
            _ => Text::Heap(Arc::from(text)),
        }
    }

    fn as_bytes(&self) -> &[u8] {
        match self {
            Text::Inline { len, buf } => &buf[..usize::from(*len)],
            Text::Heap(text) => text.as_bytes(),
        }
    }

    fn as_str(&self) -> &str {
        match self {
            // Inline texts are built from `&str`s only, so this never fails.
            Text::Inline { .. } => std::str::from_utf8(self.as_bytes()).unwrap_or_default(),
            Text::Heap(text) => text,
        }
    }
}

/// The sign of a number; the derived order is the numeric one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Sign {
    Negative,
    Zero,
    Positive,
}

/// An exact decimal number as DynamoDB stores it: up to 38 significant digits, magnitude
/// 1E-130 ..= 9.99…E+125 or zero.
///
/// The value holds DynamoDB's canonical text (what DynamoDB returns: `1.50` → `1.5`,
/// `1E2` → `100`, `-0` → `0`, never an exponent), so [`Eq`] and [`Hash`] on the text are
/// numeric equality. [`Ord`] is numeric order, without allocating. Cloning never
/// allocates: short texts (every `i64`) are stored inline, long ones are shared.
///
/// ```
/// use singletable_core::Number;
///
/// assert_eq!(Number::parse("0E+999").unwrap(), Number::zero());
/// assert_eq!(Number::parse("1E-130").unwrap().as_str().len(), 2 + 129 + 1);
/// assert_eq!(Number::try_from(0.1f64).unwrap().as_str(), "0.1");
/// assert!(Number::try_from(f64::NAN).is_err());
/// ```
#[derive(Clone)]
pub struct Number {
    text: Text,
    sign: Sign,
    /// The value is `0.DDD × 10^point` with `DDD` the significant digits (zero: 1).
    point: i16,
    /// How many significant digits (leading and trailing zeros excluded; zero: 0).
    digits: u8,
}

impl Number {
    /// Zero.
    pub const fn zero() -> Number {
        let mut buf = [0u8; INLINE_CAP];
        buf[0] = b'0';
        Number { text: Text::Inline { len: 1, buf }, sign: Sign::Zero, point: 1, digits: 0 }
    }

    /// Parses and canonicalises a number as DynamoDB does: optional sign, digits with an
    /// optional decimal point (`.5` and `5.` are fine), optional exponent (`1e+2`).
    /// Nothing else is accepted (no spaces, `NaN`, hex or `_`).
    ///
    /// ```
    /// use singletable_core::{Number, NumberError};
    ///
    /// assert_eq!(Number::parse("+05.10").unwrap().as_str(), "5.1");
    /// assert_eq!(Number::parse("1e+").unwrap_err(), NumberError::NotANumber);
    /// assert_eq!(Number::parse("1E126").unwrap_err(), NumberError::Overflow);
    /// ```
    pub fn parse(text: &str) -> Result<Number, NumberError> {
        let bytes = text.as_bytes();
        let mut i = 0;
        let negative = match bytes.first() {
            Some(b'-') => {
                i = 1;
                true
            }
            Some(b'+') => {
                i = 1;
                false
            }
            _ => false,
        };

        // Mantissa: integer digits, an optional point, fraction digits.
        let int_start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        let int_digits = &bytes[int_start..i];
        let mut frac_digits: &[u8] = &[];
        if i < bytes.len() && bytes[i] == b'.' {
            i += 1;
            let frac_start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            frac_digits = &bytes[frac_start..i];
        }
        if int_digits.is_empty() && frac_digits.is_empty() {
            return Err(NumberError::NotANumber);
        }

        // Exponent.
        let mut exponent: i64 = 0;
        if i < bytes.len() && (bytes[i] == b'e' || bytes[i] == b'E') {
            i += 1;
            let exponent_negative = match bytes.get(i) {
                Some(b'-') => {
                    i += 1;
                    true
                }
                Some(b'+') => {
                    i += 1;
                    false
                }
                _ => false,
            };
            let exp_start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                exponent = (exponent * 10 + i64::from(bytes[i] - b'0')).min(EXPONENT_LIMIT);
                i += 1;
            }
            if i == exp_start {
                return Err(NumberError::NotANumber);
            }
            if exponent_negative {
                exponent = -exponent;
            }
        }
        if i != bytes.len() {
            return Err(NumberError::NotANumber);
        }

        // Significant digits: first to last non-zero digit of int ++ frac.
        let digit_at = |k: usize| {
            if k < int_digits.len() {
                int_digits[k]
            } else {
                frac_digits[k - int_digits.len()]
            }
        };
        let total = int_digits.len() + frac_digits.len();
        let Some(first) = (0..total).find(|&k| digit_at(k) != b'0') else {
            return Ok(Number::zero());
        };
        let last = (0..total).rev().find(|&k| digit_at(k) != b'0').unwrap_or(first);
        let count = last - first + 1;
        if count > MAX_PRECISION {
            return Err(NumberError::Precision);
        }
        let mut significant = [0u8; MAX_PRECISION];
        for (slot, k) in significant.iter_mut().zip(first..=last) {
            *slot = digit_at(k);
        }
        let point = to_i64(int_digits.len()).saturating_sub(to_i64(first)).saturating_add(exponent);
        Number::from_significant(negative, &significant[..count], point)
    }

    /// Builds a number from its sign, its significant digits (ASCII, no leading or trailing
    /// zero, 1..=38 of them) and the decimal-point position: value = `0.DIGITS × 10^point`.
    fn from_significant(
        negative: bool,
        significant: &[u8],
        point: i64,
    ) -> Result<Number, NumberError> {
        if point > MAX_POINT {
            return Err(NumberError::Overflow);
        }
        if point < MIN_POINT {
            return Err(NumberError::Underflow);
        }
        let (Ok(point16), Ok(digits)) = (i16::try_from(point), u8::try_from(significant.len()))
        else {
            return Err(NumberError::NotANumber);
        };
        let mut buf = [0u8; MAX_TEXT_LEN];
        let mut len = 0;
        let mut push = |bytes: &[u8]| {
            buf[len..len + bytes.len()].copy_from_slice(bytes);
            len += bytes.len();
        };
        if negative {
            push(b"-");
        }
        let n = significant.len();
        match usize::try_from(point) {
            Ok(p) if p > 0 && p < n => {
                push(&significant[..p]);
                push(b".");
                push(&significant[p..]);
            }
            Ok(p) if p > 0 => {
                push(significant);
                for _ in n..p {
                    push(b"0");
                }
            }
            _ => {
                push(b"0.");
                for _ in point..0 {
                    push(b"0");
                }
                push(significant);
            }
        }
        let text = std::str::from_utf8(&buf[..len]).map_err(|_| NumberError::NotANumber)?;
        Ok(Number {
            text: Text::new(text),
            sign: if negative { Sign::Negative } else { Sign::Positive },
            point: point16,
            digits,
        })
    }

    /// A number from the decimal text of an integer (as `itoa` writes it: optional `-`,
    /// no leading zeros).
    fn from_integer_text(text: &str) -> Result<Number, NumberError> {
        let bytes = text.as_bytes();
        let (sign, magnitude) = match bytes {
            [b'0'] => return Ok(Number::zero()),
            [b'-', rest @ ..] => (Sign::Negative, rest),
            _ => (Sign::Positive, bytes),
        };
        let trailing_zeros = magnitude.iter().rev().take_while(|&&b| b == b'0').count();
        let significant = magnitude.len() - trailing_zeros;
        if significant > MAX_PRECISION {
            return Err(NumberError::Precision);
        }
        let (Ok(point), Ok(digits)) = (i16::try_from(magnitude.len()), u8::try_from(significant))
        else {
            return Err(NumberError::Precision);
        };
        Ok(Number { text: Text::new(text), sign, point, digits })
    }

    /// The canonical text, as DynamoDB returns it.
    pub fn as_str(&self) -> &str {
        self.text.as_str()
    }

    /// True for numbers below zero.
    pub fn is_negative(&self) -> bool {
        self.sign == Sign::Negative
    }

    /// True for zero.
    pub fn is_zero(&self) -> bool {
        self.sign == Sign::Zero
    }

    /// True when the number has no fractional part.
    ///
    /// ```
    /// use singletable_core::Number;
    /// assert!(Number::parse("1E3").unwrap().is_integer());
    /// assert!(!Number::parse("2.5").unwrap().is_integer());
    /// ```
    pub fn is_integer(&self) -> bool {
        self.sign == Sign::Zero || i32::from(self.point) >= i32::from(self.digits)
    }

    /// How many significant digits the number has (leading and trailing zeros do not
    /// count; zero has none): what DynamoDB's 38-digit precision limit counts.
    pub fn significant_digits(&self) -> usize {
        usize::from(self.digits)
    }

    /// Position of the decimal point relative to the first significant digit: the value is
    /// `0.DIGITS × 10^point`. Meaningless for zero.
    pub fn point(&self) -> i64 {
        i64::from(self.point)
    }

    /// The nearest `f64` (correctly rounded from the exact decimal).
    pub fn to_f64(&self) -> f64 {
        // Canonical texts are always valid `f64` syntax within `f64`'s range.
        self.as_str().parse().unwrap_or(f64::NAN)
    }

    /// The negated number.
    ///
    /// ```
    /// use singletable_core::Number;
    /// assert_eq!(Number::from(5u8).negate().as_str(), "-5");
    /// assert_eq!(Number::zero().negate(), Number::zero());
    /// ```
    #[must_use]
    pub fn negate(&self) -> Number {
        let text = match self.sign {
            Sign::Zero => return self.clone(),
            Sign::Negative => Text::new(&self.as_str()[1..]),
            Sign::Positive => {
                let mut buf = [0u8; MAX_TEXT_LEN + 1];
                let magnitude = self.text.as_bytes();
                buf[0] = b'-';
                buf[1..=magnitude.len()].copy_from_slice(magnitude);
                match std::str::from_utf8(&buf[..=magnitude.len()]) {
                    Ok(text) => Text::new(text),
                    Err(_) => return self.clone(),
                }
            }
        };
        let sign = if self.sign == Sign::Negative { Sign::Positive } else { Sign::Negative };
        Number { text, sign, point: self.point, digits: self.digits }
    }

    /// The exact sum, refused as DynamoDB refuses it when it needs more than 38 significant
    /// digits (`5 + 1E-38`) or leaves the supported range. This is what DynamoDB's
    /// `SET a = a + :v` and `ADD` compute.
    ///
    /// ```
    /// use singletable_core::{Number, NumberError};
    ///
    /// let a = Number::parse("0.1").unwrap();
    /// let b = Number::parse("0.2").unwrap();
    /// assert_eq!(a.try_add(&b).unwrap().as_str(), "0.3");
    /// let tiny = Number::parse("1E-38").unwrap();
    /// assert_eq!(Number::from(5u8).try_add(&tiny).unwrap_err(), NumberError::Precision);
    /// ```
    pub fn try_add(&self, other: &Number) -> Result<Number, NumberError> {
        if self.sign == Sign::Zero {
            return Ok(other.clone());
        }
        if other.sign == Sign::Zero {
            return Ok(self.clone());
        }
        let (a, b) = (self.digit_layout(), other.digit_layout());
        // Digit powers run from `high` (one spare for a carry) down to `low`.
        let high = a.int_len.max(b.int_len);
        let low = -(a.frac_len.max(b.frac_len));
        let width = usize::try_from(high - low + 1).map_err(|_| NumberError::NotANumber)?;
        const WIDTH: usize = 2 * MAX_TEXT_LEN;
        if width > WIDTH {
            return Err(NumberError::NotANumber);
        }
        let mut x = [0u8; WIDTH];
        let mut y = [0u8; WIDTH];
        self.spread_digits(&mut x, low, &a);
        other.spread_digits(&mut y, low, &b);

        let negative;
        let mut sum = [0u8; WIDTH];
        if self.sign == other.sign {
            negative = self.sign == Sign::Negative;
            let mut carry = 0;
            for k in 0..width {
                let d = x[k] + y[k] + carry;
                sum[k] = d % 10;
                carry = d / 10;
            }
        } else {
            // Subtract the smaller magnitude from the larger.
            let (big, small, big_negative) = match self.cmp_magnitude(other) {
                Ordering::Equal => return Ok(Number::zero()),
                Ordering::Greater => (&x, &y, self.sign == Sign::Negative),
                Ordering::Less => (&y, &x, other.sign == Sign::Negative),
            };
            negative = big_negative;
            let mut borrow = 0;
            for k in 0..width {
                let subtrahend = small[k] + borrow;
                if big[k] >= subtrahend {
                    sum[k] = big[k] - subtrahend;
                    borrow = 0;
                } else {
                    sum[k] = big[k] + 10 - subtrahend;
                    borrow = 1;
                }
            }
        }
        // `sum[k]` is the digit of power `low + k`.
        let Some(top) = (0..width).rev().find(|&k| sum[k] != 0) else {
            return Ok(Number::zero());
        };
        let bottom = (0..width).find(|&k| sum[k] != 0).unwrap_or(top);
        let count = top - bottom + 1;
        if count > MAX_PRECISION {
            return Err(NumberError::Precision);
        }
        let mut significant = [0u8; MAX_PRECISION];
        for (slot, k) in significant.iter_mut().zip((bottom..=top).rev()) {
            *slot = b'0' + sum[k];
        }
        // The top digit has power `low + top`, so the point sits just above it.
        let point = low + to_i64(top) + 1;
        Number::from_significant(negative, &significant[..count], point)
    }

    /// The exact difference `self - other`, with the same rules as [`Number::try_add`].
    pub fn try_sub(&self, other: &Number) -> Result<Number, NumberError> {
        self.try_add(&other.negate())
    }

    /// The text without its sign.
    fn magnitude_bytes(&self) -> &[u8] {
        let bytes = self.text.as_bytes();
        match self.sign {
            Sign::Negative => &bytes[1..],
            _ => bytes,
        }
    }

    /// Compares absolute values of two non-zero numbers.
    fn cmp_magnitude(&self, other: &Number) -> Ordering {
        // Same point ⇒ same layout of the text up to the digits (`0.00D…` or `DD.D…`), so
        // byte order of the texts is numeric order; a prefix is the smaller number because
        // canonical texts have no trailing zeros after a point.
        self.point
            .cmp(&other.point)
            .then_with(|| self.magnitude_bytes().cmp(other.magnitude_bytes()))
    }

    fn digit_layout(&self) -> DigitLayout {
        let magnitude = self.magnitude_bytes();
        let int_len = magnitude.iter().position(|&b| b == b'.').unwrap_or(magnitude.len());
        let frac_len = magnitude.len().saturating_sub(int_len + 1);
        DigitLayout { int_len: to_i64(int_len), frac_len: to_i64(frac_len) }
    }

    /// Writes the digit of power `e` at `out[e - low]`.
    fn spread_digits(&self, out: &mut [u8], low: i64, layout: &DigitLayout) {
        let mut power = layout.int_len - 1;
        for &b in self.magnitude_bytes() {
            if b == b'.' {
                continue;
            }
            if let Some(slot) = usize::try_from(power - low).ok().and_then(|k| out.get_mut(k)) {
                *slot = b - b'0';
            }
            power -= 1;
        }
    }
}

/// Integer and fraction lengths of a canonical text.
struct DigitLayout {
    int_len: i64,
    frac_len: i64,
}

fn to_i64(value: usize) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

impl Default for Number {
    fn default() -> Self {
        Number::zero()
    }
}

impl PartialEq for Number {
    fn eq(&self, other: &Self) -> bool {
        self.text.as_bytes() == other.text.as_bytes()
    }
}

impl Eq for Number {}

impl Hash for Number {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.text.as_bytes().hash(state);
    }
}

impl Ord for Number {
    fn cmp(&self, other: &Self) -> Ordering {
        match self.sign.cmp(&other.sign) {
            Ordering::Equal => {}
            unequal => return unequal,
        }
        match self.sign {
            Sign::Zero => Ordering::Equal,
            Sign::Positive => self.cmp_magnitude(other),
            Sign::Negative => self.cmp_magnitude(other).reverse(),
        }
    }
}

impl PartialOrd for Number {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Number").field(&self.as_str()).finish()
    }
}

impl FromStr for Number {
    type Err = NumberError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Number::parse(text)
    }
}

impl TryFrom<&str> for Number {
    type Error = NumberError;

    fn try_from(text: &str) -> Result<Self, Self::Error> {
        Number::parse(text)
    }
}

impl From<Number> for String {
    fn from(number: Number) -> String {
        number.as_str().to_owned()
    }
}

impl AsRef<str> for Number {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

macro_rules! from_small_int {
    ($($t:ty),*) => {$(
        impl From<$t> for Number {
            #[inline]
            fn from(value: $t) -> Number {
                let mut buf = itoa::Buffer::new();
                // At most 20 digits: always within precision and range.
                Number::from_integer_text(buf.format(value)).unwrap_or_default()
            }
        }
    )*};
}

from_small_int!(i8, i16, i32, i64, isize, u8, u16, u32, u64, usize);

macro_rules! try_from_wide_int {
    ($($t:ty),*) => {$(
        /// Fails with [`NumberError::Precision`] for values of 39 significant digits;
        /// never rounds.
        impl TryFrom<$t> for Number {
            type Error = NumberError;

            fn try_from(value: $t) -> Result<Number, NumberError> {
                let mut buf = itoa::Buffer::new();
                Number::from_integer_text(buf.format(value))
            }
        }
    )*};
}

try_from_wide_int!(i128, u128);

/// A small stack buffer for `fmt` output.
struct StackText {
    buf: [u8; 64],
    len: usize,
}

impl fmt::Write for StackText {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len + s.len();
        if end > self.buf.len() {
            return Err(fmt::Error);
        }
        self.buf[self.len..end].copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

macro_rules! try_from_float {
    ($($t:ty),*) => {$(
        /// The shortest decimal that reads back as the same float (what `Display` prints),
        /// so `0.1` becomes `0.1`, not `0.1000000000000000055…`. NaN and infinities fail
        /// with [`NumberError::NotANumber`]; magnitudes outside DynamoDB's range with
        /// [`NumberError::Overflow`] / [`NumberError::Underflow`]; `-0.0` becomes `0`.
        impl TryFrom<$t> for Number {
            type Error = NumberError;

            fn try_from(value: $t) -> Result<Number, NumberError> {
                use std::fmt::Write as _;
                if !value.is_finite() {
                    return Err(NumberError::NotANumber);
                }
                let mut text = StackText { buf: [0; 64], len: 0 };
                write!(text, "{value:e}").map_err(|_| NumberError::NotANumber)?;
                let text = std::str::from_utf8(&text.buf[..text.len])
                    .map_err(|_| NumberError::NotANumber)?;
                Number::parse(text)
            }
        }
    )*};
}

try_from_float!(f32, f64);

macro_rules! int_from_number {
    ($($t:ty),*) => {$(
        /// Fails when the number has a fraction or is out of the type's range.
        impl TryFrom<&Number> for $t {
            type Error = NumberRangeError;

            fn try_from(number: &Number) -> Result<$t, NumberRangeError> {
                if number.is_integer() {
                    if let Ok(value) = number.as_str().parse::<$t>() {
                        return Ok(value);
                    }
                }
                Err(NumberRangeError { value: number.clone(), target: stringify!($t) })
            }
        }
    )*};
}

int_from_number!(i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize);

/// Serialises as the canonical text (a string), so serde formats keep every digit;
/// deserialises from that text or from a plain number.
impl serde::Serialize for Number {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for Number {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;

        impl serde::de::Visitor<'_> for Visitor {
            type Value = Number;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a decimal number or its text")
            }

            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Number, E> {
                Number::parse(text).map_err(E::custom)
            }

            fn visit_i64<E: serde::de::Error>(self, value: i64) -> Result<Number, E> {
                Ok(Number::from(value))
            }

            fn visit_u64<E: serde::de::Error>(self, value: u64) -> Result<Number, E> {
                Ok(Number::from(value))
            }

            fn visit_i128<E: serde::de::Error>(self, value: i128) -> Result<Number, E> {
                Number::try_from(value).map_err(E::custom)
            }

            fn visit_u128<E: serde::de::Error>(self, value: u128) -> Result<Number, E> {
                Number::try_from(value).map_err(E::custom)
            }

            fn visit_f64<E: serde::de::Error>(self, value: f64) -> Result<Number, E> {
                Number::try_from(value).map_err(E::custom)
            }
        }

        deserializer.deserialize_any(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn n(text: &str) -> Number {
        match Number::parse(text) {
            Ok(number) => number,
            Err(e) => panic!("{text}: {e}"),
        }
    }

    fn canon(text: &str) -> String {
        n(text).as_str().to_owned()
    }

    #[test]
    fn canonical_forms_from_the_facts_sheet() {
        assert_eq!(canon("1.50"), "1.5");
        assert_eq!(canon("-0"), "0");
        assert_eq!(canon("0.0"), "0");
        assert_eq!(canon("0E+999"), "0");
        assert_eq!(canon("01"), "1");
        assert_eq!(canon("1E2"), "100");
        assert_eq!(canon("1e+2"), "100");
        assert_eq!(canon("+5"), "5");
        assert_eq!(canon(".5"), "0.5");
        assert_eq!(canon("5."), "5");
        assert_eq!(canon("1E-130"), format!("0.{}1", "0".repeat(129)));
        let max = format!("9.{}E+125", "9".repeat(37));
        assert_eq!(canon(&max), format!("{}{}", "9".repeat(38), "0".repeat(88)));
        assert_eq!(canon(&max).len(), 126);
    }

    #[test]
    fn more_canonical_forms() {
        assert_eq!(canon("-1.2300E1"), "-12.3");
        assert_eq!(canon("123.45e-5"), "0.0012345");
        assert_eq!(canon("0.000"), "0");
        assert_eq!(canon("-.0e-7"), "0");
        assert_eq!(canon("1000"), "1000");
        assert_eq!(canon("12345E-2"), "123.45");
        assert_eq!(canon("0.00120E3"), "1.2");
        assert_eq!(canon("-00100.00100"), "-100.001");
        assert_eq!(canon("1e0"), "1");
        assert_eq!(canon("7E-0"), "7");
        assert_eq!(canon("0E-99999999999999999999999"), "0");
    }

    #[test]
    fn errors_and_messages() {
        for bad in ["", " ", " 1", "1 ", "0x10", "NaN", "Infinity", "-Infinity", "1E+", "1e", "."] {
            assert_eq!(Number::parse(bad), Err(NumberError::NotANumber), "{bad:?}");
        }
        for bad in ["+", "-", "--1", "1.2.3", "1_000", "١", "e5", "1E5.0", "1,5", "+-1"] {
            assert_eq!(Number::parse(bad), Err(NumberError::NotANumber), "{bad:?}");
        }
        assert_eq!(
            NumberError::NotANumber.to_string(),
            "A value provided cannot be converted into a number"
        );
        assert_eq!(
            NumberError::Precision.to_string(),
            "DynamoDB only supports precision up to 38 digits"
        );
        assert_eq!(
            NumberError::Overflow.to_string(),
            "Number overflow. Attempting to store a number with magnitude larger than supported range"
        );
        assert_eq!(
            NumberError::Underflow.to_string(),
            "Number underflow. Attempting to store a number with magnitude smaller than supported range"
        );
    }

    #[test]
    fn precision_boundary() {
        let d38 = "1".repeat(38);
        assert_eq!(canon(&d38), d38);
        assert_eq!(canon(&format!("{d38}000000")), format!("{d38}000000"));
        assert_eq!(canon(&format!("0.000{d38}000")), format!("0.000{d38}"));
        assert_eq!(Number::parse(&"1".repeat(39)), Err(NumberError::Precision));
        assert_eq!(Number::parse(&format!("1{}1", "0".repeat(37))), Err(NumberError::Precision));
        assert_eq!(canon(&format!("1{}1", "0".repeat(36))), format!("1{}1", "0".repeat(36)));
        assert_eq!(Number::parse(&format!("5.{}1", "0".repeat(37))), Err(NumberError::Precision));
    }

    #[test]
    fn range_boundaries() {
        assert_eq!(Number::parse("1E-131"), Err(NumberError::Underflow));
        assert_eq!(Number::parse("-1E-131"), Err(NumberError::Underflow));
        assert_eq!(Number::parse("0.99E-130"), Err(NumberError::Underflow));
        assert!(Number::parse("1E-130").is_ok());
        assert!(Number::parse("-1E-130").is_ok());
        assert_eq!(Number::parse("1E126"), Err(NumberError::Overflow));
        assert_eq!(Number::parse("-1E126"), Err(NumberError::Overflow));
        assert_eq!(Number::parse("1E+99999999999999999999"), Err(NumberError::Overflow));
        assert_eq!(Number::parse("1E-99999999999999999999"), Err(NumberError::Underflow));
        let max = format!("9.{}E+125", "9".repeat(37));
        assert!(Number::parse(&max).is_ok());
        assert!(Number::parse(&format!("-{max}")).is_ok());
        assert_eq!(Number::parse("9.99E+125").map(|n| n.as_str().len()), Ok(126));
    }

    #[test]
    fn numeric_order_of_the_facts_sheet() {
        let mut values: Vec<Number> =
            ["-10", "0.5", "100", "-0.001", "9", "10", "-1"].iter().map(|t| n(t)).collect();
        values.sort_by(|a, b| b.cmp(a));
        let texts: Vec<&str> = values.iter().map(Number::as_str).collect();
        assert_eq!(texts, ["100", "10", "9", "0.5", "-0.001", "-1", "-10"]);
        assert_eq!(n("5"), n("5.00"));
        assert_eq!(n("1"), n("1.0"));
        assert!(n("0.1") > n("0.09"));
        assert!(n("0.01") < n("0.1"));
        assert!(n("12") < n("12.01"));
        assert!(n("-12") > n("-12.01"));
        assert!(n("0") > n("-1E-130"));
        assert!(n("0") < n("1E-130"));
        assert_eq!(n("0").cmp(&Number::zero()), Ordering::Equal);
    }

    #[test]
    fn integers_convert_both_ways() {
        assert_eq!(Number::from(0u8).as_str(), "0");
        assert_eq!(Number::from(-0i32), Number::zero());
        assert_eq!(Number::from(i64::MIN).as_str(), "-9223372036854775808");
        assert_eq!(Number::from(u64::MAX).as_str(), "18446744073709551615");
        assert_eq!(Number::from(1000u16).significant_digits(), 1);
        assert_eq!(Number::from(1000u16), n("1E3"));
        assert_eq!(Number::try_from(u128::MAX), Err(NumberError::Precision));
        assert_eq!(Number::try_from(i128::MIN), Err(NumberError::Precision));
        let big = 10u128.pow(38);
        assert_eq!(Number::try_from(big).map(|n| n.as_str().len()), Ok(39));
        let d38 = 10u128.pow(38) - 1;
        assert_eq!(Number::try_from(d38).map(|n| n.significant_digits()), Ok(38));
        assert_eq!(Number::try_from(d38 + 2), Err(NumberError::Precision));

        assert_eq!(u8::try_from(&n("255")), Ok(255));
        assert_eq!(
            u8::try_from(&n("256")),
            Err(NumberRangeError { value: n("256"), target: "u8" })
        );
        assert!(u32::try_from(&n("-1")).is_err());
        assert!(i64::try_from(&n("1.5")).is_err());
        assert!(i64::try_from(&n("0.5")).is_err());
        assert_eq!(i64::try_from(&n("1E18")), Ok(1_000_000_000_000_000_000));
        assert!(i64::try_from(&n("1E19")).is_err());
        assert_eq!(u128::try_from(&n("1E38")), Ok(big));
        assert_eq!(i8::try_from(&n("-128")), Ok(-128));
        assert_eq!(i8::try_from(&Number::zero()), Ok(0));
        assert_eq!(
            NumberRangeError { value: n("1.5"), target: "i64" }.to_string(),
            "number 1.5 does not fit in i64"
        );
    }

    #[test]
    fn floats_convert() {
        assert_eq!(Number::try_from(0.1f64).map(String::from), Ok("0.1".to_owned()));
        assert_eq!(Number::try_from(0.1f32).map(String::from), Ok("0.1".to_owned()));
        assert_eq!(Number::try_from(-0.0f64), Ok(Number::zero()));
        assert_eq!(Number::try_from(1e21f64).map(String::from), Ok(format!("1{}", "0".repeat(21))));
        assert_eq!(Number::try_from(1.5e-7f64).map(String::from), Ok("0.00000015".to_owned()));
        assert_eq!(Number::try_from(f64::NAN), Err(NumberError::NotANumber));
        assert_eq!(Number::try_from(f64::INFINITY), Err(NumberError::NotANumber));
        assert_eq!(Number::try_from(f32::NEG_INFINITY), Err(NumberError::NotANumber));
        assert_eq!(Number::try_from(1e300f64), Err(NumberError::Overflow));
        assert_eq!(Number::try_from(-1e-300f64), Err(NumberError::Underflow));
        assert_eq!(Number::try_from(f64::MIN_POSITIVE), Err(NumberError::Underflow));
        assert_eq!(n("0.1").to_f64(), 0.1);
        assert_eq!(n("-2.5E10").to_f64(), -2.5e10);
    }

    #[test]
    fn stays_small_and_shareable() {
        fn send_sync<T: Send + Sync>() {}
        send_sync::<Number>();
        assert!(std::mem::size_of::<Number>() <= 32);
    }

    #[test]
    fn inline_and_heap_texts_behave_alike() {
        let short = n("123");
        let long = n("1E100");
        assert!(matches!(short.text, Text::Inline { .. }));
        assert!(matches!(long.text, Text::Heap(_)));
        assert_eq!(long.clone(), long);
        assert_eq!(long.as_str().len(), 101);
        assert!(short < long);
        assert_eq!(format!("{short:?}"), "Number(\"123\")");
        assert_eq!(long.to_string(), format!("1{}", "0".repeat(100)));
    }

    #[test]
    fn negate_and_add() {
        assert_eq!(n("1.5").negate(), n("-1.5"));
        assert_eq!(n("-1.5").negate(), n("1.5"));
        assert_eq!(n("1.5").try_add(&n("1.5")), Ok(n("3")));
        assert_eq!(n("99").try_add(&n("1")), Ok(n("100")));
        assert_eq!(n("-99").try_add(&n("-1")), Ok(n("-100")));
        assert_eq!(n("100").try_add(&n("-0.001")), Ok(n("99.999")));
        assert_eq!(n("-100").try_add(&n("0.001")), Ok(n("-99.999")));
        assert_eq!(n("0.001").try_add(&n("-100")), Ok(n("-99.999")));
        assert_eq!(n("5").try_add(&n("-5")), Ok(Number::zero()));
        assert_eq!(n("0").try_add(&n("-5")), Ok(n("-5")));
        assert_eq!(n("1E125").try_sub(&n("1E125")), Ok(Number::zero()));
        assert_eq!(n("1E-130").try_add(&n("1E-130")), Ok(n("2E-130")));
        assert_eq!(n("1E-130").try_sub(&n("2E-130")), Ok(n("-1E-130")));
        assert_eq!(n("2E-130").try_sub(&n("1.5E-130")), Err(NumberError::Underflow));
        let max = n(&format!("9.{}E+125", "9".repeat(37)));
        assert_eq!(max.try_add(&n("1E88")), Err(NumberError::Overflow));
        assert_eq!(max.try_add(&n("1")), Err(NumberError::Precision));
        assert_eq!(n("5").try_add(&n("1E-38")), Err(NumberError::Precision));
        assert_eq!(n("5").try_add(&n("1E-37")), Ok(n(&format!("5.{}1", "0".repeat(36)))));
    }

    fn numeric_text() -> impl Strategy<Value = String> {
        "[+-]?[0-9]{0,44}(\\.[0-9]{0,44})?([eE][+-]?[0-9]{1,3})?"
    }

    /// `m × 10^e` with small parts, comparable exactly through `i128`.
    fn scaled() -> impl Strategy<Value = (i32, i32)> {
        (any::<i32>(), -10i32..10)
    }

    fn exact(m: i32, e: i32, min_e: i32) -> i128 {
        i128::from(m) * 10i128.pow(u32::try_from(e - min_e).unwrap_or(0))
    }

    proptest! {
        #[test]
        fn canonicalisation_is_idempotent(text in numeric_text()) {
            if let Ok(number) = Number::parse(&text) {
                let again = Number::parse(number.as_str());
                prop_assert_eq!(again.as_ref(), Ok(&number));
                prop_assert_eq!(again.map(String::from), Ok(number.as_str().to_owned()));
                prop_assert!(!number.as_str().contains(['e', 'E', '+']));
            }
        }

        #[test]
        fn parse_display_round_trip(text in numeric_text()) {
            if let Ok(number) = Number::parse(&text) {
                prop_assert_eq!(number.to_string().parse::<Number>(), Ok(number));
            }
        }

        #[test]
        fn order_agrees_with_f64(a in any::<f64>(), b in any::<f64>()) {
            if let (Ok(x), Ok(y)) = (Number::try_from(a), Number::try_from(b)) {
                prop_assert_eq!(Some(x.cmp(&y)), a.partial_cmp(&b));
                prop_assert_eq!(x.to_f64(), a);
                prop_assert_eq!(x == y, a == b);
            }
        }

        #[test]
        fn order_agrees_with_i128(a in -(10i128.pow(38) - 1)..10i128.pow(38), b in any::<i64>()) {
            let b = i128::from(b);
            let x = Number::try_from(a).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let y = Number::try_from(b).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(x.cmp(&y), a.cmp(&b));
            prop_assert_eq!(y.cmp(&x), b.cmp(&a));
            prop_assert_eq!(x.as_str(), a.to_string());
            prop_assert_eq!(i128::try_from(&x).ok(), Some(a));
        }

        #[test]
        fn order_and_sum_agree_with_exact_decimals((m1, e1) in scaled(), (m2, e2) in scaled()) {
            let x = n(&format!("{m1}E{e1}"));
            let y = n(&format!("{m2}E{e2}"));
            let min_e = e1.min(e2);
            let (a, b) = (exact(m1, e1, min_e), exact(m2, e2, min_e));
            prop_assert_eq!(x.cmp(&y), a.cmp(&b));
            prop_assert_eq!(x == y, a == b);
            let sum = n(&format!("{}E{min_e}", a + b));
            prop_assert_eq!(x.try_add(&y), Ok(sum));
            let difference = n(&format!("{}E{min_e}", a - b));
            prop_assert_eq!(x.try_sub(&y), Ok(difference));
        }

        #[test]
        fn i64_round_trip(v in any::<i64>()) {
            let number = Number::from(v);
            prop_assert_eq!(number.as_str(), v.to_string());
            prop_assert_eq!(i64::try_from(&number), Ok(v));
            prop_assert_eq!(Number::parse(&v.to_string()), Ok(number));
        }

        #[test]
        fn u64_round_trip(v in any::<u64>()) {
            let number = Number::from(v);
            prop_assert_eq!(number.as_str(), v.to_string());
            prop_assert_eq!(u64::try_from(&number), Ok(v));
            prop_assert_eq!(Number::parse(&v.to_string()), Ok(number));
        }

        #[test]
        fn f32_is_shortest(v in any::<f32>()) {
            if let Ok(number) = Number::try_from(v) {
                prop_assert_eq!(number.as_str().parse::<f32>().ok(), Some(v));
            }
        }
    }
}
