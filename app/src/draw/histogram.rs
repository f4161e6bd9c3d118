//! The duration histogram as SVG markup: bars (each carrying its index), time ticks, and the
//! median and 90th percentile as labelled lines. The page's picture and the PDF's alike.

use std::fmt::Write;

use crate::analytics::{human_duration, DurationHistogram};
use crate::format::thousands;

/// Width of the drawing at most (a narrower box gets a narrower drawing).
pub const W: f64 = 900.0;
/// Narrowest drawing.
const MIN_W: f64 = 300.0;
/// Height of the drawing.
pub const H: f64 = 320.0;
// left, top, right, bottom; the top band holds the median and p90 labels, above every bar.
const PAD: (f64, f64, f64, f64) = (50.0, 40.0, 30.0, 60.0);

/// Where a duration sits on the axis from `lo` to `hi` (seconds), linear or log.
fn axis_x(d: f64, (lo, hi): (f64, f64), log: bool, width: f64) -> f64 {
    let (left, _, right, _) = PAD;
    let f = if log {
        let lo = lo.max(1e-9);
        (d.max(lo).ln() - lo.ln()) / (hi.ln() - lo.ln()).max(1e-9)
    } else {
        (d - lo) / (hi - lo).max(1e-9)
    };
    left + (width - left - right) * f.clamp(0.0, 1.0)
}

/// The histogram as SVG markup: bars (each carrying its index), time ticks, and the median
/// and 90th percentile as labelled lines (a string weighs less in the bundle than a typed
/// view per element), `width` wide at most.
pub fn svg(h: &DurationHistogram, log: bool, chosen: Option<usize>, width: f64) -> String {
    let (left, top, right, bottom) = PAD;
    let w = width.clamp(MIN_W, W);
    let (plot_w, plot_h) = (w - left - right, H - top - bottom);
    let top_count = h.bins.iter().map(|b| b.count).max().unwrap_or(1).max(1) as f64;
    let n = h.bins.len().max(1) as f64;
    let x_of_bin = |i: usize| left + plot_w * i as f64 / n;
    let (lo, hi) = (h.bins.first().map_or(0.0, |b| b.lo), h.bins.last().map_or(1.0, |b| b.hi));
    let mut out = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {H}" width="{w}" height="{H}" role="group" aria-label="Histogram of durations" font-family="sans-serif" font-size="11"><rect width="{w}" height="{H}" fill="#fff"/><line class="axis" stroke="#475569" x1="{left}" x2="{}" y1="{}" y2="{}"/><text class="tick" x="{}" y="{}" text-anchor="end">{}</text>"##,
        left + plot_w,
        top + plot_h,
        top + plot_h,
        left - 6.0,
        top + 10.0,
        thousands(top_count as i64)
    );
    for (i, b) in h.bins.iter().enumerate() {
        let bh = plot_h * b.count as f64 / top_count;
        let class = if chosen == Some(i) { "hbar chosen" } else { "hbar" };
        let (count, lo, hi) = (b.count, human_duration(b.lo), human_duration(b.hi));
        let _ = write!(
            out,
            r##"<rect class="{class}" tabindex="0" role="button" aria-label="{lo} to {hi}: {count} workflows" fill="#4c78a8" data-bin="{i}" data-count="{count}" x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}"><title>{lo} – {hi}: {count} workflows</title></rect>"##,
            x_of_bin(i) + 1.0,
            top + plot_h - bh,
            (plot_w / n - 2.0).max(1.0),
            bh.max(0.0),
        );
    }
    // About one duration label per 130 units, so they never run into each other.
    let labels = ((plot_w / 130.0) as usize).clamp(2, 6);
    for i in (0..=h.bins.len()).step_by((h.bins.len() / labels).max(1)) {
        let edge = h.bins.get(i).map_or(hi, |b| b.lo);
        let _ = write!(
            out,
            r#"<text class="tick" x="{:.1}" y="{}" text-anchor="middle">{}</text>"#,
            x_of_bin(i),
            H - bottom + 16.0,
            human_duration(edge)
        );
    }
    for (name, d, y) in [("median", h.median, 14.0), ("p90", h.p90, 30.0)] {
        let Some(d) = d else { continue };
        let x = axis_x(d as f64, (lo, hi), log, w);
        // Past the middle the label goes left of its line, so it never leaves the chart.
        let (tx, anchor) = if x > left + plot_w / 2.0 { (x - 4.0, "end") } else { (x + 4.0, "start") };
        let _ = write!(
            out,
            r##"<line class="mark {name}" stroke="#b91c1c" stroke-dasharray="4 3" x1="{x:.1}" x2="{x:.1}" y1="{top}" y2="{}"/><text class="mark {name}" x="{tx:.1}" y="{}" text-anchor="{anchor}">{name} {}</text>"##,
            top + plot_h,
            y,
            human_duration(d as f64)
        );
    }
    out.push_str("</svg>");
    out
}
