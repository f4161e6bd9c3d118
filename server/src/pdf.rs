//! Vector PDF of a chart, from the very SVG markup the browser draws (`app::draw`,
//! `app::bar_chart`): one page with a title above the chart and a stamp below it. Only what
//! our charts use is understood (`rect`, `line`, `path` with M/L/H/V/Z, `text` with an
//! anchor and a rotation, one clip rectangle); text stays text in the PDF's standard
//! Helvetica, so it needs no font file (the container image has none) and `pdftotext` reads
//! it. Colours with an opacity are blended with the white page.

use std::collections::HashMap;
use std::fmt::Write;

/// Room above the chart for the title, and below it for the stamp (points).
const TITLE_BAND: f64 = 34.0;
const STAMP_BAND: f64 = 22.0;

/// One element of the markup: its name, attributes, and its text (for `text`).
struct Element<'a> {
    name: &'a str,
    attrs: HashMap<&'a str, String>,
    text: String,
    closing: bool,
}

/// Replaces the five XML entities and numeric references our markup writes.
fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        let end = tail.find(';').unwrap_or(0);
        let entity = &tail[..=end];
        let c = match entity {
            "&amp;" => Some('&'),
            "&lt;" => Some('<'),
            "&gt;" => Some('>'),
            "&quot;" => Some('"'),
            "&#39;" | "&apos;" => Some('\''),
            e if e.starts_with("&#") => e[2..e.len() - 1].parse::<u32>().ok().and_then(char::from_u32),
            _ => None,
        };
        match c {
            Some(c) => {
                out.push(c);
                rest = &tail[end + 1..];
            }
            None => {
                out.push('&');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The elements of `svg` in document order (closing tags included, as `closing`).
fn elements(svg: &str) -> Vec<Element<'_>> {
    let mut out = Vec::new();
    let mut rest = svg;
    while let Some(start) = rest.find('<') {
        let Some(end) = rest[start..].find('>').map(|e| start + e) else { break };
        let tag = &rest[start + 1..end];
        let after = &rest[end + 1..];
        let text = after.find('<').map_or("", |n| &after[..n]);
        rest = after;
        let closing = tag.starts_with('/');
        let tag = tag.trim_start_matches('/').trim_end_matches('/');
        let name = tag.split_whitespace().next().unwrap_or("");
        let mut attrs = HashMap::new();
        let mut a = &tag[name.len()..];
        while let Some(eq) = a.find("=\"") {
            let key = a[..eq].trim();
            let Some(close) = a[eq + 2..].find('"') else { break };
            attrs.insert(key, unescape(&a[eq + 2..eq + 2 + close]));
            a = &a[eq + 3 + close..];
        }
        out.push(Element { name, attrs, text: unescape(text), closing });
    }
    out
}

/// An `#rrggbb` colour as PDF's 0–1 components, blended with white by `opacity`.
fn rgb(colour: &str, opacity: f64) -> Option<String> {
    let hex = colour.strip_prefix('#')?;
    let hex = if hex.len() == 3 { hex.chars().flat_map(|c| [c, c]).collect() } else { hex.to_owned() };
    let v = u32::from_str_radix(&hex, 16).ok()?;
    let c = |shift: u32| 1.0 - opacity * (1.0 - f64::from((v >> shift) & 0xff) / 255.0);
    Some(format!("{:.3} {:.3} {:.3}", c(16), c(8), c(0)))
}

/// Helvetica's advance width of a character, in thousandths of the font size (near enough
/// to place a centred or right-aligned label).
fn width(c: char) -> f64 {
    match c {
        'i' | 'j' | 'l' | '\'' | '|' => 222.0,
        ' ' | '.' | ',' | ':' | ';' | 'f' | 't' | 'I' | '/' | '!' | '[' | ']' => 278.0,
        'r' | '-' | '(' | ')' => 333.0,
        'm' | 'M' => 833.0,
        'w' => 722.0,
        'W' => 944.0,
        '%' => 889.0,
        c if c.is_ascii_uppercase() => 667.0,
        _ => 556.0,
    }
}

/// `text` as a PDF string in WinAnsi encoding (what has no place there becomes `?`).
fn pdf_string(text: &str) -> Vec<u8> {
    let mut out = vec![b'('];
    for c in text.chars() {
        let b = match c {
            '(' | ')' | '\\' => {
                out.push(b'\\');
                c as u8
            }
            ' '..='~' => c as u8,
            '…' => 0x85,
            '–' => 0x96,
            '—' => 0x97,
            '‘' => 0x91,
            '’' => 0x92,
            '“' => 0x93,
            '”' => 0x94,
            '•' => 0x95,
            '\u{a0}'..='\u{ff}' => c as u32 as u8,
            '≈' => b'~',
            _ => b'?',
        };
        out.push(b);
    }
    out.push(b')');
    out
}

fn num(e: &Element<'_>, key: &str) -> f64 {
    e.attrs.get(key).and_then(|v| v.trim().parse().ok()).unwrap_or(0.0)
}

/// The drawing operators, in PDF coordinates (origin at the bottom left).
struct Page {
    ops: Vec<u8>,
    /// The chart's height: SVG y becomes `height - y`.
    height: f64,
    clips: HashMap<String, (f64, f64, f64, f64)>,
}

impl Page {
    fn y(&self, y: f64) -> f64 {
        STAMP_BAND + self.height - y
    }

    fn op(&mut self, s: &str) {
        self.ops.extend_from_slice(s.as_bytes());
        self.ops.push(b'\n');
    }

    /// Fill and stroke state of an element; `None` when it paints nothing.
    fn paint(&mut self, e: &Element<'_>, default_fill: Option<&str>) -> Option<&'static str> {
        let opacity = e.attrs.get("fill-opacity").and_then(|o| o.parse().ok()).unwrap_or(1.0);
        let fill = e.attrs.get("fill").map(String::as_str).or(default_fill).filter(|f| *f != "none");
        let stroke = e.attrs.get("stroke").map(String::as_str).filter(|s| *s != "none");
        let fill = fill.and_then(|f| rgb(f, opacity));
        let stroke = stroke.and_then(|s| rgb(s, 1.0));
        let dash = e.attrs.get("stroke-dasharray").map_or_else(|| "[] 0 d".to_owned(), |d| format!("[{d}] 0 d"));
        let w = e.attrs.get("stroke-width").and_then(|w| w.parse().ok()).unwrap_or(1.0f64);
        if let Some(f) = &fill {
            self.op(&format!("{f} rg"));
        }
        if let Some(s) = &stroke {
            self.op(&format!("{s} RG {w:.2} w {dash}"));
        }
        match (fill.is_some(), stroke.is_some()) {
            (true, true) => Some("B"),
            (true, false) => Some("f"),
            (false, true) => Some("S"),
            (false, false) => None,
        }
    }

    fn rect(&mut self, e: &Element<'_>) {
        let (x, y, w, h) = (num(e, "x"), num(e, "y"), num(e, "width"), num(e, "height"));
        let class = e.attrs.get("class").map_or("", String::as_str);
        let default = if class.contains("hbar") { Some("#4c78a8") } else { Some("#000000") };
        if let Some(paint) = self.paint(e, default) {
            self.op(&format!("{x:.2} {:.2} {w:.2} {h:.2} re {paint}", self.y(y + h)));
        }
    }

    fn line(&mut self, e: &Element<'_>) {
        let mut e2 = Element { name: e.name, attrs: e.attrs.clone(), text: String::new(), closing: false };
        e2.attrs.entry("stroke").or_insert_with(|| "#475569".to_owned());
        if let Some(paint) = self.paint(&e2, None) {
            let (x1, y1, x2, y2) = (num(e, "x1"), num(e, "y1"), num(e, "x2"), num(e, "y2"));
            self.op(&format!("{x1:.2} {:.2} m {x2:.2} {:.2} l {paint}", self.y(y1), self.y(y2)));
        }
    }

    fn path(&mut self, e: &Element<'_>) {
        let Some(d) = e.attrs.get("d") else { return };
        let Some(paint) = self.paint(e, Some("#000000")) else { return };
        let (mut x, mut y) = (0.0, 0.0);
        let mut out = String::new();
        let mut chars = d.chars().peekable();
        let read = |chars: &mut std::iter::Peekable<std::str::Chars<'_>>| -> f64 {
            let mut s = String::new();
            while chars.peek().is_some_and(|c| c.is_whitespace() || *c == ',') {
                chars.next();
            }
            while let Some(&c) = chars.peek().filter(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | 'e')) {
                s.push(c);
                chars.next();
            }
            s.parse().unwrap_or(0.0)
        };
        while let Some(c) = chars.next() {
            match c {
                'M' | 'L' => {
                    (x, y) = (read(&mut chars), read(&mut chars));
                    let _ = write!(out, "{x:.2} {:.2} {} ", self.y(y), if c == 'M' { "m" } else { "l" });
                }
                'H' => {
                    x = read(&mut chars);
                    let _ = write!(out, "{x:.2} {:.2} l ", self.y(y));
                }
                'V' => {
                    y = read(&mut chars);
                    let _ = write!(out, "{x:.2} {:.2} l ", self.y(y));
                }
                'Z' | 'z' => out.push_str("h "),
                _ => {}
            }
        }
        self.op(&format!("{out}{paint}"));
    }

    fn text(&mut self, e: &Element<'_>) {
        let text = e.text.trim();
        if text.is_empty() {
            return;
        }
        let size = e.attrs.get("font-size").and_then(|s| s.parse().ok()).unwrap_or(11.0f64);
        let advance = text.chars().map(width).sum::<f64>() * size / 1000.0;
        let shift = match e.attrs.get("text-anchor").map(String::as_str) {
            Some("middle") => advance / 2.0,
            Some("end") => advance,
            _ => 0.0,
        };
        let angle = e
            .attrs
            .get("transform")
            .and_then(|t| t.strip_prefix("rotate(")?.split_whitespace().next()?.parse::<f64>().ok())
            .unwrap_or(0.0);
        let (sin, cos) = (-angle).to_radians().sin_cos();
        let (x, y) = (num(e, "x"), self.y(num(e, "y")));
        let (x, y) = (x - shift * cos, y - shift * sin);
        let colour = e.attrs.get("fill").and_then(|f| rgb(f, 1.0)).unwrap_or_else(|| "0.2 0.25 0.33".to_owned());
        self.op(&format!("BT {colour} rg /F1 {size:.1} Tf {cos:.4} {sin:.4} {:.4} {cos:.4} {x:.2} {y:.2} Tm", -sin));
        self.ops.extend(pdf_string(text));
        self.op(" Tj ET");
    }
}

/// The PDF of chart `svg` (its width and height in SVG units, taken as points), with
/// `title` above and `stamp` below.
pub fn from_svg(svg: &str, title: &str, stamp: &str) -> Vec<u8> {
    let all = elements(svg);
    let root = all.iter().find(|e| e.name == "svg");
    let view = root
        .and_then(|r| r.attrs.get("viewBox"))
        .map(|v| v.split_whitespace().filter_map(|n| n.parse().ok()).collect::<Vec<f64>>());
    let (w, h) = match view.as_deref() {
        Some([_, _, w, h]) => (*w, *h),
        _ => (800.0, 400.0),
    };
    let mut page = Page { ops: Vec::new(), height: h, clips: HashMap::new() };
    draw(&mut page, &all);
    let heading = Element {
        name: "text",
        attrs: HashMap::from([
            ("x", "8".to_owned()),
            ("y", format!("{:.1}", -TITLE_BAND / 2.0)),
            ("font-size", "14".to_owned()),
        ]),
        text: title.to_owned(),
        closing: false,
    };
    page.text(&heading);
    let footer = Element {
        name: "text",
        attrs: HashMap::from([
            ("x", "8".to_owned()),
            ("y", format!("{:.1}", h + STAMP_BAND - 8.0)),
            ("font-size", "9".to_owned()),
        ]),
        text: stamp.to_owned(),
        closing: false,
    };
    page.text(&footer);
    document(&page.ops, (w, h + TITLE_BAND + STAMP_BAND), title)
}

/// Every element, with the clip rectangle of a `g` applied to its children.
fn draw(page: &mut Page, all: &[Element<'_>]) {
    let mut clip_id: Option<String> = None;
    for e in all {
        match (e.name, e.closing) {
            ("clipPath", false) => clip_id = e.attrs.get("id").cloned(),
            ("clipPath", true) => clip_id = None,
            ("rect", false) if clip_id.is_some() => {
                let rect = (num(e, "x"), num(e, "y"), num(e, "width"), num(e, "height"));
                page.clips.insert(clip_id.clone().unwrap_or_default(), rect);
            }
            ("g", false) => {
                page.op("q");
                let id =
                    e.attrs.get("clip-path").map(|c| c.trim_start_matches("url(#").trim_end_matches(')').to_owned());
                if let Some((x, y, w, h)) = id.and_then(|id| page.clips.get(&id).copied()) {
                    page.op(&format!("{x:.2} {:.2} {w:.2} {h:.2} re W n", page.y(y + h)));
                }
            }
            ("g", true) => page.op("Q"),
            // A `title` (a hover text) is not drawn: only `text` is.
            ("rect", false) => page.rect(e),
            ("line", false) => page.line(e),
            ("path", false) => page.path(e),
            ("text", false) => page.text(e),
            _ => {}
        }
    }
}

/// The file: catalog, pages, one page, its content, the font, the document info.
fn document(content: &[u8], (w, h): (f64, f64), title: &str) -> Vec<u8> {
    let mut objects: Vec<Vec<u8>> = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        format!("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {w:.0} {h:.0}] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>").into_bytes(),
    ];
    let mut stream = format!("<< /Length {} >>\nstream\n", content.len()).into_bytes();
    stream.extend_from_slice(content);
    stream.extend_from_slice(b"\nendstream");
    objects.push(stream);
    objects.push(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>".to_vec());
    let mut info = b"<< /Producer (Stats2) /Title ".to_vec();
    info.extend(pdf_string(title));
    info.extend_from_slice(b" >>");
    objects.push(info);
    let mut out = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend(format!("{} 0 obj\n", i + 1).into_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).into_bytes());
    for o in offsets {
        out.extend(format!("{o:010} 00000 n \n").into_bytes());
    }
    out.extend(
        format!("trailer\n<< /Size {} /Root 1 0 R /Info 6 0 R >>\nstartxref\n{xref}\n%%EOF\n", objects.len() + 1)
            .into_bytes(),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_becomes_a_pdf_with_its_text_as_text() {
        let svg = r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 100"><defs><clipPath id="c"><rect x="0" y="0" width="100" height="50"/></clipPath></defs><rect width="200" height="100" fill="#fff"/><g clip-path="url(#c)"><path d="M10 90H50V40" fill="none" stroke="#0072B2"/></g><line x1="0" y1="0" x2="10" y2="10" stroke-dasharray="4 4"/><text x="100" y="50" text-anchor="middle" transform="rotate(-90 100 50)">A &amp; B (1)</text><rect class="hbar" x="1" y="2" width="3" height="4"><title>not drawn as text</title></rect></svg>"##;
        let pdf = from_svg(svg, "Title", "Stats2 · stamp");
        let text = String::from_utf8_lossy(&pdf);
        assert!(text.starts_with("%PDF-1.4") && text.trim_end().ends_with("%%EOF"));
        assert!(text.contains("(A & B \\(1\\)) Tj") && text.contains("(Title) Tj"));
        assert!(text.contains("re W n") && text.contains("[4 4] 0 d"));
        assert!(!text.contains("not drawn"));
        assert!(
            pdf.windows(3).any(|w| w == [b'S', b't', b'a']) && pdf.contains(&0xB7),
            "the stamp's middle dot in WinAnsi"
        );
        let xref = text.rfind("startxref\n").unwrap();
        let at: usize = text[xref + 10..].lines().next().unwrap().parse().unwrap();
        assert_eq!(&pdf[at..at + 4], b"xref", "startxref points at the table");
    }
}
