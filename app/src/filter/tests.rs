use super::*;
use proptest::prelude::*;

#[test]
fn a2_present_even_when_empty() {
    let f = Filter::from_query("prepid=").unwrap();
    assert_eq!(f.prepid.as_deref(), Some(""));
    assert_eq!(f.primary(), Some((FilterKey::PrepId, "")));
}

#[test]
fn a3_precedence_follows_the_original_order() {
    let f = Filter::from_query("request=r&type=t&campaign=c&prepid=p").unwrap();
    assert_eq!(f.primary(), Some((FilterKey::PrepId, "p")));
    let f = Filter::from_query("request=r&processing_string=ps").unwrap();
    assert_eq!(f.primary(), Some((FilterKey::ProcessingString, "ps")));
    let f = Filter::from_query("type=t&workflow_name=w").unwrap();
    assert_eq!(f.primary(), Some((FilterKey::WorkflowName, "w")));
    assert_eq!(Filter::from_query("").unwrap().primary(), None);
}

#[test]
fn a4_date_sort_applies_when_any_sorting_key_is_present() {
    assert!(Filter::from_query("workflow_name=w&request=r").unwrap().sorts_by_date());
    assert!(!Filter::from_query("campaign=c&type=t").unwrap().sorts_by_date());
}

#[test]
fn values_are_kept_literally() {
    let f = Filter::from_query("campaign=a%22b%23c%26d%2Be+f%C3%A9%2F").unwrap();
    assert_eq!(f.campaign.as_deref(), Some("a\"b#c&d+e fé/"));
    let back = Filter::from_query(&f.to_query()).unwrap();
    assert_eq!(back, f);
}

#[test]
fn first_occurrence_wins_and_unknown_parameters_are_ignored() {
    let f = Filter::from_query("?prepid=a&prepid=b&foo=bar&page=3&page=9").unwrap();
    assert_eq!(f.prepid.as_deref(), Some("a"));
    assert_eq!(f.page, 3);
}

#[test]
fn bad_input_gives_clear_errors() {
    assert_eq!(Filter::from_query("page=-1"), Err(FilterError::InvalidPage("-1".into())));
    assert_eq!(Filter::from_query("page=x"), Err(FilterError::InvalidPage("x".into())));
    assert!(matches!(Filter::from_query("prepid=%FF"), Err(FilterError::NotUtf8(p)) if p == "prepid"));
    let long = format!("campaign={}", "a".repeat(MAX_VALUE_LEN + 1));
    assert!(matches!(Filter::from_query(&long), Err(FilterError::TooLong(_))));
    assert!(parse_page("99999999999999999999").is_err());
}

#[test]
fn query_is_written_in_precedence_order_with_page_last() {
    let f = Filter::default().with(FilterKey::Request, "r 1").with(FilterKey::PrepId, "p&q").with_page(2);
    assert_eq!(f.to_query(), "prepid=p%26q&request=r+1&page=2");
    assert_eq!(f.to_query_without_page(), "prepid=p%26q&request=r+1");
}

fn any_filter() -> impl Strategy<Value = Filter> {
    let v = || proptest::option::of(".{0,40}");
    let sizes = proptest::option::of(proptest::sample::select(PAGE_SIZES.to_vec()));
    let legacy = (v(), v(), v(), v(), v(), v(), v(), v(), 0..=MAX_PAGE, sizes, any::<bool>(), any::<bool>());
    let sort = proptest::option::of(proptest::sample::select(Sort::ALL.to_vec()));
    (legacy, any_facets(), sort).prop_map(
        |((a, b, c, d, e, f, g, h, page, page_size, match_all, stalled), facets, sort)| Filter {
            workflow_name: a,
            prepid: b,
            output_dataset: c,
            input_dataset: d,
            campaign: e,
            request_type: f,
            processing_string: g,
            request: h,
            page,
            page_size,
            match_all,
            stalled,
            facets,
            sort,
        },
    )
}

fn any_facets() -> impl Strategy<Value = Facets> {
    let statuses = proptest::collection::btree_set(proptest::sample::select(RequestStatus::ALL.to_vec()), 0..4);
    let texts = || proptest::collection::btree_set("[A-Za-z0-9*/_-]{1,12}", 0..3);
    let bound = || proptest::option::of(-5i64..5);
    let dataset = proptest::sample::select(vec!["VALID", "INVALID", "DELETED", "NONE"]);
    let alerts = (proptest::collection::btree_set(dataset, 0..3), proptest::option::of(1u32..=MAX_IDLE_DAYS));
    let pmp = (proptest::collection::btree_set(0u8..8, 0..3), proptest::option::of(1u32..=MAX_IDLE_DAYS));
    let groups = vec!["new", "transition", "reached:completed", "dataset", "stalled", "resumed"];
    let change = proptest::option::of((proptest::sample::select(groups), 0i64..2_000_000_000));
    let all = (statuses, bound(), bound(), texts(), texts(), alerts, pmp, change);
    all.prop_map(|(status, lo, hi, pwg, tier, (ds, idle_days), (blocks, status_days), change)| {
        let (priority_min, priority_max) = match (lo, hi) {
            (Some(a), Some(b)) => (Some(a.min(b)), Some(a.max(b))),
            other => other,
        };
        let list = |set: std::collections::BTreeSet<String>| set.into_iter().collect();
        Facets {
            status: status.into_iter().collect(),
            priority_min,
            priority_max,
            pwg: list(pwg),
            tier: list(tier),
            dataset_status: ds.into_iter().map(crate::status::DatasetStatus::parse).collect(),
            idle_days,
            priority_block: blocks.into_iter().collect(),
            status_days,
            change: change.and_then(|(g, _)| crate::filter::ChangeGroup::parse(g)),
            change_since: change.map(|(_, t)| t),
        }
    })
}

proptest! {
    #[test]
    fn any_input_parses_or_errors_without_panic(s in ".*") {
        let _ = Filter::from_query(&s);
    }

    #[test]
    fn any_bytes_like_input_never_panics(s in "[a-z_=&%+0-9A-F?#\\x00-\\x7f]{0,80}") {
        if let Ok(f) = Filter::from_query(&s) {
            // Whatever parsed must survive being written and read again.
            prop_assert_eq!(Filter::from_query(&f.to_query()).unwrap(), f);
        }
    }

    #[test]
    fn written_filters_read_back_identically(f in any_filter()) {
        prop_assert_eq!(Filter::from_query(&f.to_query()).unwrap(), f);
    }
}

#[test]
fn combined_filters_need_match_all_and_page_sizes_are_a_short_list() {
    let f = Filter::from_query("type=ReReco&campaign=C&match=all&page_size=20").unwrap();
    assert!(f.is_combined());
    assert_eq!(f.size(), 20);
    assert_eq!(f.to_query(), "campaign=C&type=ReReco&match=all&page_size=20");
    let legacy = Filter::from_query("type=ReReco&campaign=C").unwrap();
    assert!(!legacy.is_combined(), "legacy URLs keep A3 precedence");
    assert_eq!(legacy.size(), PAGE_SIZE);
    assert!(matches!(Filter::from_query("page_size=7"), Err(FilterError::InvalidPageSize(_))));
    assert!(!Filter::from_query("campaign=C&match=all").unwrap().is_combined(), "one parameter is not a combination");
}

#[test]
fn analytics_parameters_repeat_as_alternatives_and_bad_values_are_refused() {
    let f = Filter::from_query("status=running-open&status=assigned&status=running-open&priority_min=80000&pwg=HIG&pwg=SUS&tier=MINIAODSIM&prepid=HIG-*").unwrap();
    assert_eq!(f.facets.status, vec![RequestStatus::RunningOpen, RequestStatus::Assigned], "a repeat is ignored");
    assert_eq!(f.facets.priority_min, Some(80_000));
    assert_eq!(f.facets.pwg, vec!["HIG", "SUS"]);
    assert!(f.is_combined(), "analytics filters page over distinct workflows");
    assert_eq!(Filter::from_query(&f.to_query()).unwrap(), f);
    assert_eq!(
        Filter::from_query("status=runing"),
        Err(FilterError::UnknownStatus("runing".into())),
        "a typo is an error, not an empty list"
    );
    assert!(matches!(Filter::from_query("priority_max=high"), Err(FilterError::InvalidPriority(..))));
    assert!(matches!(Filter::from_query("dataset_status=valid"), Err(FilterError::UnknownDatasetStatus(_))));
    assert!(matches!(Filter::from_query("idle_days=0"), Err(FilterError::InvalidIdleDays(_))));
    assert!(matches!(Filter::from_query("idle_days=3651"), Err(FilterError::InvalidIdleDays(_))));
    assert!(matches!(Filter::from_query("priority_min=9&priority_max=3"), Err(FilterError::PriorityRange { .. })));
    let many: String = (0..=MAX_VALUES).map(|i| format!("tier=T{i}&")).collect();
    assert!(matches!(Filter::from_query(&many), Err(FilterError::TooManyValues(_))));
    assert_eq!(Filter::from_query("status=&pwg=&priority_min=").unwrap(), Filter::default(), "empty form fields");
}

#[test]
fn legacy_routes_ignore_the_analytics_parameters_and_wildcards_only_apply_where_they_decide() {
    let legacy = Filter::from_legacy_query("campaign=C&status=nonsense&priority_min=x").unwrap();
    assert_eq!(legacy, Filter::default().with(FilterKey::Campaign, "C"));
    assert!(Filter::from_query("prepid=HIG-*").unwrap().is_combined());
    assert!(!Filter::from_query("prepid=HIG-1&campaign=C*").unwrap().is_combined(), "campaign does not decide (A3)");
    assert!(Filter::from_query("prepid=HIG-1&campaign=C*&match=all").unwrap().is_combined());
}

#[test]
fn server_function_json_keeps_its_field_names_and_omits_unset_analytics() {
    let f = Filter::from_query("campaign=C&status=announced&tier=AODSIM").unwrap();
    let json = serde_json::to_value(&f).unwrap();
    assert_eq!(json["status"], serde_json::json!(["announced"]));
    assert_eq!(json["tier"], serde_json::json!(["AODSIM"]));
    assert!(json.get("priority_min").is_none() && json.get("pwg").is_none());
    assert_eq!(serde_json::from_value::<Filter>(json).unwrap(), f);
    let old: Filter = serde_json::from_str(r#"{"campaign":"C","page":0}"#).unwrap();
    assert!(old.facets.is_empty(), "JSON of the first release still reads");
    assert!(serde_json::from_str::<Filter>(r#"{"status":["runing"]}"#).is_err());
}

#[test]
fn priority_blocks_and_days_in_status_read_back_and_refuse_what_is_out_of_range() {
    let f = Filter::from_query("priority_block=1&priority_block=0&priority_block=1&status_days=14").unwrap();
    assert_eq!((f.facets.priority_block.clone(), f.facets.status_days), (vec![1, 0], Some(14)));
    assert_eq!(Filter::from_query(&f.to_query()).unwrap(), f);
    assert_eq!(f.to_query(), "priority_block=1&priority_block=0&status_days=14");
    for bad in ["priority_block=8", "priority_block=-1", "priority_block=x"] {
        assert!(matches!(Filter::from_query(bad), Err(FilterError::InvalidPriorityBlock(_))), "{bad}");
    }
    for bad in ["status_days=0", "status_days=3651", "status_days=1.5"] {
        assert!(matches!(Filter::from_query(bad), Err(FilterError::InvalidStatusDays(_))), "{bad}");
    }
    let json: Filter = serde_json::from_str(r#"{"priority_block": [9]}"#).unwrap();
    assert!(json.validate().is_err(), "JSON gets the query string's checks");
    let json: Filter = serde_json::from_str(r#"{"change": "new"}"#).unwrap();
    assert!(json.validate().is_err(), "JSON gets the query string's checks");
    assert!(Filter::from_legacy_query("priority_block=9").is_ok(), "the legacy routes ignore it");
    let now = 100 * 86_400;
    assert!(f.facets.record_holds(Some(120_000), Some(now - 14 * 86_400), now));
    assert!(!f.facets.record_holds(Some(120_000), Some(now - 13 * 86_400), now), "not yet 14 days");
    assert!(!f.facets.record_holds(Some(95_000), Some(0), now), "block 2");
    assert!(!f.facets.record_holds(Some(120_000), None, now), "no status, no time in it");
}

#[test]
fn sort_is_an_analytics_parameter_with_known_values() {
    let f = Filter::from_query("campaign=C&sort=status_age").unwrap();
    assert_eq!(f.sort, Some(Sort::StatusAge));
    assert!(f.is_combined(), "a sorted list pages over distinct workflows");
    assert_eq!(Filter::from_query(&f.to_query()).unwrap(), f);
    assert!(!Filter::from_query("prepid=P&sort=priority").unwrap().sorts_by_date(), "the asked order wins over A4");
    assert!(matches!(Filter::from_query("sort=size"), Err(FilterError::UnknownSort(v)) if v == "size"));
    assert_eq!(Filter::from_query("sort=").unwrap().sort, None, "an empty form field is no order");
    assert_eq!(Filter::from_legacy_query("campaign=C&sort=nonsense").unwrap().sort, None, "legacy routes ignore it");
    let json: Filter = serde_json::from_str(r#"{"sort": "completion"}"#).unwrap();
    assert_eq!(json.sort, Some(Sort::Completion));
    assert!(serde_json::from_str::<Filter>(r#"{"sort": "size"}"#).is_err());
    assert!(!serde_json::to_string(&Filter::default()).unwrap().contains("sort"), "absent when unset");
}

#[test]
fn a_group_of_what_changed_reads_back_and_needs_its_time() {
    let f = Filter::from_query("change=reached:completed&change_since=1764000000").unwrap();
    assert_eq!(f.facets.change, Some(crate::filter::ChangeGroup::Reached(RequestStatus::Completed)));
    assert_eq!(f.to_query(), "change=reached%3Acompleted&change_since=1764000000");
    assert_eq!(Filter::from_query(&f.to_query()).unwrap(), f);
    assert!(f.is_combined(), "a narrowed list, paged over distinct workflows");
    assert_eq!(f.facets.describe(), ["reached completed since 2025-11-24 16:00:00 UTC"]);
    for bad in ["change=new", "change_since=5", "change=x&change_since=5", "change=new&change_since=x"] {
        assert!(Filter::from_query(bad).is_err(), "{bad}");
    }
    assert!(matches!(Filter::from_query("change=removed&change_since=1"), Err(FilterError::UnknownChange(_))));
}
