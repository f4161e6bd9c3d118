//! The history chart as SVG markup, from the geometry of `crate::chart`: grid and ticks,
//! status transitions with their labels in rows above the plot, the expected total, one step
//! line per dataset in its own colour (status as the line style), dashed forecasts, and the
//! zoom selection. Written as one string (a few format calls weigh far less in the browser
//! bundle than a typed view per element) that is the page's picture and the SVG download.

use std::fmt::Write;

use crate::chart::{colour, dash, spread, step_path, time_ticks, value_ticks, values_at, Frame, Label};
use crate::format::thousands;
use crate::history::HistoryView;
use crate::markup::escape;

const GRID: &str = "#e5e7eb";
const MUTED: &str = "#475569";
const EXPECTED: &str = "#9a9a9a";

fn axes(out: &mut String, f: &Frame, unit: &str) {
    for (t, label) in time_ticks(f.t0, f.t1, f.time_tick_room()) {
        let x = f.x(t);
        let anchor = f.tick_anchor(x, &label);
        let _ = write!(
            out,
            r#"<line x1="{x:.1}" x2="{x:.1}" y1="{:.1}" y2="{:.1}" stroke="{GRID}"/><text class="tick" x="{x:.1}" y="{:.1}" text-anchor="{anchor}">{label}</text>"#,
            f.top,
            f.bottom,
            f.bottom + 16.0
        );
    }
    for (v, label) in value_ticks(f.ymax, f.log) {
        let y = f.y(v as i64);
        let _ = write!(
            out,
            r#"<line x1="{:.1}" x2="{:.1}" y1="{y:.1}" y2="{y:.1}" stroke="{GRID}"/><text class="tick" x="{:.1}" y="{:.1}" text-anchor="end">{label}</text>"#,
            f.left,
            f.right,
            f.left - 6.0,
            y + 4.0
        );
    }
    let mid = f.top + (f.bottom - f.top) / 2.0;
    let _ = write!(
        out,
        r#"<path d="M{l:.1} {t:.1}V{b:.1}H{r:.1}" fill="none" stroke="{MUTED}"/><text class="tick" x="{r:.1}" y="{:.1}" text-anchor="end">UTC</text><text class="tick" x="14" y="{mid:.1}" text-anchor="middle" transform="rotate(-90 14 {mid:.1})">{unit}</text>"#,
        f.bottom + 34.0,
        l = f.left,
        t = f.top,
        b = f.bottom,
        r = f.right
    );
}

fn transitions(out: &mut String, v: &HistoryView, f: &Frame, labels: &[Label]) {
    let shown: Vec<_> = v.transitions.iter().filter(|t| t.time >= f.t0 && t.time <= f.t1).collect();
    for l in labels {
        let Some(t) = shown.get(l.index) else { continue };
        let y = 18.0 + l.row as f64 * 15.0;
        let _ = write!(
            out,
            r##"<line class="transition" x1="{x:.1}" x2="{x:.1}" y1="{:.1}" y2="{:.1}" stroke="#c7c7dc"/><text class="transition" x="{:.1}" y="{y:.1}">{}</text>"##,
            y - 10.0,
            f.bottom,
            l.text_x + 2.0,
            escape(&t.status),
            x = l.x
        );
    }
}

/// The dashed expected-total lines (the workflow's, or each tier's in its colour) with their
/// labels at the right edge, moved apart so none prints over another.
fn expected_lines(out: &mut String, v: &HistoryView, f: &Frame) {
    let lines: Vec<(i64, &str, String)> = if v.aggregate {
        let each = v.series.iter().enumerate().filter_map(|(i, s)| Some((s.expected?, i, &s.dataset)));
        each.map(|(e, i, name)| (e, colour(i), format!("{name} expected"))).collect()
    } else {
        vec![(v.expected, EXPECTED, "expected".to_owned())]
    };
    let lines: Vec<_> = lines.into_iter().filter(|(e, ..)| *e > 0 && f.y(*e) > f.top).collect();
    let ys: Vec<f64> = lines.iter().map(|(e, ..)| f.y(*e) - 5.0).collect();
    let label_ys = spread(&ys, 13.0, f.top + 11.0, f.bottom - 4.0);
    for ((value, colour, label), ly) in lines.iter().zip(label_ys) {
        let y = f.y(*value);
        let _ = write!(
            out,
            r##"<line class="expected" x1="{:.1}" x2="{:.1}" y1="{y:.1}" y2="{y:.1}" stroke="{colour}" stroke-width="2" stroke-dasharray="8 5"/><text class="tick expected-label" x="{:.1}" y="{ly:.1}" text-anchor="end" paint-order="stroke" stroke="#fff" stroke-width="3">{} {}</text>"##,
            f.left,
            f.right,
            f.right - 4.0,
            escape(label),
            thousands(*value)
        );
    }
}

/// Where a forecast's line ends: at its completion, or where it leaves the window on the way.
fn forecast_end(f: &Frame, from: (i64, i64), eta: i64, target: i64) -> (f64, f64) {
    if eta <= f.t1 || eta <= from.0 {
        return (f.x(eta), f.y(target));
    }
    let share = (f.t1 - from.0) as f64 / (eta - from.0) as f64;
    let value = from.1 as f64 + share * (target - from.1) as f64;
    (f.x(f.t1), f.y(value.round() as i64))
}

fn lines(out: &mut String, v: &HistoryView, f: &Frame) {
    expected_lines(out, v, f);
    for (i, s) in v.series.iter().enumerate() {
        let style = if v.aggregate { None } else { dash(&s.status) };
        let dashes = style.map(|d| format!(r#" stroke-dasharray="{d}""#)).unwrap_or_default();
        let _ = write!(
            out,
            r#"<path class="series" data-dataset="{}" d="{}" fill="none" stroke="{}" stroke-width="2"{dashes}/>"#,
            escape(&s.dataset),
            step_path(&s.points, f),
            colour(i)
        );
        let target = s.expected.filter(|_| v.aggregate).unwrap_or(v.expected);
        if let (Some(eta), Some(last)) = (s.forecast.eta, s.points.last()) {
            if target > 0 && last.0 <= f.t1 {
                let (x2, y2) = forecast_end(f, *last, eta, target);
                let _ = write!(
                    out,
                    r#"<line class="forecast" x1="{:.1}" y1="{:.1}" x2="{x2:.1}" y2="{y2:.1}" stroke="{}" stroke-width="1.2" stroke-dasharray="4 4"/>"#,
                    f.x(last.0),
                    f.y(last.1),
                    colour(i)
                );
            }
        }
    }
}

/// The whole drawing of `v` in frame `f` as an `<svg>` element; `selection` is a zoom being
/// dragged (x from, x to), `stamp` a line written under the plot (downloads).
pub fn svg(v: &HistoryView, f: &Frame, labels: &[Label], selection: Option<(f64, f64)>, stamp: Option<&str>) -> String {
    let unit = if v.lumi_mode { "lumisections" } else { "events" };
    let mut out = String::with_capacity(4096 + v.series.iter().map(|s| s.points.len() * 24).sum::<usize>());
    let _ = write!(
        out,
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h:.1}" width="{w}" height="{h:.1}" role="img" aria-label="Event history chart" font-family="sans-serif" font-size="11" data-scale="{}" data-window="{}-{}"><defs><clipPath id="plot-area"><rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}"/></clipPath></defs><rect width="{w}" height="{h:.1}" fill="#fff"/>"##,
        if f.log { "log" } else { "linear" },
        f.t0,
        f.t1,
        f.left,
        f.top,
        f.right - f.left,
        f.bottom - f.top,
        h = f.height,
        w = f.width
    );
    axes(&mut out, f, unit);
    transitions(&mut out, v, f, labels);
    out.push_str(r#"<g clip-path="url(#plot-area)">"#);
    lines(&mut out, v, f);
    out.push_str("</g>");
    overlay(&mut out, f, selection, stamp);
    out.push_str("</svg>");
    out
}

/// The zoom being dragged (x from, x to) and a download's stamp, over a drawing in `f`.
pub fn overlay(out: &mut String, f: &Frame, selection: Option<(f64, f64)>, stamp: Option<&str>) {
    if let Some((a, b)) = selection {
        let _ = write!(
            out,
            r##"<rect class="selection" x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="#0072B2" fill-opacity="0.12"/>"##,
            a.min(b).max(f.left),
            f.top,
            (a - b).abs(),
            f.bottom - f.top
        );
    }
    if let Some(s) = stamp {
        let _ = write!(out, r#"<text x="8" y="{:.1}" fill="{MUTED}">{}</text>"#, f.height - 6.0, escape(s));
    }
}

/// The cursor at time `t`: a vertical line and a marker on each line at its value then, drawn
/// over the chart in the same frame.
pub fn cursor(v: &HistoryView, f: &Frame, t: i64) -> String {
    let x = f.x(t);
    let mut out = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h:.1}" width="{w}" height="{h:.1}" aria-hidden="true"><line class="cursor" x1="{x:.1}" x2="{x:.1}" y1="{:.1}" y2="{:.1}" stroke="{MUTED}"/>"##,
        f.top,
        f.bottom,
        w = f.width,
        h = f.height
    );
    for (i, value) in values_at(&v.series, t) {
        let _ = write!(
            out,
            r##"<circle class="marker" cx="{x:.1}" cy="{:.1}" r="4" fill="#fff" stroke="{}" stroke-width="2"/>"##,
            f.y(value),
            colour(i)
        );
    }
    out.push_str("</svg>");
    out
}
