//! The history chart, drawn with plotters on a <canvas>: one step line per dataset coloured by
//! status, the expected total, status transitions on the time axis, dashed forecasts, a
//! legend, UTC dates, linear or log scale.

use plotters::coord::ranged1d::{Ranged, ValueFormatter};
use plotters::coord::types::RangedCoordi64;
use plotters::prelude::*;
use plotters_canvas::CanvasBackend;

use crate::history::{color, steps, HistoryView, EXPECTED_COLOR, PALETTE};
use crate::present::{thousands, utc_datetime};

fn rgb((r, g, b): (u8, u8, u8)) -> RGBColor {
    RGBColor(r, g, b)
}

/// Canvas margin, y-label width and x-label height of the drawing (shared with [`nearest`]).
const MARGIN: f64 = 14.0;
const Y_LABELS: f64 = 84.0;
const X_LABELS: f64 = 36.0;

/// Time range and top of the value axis.
fn bounds(v: &HistoryView) -> (i64, i64, f64) {
    let times = v.series.iter().flat_map(|s| s.points.iter().map(|p| p.0)).chain(v.transitions.iter().map(|t| t.time));
    let (mut t0, mut t1) = times.fold((i64::MAX, i64::MIN), |(a, b), t| (a.min(t), b.max(t)));
    if t0 > t1 {
        (t0, t1) = (0, 1);
    }
    let span = (t1 - t0).max(3600);
    // Forecasts within four spans stay visible.
    let eta = v.series.iter().filter_map(|s| s.forecast.eta).filter(|e| *e <= t1 + 4 * span).max().unwrap_or(t1);
    let top = v.series.iter().flat_map(|s| s.points.iter().map(|p| p.1)).chain([v.expected]).max().unwrap_or(1).max(1);
    (t0, eta.max(t1 + span / 50).max(t0 + 1), top as f64 * 1.08)
}

/// Draws `v` on `canvas`; the error says what plotters refused.
pub fn draw(canvas: web_sys::HtmlCanvasElement, v: &HistoryView, log: bool) -> Result<(), String> {
    let backend = CanvasBackend::with_canvas_object(canvas).ok_or("the canvas has no 2D context")?;
    let root = backend.into_drawing_area();
    root.fill(&WHITE).map_err(|e| format!("{e:?}"))?;
    let (t0, t1, top) = bounds(v);
    let mut builder = ChartBuilder::on(&root);
    builder.margin(MARGIN as u32).x_label_area_size(X_LABELS as u32).y_label_area_size(Y_LABELS as u32);
    let result = if log {
        let chart =
            builder.build_cartesian_2d(t0..t1, (1f64..top.max(10.0)).log_scale()).map_err(|e| format!("{e:?}"))?;
        plot(chart, v, 1.0, top.max(10.0))
    } else {
        let chart = builder.build_cartesian_2d(t0..t1, 0f64..top).map_err(|e| format!("{e:?}"))?;
        plot(chart, v, 0.0, top)
    };
    root.present().map_err(|e| format!("{e:?}"))?;
    result
}

fn plot<Y>(
    mut chart: ChartContext<'_, CanvasBackend, Cartesian2d<RangedCoordi64, Y>>,
    v: &HistoryView,
    floor: f64,
    top: f64,
) -> Result<(), String>
where
    Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    let err = |e: DrawingAreaErrorKind<_>| format!("{e:?}");
    let y = |value: i64| (value as f64).max(floor);
    let unit = if v.lumi_mode { "lumisections" } else { "events" };
    let (t0, t1) = (chart.x_range().start, chart.x_range().end);
    // Dates for long spans, dates and times (UTC) for spans of a few days or less.
    let short = t1 - t0 < 3 * 86_400;
    let label =
        move |t: &i64| if short { utc_datetime(*t)[5..16].to_owned() } else { utc_datetime(*t)[..10].to_owned() };
    chart
        .configure_mesh()
        .x_labels(6)
        .x_label_formatter(&label)
        .x_desc("UTC")
        .y_label_formatter(&|value| thousands(*value as i64))
        .y_desc(unit)
        .light_line_style(RGBColor(235, 235, 235))
        .draw()
        .map_err(err)?;
    for t in &v.transitions {
        let mark = RGBColor(200, 200, 220);
        chart
            .draw_series(LineSeries::new([(t.time, floor.max(f64::MIN_POSITIVE)), (t.time, top)], mark.stroke_width(1)))
            .map_err(err)?;
        chart
            .draw_series([Text::new(
                t.status.clone(),
                (t.time, top * 0.97),
                ("sans-serif", 11).into_font().color(&RGBColor(110, 110, 140)),
            )])
            .map_err(err)?;
    }
    if v.expected > 0 {
        let grey = rgb(EXPECTED_COLOR);
        chart
            .draw_series(DashedLineSeries::new([(t0, y(v.expected)), (t1, y(v.expected))], 8, 5, grey.stroke_width(2)))
            .map_err(err)?
            .label(format!("expected: {}", thousands(v.expected)))
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 18, y)], grey.stroke_width(2)));
    }
    for (i, s) in v.series.iter().enumerate() {
        let c = rgb(if v.aggregate { PALETTE[i % PALETTE.len()] } else { color(&s.status) });
        chart
            .draw_series(LineSeries::new(
                steps(&s.points).into_iter().map(|(t, value)| (t, y(value))),
                c.stroke_width(2),
            ))
            .map_err(err)?
            .label(s.dataset.clone())
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 18, y)], c.stroke_width(2)));
        if let (Some(eta), Some(last)) = (s.forecast.eta, s.points.last()) {
            chart
                .draw_series(DashedLineSeries::new(
                    [(last.0, y(last.1)), (eta.min(t1), y(v.expected))],
                    4,
                    4,
                    c.stroke_width(1),
                ))
                .map_err(err)?;
        }
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(180, 180, 180))
        .label_font(("sans-serif", 11))
        .draw()
        .map_err(err)
}

/// The plotted point nearest to canvas pixel (`x`, `y`) on a `w`×`h` canvas: (series index,
/// point index), within 40 pixels.
pub fn nearest(v: &HistoryView, log: bool, w: f64, h: f64, x: f64, y: f64) -> Option<(usize, usize)> {
    let (t0, t1, top) = bounds(v);
    let (left, right, upper, lower) = (MARGIN + Y_LABELS, w - MARGIN, MARGIN, h - MARGIN - X_LABELS);
    let px = |t: i64| left + (t - t0) as f64 / (t1 - t0).max(1) as f64 * (right - left);
    let py = |value: i64| {
        let frac = if log {
            let top = top.max(10.0);
            (value as f64).max(1.0).ln() / top.ln()
        } else {
            value as f64 / top
        };
        lower - frac * (lower - upper)
    };
    let mut best: Option<(f64, usize, usize)> = None;
    for (si, s) in v.series.iter().enumerate() {
        for (pi, p) in s.points.iter().enumerate() {
            let d = (px(p.0) - x).hypot(py(p.1) - y);
            if d <= 40.0 && best.is_none_or(|b| d < b.0) {
                best = Some((d, si, pi));
            }
        }
    }
    best.map(|b| (b.1, b.2))
}
