use super::*;
use crate::rows::StatusAt;

#[test]
fn fields_are_quoted_and_formulas_disarmed() {
    let mut out = String::new();
    for v in ["plain", "a,b", "say \"hi\"", "two\nlines", "=HYPERLINK(\"x\")", "+1", "-x", "@SUM", "ok-=+"] {
        text(&mut out, v);
        out.push('|');
    }
    assert_eq!(out, "plain|\"a,b\"|\"say \"\"hi\"\"\"|\"two\nlines\"|\"'=HYPERLINK(\"\"x\"\")\"|'+1|'-x|'@SUM|ok-=+|");
    let mut n = String::new();
    line(&mut n, [Field::Int(-5), Field::Text("-5")]);
    assert_eq!(n, "-5,'-5\r\n", "numbers stay numbers, texts that look like formulas do not");
}

fn row(datasets: Vec<DatasetRow>) -> WorkflowRow {
    let mut r = crate::present::unreadable_row("wf,1", String::new());
    r.problem = None;
    r.campaigns = vec!["C1".into(), "C2".into()];
    r.total_events = 1000;
    r.priority = Some(90_000);
    r.last_status = Some(StatusAt { status: "running-open".into(), time: 86_400 });
    r.datasets = datasets;
    r
}

fn dataset(name: &str, events: i64) -> DatasetRow {
    DatasetRow {
        name: name.into(),
        datatier: "AOD".into(),
        status: crate::status::DatasetStatus::Production,
        events,
        lumis: None,
        size: 1,
        completed_perc: Some(events as f64 / 10.0),
        lumi_completed_perc: None,
        forecast: None,
    }
}

#[test]
fn a_workflow_has_one_line_per_dataset_or_one_without() {
    let mut out = String::new();
    workflow_lines(&mut out, &row(vec![dataset("/a/b/AOD", 500), dataset("/c/d/AOD", 250)]));
    assert_eq!(
        out,
        "\"wf,1\",,C1 C2,,running-open,1970-01-02 00:00:00,90000,1000,/a/b/AOD,AOD,PRODUCTION,500,50.00,\r\n\
         \"wf,1\",,C1 C2,,running-open,1970-01-02 00:00:00,90000,1000,/c/d/AOD,AOD,PRODUCTION,250,25.00,\r\n"
    );
    let mut none = String::new();
    workflow_lines(&mut none, &row(Vec::new()));
    assert_eq!(none.matches(',').count(), WORKFLOWS_HEADER.matches(',').count() + 1, "{none}");
    let mut fc = row(vec![dataset("/a/b/AOD", 500)]);
    fc.force_completed = Some(10);
    let mut out = String::new();
    workflow_lines(&mut out, &fc);
    assert!(out.contains(",500,100.00,"), "a force-completed workflow is complete: {out}");
}

#[test]
fn historical_has_one_line_per_bucket() {
    let v = HistoricalView {
        ends: vec![10, 20, 30, 40],
        expected: vec![5, 5, 9, 9],
        produced: vec![1, 2, 3, 4],
        valid: vec![0, 0, 1, 2],
        invalid: vec![0, 0, 0, 1],
        workflows: 2,
        lumi_left_out: 1,
    };
    let csv = historical(&v);
    assert_eq!(csv.lines().count(), 5);
    assert!(csv.lines().nth(4).unwrap().ends_with(",40,9,4,2,1"), "{csv}");
}

#[test]
fn present_has_one_line_per_part_and_others() {
    use crate::bars::{Bar, Others, Part};
    let v = PresentView {
        bars: vec![Bar { key: "A".into(), total: 3, parts: vec![Part { key: "x".into(), value: 3 }] }],
        others: Some(Others { bars: 2, total: 4, parts: vec![Part { key: "y".into(), value: 4 }] }),
        matching: 7,
        ..PresentView::default()
    };
    assert_eq!(
        present(&v, "campaign", Some("status"), "workflows"),
        "campaign,status,workflows\r\nA,x,3\r\nothers,y,4\r\n"
    );
}
