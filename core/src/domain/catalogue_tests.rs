#![allow(clippy::unwrap_used, reason = "tests")]

use rstest::rstest;

use super::*;

fn step(name: &str, days: u32, group: Option<u32>) -> WorkflowStep {
    WorkflowStep {
        name: name.into(),
        role: "reviewer".into(),
        limit_days: days,
        parallel_group: group,
        risk_point: false,
    }
}

fn good() -> ItemContent {
    ItemContent {
        item_code: "11350100MB0001-001".into(),
        name: "食品经营许可".into(),
        item_type: ItemType::Licensing,
        legal_basis: "《中华人民共和国食品安全法》第三十五条".into(),
        legal_limit_days: 20,
        promised_limit_days: 10,
        fee: FeeRule::None,
        materials: vec![Material {
            name: "营业执照".into(),
            required: true,
            substitute_licenses: vec!["business_license".into()],
        }],
        workflow: vec![
            step("受理", 1, None),
            step("审核", 5, None),
            step("审批", 3, None),
        ],
        online: true,
        delivery_modes: vec![DeliveryMode::Window, DeliveryMode::Electronic],
        extensions: BTreeMap::from([("window".to_owned(), "3号窗口".to_owned())]),
    }
}

fn fields(errors: &[FieldError]) -> Vec<&str> {
    errors.iter().map(|e| e.field.as_str()).collect()
}

#[test]
fn a_complete_item_passes_the_quality_check() {
    assert_eq!(good().quality_check(), vec![]);
}

#[test]
fn the_quality_check_lists_every_failure_at_once() {
    let item = ItemContent {
        name: " ".into(),
        legal_basis: String::new(),
        legal_limit_days: 0,
        promised_limit_days: 0,
        materials: vec![Material {
            name: String::new(),
            required: true,
            substitute_licenses: vec![],
        }],
        workflow: vec![],
        delivery_modes: vec![],
        ..good()
    };
    let errors = item.quality_check();
    assert_eq!(
        fields(&errors),
        vec![
            "content.name",
            "content.legal_basis",
            "content.legal_limit_days",
            "content.promised_limit_days",
            "content.materials[0].name",
            "content.workflow",
            "content.delivery_modes",
        ]
    );
}

#[rstest]
#[case::promised_above_legal(20, 21, "content.promised_limit_days")]
#[case::legal_zero(0, 0, "content.legal_limit_days")]
fn inconsistent_time_limits_are_named(
    #[case] legal: u32,
    #[case] promised: u32,
    #[case] field: &str,
) {
    let item = ItemContent {
        legal_limit_days: legal,
        promised_limit_days: promised,
        ..good()
    };
    assert!(fields(&item.quality_check()).contains(&field));
}

#[rstest]
#[case::bounds_reversed(FeeRule::Formula { unit: "件".into(), per_unit_fen: 100, min_fen: 500, max_fen: 100 }, "content.fee.max_fen")]
#[case::no_unit(FeeRule::Formula { unit: " ".into(), per_unit_fen: 100, min_fen: 0, max_fen: 100 }, "content.fee.unit")]
#[case::fixed_zero(FeeRule::Fixed { amount_fen: 0 }, "content.fee.amount_fen")]
#[case::negative(FeeRule::Fixed { amount_fen: -5 }, "content.fee.amount_fen")]
fn bad_fee_rules_fail_the_check(#[case] fee: FeeRule, #[case] field: &str) {
    let item = ItemContent { fee, ..good() };
    assert!(
        fields(&item.quality_check()).contains(&field),
        "{:?}",
        item.quality_check()
    );
}

#[test]
fn steps_that_outlast_the_legal_limit_fail_the_check() {
    let item = ItemContent {
        legal_limit_days: 8,
        promised_limit_days: 8,
        ..good()
    };
    let errors = item.quality_check();
    assert_eq!(fields(&errors), vec!["content.workflow"]);
    assert!(errors[0].reason.contains("9 working days"));
}

#[test]
fn parallel_steps_count_once_by_their_longest() {
    let item = ItemContent {
        workflow: vec![
            step("受理", 1, None),
            step("市场监管审查", 5, Some(1)),
            step("消防审查", 7, Some(1)),
            step("环保审查", 3, Some(1)),
            step("审批", 2, None),
        ],
        ..good()
    };
    assert_eq!(item.workflow_days(), 10);
    assert_eq!(item.quality_check(), vec![]);
}

#[test]
fn a_draft_may_be_incomplete_but_not_malformed() {
    let incomplete = ItemContent {
        name: String::new(),
        workflow: vec![],
        ..good()
    };
    assert!(incomplete.storable().is_empty());
    let malformed = ItemContent {
        item_code: "有 空格".into(),
        fee: FeeRule::Fixed { amount_fen: -1 },
        ..good()
    };
    assert_eq!(
        fields(&malformed.storable()),
        vec!["content.item_code", "content.fee.amount_fen"]
    );
}

#[rstest]
#[case::none(FeeRule::None, 7, 0)]
#[case::fixed(FeeRule::Fixed { amount_fen: 1_000 }, 7, 1_000)]
#[case::formula_inside_bounds(FeeRule::Formula { unit: "平方米".into(), per_unit_fen: 150, min_fen: 500, max_fen: 10_000 }, 10, 1_500)]
#[case::formula_below_lower_bound(FeeRule::Formula { unit: "平方米".into(), per_unit_fen: 150, min_fen: 500, max_fen: 10_000 }, 1, 500)]
#[case::formula_above_upper_bound(FeeRule::Formula { unit: "平方米".into(), per_unit_fen: 150, min_fen: 500, max_fen: 10_000 }, 1_000, 10_000)]
#[case::formula_huge_quantity_saturates(FeeRule::Formula { unit: "件".into(), per_unit_fen: 150, min_fen: 0, max_fen: 10_000 }, u64::MAX, 10_000)]
fn fees_are_computed_within_their_bounds(
    #[case] fee: FeeRule,
    #[case] quantity: u64,
    #[case] fen: i64,
) {
    assert_eq!(fee.amount(quantity), fen);
}

#[test]
fn a_local_version_that_agrees_on_the_four_sames_passes() {
    let city = good();
    let county = ItemContent {
        promised_limit_days: 5,
        extensions: BTreeMap::from([("window".to_owned(), "县中心1号".to_owned())]),
        ..good()
    };
    assert!(county.four_sames_differences(&city, "测试市").is_empty());
}

#[rstest]
#[case::name(ItemContent { name: "食品经营许可（县）".into(), ..good() }, "content.name")]
#[case::item_type(ItemContent { item_type: ItemType::Confirmation, ..good() }, "content.item_type")]
#[case::legal_basis(ItemContent { legal_basis: "某县规定".into(), ..good() }, "content.legal_basis")]
fn a_local_version_that_breaks_the_four_sames_is_named(
    #[case] county: ItemContent,
    #[case] field: &str,
) {
    let diff = county.four_sames_differences(&good(), "测试市");
    assert_eq!(fields(&diff), vec![field]);
    assert!(diff[0].reason.contains("测试市"));
}

#[test]
fn only_drafts_are_edited_and_published_and_only_published_versions_retired() {
    assert!(ItemStatus::Draft.check_edit().is_ok());
    assert!(ItemStatus::Draft.check_publish().is_ok());
    assert!(ItemStatus::Draft.check_retire().is_err());
    assert!(ItemStatus::Published.check_edit().is_err());
    assert!(ItemStatus::Published.check_publish().is_err());
    assert!(ItemStatus::Published.check_retire().is_ok());
    let retired = ItemStatus::Retired;
    assert!(retired.check_edit().is_err());
    assert!(retired.check_publish().is_err());
    assert!(retired.check_retire().is_err());
}

#[test]
fn editing_a_published_version_points_at_a_new_change() {
    match ItemStatus::Published.check_edit() {
        Err(Error::Conflict { allowed, .. }) => assert_eq!(allowed, vec!["change"]),
        other => panic!("unexpected {other:?}"),
    }
}

#[rstest]
#[case(ChangeKind::New, 0, 1, true)]
#[case(ChangeKind::New, 1, 1, false)]
#[case(ChangeKind::Change, 1, 1, true)]
#[case(ChangeKind::Change, 2, 1, false)]
#[case(ChangeKind::Split, 1, 2, true)]
#[case(ChangeKind::Split, 1, 1, false)]
#[case(ChangeKind::Merge, 2, 1, true)]
#[case(ChangeKind::Merge, 1, 1, false)]
#[case(ChangeKind::Suspend, 1, 0, true)]
#[case(ChangeKind::Cancel, 1, 1, false)]
fn each_change_kind_takes_its_own_number_of_sources_and_items(
    #[case] kind: ChangeKind,
    #[case] sources: usize,
    #[case] items: usize,
    #[case] ok: bool,
) {
    assert_eq!(kind.check_shape(sources, items).is_ok(), ok);
}

#[test]
fn names_of_types_statuses_and_change_kinds_round_trip() {
    for t in [
        ItemType::Licensing,
        ItemType::Levying,
        ItemType::Payment,
        ItemType::Confirmation,
        ItemType::Reward,
        ItemType::Other,
    ] {
        assert_eq!(ItemType::parse(t.as_str()), Some(t));
    }
    for s in [
        ItemStatus::Draft,
        ItemStatus::Published,
        ItemStatus::Retired,
    ] {
        assert_eq!(ItemStatus::parse(s.as_str()), Some(s));
    }
    for k in [
        ChangeKind::New,
        ChangeKind::Change,
        ChangeKind::Split,
        ChangeKind::Merge,
        ChangeKind::Suspend,
        ChangeKind::Cancel,
    ] {
        assert_eq!(ChangeKind::parse(k.as_str()), Some(k));
    }
}

#[test]
fn item_content_json_has_the_documented_shape() {
    let v = serde_json::to_value(ItemContent {
        fee: FeeRule::Formula {
            unit: "件".into(),
            per_unit_fen: 100,
            min_fen: 0,
            max_fen: 500,
        },
        ..good()
    })
    .unwrap();
    assert_eq!(v["item_type"], "licensing");
    assert_eq!(v["fee"]["kind"], "formula");
    assert_eq!(v["delivery_modes"][1], "electronic");
    assert_eq!(v["workflow"][0]["parallel_group"], serde_json::Value::Null);
    let back: ItemContent = serde_json::from_value(v).unwrap();
    assert_eq!(back.fee.amount(3), 300);
}
