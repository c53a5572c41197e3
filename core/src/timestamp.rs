//! [`Timestamp`]: a UTC instant with millisecond precision, stored as fixed-width RFC 3339
//! text, and the TTL codec (epoch seconds as `N`).
//!
//! ```
//! use singletable_core::Timestamp;
//!
//! let t = Timestamp::from_unix_millis(1_700_000_000_123);
//! assert_eq!(t.to_string(), "2023-11-14T22:13:20.123Z");
//! assert_eq!("2023-11-14T23:13:20.123456+01:00".parse::<Timestamp>().unwrap(), t);
//! assert_eq!(t.unix_seconds(), 1_700_000_000);
//! ```

use std::fmt;
use std::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::error::{DecodeError, DecodeErrorKind, EncodeError};
use crate::number::Number;
use crate::value::{AttributeValue, Item};

const MILLIS_PER_SECOND: i64 = 1_000;
const MILLIS_PER_DAY: i64 = 86_400_000;
/// Length of the stored form `YYYY-MM-DDTHH:MM:SS.mmmZ`.
const FIXED_LEN: usize = 24;

/// Why a [`Timestamp`] cannot be formatted, parsed or converted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimestampError {
    /// The instant is outside what the target can hold: years 0000–9999 for the stored
    /// text, the `time` crate's range for [`OffsetDateTime`], [`SystemTime`]'s range.
    #[error("timestamp {unix_millis} ms since the Unix epoch is out of range ({what})")]
    OutOfRange {
        /// The instant, in Unix milliseconds.
        unix_millis: i64,
        /// What the range is for.
        what: &'static str,
    },
    /// The text is not an RFC 3339 date-time.
    #[error("invalid RFC 3339 timestamp `{text}`: {reason}")]
    Invalid {
        /// The text.
        text: String,
        /// What is wrong with it.
        reason: String,
    },
}

/// A UTC instant with millisecond precision (a count of Unix milliseconds).
///
/// Its text form, used to store it (as `S`) and in key templates, is fixed-width RFC 3339
/// `YYYY-MM-DDTHH:MM:SS.mmmZ`: always three fraction digits and `Z`, so stored strings
/// sort in time order. Years outside 0000–9999 cannot be stored. Parsing accepts any
/// RFC 3339 text: offsets are converted to UTC, and digits below the millisecond are
/// truncated (`…:00.123999Z` reads as `…:00.123Z`).
///
/// ```
/// use singletable_core::Timestamp;
///
/// let t = Timestamp::from_unix_millis(-1);
/// assert_eq!(t.to_rfc3339().unwrap(), "1969-12-31T23:59:59.999Z");
/// assert_eq!(t.unix_seconds(), -1);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(i64);

impl Timestamp {
    /// 1970-01-01T00:00:00.000Z.
    pub const UNIX_EPOCH: Timestamp = Timestamp(0);

    /// The current time (truncated to the millisecond).
    pub fn now() -> Timestamp {
        Timestamp::from(SystemTime::now())
    }

    /// The instant `millis` milliseconds after the Unix epoch (before it when negative).
    pub const fn from_unix_millis(millis: i64) -> Timestamp {
        Timestamp(millis)
    }

    /// Milliseconds since the Unix epoch.
    pub const fn unix_millis(self) -> i64 {
        self.0
    }

    /// The instant `seconds` seconds after the Unix epoch. Saturates at the range of
    /// `i64` milliseconds (about ±292 million years).
    pub const fn from_unix_seconds(seconds: i64) -> Timestamp {
        Timestamp(seconds.saturating_mul(MILLIS_PER_SECOND))
    }

    /// Whole seconds since the Unix epoch, rounded down (towards the past).
    pub const fn unix_seconds(self) -> i64 {
        self.0.div_euclid(MILLIS_PER_SECOND)
    }

    /// `self + duration`, or `None` past the representable range.
    pub fn checked_add(self, duration: Duration) -> Option<Timestamp> {
        let millis = i64::try_from(duration.as_millis()).ok()?;
        self.0.checked_add(millis).map(Timestamp)
    }

    /// `self - duration`, or `None` past the representable range.
    pub fn checked_sub(self, duration: Duration) -> Option<Timestamp> {
        let millis = i64::try_from(duration.as_millis()).ok()?;
        self.0.checked_sub(millis).map(Timestamp)
    }

    /// The stored text `YYYY-MM-DDTHH:MM:SS.mmmZ`; fails for years outside 0000–9999.
    pub fn to_rfc3339(self) -> Result<String, TimestampError> {
        let mut out = String::with_capacity(FIXED_LEN);
        self.write_rfc3339(&mut out)?;
        Ok(out)
    }

    /// Appends the stored text `YYYY-MM-DDTHH:MM:SS.mmmZ` to `out`; fails (writing nothing)
    /// for years outside 0000–9999.
    pub fn write_rfc3339(self, out: &mut String) -> Result<(), TimestampError> {
        let parts = self.civil();
        if !(0..=9999).contains(&parts.year) {
            return Err(TimestampError::OutOfRange {
                unix_millis: self.0,
                what: "stored timestamps have years 0000-9999",
            });
        }
        let mut buf = [0u8; FIXED_LEN];
        let year = u32::try_from(parts.year).unwrap_or(0);
        put_digits(&mut buf[0..4], year);
        buf[4] = b'-';
        put_digits(&mut buf[5..7], parts.month);
        buf[7] = b'-';
        put_digits(&mut buf[8..10], parts.day);
        buf[10] = b'T';
        put_digits(&mut buf[11..13], parts.hour);
        buf[13] = b':';
        put_digits(&mut buf[14..16], parts.minute);
        buf[16] = b':';
        put_digits(&mut buf[17..19], parts.second);
        buf[19] = b'.';
        put_digits(&mut buf[20..23], parts.millisecond);
        buf[23] = b'Z';
        for &b in &buf {
            out.push(char::from(b));
        }
        Ok(())
    }

    /// Parses any RFC 3339 date-time: offsets are converted to UTC, digits below the
    /// millisecond are truncated.
    ///
    /// ```
    /// use singletable_core::Timestamp;
    ///
    /// let t = Timestamp::parse("2024-02-29T12:00:00-02:30").unwrap();
    /// assert_eq!(t.to_string(), "2024-02-29T14:30:00.000Z");
    /// assert!(Timestamp::parse("2023-02-29T12:00:00Z").is_err());
    /// ```
    pub fn parse(text: &str) -> Result<Timestamp, TimestampError> {
        if let Some(timestamp) = parse_fixed(text) {
            return Ok(timestamp);
        }
        let parsed = OffsetDateTime::parse(text, &Rfc3339).map_err(|e| {
            TimestampError::Invalid { text: text.to_owned(), reason: e.to_string() }
        })?;
        Ok(Timestamp::from(parsed))
    }

    /// The same instant as a `time` [`OffsetDateTime`] in UTC; fails outside the `time`
    /// crate's range of dates.
    pub fn to_offset_date_time(self) -> Result<OffsetDateTime, TimestampError> {
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(self.0) * 1_000_000).map_err(|_| {
            TimestampError::OutOfRange { unix_millis: self.0, what: "time::OffsetDateTime" }
        })
    }

    /// The proleptic Gregorian UTC calendar fields of the instant.
    fn civil(self) -> Civil {
        let days = self.0.div_euclid(MILLIS_PER_DAY);
        let in_day = self.0.rem_euclid(MILLIS_PER_DAY);
        let (year, month, day) = civil_from_days(days);
        let part = |value: i64| u32::try_from(value).unwrap_or(0);
        Civil {
            year,
            month,
            day,
            hour: part(in_day / 3_600_000),
            minute: part(in_day / 60_000 % 60),
            second: part(in_day / 1_000 % 60),
            millisecond: part(in_day % 1_000),
        }
    }
}

/// Calendar fields of an instant.
struct Civil {
    year: i64,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
    millisecond: u32,
}

/// Writes `value` as `out.len()` zero-padded decimal digits.
fn put_digits(out: &mut [u8], mut value: u32) {
    for slot in out.iter_mut().rev() {
        *slot = b'0' + u8::try_from(value % 10).unwrap_or(0);
        value /= 10;
    }
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian (H. Hinnant's
/// algorithm, exact for the whole `i64` millisecond range).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, u32::try_from(month).unwrap_or(1), u32::try_from(day).unwrap_or(1))
}

/// (year, month, day) to days since 1970-01-01, proleptic Gregorian.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year.rem_euclid(400);
    let mp = if month > 2 { month - 3 } else { month + 9 };
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// The fast path for the stored form `YYYY-MM-DDTHH:MM:SS.mmmZ`; `None` sends the text
/// to the general RFC 3339 parser (which also reports the errors).
fn parse_fixed(text: &str) -> Option<Timestamp> {
    let b = text.as_bytes();
    if b.len() != FIXED_LEN
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
        || b[19] != b'.'
        || b[23] != b'Z'
    {
        return None;
    }
    let number = |range: std::ops::Range<usize>| -> Option<i64> {
        b[range]
            .iter()
            .try_fold(0i64, |acc, &d| d.is_ascii_digit().then(|| acc * 10 + i64::from(d - b'0')))
    };
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
    let millis = number(20..23)?;
    if !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }
    let days = days_from_civil(year, month, day);
    let seconds = ((days * 24 + hour) * 60 + minute) * 60 + second;
    Some(Timestamp(seconds * MILLIS_PER_SECOND + millis))
}

impl fmt::Display for Timestamp {
    /// The stored form `YYYY-MM-DDTHH:MM:SS.mmmZ`. Years outside 0000–9999 (which cannot
    /// be stored) print with a sign and as many digits as needed, as ISO 8601's expanded
    /// years do: `+10000-01-01T00:00:00.000Z`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut text = String::with_capacity(FIXED_LEN);
        if self.write_rfc3339(&mut text).is_ok() {
            return f.write_str(&text);
        }
        let c = self.civil();
        let sign = if c.year < 0 { '-' } else { '+' };
        write!(
            f,
            "{sign}{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
            c.year.unsigned_abs(),
            c.month,
            c.day,
            c.hour,
            c.minute,
            c.second,
            c.millisecond
        )
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Timestamp({self})")
    }
}

impl FromStr for Timestamp {
    type Err = TimestampError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Timestamp::parse(text)
    }
}

impl From<SystemTime> for Timestamp {
    /// Truncates to the millisecond (towards the past); saturates beyond ±292 million
    /// years.
    fn from(time: SystemTime) -> Timestamp {
        match time.duration_since(UNIX_EPOCH) {
            Ok(after) => Timestamp(i64::try_from(after.as_millis()).unwrap_or(i64::MAX)),
            Err(before) => {
                let before = before.duration();
                let mut millis = before.as_millis();
                if before.subsec_nanos() % 1_000_000 != 0 {
                    millis += 1;
                }
                Timestamp(i64::try_from(millis).map_or(i64::MIN, |m| -m))
            }
        }
    }
}

impl TryFrom<Timestamp> for SystemTime {
    type Error = TimestampError;

    fn try_from(timestamp: Timestamp) -> Result<SystemTime, TimestampError> {
        let offset = Duration::from_millis(timestamp.0.unsigned_abs());
        let time = if timestamp.0 >= 0 {
            UNIX_EPOCH.checked_add(offset)
        } else {
            UNIX_EPOCH.checked_sub(offset)
        };
        time.ok_or(TimestampError::OutOfRange {
            unix_millis: timestamp.0,
            what: "std::time::SystemTime",
        })
    }
}

impl From<OffsetDateTime> for Timestamp {
    /// Truncates to the millisecond (towards the past).
    fn from(time: OffsetDateTime) -> Timestamp {
        let millis = time.unix_timestamp_nanos().div_euclid(1_000_000);
        Timestamp(i64::try_from(millis).unwrap_or(if millis < 0 { i64::MIN } else { i64::MAX }))
    }
}

impl TryFrom<Timestamp> for OffsetDateTime {
    type Error = TimestampError;

    fn try_from(timestamp: Timestamp) -> Result<OffsetDateTime, TimestampError> {
        timestamp.to_offset_date_time()
    }
}

impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let text = self.to_rfc3339().map_err(serde::ser::Error::custom)?;
        serializer.serialize_str(&text)
    }
}

impl<'de> serde::Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        Timestamp::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// A type a TTL field can have: stored in the table's TTL attribute as a top-level `N` of
/// Unix epoch seconds, which is the only form DynamoDB's TTL reads.
///
/// Implemented for [`Timestamp`] (rounded down to the second), for `u32`, `u64` and `i64`
/// (already epoch seconds), and for `Option`s of those (`None` stores no attribute, so the
/// item never expires).
pub trait TtlValue: Sized {
    /// The epoch seconds to store, or `None` to store nothing.
    fn to_ttl_seconds(&self) -> Option<Number>;

    /// The value of a stored attribute (`Some`) or of an absent one (`None`).
    fn from_ttl_seconds(seconds: Option<&Number>) -> Result<Self, DecodeError>;
}

impl TtlValue for Timestamp {
    fn to_ttl_seconds(&self) -> Option<Number> {
        Some(Number::from(self.unix_seconds()))
    }

    fn from_ttl_seconds(seconds: Option<&Number>) -> Result<Self, DecodeError> {
        let seconds = seconds.ok_or_else(DecodeError::missing)?;
        let out_of_range = || {
            DecodeError::new(DecodeErrorKind::NumberOutOfRange {
                value: seconds.to_string(),
                target: "Timestamp",
            })
        };
        let whole = i64::try_from(seconds).map_err(|_| out_of_range())?;
        whole.checked_mul(MILLIS_PER_SECOND).map(Timestamp).ok_or_else(out_of_range)
    }
}

macro_rules! ttl_integer {
    ($($t:ty),*) => {$(
        impl TtlValue for $t {
            fn to_ttl_seconds(&self) -> Option<Number> {
                Some(Number::from(*self))
            }

            fn from_ttl_seconds(seconds: Option<&Number>) -> Result<Self, DecodeError> {
                let seconds = seconds.ok_or_else(DecodeError::missing)?;
                <$t>::try_from(seconds).map_err(|e| {
                    DecodeError::new(DecodeErrorKind::NumberOutOfRange {
                        value: e.value.to_string(),
                        target: e.target,
                    })
                })
            }
        }
    )*};
}

ttl_integer!(u32, u64, i64);

impl<T: TtlValue> TtlValue for Option<T> {
    fn to_ttl_seconds(&self) -> Option<Number> {
        self.as_ref().and_then(T::to_ttl_seconds)
    }

    fn from_ttl_seconds(seconds: Option<&Number>) -> Result<Self, DecodeError> {
        match seconds {
            Some(_) => T::from_ttl_seconds(seconds).map(Some),
            None => Ok(None),
        }
    }
}

/// Stores a TTL field under `name` as an `N` of epoch seconds (nothing for `None`). Called
/// by generated code for `#[entity(ttl)]` fields.
///
/// ```
/// use singletable_core::timestamp::encode_ttl_field;
/// use singletable_core::{AttributeValue, Item, Number, Timestamp};
///
/// let mut item = Item::new();
/// encode_ttl_field(&mut item, "expires_at", &Timestamp::from_unix_millis(1_700_000_000_999))
///     .unwrap();
/// assert_eq!(item["expires_at"], AttributeValue::N(Number::from(1_700_000_000u32)));
/// ```
pub fn encode_ttl_field<T: TtlValue>(
    item: &mut Item,
    name: &'static str,
    value: &T,
) -> Result<(), EncodeError> {
    if let Some(seconds) = value.to_ttl_seconds() {
        item.insert(name.to_owned(), AttributeValue::N(seconds));
    }
    Ok(())
}

/// Removes and decodes the TTL attribute `name` (an `N` of epoch seconds). Absent is
/// `None` for `Option`s and a missing-attribute error otherwise; the error names the field.
pub fn decode_ttl_field<T: TtlValue>(
    item: &mut Item,
    name: &'static str,
) -> Result<T, DecodeError> {
    match item.remove(name) {
        Some(AttributeValue::N(seconds)) => T::from_ttl_seconds(Some(&seconds)),
        Some(other) => Err(DecodeError::type_mismatch("N", other.attribute_type())),
        None => T::from_ttl_seconds(None),
    }
    .map_err(|e| e.at_field(name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ts(text: &str) -> Timestamp {
        match Timestamp::parse(text) {
            Ok(t) => t,
            Err(e) => panic!("{text}: {e}"),
        }
    }

    #[test]
    fn fixed_width_text() {
        assert_eq!(Timestamp::UNIX_EPOCH.to_string(), "1970-01-01T00:00:00.000Z");
        assert_eq!(Timestamp::from_unix_millis(1).to_string(), "1970-01-01T00:00:00.001Z");
        assert_eq!(
            Timestamp::from_unix_millis(1_764_000_000_000).to_string(),
            "2025-11-24T16:00:00.000Z"
        );
        assert_eq!(
            Timestamp::from_unix_millis(951_782_400_000).to_string(),
            "2000-02-29T00:00:00.000Z"
        );
        assert_eq!(
            Timestamp::from_unix_millis(-62_167_219_200_000).to_string(),
            "0000-01-01T00:00:00.000Z"
        );
        assert_eq!(
            Timestamp::from_unix_millis(253_402_300_799_999).to_string(),
            "9999-12-31T23:59:59.999Z"
        );
    }

    #[test]
    fn years_outside_0000_9999_cannot_be_stored() {
        let after = Timestamp::from_unix_millis(253_402_300_800_000);
        assert!(matches!(after.to_rfc3339(), Err(TimestampError::OutOfRange { .. })));
        assert_eq!(after.to_string(), "+10000-01-01T00:00:00.000Z");
        let before = Timestamp::from_unix_millis(-62_167_219_200_001);
        assert_eq!(before.to_string(), "-0001-12-31T23:59:59.999Z");
        assert_eq!(
            Timestamp::from_unix_millis(i64::MAX).to_string(),
            "+292278994-08-17T07:12:55.807Z"
        );
        assert!(Timestamp::from_unix_millis(i64::MIN).to_string().starts_with('-'));
    }

    #[test]
    fn parses_any_rfc3339() {
        let t = Timestamp::from_unix_millis(1_700_000_000_123);
        assert_eq!(ts("2023-11-14T22:13:20.123Z"), t);
        assert_eq!(ts("2023-11-14T22:13:20.123999999Z"), t);
        assert_eq!(ts("2023-11-14T22:13:20.1239Z"), t);
        assert_eq!(ts("2023-11-14t22:13:20.123z"), t);
        assert_eq!(ts("2023-11-15T00:13:20.123+02:00"), t);
        assert_eq!(ts("2023-11-14T22:13:20Z"), Timestamp::from_unix_millis(1_700_000_000_000));
        assert_eq!(ts("2023-11-14 22:13:20Z"), Timestamp::from_unix_millis(1_700_000_000_000));
        assert_eq!(ts("2023-11-14T22:13:20.1Z"), Timestamp::from_unix_millis(1_700_000_000_100));
        assert_eq!(ts("1969-12-31T23:59:59.9999Z"), Timestamp::from_unix_millis(-1));
        assert_eq!(ts("2016-12-31T23:59:60Z"), ts("2016-12-31T23:59:59.999Z"));
        for bad in [
            "",
            "2023-11-14",
            "2023-13-01T00:00:00.000Z",
            "2023-02-29T00:00:00.000Z",
            "2023-11-14T24:00:00.000Z",
            "2023-11-14T22:13:20.123",
            "not a date",
        ] {
            assert!(matches!(Timestamp::parse(bad), Err(TimestampError::Invalid { .. })), "{bad}");
        }
    }

    #[test]
    fn seconds_and_conversions() {
        assert_eq!(Timestamp::from_unix_millis(1_999).unix_seconds(), 1);
        assert_eq!(Timestamp::from_unix_millis(-1).unix_seconds(), -1);
        assert_eq!(Timestamp::from_unix_millis(-1_000).unix_seconds(), -1);
        assert_eq!(Timestamp::from_unix_millis(-1_001).unix_seconds(), -2);
        assert_eq!(Timestamp::from_unix_seconds(5).unix_millis(), 5_000);
        assert_eq!(Timestamp::from_unix_seconds(i64::MAX).unix_millis(), i64::MAX);

        let before = UNIX_EPOCH - Duration::from_micros(1_500);
        assert_eq!(Timestamp::from(before).unix_millis(), -2);
        let after = UNIX_EPOCH + Duration::from_micros(1_500);
        assert_eq!(Timestamp::from(after).unix_millis(), 1);
        let t = Timestamp::from_unix_millis(-123_456);
        assert_eq!(SystemTime::try_from(t).map(Timestamp::from), Ok(t));

        let odt = t.to_offset_date_time().unwrap();
        assert_eq!(odt.unix_timestamp(), -124);
        assert_eq!(Timestamp::from(odt), t);
        assert!(Timestamp::from_unix_millis(i64::MAX).to_offset_date_time().is_err());

        let now = Timestamp::now();
        assert!(now > ts("2024-01-01T00:00:00Z"));
        assert_eq!(
            t.checked_add(Duration::from_secs(1)),
            Some(Timestamp::from_unix_millis(-122_456))
        );
        assert_eq!(
            t.checked_sub(Duration::from_millis(4)),
            Some(Timestamp::from_unix_millis(-123_460))
        );
        assert_eq!(
            Timestamp::from_unix_millis(i64::MAX).checked_add(Duration::from_millis(1)),
            None
        );
    }

    #[test]
    fn ttl_fields() {
        let mut item = Item::new();
        let t = Timestamp::from_unix_millis(1_700_000_000_999);
        encode_ttl_field(&mut item, "a", &t).unwrap();
        encode_ttl_field(&mut item, "b", &Some(t)).unwrap();
        encode_ttl_field(&mut item, "c", &None::<Timestamp>).unwrap();
        encode_ttl_field(&mut item, "d", &42u32).unwrap();
        encode_ttl_field(&mut item, "e", &Some(-5i64)).unwrap();
        encode_ttl_field(&mut item, "f", &None::<u64>).unwrap();
        assert_eq!(item.len(), 4);
        assert_eq!(item["a"], AttributeValue::N(Number::from(1_700_000_000u32)));
        assert_eq!(item["b"], AttributeValue::N(Number::from(1_700_000_000u32)));
        assert_eq!(item["d"], AttributeValue::N(Number::from(42u8)));
        assert_eq!(item["e"], AttributeValue::N(Number::from(-5i8)));

        let whole = Timestamp::from_unix_seconds(1_700_000_000);
        assert_eq!(decode_ttl_field::<Timestamp>(&mut item.clone(), "a"), Ok(whole));
        assert_eq!(decode_ttl_field::<Option<Timestamp>>(&mut item.clone(), "b"), Ok(Some(whole)));
        assert_eq!(decode_ttl_field::<Option<Timestamp>>(&mut item.clone(), "c"), Ok(None));
        assert_eq!(decode_ttl_field::<u32>(&mut item.clone(), "d"), Ok(42));
        assert_eq!(decode_ttl_field::<Option<i64>>(&mut item.clone(), "e"), Ok(Some(-5)));
        assert_eq!(
            decode_ttl_field::<Timestamp>(&mut item.clone(), "c"),
            Err(DecodeError::missing().at_field("c"))
        );
        assert_eq!(
            decode_ttl_field::<u64>(&mut item.clone(), "e"),
            Err(DecodeError::new(DecodeErrorKind::NumberOutOfRange {
                value: "-5".into(),
                target: "u64"
            })
            .at_field("e"))
        );
        item.insert("s".into(), AttributeValue::S("x".into()));
        assert_eq!(
            decode_ttl_field::<Option<u64>>(&mut item, "s"),
            Err(DecodeError::type_mismatch("N", crate::value::AttributeType::S).at_field("s"))
        );
        item.insert("big".into(), AttributeValue::N(Number::from(i64::MAX)));
        assert!(decode_ttl_field::<Timestamp>(&mut item, "big").is_err());
        assert!(!item.contains_key("big"));
    }

    proptest! {
        #[test]
        fn text_round_trips_and_sorts_like_time(
            a in -62_167_219_200_000i64..253_402_300_800_000,
            b in -62_167_219_200_000i64..253_402_300_800_000,
        ) {
            let (x, y) = (Timestamp::from_unix_millis(a), Timestamp::from_unix_millis(b));
            let (tx, ty) = (x.to_string(), y.to_string());
            prop_assert_eq!(tx.len(), 24);
            prop_assert_eq!(tx.cmp(&ty), a.cmp(&b));
            prop_assert_eq!(Timestamp::parse(&tx), Ok(x));
            // The fast path and the `time` crate agree.
            let via_time = x.to_offset_date_time().map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(Timestamp::from(via_time), x);
            let formatted = via_time.format(&Rfc3339).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(Timestamp::parse(&formatted), Ok(x));
        }
    }
}
