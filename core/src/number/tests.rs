//! Unit tests of exact numbers: parsing, canonical text, ordering, conversions.

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
    assert_eq!(u8::try_from(&n("256")), Err(NumberRangeError { value: n("256"), target: "u8" }));
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
