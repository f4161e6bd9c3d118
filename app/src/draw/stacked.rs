//! The aggregate's historical mode as SVG markup: expected events as a grey area behind,
//! produced-not-VALID, VALID and INVALID/DELETED stacked in front, per bucket.

use std::fmt::Write;

use crate::chart::{time_ticks, value_ticks, Frame, MIN_WIDTH, PLOT_HEIGHT, WIDTH};
use crate::historical::HistoricalView;
use crate::markup::escape;

/// The layers, bottom to top: name, values, colour.
pub fn layers(v: &HistoricalView) -> [(&'static str, &[i64], &'static str); 3] {
    [
        ("VALID", &v.valid, "#0072B2"),
        ("produced, not VALID", &v.produced, "#E69F00"),
        ("INVALID / DELETED", &v.invalid, "#D55E00"),
    ]
}

/// Colour of the expected area.
pub const EXPECTED_FILL: &str = "#d1d5db";

/// Where `v` is drawn, `width` wide (within the history chart's bounds).
pub fn frame(v: &HistoricalView, width: f64) -> Frame {
    let width = width.clamp(MIN_WIDTH, WIDTH);
    let top =
        (0..v.ends.len()).map(|i| (v.valid[i] + v.produced[i] + v.invalid[i]).max(v.expected[i])).max().unwrap_or(1);
    let (t0, t1) = (v.ends.first().copied().unwrap_or(0), v.ends.last().copied().unwrap_or(1));
    Frame {
        width,
        height: 20.0 + PLOT_HEIGHT + 46.0,
        left: 70.0,
        right: width - 16.0,
        top: 20.0,
        bottom: 20.0 + PLOT_HEIGHT,
        t0,
        t1: t1.max(t0 + 1),
        ymax: top.max(1) as f64 * 1.05,
        log: false,
    }
}

/// A closed area between two lines over the bucket ends.
fn area(f: &Frame, ends: &[i64], lower: &[i64], upper: &[i64]) -> String {
    let mut d = String::new();
    for (i, t) in ends.iter().enumerate() {
        let _ = write!(d, "{}{:.1} {:.1}", if i == 0 { "M" } else { "L" }, f.x(*t), f.y(upper[i]));
    }
    for (i, t) in ends.iter().enumerate().rev() {
        let _ = write!(d, "L{:.1} {:.1}", f.x(*t), f.y(lower[i]));
    }
    d.push('Z');
    d
}

/// The stacked chart `width` wide; `selection` is a zoom being dragged (x from, x to), `stamp`
/// a line written under the plot (downloads).
pub fn svg(v: &HistoricalView, width: f64, selection: Option<(f64, f64)>, stamp: Option<&str>) -> String {
    let f = frame(v, width);
    let mut out = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h:.1}" width="{w}" height="{h:.1}" role="img" aria-label="Historical aggregate, events" font-family="sans-serif" font-size="11" data-window="{}-{}"><rect width="{w}" height="{h:.1}" fill="#fff"/>"##,
        f.t0,
        f.t1,
        h = f.height,
        w = f.width
    );
    for (t, label) in time_ticks(f.t0, f.t1, f.time_tick_room()) {
        let x = f.x(t);
        let _ = write!(
            out,
            r#"<text class="tick" x="{x:.1}" y="{:.1}" text-anchor="{}">{label}</text>"#,
            f.bottom + 16.0,
            f.tick_anchor(x, &label)
        );
    }
    for (value, label) in value_ticks(f.ymax, false) {
        let y = f.y(value as i64);
        let _ = write!(
            out,
            r##"<line x1="{:.1}" x2="{:.1}" y1="{y:.1}" y2="{y:.1}" stroke="#e5e7eb"/><text class="tick" x="{:.1}" y="{:.1}" text-anchor="end">{label}</text>"##,
            f.left,
            f.right,
            f.left - 6.0,
            y + 4.0
        );
    }
    let zero = vec![0i64; v.ends.len()];
    let _ = write!(
        out,
        r##"<path class="area expected" d="{}" fill="{EXPECTED_FILL}" stroke="#9a9a9a"/>"##,
        area(&f, &v.ends, &zero, &v.expected)
    );
    let mut lower = zero;
    for (name, values, colour) in layers(v) {
        let upper: Vec<i64> = lower.iter().zip(values).map(|(a, b)| a + b).collect();
        let _ = write!(
            out,
            r#"<path class="area" data-layer="{}" d="{}" fill="{colour}" fill-opacity="0.85"/>"#,
            escape(name),
            area(&f, &v.ends, &lower, &upper)
        );
        lower = upper;
    }
    let _ = write!(
        out,
        r##"<path d="M{l:.1} {t:.1}V{b:.1}H{r:.1}" fill="none" stroke="#475569"/><text x="14" y="{m:.1}" transform="rotate(-90 14 {m:.1})" text-anchor="middle">events</text>"##,
        l = f.left,
        t = f.top,
        b = f.bottom,
        r = f.right,
        m = (f.top + f.bottom) / 2.0
    );
    super::history::overlay(&mut out, &f, selection, stamp);
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every time label lies inside the chart: one centred on a tick near the right edge was
    /// cut off ("2026-11-").
    #[test]
    fn time_labels_stay_inside_the_chart() {
        let day = 86_400;
        // The last day is a multiple of the ticks' step (a week): a tick at the very end.
        let last = (1_764_547_200 / (7 * day) + 4) * 7 * day;
        let ends: Vec<i64> = (0..=30).map(|d| last - (30 - d) * day).collect();
        let n = ends.len();
        let v = HistoricalView {
            ends,
            expected: vec![9; n],
            produced: vec![1; n],
            valid: vec![0; n],
            invalid: vec![0; n],
            workflows: 1,
            lumi_left_out: 0,
        };
        for width in [480.0, 600.0, 760.0, 1000.0] {
            let svg = svg(&v, width, None, None);
            let ticks = svg.split(r#"<text class="tick" x=""#).skip(1);
            let mut seen = 0;
            for tick in ticks.filter(|t| t.contains("text-anchor=\"middle\"") && t.contains('-')) {
                let x: f64 = tick.split('"').next().unwrap_or_default().parse().unwrap_or(f64::MAX);
                let label = tick.split('>').nth(1).unwrap_or_default().split('<').next().unwrap_or_default();
                assert!(x + label.len() as f64 * 3.4 <= width, "{label} at {x} of {width}");
                seen += 1;
            }
            assert!(seen > 0, "some date labels are centred");
        }
    }
}
