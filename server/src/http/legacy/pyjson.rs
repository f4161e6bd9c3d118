//! JSON exactly as Python's `json.dumps(value, indent=2, sort_keys=True)` writes it (A6), and
//! the compact `sort_keys` form of the update answers (A12): what scripts reading the original
//! service compare byte for byte.

use std::fmt::Write;

use serde_json::Value;

/// `json.dumps(v, indent=2, sort_keys=True)`: no final newline.
pub fn dumps_indented(v: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, v, Some(0));
    out
}

/// One item of an indented array written piece by piece: what `dumps_indented` of the whole
/// array writes before the item (`[` or `,`, then a new line), and the item itself.
pub fn indented_item(out: &mut String, v: &Value, first: bool) {
    out.push(if first { '[' } else { ',' });
    newline(out, 1);
    write_value(out, v, Some(1));
}

/// The end of an indented array written piece by piece: `[]` when it had no item.
pub fn indented_end(out: &mut String, empty: bool) {
    out.push_str(if empty { "[]" } else { "\n]" });
}

/// Flask's `jsonify` outside debug mode: sorted keys, `,` and `:` without spaces, one line.
pub fn dumps_compact(v: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, v, None);
    out
}

fn newline(out: &mut String, level: usize) {
    out.push('\n');
    for _ in 0..level {
        out.push_str("  ");
    }
}

fn write_value(out: &mut String, v: &Value, indent: Option<usize>) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            if n.is_f64() {
                out.push_str(&float_repr(n.as_f64().unwrap_or(0.0)));
            } else {
                out.push_str(&n.to_string());
            }
        }
        Value::String(s) => write_string(out, s),
        Value::Array(items) => {
            if items.is_empty() {
                out.push_str("[]");
                return;
            }
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                separator(out, i, indent);
                write_value(out, item, indent.map(|l| l + 1));
            }
            close(out, indent);
            out.push(']');
        }
        Value::Object(map) => {
            if map.is_empty() {
                out.push_str("{}");
                return;
            }
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                separator(out, i, indent);
                write_string(out, k);
                out.push_str(if indent.is_some() { ": " } else { ":" });
                write_value(out, &map[k], indent.map(|l| l + 1));
            }
            close(out, indent);
            out.push('}');
        }
    }
}

fn separator(out: &mut String, i: usize, indent: Option<usize>) {
    match indent {
        Some(level) => {
            if i > 0 {
                out.push(',');
            }
            newline(out, level + 1);
        }
        None if i > 0 => out.push(','),
        None => {}
    }
}

fn close(out: &mut String, indent: Option<usize>) {
    if let Some(level) = indent {
        newline(out, level);
    }
}

/// `ensure_ascii`: everything outside 0x20–0x7E escaped, astral characters as surrogate pairs.
fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            ' '..='~' => out.push(c),
            _ => {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{u:04x}");
                }
            }
        }
    }
    out.push('"');
}

/// Python's `repr(float)`: the shortest digits that round-trip, in fixed notation when the
/// decimal exponent is in -4..16, else as `<digits>e<sign><2+ digits>`.
pub fn float_repr(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "Infinity".into() } else { "-Infinity".into() };
    }
    // Rust's `{:e}` gives the shortest round-trip digits, e.g. "1.5e16", "-2e0", "1e-5".
    let sci = format!("{f:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let (sign, mantissa) = mantissa.strip_prefix('-').map_or(("", mantissa), |m| ("-", m));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    if (-4..16).contains(&exp) {
        let point = exp + 1; // digits before the decimal point
        let body = if point <= 0 {
            format!("0.{}{digits}", "0".repeat((-point) as usize))
        } else if (point as usize) >= digits.len() {
            format!("{digits}{}.0", "0".repeat(point as usize - digits.len()))
        } else {
            format!("{}.{}", &digits[..point as usize], &digits[point as usize..])
        };
        format!("{sign}{body}")
    } else {
        let m = if digits.len() > 1 { format!("{}.{}", &digits[..1], &digits[1..]) } else { digits };
        format!("{sign}{m}e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_array_written_item_by_item_is_the_same_bytes() {
        let items =
            [serde_json::json!({"b": [1, {"c": null}], "a": "x"}), serde_json::json!([]), serde_json::json!(2.5)];
        for n in 0..=items.len() {
            let mut out = String::new();
            for (i, v) in items[..n].iter().enumerate() {
                super::indented_item(&mut out, v, i == 0);
            }
            super::indented_end(&mut out, n == 0);
            assert_eq!(out, super::dumps_indented(&serde_json::Value::Array(items[..n].to_vec())));
        }
    }

    use super::*;
    use serde_json::json;

    /// Expected text printed by CPython 3.11's json.dumps(indent=2, sort_keys=True).
    const PYTHON: &str = r#"{
  "a": {},
  "b": [
    1,
    2.0,
    {
      "x": []
    }
  ],
  "f": 1e-05,
  "g": 1e+16,
  "h": 123456789.125,
  "i": -0.0,
  "j": 1.5e+300,
  "k": 0.0001,
  "l": 12345678901234567890,
  "m": 1000000000000000.0,
  "n": null,
  "o": 2.5e-05,
  "t": true,
  "\u00e9": "\u00fc\u2603\ud83d\ude00\"\\\n\r\t\b\f\u0001\u007f"
}"#;

    #[test]
    fn a6_matches_python_byte_for_byte() {
        let v: Value = serde_json::from_str(
            r#"{"b":[1,2.0,{"x":[]}],"a":{},"é":"ü☃😀\"\\\n\r\t\b\f\u0001","n":null,"t":true,"f":1e-05,"g":1e16,
               "h":123456789.125,"i":-0.0,"j":1.5e300,"k":0.0001,"l":12345678901234567890,"m":1e15,"o":2.5e-5}"#
                .replace("\\u0001\"", "\\u0001\\u007f\"")
                .as_str(),
        )
        .unwrap();
        assert_eq!(dumps_indented(&v), PYTHON);
    }

    #[test]
    fn empty_containers_and_compact_form() {
        assert_eq!(dumps_indented(&json!([])), "[]");
        assert_eq!(dumps_indented(&json!({})), "{}");
        assert_eq!(dumps_indented(&json!([[]])), "[\n  []\n]");
        assert_eq!(dumps_compact(&json!({"msg": "a", "b": [1, 2]})), r#"{"b":[1,2],"msg":"a"}"#);
    }

    #[test]
    fn float_repr_like_python() {
        for (f, s) in [
            (0.1, "0.1"),
            (100.0, "100.0"),
            (1e-4, "0.0001"),
            (1.2345e-7, "1.2345e-07"),
            (9.999e15, "9999000000000000.0"),
            (-3.5e22, "-3.5e+22"),
            (0.0, "0.0"),
        ] {
            assert_eq!(float_repr(f), s, "{f}");
        }
    }
}
