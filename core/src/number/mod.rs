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
mod tests;
