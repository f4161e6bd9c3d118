//! What the reader does with a history chart: the scale and forecast choices, the room the
//! page gives the drawing, the cursor (moved by the pointer, or by keys as
//! `crate::chart::key_answer` says) and a zoom being dragged.

use leptos::prelude::*;

use crate::chart::{key_answer, label_rows, nearest_time, Frame, KeyAnswer, Label, Look};
use crate::history::HistoryView;

/// Drags shorter than this (SVG units) are clicks, not zooms.
const MIN_DRAG: f64 = 6.0;

/// The chart's state; each field a signal, so the drawing follows it.
#[derive(Clone, Copy)]
pub struct ChartState {
    /// Log value axis.
    pub log: RwSignal<bool>,
    /// Forecasts drawn whole, however far they reach.
    pub whole_forecast: RwSignal<bool>,
    /// The drawing's width in CSS pixels (what its box has).
    pub width: RwSignal<f64>,
    /// The cursor's time.
    pub cursor: RwSignal<Option<i64>>,
    /// A zoom being dragged: x where it started, x now.
    pub drag: RwSignal<Option<(f64, f64)>>,
}

impl ChartState {
    /// A chart in linear scale, forecasts bounded, full width until measured.
    pub fn new() -> Self {
        ChartState {
            log: RwSignal::new(false),
            whole_forecast: RwSignal::new(false),
            width: RwSignal::new(crate::chart::WIDTH),
            cursor: RwSignal::new(None),
            drag: RwSignal::new(None),
        }
    }

    /// The layout of `v` (labels and frame) as the state asks, `width` overriding the box's
    /// (downloads are drawn full width whatever the screen).
    pub fn layout(&self, v: &HistoryView, zoom: Option<(i64, i64)>, width: Option<f64>) -> (Vec<Label>, Frame) {
        let look = Look {
            log: self.log.get(),
            zoom,
            whole_forecast: self.whole_forecast.get(),
            width: width.unwrap_or_else(|| self.width.get()),
        };
        label_rows(v, look)
    }

    /// The pointer at `x`: extends a drag, or moves the cursor to the nearest time.
    pub fn point(&self, v: &HistoryView, f: &Frame, x: f64) {
        match self.drag.get_untracked() {
            Some((a, _)) => self.drag.set(Some((a, x))),
            None => self.cursor.set(nearest_time(&v.series, f, x)),
        }
    }

    /// The pointer let go: the window dragged over, when it was a drag.
    pub fn release(&self, f: &Frame) -> Option<(i64, i64)> {
        let (a, b) = self.drag.get_untracked()?;
        self.drag.set(None);
        ((a - b).abs() > MIN_DRAG).then(|| (f.t_at(a.min(b)), f.t_at(a.max(b))))
    }

    /// The pointer left: no cursor, no drag.
    pub fn leave(&self) {
        self.cursor.set(None);
        self.drag.set(None);
    }

    /// A key pressed on the chart: `Some(window)` when it asks for a zoom, `None` otherwise;
    /// the flag says whether the key was the chart's (so the page does not scroll).
    pub fn key(&self, v: &HistoryView, f: &Frame, key: &str) -> (bool, Option<(i64, i64)>) {
        match key_answer(&v.series, f, self.cursor.get_untracked(), key) {
            KeyAnswer::Ignored => (false, None),
            KeyAnswer::Cursor(t) => {
                self.cursor.set(t);
                (true, None)
            }
            KeyAnswer::Zoom(window) => (true, Some(window)),
        }
    }
}
