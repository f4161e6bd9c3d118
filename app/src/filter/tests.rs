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
    (v(), v(), v(), v(), v(), v(), v(), v(), 0..=MAX_PAGE, sizes, any::<bool>(), any::<bool>()).prop_map(
        |(a, b, c, d, e, f, g, h, page, page_size, match_all, stalled)| Filter {
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
        },
    )
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
