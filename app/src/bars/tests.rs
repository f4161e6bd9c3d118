use super::*;

fn bar(key: &str, total: i64) -> Bar {
    Bar { key: key.to_owned(), total, parts: vec![Part { key: "x".into(), value: total }] }
}

#[test]
fn more_than_forty_bars_fold_the_smallest_and_keep_key_order() {
    let bars: Vec<Bar> = (0..45).map(|i| bar(&format!("c{i:02}"), if i % 2 == 0 { 100 + i } else { i })).collect();
    let (kept, others) = fold(bars.clone(), Some(Dimension::Status));
    assert_eq!(kept.len(), MAX_BARS - 1);
    let others = others.unwrap();
    assert_eq!(others.bars, 6);
    assert_eq!(others.total, [1, 3, 5, 7, 9, 11].iter().sum::<i64>(), "the six smallest fold");
    assert_eq!(others.parts, vec![Part { key: "x".into(), value: others.total }]);
    assert!(kept.windows(2).all(|w| w[0].key < w[1].key));
    let all: i64 = bars.iter().map(|b| b.total).sum();
    assert_eq!(kept.iter().map(|b| b.total).sum::<i64>() + others.total, all, "nothing lost");
    let (forty, none) = fold(bars[..40].to_vec(), None);
    assert_eq!((forty.len(), none), (40, None));
}

#[test]
fn a_click_narrows_the_filter_to_the_bar() {
    let f = Filter::from_query("prepid=HIG-*&type=ReReco&status=running-open&status=assigned").unwrap();
    let c = Dimension::Campaign.narrow(&f, "Run3").unwrap();
    assert_eq!(c.to_query(), "prepid=HIG-*&campaign=Run3&status=running-open&status=assigned&match=all");
    let s = Dimension::Status.narrow(&f, "assigned").unwrap();
    assert_eq!(s.facets.status, vec![RequestStatus::Assigned]);
    assert_eq!(Dimension::Status.narrow(&f, "some-new-status"), None, "no filter names it");
    let b = Dimension::PriorityBlock.narrow(&Filter::default(), "3").unwrap();
    assert_eq!(b.to_query(), "priority_block=3");
    assert_eq!(Dimension::PriorityBlock.narrow(&Filter::default(), "9"), None);
    let t = Dimension::Tier.narrow(&f.clone().with_page(4), "AODSIM").unwrap();
    assert_eq!((t.page, t.facets.tier.clone()), (0, vec!["AODSIM".to_owned()]));
    let d = Dimension::DatasetStatus.narrow(&Filter::default(), "VALID").unwrap();
    assert_eq!(d.to_query(), "dataset_status=VALID");
}

#[test]
fn url_values_round_trip() {
    for d in Dimension::ALL {
        assert_eq!(Dimension::parse(d.as_str()), Some(d));
        assert_eq!(serde_json::to_value(d).unwrap(), serde_json::Value::from(d.as_str()));
    }
    for m in Measure::ALL {
        assert_eq!(Measure::parse(m.as_str()), Some(m));
        assert_eq!(serde_json::to_value(m).unwrap(), serde_json::Value::from(m.as_str()));
    }
    assert_eq!(Dimension::parse("Campaign"), None);
}
