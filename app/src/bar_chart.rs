//! The Present view drawn as SVG markup (a string: far lighter in the bundle than a typed
//! view per rectangle): one column per bar, its parts stacked in the stack's colours, each
//! column and part a link to the list of its workflows, value ticks on a linear or log axis.

use std::fmt::Write;

use crate::bars::{Bar, Dimension, Measure, Others, PresentView};
use crate::chart::{value_ticks, PALETTE};
use crate::format::thousands;
use crate::markup::escape;

/// Width of the drawing (SVG units); it scales to the page.
pub const WIDTH: f64 = 1100.0;
const TOP: f64 = 16.0;
const PLOT: f64 = 340.0;
/// Height of the drawing (SVG units).
pub const HEIGHT: f64 = TOP + PLOT + BELOW;
/// Room below the plot for the slanted labels.
const BELOW: f64 = 130.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 16.0;
/// Longest label drawn in full (the rest is in the title and the table).
const LABEL_CHARS: usize = 28;

/// Eight colours more after the charts' eight (Paul Tol's muted scheme): a stack has up to
/// twenty statuses, and a colour used twice in one bar says two things at once.
const MORE: [&str; 8] = ["#332288", "#88CCEE", "#44AA99", "#117733", "#999933", "#DDCC77", "#CC6677", "#882255"];

/// The colour of part key `i` (in [`part_keys`]' order); past sixteen they repeat.
pub fn part_colour(i: usize) -> &'static str {
    let i = i % (PALETTE.len() + MORE.len());
    PALETTE.get(i).copied().unwrap_or_else(|| MORE[i - PALETTE.len()])
}

/// How the columns are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Order {
    /// By key (the answer's order).
    #[default]
    Key,
    /// Largest first.
    Size,
}

impl Order {
    /// The URL value.
    pub fn as_str(self) -> &'static str {
        match self {
            Order::Key => "key",
            Order::Size => "size",
        }
    }
}

/// The view's own URL parameters beside the filter: `group`, `stack`, `measure`, `scale`
/// and `order`. A value the page does not know falls back to the default, as any view
/// parameter does (the filter's parameters are checked).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Params {
    /// The bars.
    pub group: Dimension,
    /// Their parts.
    pub stack: Option<Dimension>,
    /// Their heights.
    pub measure: Measure,
    /// A log axis.
    pub log: bool,
    /// Column order.
    pub order: Order,
}

impl Params {
    /// The parameters of a query string.
    pub fn from_query(search: &str) -> Params {
        let get = |name| crate::chart::param(search, name).unwrap_or_default();
        let group = Dimension::parse(&get("group")).unwrap_or(Dimension::Campaign);
        Params {
            group,
            stack: Dimension::parse(&get("stack")).filter(|s| *s != group),
            measure: Measure::parse(&get("measure")).unwrap_or_default(),
            log: get("scale") == "log",
            order: if get("order") == "size" { Order::Size } else { Order::Key },
        }
    }

    /// The query string of the parameters that differ from the defaults (without '?').
    pub fn to_query(self) -> String {
        let mut out = form_urlencoded::Serializer::new(String::new());
        out.append_pair("group", self.group.as_str());
        if let Some(s) = self.stack {
            out.append_pair("stack", s.as_str());
        }
        if self.measure != Measure::Workflows {
            out.append_pair("measure", self.measure.as_str());
        }
        if self.log {
            out.append_pair("scale", "log");
        }
        if self.order == Order::Size {
            out.append_pair("order", "size");
        }
        out.finish()
    }
}

/// The bars as a table (the chart's numbers exactly, for reading and for screen readers):
/// one row per column, its total and each part, every number a link to its workflows.
pub fn table(
    columns: &[Column<'_>],
    keys: &[&str],
    group: &str,
    part_href: &dyn Fn(&str, &str) -> Option<String>,
) -> String {
    let cell = |out: &mut String, n: i64, href: Option<String>| {
        let _ = match href {
            Some(h) => write!(out, r#"<td><a href="{}">{}</a></td>"#, escape(&h), thousands(n)),
            None => write!(out, "<td>{}</td>", thousands(n)),
        };
    };
    let mut out =
        format!(r#"<table class="bars"><thead><tr><th scope="col">{}</th><th scope="col">Total</th>"#, escape(group));
    for k in keys {
        let _ = write!(out, r#"<th scope="col">{}</th>"#, escape(k));
    }
    out.push_str("</tr></thead><tbody>");
    for c in columns {
        let _ = write!(out, r#"<tr><th scope="row">{}</th>"#, escape(&c.name));
        cell(&mut out, c.total, c.href.clone());
        for k in keys {
            let part = c.parts.iter().find(|p| p.key == *k);
            let href = c.href.as_ref().and_then(|_| part_href(&c.label, k)).filter(|_| part.is_some());
            cell(&mut out, part.map_or(0, |p| p.value), href);
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table>");
    out
}

/// Where a value sits on the axis, from 0 (bottom) to 1 (top).
struct Axis {
    max: f64,
    log: bool,
}

impl Axis {
    fn at(&self, v: f64) -> f64 {
        if self.log {
            (v.max(0.0) + 1.0).log10() / (self.max + 1.0).log10().max(1e-9)
        } else {
            v / self.max.max(1.0)
        }
    }

    fn y(&self, v: f64) -> f64 {
        TOP + PLOT * (1.0 - self.at(v).clamp(0.0, 1.0))
    }
}

/// How a key is shown: pMp's blocks as "block 3", an empty value as "(none)".
pub fn shown(dim: Dimension, key: &str) -> String {
    match (dim, key) {
        (_, "") => "(none)".to_owned(),
        (Dimension::PriorityBlock, k) => format!("block {k}"),
        (_, k) => k.to_owned(),
    }
}

/// A column to draw: its key, how it is shown, its total, its parts, and what a click opens.
pub struct Column<'a> {
    /// The bar's key ("others" for the folded ones).
    pub label: String,
    /// What the axis and the table say.
    pub name: String,
    /// Height.
    pub total: i64,
    /// Parts, bottom to top.
    pub parts: &'a [crate::bars::Part],
    /// The list of its workflows, if a filter can name it.
    pub href: Option<String>,
}

/// The columns of `v` in `order`, "others" last, named for `group`; `href(key)` links them.
pub fn columns<'a>(
    v: &'a PresentView,
    (order, group): (Order, Dimension),
    href: &dyn Fn(&str) -> Option<String>,
) -> Vec<Column<'a>> {
    let mut bars: Vec<&Bar> = v.bars.iter().collect();
    if order == Order::Size {
        bars.sort_by_key(|b| std::cmp::Reverse(b.total));
    }
    let column = |b: &'a Bar| Column {
        label: b.key.clone(),
        name: shown(group, &b.key),
        total: b.total,
        parts: &b.parts,
        href: href(&b.key),
    };
    let mut out: Vec<Column<'a>> = bars.into_iter().map(column).collect();
    if let Some(Others { bars, total, parts }) = &v.others {
        let label = format!("others ({bars})");
        out.push(Column { name: label.clone(), label, total: *total, parts, href: None });
    }
    out
}

/// Every part key, in the stack's key order: the same key keeps its colour in every column.
pub fn part_keys(v: &PresentView, stack: Option<Dimension>) -> Vec<&str> {
    let mut keys: Vec<&str> = Vec::new();
    let all = v.bars.iter().flat_map(|b| &b.parts).chain(v.others.iter().flat_map(|o| &o.parts));
    for p in all {
        if !keys.contains(&p.key.as_str()) {
            keys.push(&p.key);
        }
    }
    if let Some(dim) = stack {
        keys.sort_by(|a, b| crate::bars::key_order(dim, a).cmp(&crate::bars::key_order(dim, b)));
    }
    keys
}

fn label_of(text: &str) -> String {
    if text.chars().count() <= LABEL_CHARS {
        return text.to_owned();
    }
    let cut: String = text.chars().take(LABEL_CHARS - 1).collect();
    format!("{cut}…")
}

/// The chart; `unit` names the measure, `part_href(bar, part)` links a part.
pub fn svg(
    columns: &[Column<'_>],
    keys: &[&str],
    unit: &str,
    log: bool,
    part_href: &dyn Fn(&str, &str) -> Option<String>,
) -> String {
    let height = HEIGHT;
    let highest = columns.iter().map(|c| c.total.max(c.parts.iter().map(|p| p.value).sum())).max().unwrap_or(0);
    let axis = Axis { max: highest.max(1) as f64 * if log { 1.0 } else { 1.05 }, log };
    let mut out = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" role="group" aria-label="{}" font-family="sans-serif" font-size="11"><rect width="{WIDTH}" height="{height}" fill="#fff"/>"##,
        escape(&format!("Bars of {unit}"))
    );
    for (value, label) in value_ticks(axis.max, log) {
        let y = axis.y(value);
        let _ = write!(
            out,
            r##"<line x1="{LEFT}" x2="{x2}" y1="{y:.1}" y2="{y:.1}" stroke="#e5e7eb"/><text class="tick" x="{tx}" y="{ty:.1}" text-anchor="end">{label}</text>"##,
            x2 = WIDTH - RIGHT,
            tx = LEFT - 6.0,
            ty = y + 4.0
        );
    }
    let slot = (WIDTH - LEFT - RIGHT) / columns.len().max(1) as f64;
    let width = (slot * 0.7).min(60.0);
    for (i, c) in columns.iter().enumerate() {
        let x = LEFT + slot * i as f64 + (slot - width) / 2.0;
        column(&mut out, c, (x, width), &axis, keys, unit, part_href);
        let (lx, ly) = (x + width / 2.0, TOP + PLOT + 12.0);
        let _ = write!(
            out,
            r#"<text class="bar-label" x="{lx:.1}" y="{ly:.1}" text-anchor="end" transform="rotate(-40 {lx:.1} {ly:.1})">{}</text>"#,
            escape(&label_of(&c.name))
        );
    }
    let _ = write!(
        out,
        r##"<path d="M{LEFT} {TOP}V{b}H{r}" fill="none" stroke="#475569"/><text x="12" y="{m}" transform="rotate(-90 12 {m})" text-anchor="middle">{}</text></svg>"##,
        escape(unit),
        b = TOP + PLOT,
        r = WIDTH - RIGHT,
        m = TOP + PLOT / 2.0
    );
    out
}

/// One column: a link around its rectangle (one per part when stacked), titled with its value.
fn column(
    out: &mut String,
    c: &Column<'_>,
    (x, width): (f64, f64),
    axis: &Axis,
    keys: &[&str],
    unit: &str,
    part_href: &dyn Fn(&str, &str) -> Option<String>,
) {
    let rect = |out: &mut String, lo: i64, hi: i64, fill: &str, title: &str, href: Option<String>, attrs: &str| {
        let (y0, y1) = (axis.y(lo as f64), axis.y(hi as f64));
        let shape = format!(
            r#"<rect x="{x:.1}" y="{y1:.1}" width="{width:.1}" height="{h:.1}" fill="{fill}"{attrs}><title>{t}</title></rect>"#,
            h = (y0 - y1).max(0.0),
            t = escape(title)
        );
        let _ = match href {
            Some(h) => write!(out, r#"<a href="{}" aria-label="{}">{shape}</a>"#, escape(&h), escape(title)),
            None => write!(out, "{shape}"),
        };
    };
    let data = format!(r#" data-bar="{}""#, escape(&c.label));
    if c.parts.is_empty() {
        let title = format!("{}: {} {unit}", c.name, thousands(c.total));
        rect(out, 0, c.total, part_colour(0), &title, c.href.clone(), &data);
        return;
    }
    let mut lower = 0i64;
    for p in c.parts {
        let at = keys.iter().position(|k| *k == p.key).unwrap_or(0);
        let upper = lower.saturating_add(p.value);
        let title = format!("{} · {}: {} {unit}", c.name, p.key, thousands(p.value));
        let href = c.href.as_ref().and_then(|_| part_href(&c.label, &p.key));
        let attrs = format!(r#"{data} data-part="{}""#, escape(&p.key));
        rect(out, lower, upper, part_colour(at), &title, href, &attrs);
        lower = upper;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bars::Part;

    fn view() -> PresentView {
        let bar = |key: &str, parts: &[(&str, i64)]| Bar {
            key: key.into(),
            total: parts.iter().map(|p| p.1).sum(),
            parts: parts.iter().map(|(k, v)| Part { key: (*k).into(), value: *v }).collect(),
        };
        PresentView {
            bars: vec![bar("a<b", &[("x", 3), ("y", 5)]), bar("c", &[("y", 20)])],
            others: Some(Others { bars: 3, total: 2, parts: vec![Part { key: "z".into(), value: 2 }] }),
            matching: 30,
            ..PresentView::default()
        }
    }

    #[test]
    fn columns_follow_the_order_and_keep_colours_per_key() {
        let v = view();
        let href = |k: &str| Some(format!("/list?c={k}"));
        let by_size: Vec<String> =
            columns(&v, (Order::Size, Dimension::Campaign), &href).into_iter().map(|c| c.label).collect();
        assert_eq!(by_size, ["c", "a<b", "others (3)"]);
        assert_eq!(part_keys(&v, None), ["x", "y", "z"]);
        let cols = columns(&v, (Order::Key, Dimension::Campaign), &href);
        assert_eq!(cols[2].href, None, "the folded bars open no list");
        let markup = svg(&cols, &part_keys(&v, None), "workflows", false, &|b, p| Some(format!("/l?{b}&{p}")));
        assert!(markup.contains("a&lt;b") && !markup.contains("a<b"), "labels are escaped");
        assert_eq!(markup.matches("<rect x=").count(), 4, "one rectangle per part");
        assert_eq!(markup.matches("<a href=").count(), 3, "parts of real bars are links");
        assert!(svg(&cols, &part_keys(&v, None), "workflows", true, &|_, _| None).contains("<svg"));
        let t = table(&cols, &part_keys(&v, None), "campaign", &|b, p| Some(format!("/l?{b}&{p}")));
        assert_eq!(t.matches("<tr>").count(), 4, "a header and three columns");
        assert!(t.contains(r#"<td><a href="/l?c&amp;y">20</a></td>"#), "{t}");
    }

    #[test]
    fn blocks_and_empty_values_are_named() {
        assert_eq!(shown(Dimension::PriorityBlock, "3"), "block 3");
        assert_eq!(shown(Dimension::Status, ""), "(none)");
        assert_eq!(shown(Dimension::Campaign, "Run3"), "Run3");
    }

    #[test]
    fn params_fall_back_to_defaults_and_round_trip() {
        let p = Params::from_query("campaign=C&group=tier&stack=tier&measure=produced&scale=log&order=size");
        assert_eq!(
            (p.group, p.stack, p.measure, p.log, p.order),
            (Dimension::Tier, None, Measure::Produced, true, Order::Size)
        );
        assert_eq!(Params::from_query(&p.to_query()), p);
        let d = Params::from_query("group=nonsense&measure=lumis");
        assert_eq!((d.group, d.measure), (Dimension::Campaign, Measure::Workflows));
    }
}
