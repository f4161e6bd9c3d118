use super::*;
use crate::filter::RequestStatus;
use crate::forecast::Forecast;
use crate::history::Series;
use crate::rows::StatusAt;

const T: i64 = 1_760_000_000;

fn series(i: usize, status: DatasetStatus) -> Series {
    Series {
        dataset: format!("/VeryLongPrimaryDatasetName{i}_TuneCP5_13p6TeV-pythia8/Run3Summer23-v{i}/AODSIM"),
        status,
        points: (0..20).map(|k| (T + k * 3600, k * 1000 * (i as i64 + 1))).collect(),
        forecast: Forecast { rate_per_hour: 0.0, eta: None, complete: false, stalled: false, closed: false },
        expected: None,
    }
}

/// Eight datasets and twelve transitions, five of them within minutes of each other.
fn busy() -> HistoryView {
    // The first twelve of a request's life, in order.
    let statuses = &RequestStatus::ALL[..12];
    let transitions = statuses
        .iter()
        .enumerate()
        .map(|(k, s)| StatusAt {
            status: s.as_str().to_owned(),
            time: T + if k < 5 { k as i64 * 60 } else { k as i64 * 7200 },
        })
        .collect();
    HistoryView {
        name: "w".into(),
        lumi_mode: false,
        expected: 200_000,
        series: (0..8)
            .map(|i| series(i, if i % 3 == 0 { DatasetStatus::Valid } else { DatasetStatus::Production }))
            .collect(),
        transitions,
        aggregate: false,
        lumi_left_out: 0,
    }
}

#[test]
fn transition_labels_never_overlap_and_stay_inside() {
    let v = busy();
    let (labels, f) = label_rows(&v, Look::default());
    assert_eq!(labels.len(), 12);
    for (i, a) in labels.iter().enumerate() {
        let wa = v.transitions[a.index].status.len() as f64 * CHAR + 4.0;
        assert!(a.text_x >= f.left && a.text_x + wa <= f.right + 0.5, "{a:?} outside");
        for b in &labels[i + 1..] {
            let wb = v.transitions[b.index].status.len() as f64 * CHAR + 4.0;
            let apart = a.text_x + wa <= b.text_x || b.text_x + wb <= a.text_x;
            assert!(a.row != b.row || apart, "{a:?} overlaps {b:?}");
        }
    }
    let rows = labels.iter().map(|l| l.row).max().unwrap() + 1;
    assert!(rows >= 3, "five labels within minutes need rows: {rows}");
    assert!(f.top >= rows as f64 * 15.0, "the plot starts below the labels");
}

#[test]
fn every_dataset_gets_its_own_colour_and_status_its_line_style() {
    let colours: std::collections::HashSet<&str> = (0..8).map(colour).collect();
    assert_eq!(colours.len(), 8);
    assert_eq!(dash(&DatasetStatus::Valid), None);
    assert_ne!(dash(&DatasetStatus::Production), dash(&DatasetStatus::Invalid));
    let long = &busy().series[0].dataset;
    let short = short_name(long, 48);
    assert!(short.chars().count() <= 48 && short.ends_with("/…/AODSIM") && short.starts_with("/VeryLong"), "{short}");
    assert_eq!(short_name("/a/b/AOD", 48), "/a/b/AOD");
}

#[test]
fn steps_are_clipped_to_the_zoom_window() {
    let p = [(10, 1), (20, 2), (30, 3), (40, 4)];
    assert_eq!(clip(&p, 15, 35), [(15, 1), (20, 2), (30, 3), (35, 3)]);
    assert_eq!(clip(&p, 0, 100), p);
    assert_eq!(clip(&p, 50, 60), [(50, 4)]);
    let v = busy();
    let whole = Frame::new(&v, Look::default(), 0);
    let zoomed = Frame::new(&v, Look { zoom: Some((T + 3600, T + 7200)), ..Look::default() }, 0);
    assert!(zoomed.ymax < whole.ymax, "the value axis fits the window");
    assert_eq!(zoomed.t_at(zoomed.right), T + 7200);
    let d = step_path(&v.series[0].points, &zoomed);
    assert!(d.starts_with('M') && d.matches('H').count() >= 1, "{d}");
}

#[test]
fn ticks_are_round_and_few() {
    let t = time_ticks(T, T + 30 * 86_400, 7);
    assert!((2..=7).contains(&t.len()), "{t:?}");
    assert!(t.iter().all(|(s, _)| s % 86_400 == 0));
    assert_eq!(t[0].1.len(), 10, "dates for a month");
    assert_eq!(time_ticks(T, T + 6 * 3600, 7)[0].1.len(), 11, "date and time for hours");
    let v = value_ticks(430_000.0, false);
    assert_eq!(v.iter().map(|x| x.0).collect::<Vec<_>>(), [0.0, 100_000.0, 200_000.0, 300_000.0, 400_000.0]);
    assert_eq!(value_ticks(50_000.0, true).len(), 5);
}

#[test]
fn the_zoom_lives_in_the_url() {
    assert_eq!(zoom_of("campaign=C&start=10&end=20"), Some((10, 20)));
    assert_eq!(zoom_of("start=20&end=10"), None);
    assert_eq!(with_zoom("campaign=C&start=1&end=2&bucket=1d", Some((5, 9))), "campaign=C&bucket=1d&start=5&end=9");
    assert_eq!(with_zoom("campaign=C&start=1&end=2", None), "campaign=C");
}

#[test]
fn the_cursor_snaps_to_the_nearest_time_and_steps_point_to_point() {
    let v = busy();
    let f = Frame::new(&v, Look::default(), 0);
    let t = v.series[7].points[10].0;
    assert_eq!(nearest_time(&v.series, &f, f.x(t) + 3.0), Some(t), "snaps whatever the height");
    assert_eq!(step_time(&v.series, &f, Some(t), true), Some(t + 3600));
    assert_eq!(step_time(&v.series, &f, Some(t), false), Some(t - 3600));
    assert_eq!(step_time(&v.series, &f, None, true), Some(T));
    assert_eq!(key_answer(&v.series, &f, Some(t), "End"), KeyAnswer::Cursor(Some(T + 19 * 3600)));
    assert_eq!(key_answer(&v.series, &f, Some(T), "ArrowLeft"), KeyAnswer::Cursor(Some(T)), "stays at the first");
    assert_eq!(key_answer(&v.series, &f, Some(t), "a"), KeyAnswer::Ignored);
    assert_eq!(key_answer(&v.series, &f, None, "Enter"), KeyAnswer::Ignored, "nothing to zoom around");
    let KeyAnswer::Zoom((a, b)) = key_answer(&v.series, &f, Some(f.t0), "Enter") else { panic!("Enter zooms") };
    assert_eq!(a, f.t0, "kept inside the window");
    assert!((b - a - (f.t1 - f.t0) / 2).abs() <= 1, "half the window: {a} {b}");
    let values = values_at(&v.series, t);
    assert_eq!(values.len(), 8);
    assert_eq!(values[7], (7, v.series[7].points[10].1));
    let words = readout(&v, t);
    assert!(
        words.contains(&v.series[7].dataset) && words.contains("80,000") && words.contains(" UTC, events: "),
        "{words}"
    );
    assert!(values_at(&v.series, T - 1).is_empty() && readout(&v, T - 1).ends_with("nothing produced yet"));
}

#[test]
fn log_ticks_reach_a_decade_above_the_data() {
    let mut v = busy();
    v.expected = 0;
    let f = Frame::new(&v, Look { log: true, ..Look::default() }, 0);
    let ticks = value_ticks(f.ymax, true);
    let max = v.series.iter().flat_map(|s| s.points.iter().map(|p| p.1)).max().unwrap() as f64;
    assert!(ticks.last().unwrap().0 >= max, "{ticks:?} below {max}");
}

#[test]
fn forecasts_widen_the_axis_by_a_quarter_at_most_unless_asked() {
    let mut v = busy();
    v.series[0].forecast.eta = Some(T + 400 * 86_400);
    let bounded = Frame::new(&v, Look::default(), 0);
    // The history (points and transitions) spans 22 hours.
    let span = 22 * 3600;
    assert_eq!(bounded.t1, T + span + span / 4, "a quarter more");
    let whole = Frame::new(&v, Look { whole_forecast: true, ..Look::default() }, 0);
    assert_eq!(whole.t1, T + 400 * 86_400);
}

#[test]
fn labels_at_one_edge_are_moved_apart_inside_the_plot() {
    let ys = [100.0, 101.0, 99.0, 300.0, 398.0, 399.0];
    let out = spread(&ys, 13.0, 20.0, 400.0);
    let mut sorted = out.clone();
    sorted.sort_by(f64::total_cmp);
    assert!(sorted.windows(2).all(|w| w[1] - w[0] >= 13.0 - 1e-9), "{out:?}");
    assert!(out.iter().all(|y| (20.0..=400.0).contains(y)), "{out:?}");
    assert!((out[3] - 300.0).abs() < 1e-9, "a label with room stays: {out:?}");
}

#[test]
fn a_narrow_chart_keeps_its_text_size_and_fewer_ticks() {
    let v = busy();
    let narrow = Frame::new(&v, Look { width: 340.0, ..Look::default() }, 0);
    assert_eq!((narrow.width, narrow.right), (340.0, 340.0 - 16.0));
    assert!(time_ticks(narrow.t0, narrow.t1, narrow.time_tick_room()).len() <= 3);
    assert_eq!(Frame::new(&v, Look { width: 50.0, ..Look::default() }, 0).width, MIN_WIDTH);
}
