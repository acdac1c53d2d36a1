//! The diesel schema: one set of portable column types for SQLite and PostgreSQL.
//! Kept by hand in step with `migrations/`; a test compares both backends' tables.

diesel::table! {
    regions (id) {
        id -> BigInt,
        code -> Text,
        name -> Text,
        level -> Text,
        parent_id -> Nullable<BigInt>,
        path -> Text,
        created_at -> BigInt,
    }
}

diesel::table! {
    departments (id) {
        id -> BigInt,
        region_id -> BigInt,
        code -> Text,
        name -> Text,
        created_at -> BigInt,
    }
}

diesel::table! {
    halls (id) {
        id -> BigInt,
        region_id -> BigInt,
        name -> Text,
        address -> Text,
        created_at -> BigInt,
    }
}

diesel::table! {
    hall_areas (id) {
        id -> BigInt,
        hall_id -> BigInt,
        prefix -> Text,
        name -> Text,
        created_at -> BigInt,
    }
}

diesel::table! {
    windows (id) {
        id -> BigInt,
        hall_id -> BigInt,
        area_id -> Nullable<BigInt>,
        department_id -> Nullable<BigInt>,
        number -> Text,
        name -> Text,
        created_at -> BigInt,
    }
}

diesel::table! {
    users (id) {
        id -> BigInt,
        username -> Text,
        display_name -> Text,
        password_hash -> Text,
        region_id -> BigInt,
        department_id -> Nullable<BigInt>,
        phone_enc -> Nullable<Text>,
        active -> Bool,
        failed_logins -> Integer,
        locked_until -> Nullable<BigInt>,
        created_at -> BigInt,
    }
}

diesel::table! {
    roles (id) {
        id -> BigInt,
        name -> Text,
        title -> Text,
        builtin -> Bool,
        created_at -> BigInt,
    }
}

diesel::table! {
    role_permissions (role_id, permission) {
        role_id -> BigInt,
        permission -> Text,
    }
}

diesel::table! {
    user_roles (id) {
        id -> BigInt,
        user_id -> BigInt,
        role_id -> BigInt,
        scope_kind -> Text,
        scope_id -> Nullable<BigInt>,
        created_at -> BigInt,
    }
}

diesel::table! {
    modules (id) {
        id -> BigInt,
        code -> Text,
        name -> Text,
        description -> Text,
        created_at -> BigInt,
    }
}

diesel::table! {
    module_grants (id) {
        id -> BigInt,
        module_id -> BigInt,
        role_id -> Nullable<BigInt>,
        user_id -> Nullable<BigInt>,
        created_at -> BigInt,
    }
}

diesel::table! {
    tokens (id) {
        id -> BigInt,
        kind -> Text,
        token_hash -> Text,
        user_id -> BigInt,
        name -> Text,
        created_at -> BigInt,
        expires_at -> Nullable<BigInt>,
        revoked_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        at -> BigInt,
        actor_id -> Nullable<BigInt>,
        actor -> Text,
        action -> Text,
        entity -> Text,
        entity_id -> BigInt,
        region_id -> Nullable<BigInt>,
        before_json -> Nullable<Text>,
        after_json -> Nullable<Text>,
        prev_hash -> Text,
        hash -> Text,
    }
}

diesel::table! {
    events (id) {
        id -> BigInt,
        at -> BigInt,
        kind -> Text,
        entity -> Text,
        entity_id -> BigInt,
        region_id -> Nullable<BigInt>,
        department_id -> Nullable<BigInt>,
        owner_id -> Nullable<BigInt>,
        payload -> Text,
    }
}

diesel::table! {
    catalogue_items (id) {
        id -> BigInt,
        item_code -> Text,
        region_id -> BigInt,
        department_id -> BigInt,
        version -> BigInt,
        status -> Text,
        change_kind -> Text,
        name -> Text,
        item_type -> Text,
        legal_limit_days -> BigInt,
        promised_limit_days -> BigInt,
        online -> Bool,
        details -> Text,
        created_at -> BigInt,
        published_at -> Nullable<BigInt>,
        retired_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    catalogue_lineage (item_id, source_id) {
        item_id -> BigInt,
        source_id -> BigInt,
    }
}

diesel::table! {
    catalogue_old_codes (id) {
        id -> BigInt,
        old_code -> Text,
        old_name -> Text,
        item_code -> Text,
        region_id -> BigInt,
        created_at -> BigInt,
    }
}

diesel::table! {
    cases (id) {
        id -> BigInt,
        case_no -> Text,
        region_id -> BigInt,
        department_id -> BigInt,
        item_id -> BigInt,
        item_code -> Text,
        status -> Text,
        channel -> Text,
        id_blind -> Text,
        id_sealed -> Text,
        step_index -> BigInt,
        submitted_at -> BigInt,
        accepted_at -> Nullable<BigInt>,
        step_started_at -> Nullable<BigInt>,
        details -> Text,
    }
}

diesel::table! {
    case_history (id) {
        id -> BigInt,
        case_id -> BigInt,
        at -> BigInt,
        actor_id -> Nullable<BigInt>,
        actor -> Text,
        action -> Text,
        status -> Text,
        step_index -> BigInt,
        opinion -> Nullable<Text>,
    }
}

diesel::table! {
    case_numbers (region_id, day) {
        region_id -> BigInt,
        day -> Text,
        last -> BigInt,
    }
}

diesel::table! {
    supervision_rules (id) {
        id -> BigInt,
        code -> Text,
        name -> Text,
        kind -> Text,
        severity -> Text,
        condition -> Text,
        scope -> Text,
        enabled -> Bool,
        builtin -> Bool,
        version -> BigInt,
        created_at -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    supervision_rule_versions (rule_id, version) {
        rule_id -> BigInt,
        version -> BigInt,
        body -> Text,
        actor -> Text,
        created_at -> BigInt,
    }
}

diesel::table! {
    anomalies (id) {
        id -> BigInt,
        rule_id -> BigInt,
        rule_version -> BigInt,
        case_id -> BigInt,
        step -> BigInt,
        kind -> Text,
        severity -> Text,
        status -> Text,
        region_id -> BigInt,
        department_id -> BigInt,
        facts -> Text,
        opened_at -> BigInt,
        updated_at -> BigInt,
        closed_at -> Nullable<BigInt>,
        closed_by -> Nullable<Text>,
        silenced_until -> Nullable<BigInt>,
    }
}

diesel::table! {
    anomaly_notes (id) {
        id -> BigInt,
        anomaly_id -> BigInt,
        at -> BigInt,
        actor_id -> Nullable<BigInt>,
        actor -> Text,
        action -> Text,
        note -> Nullable<Text>,
    }
}

diesel::table! {
    supervision_orders (id) {
        id -> BigInt,
        order_no -> Text,
        anomaly_id -> Nullable<BigInt>,
        case_id -> BigInt,
        region_id -> BigInt,
        department_id -> BigInt,
        addressee -> Text,
        content -> Text,
        status -> Text,
        reply_due_at -> BigInt,
        reply -> Nullable<Text>,
        replied_at -> Nullable<BigInt>,
        closed_at -> Nullable<BigInt>,
        escalated_at -> Nullable<BigInt>,
        created_by -> Text,
        created_at -> BigInt,
    }
}

diesel::table! {
    evaluations (id) {
        id -> BigInt,
        source -> Text,
        source_message_id -> Text,
        rating -> BigInt,
        comment -> Nullable<Text>,
        case_id -> Nullable<BigInt>,
        ticket_id -> Nullable<BigInt>,
        window_id -> Nullable<BigInt>,
        staff_id -> Nullable<BigInt>,
        region_id -> BigInt,
        department_id -> Nullable<BigInt>,
        item_code -> Nullable<Text>,
        follow_up_status -> Nullable<Text>,
        follow_up -> Nullable<Text>,
        created_at -> BigInt,
    }
}

diesel::joinable!(departments -> regions (region_id));
diesel::joinable!(halls -> regions (region_id));
diesel::joinable!(hall_areas -> halls (hall_id));
diesel::joinable!(windows -> halls (hall_id));
diesel::joinable!(users -> regions (region_id));
diesel::joinable!(user_roles -> users (user_id));
diesel::joinable!(user_roles -> roles (role_id));
diesel::joinable!(role_permissions -> roles (role_id));
diesel::joinable!(tokens -> users (user_id));
diesel::joinable!(module_grants -> modules (module_id));
diesel::joinable!(catalogue_items -> regions (region_id));
diesel::joinable!(catalogue_items -> departments (department_id));
diesel::joinable!(catalogue_old_codes -> regions (region_id));
diesel::joinable!(cases -> regions (region_id));
diesel::joinable!(case_history -> cases (case_id));
diesel::joinable!(supervision_rule_versions -> supervision_rules (rule_id));
diesel::joinable!(anomalies -> supervision_rules (rule_id));
diesel::joinable!(anomalies -> cases (case_id));
diesel::joinable!(anomalies -> regions (region_id));
diesel::joinable!(anomaly_notes -> anomalies (anomaly_id));
diesel::joinable!(supervision_orders -> cases (case_id));

diesel::allow_tables_to_appear_in_same_query!(
    regions,
    departments,
    halls,
    hall_areas,
    windows,
    users,
    roles,
    role_permissions,
    user_roles,
    modules,
    module_grants,
    tokens,
    audit_log,
    events,
    catalogue_items,
    catalogue_lineage,
    catalogue_old_codes,
    cases,
    case_history,
    case_numbers,
    supervision_rules,
    supervision_rule_versions,
    anomalies,
    anomaly_notes,
    supervision_orders,
    evaluations,
);
