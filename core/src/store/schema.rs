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
    queue_settings (hall_id) {
        hall_id -> BigInt,
        clear_at_night -> Bool,
        max_misses -> BigInt,
        appointment_boost_min -> BigInt,
        priority_classes -> Text,
        default_service_min -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    queue_window_items (window_id, item_code) {
        window_id -> BigInt,
        item_code -> Text,
    }
}

diesel::table! {
    queue_window_sessions (id) {
        id -> BigInt,
        window_id -> BigInt,
        hall_id -> BigInt,
        user_id -> BigInt,
        signed_in_at -> BigInt,
        signed_out_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    queue_numbers (area_id, day) {
        area_id -> BigInt,
        day -> Text,
        last -> BigInt,
    }
}

diesel::table! {
    queue_tickets (id) {
        id -> BigInt,
        hall_id -> BigInt,
        area_id -> BigInt,
        number -> Text,
        day -> Text,
        item_code -> Nullable<Text>,
        item_group -> Nullable<Text>,
        rank_at -> BigInt,
        status -> Text,
        window_id -> Nullable<BigInt>,
        target_window_id -> Nullable<BigInt>,
        staff_id -> Nullable<BigInt>,
        misses -> BigInt,
        taken_at -> BigInt,
        called_at -> Nullable<BigInt>,
        finished_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    queue_ticket_details (ticket_id) {
        ticket_id -> BigInt,
        first_area_id -> BigInt,
        channel -> Text,
        priority_class -> Nullable<Text>,
        void_reason -> Nullable<Text>,
        case_id -> Nullable<BigInt>,
        appointment_id -> Nullable<BigInt>,
        id_blind -> Nullable<Text>,
        age_band -> Nullable<Text>,
        request_key -> Nullable<Text>,
    }
}

diesel::table! {
    queue_intervals (id) {
        id -> BigInt,
        ticket_id -> BigInt,
        hall_id -> BigInt,
        area_id -> BigInt,
        window_id -> Nullable<BigInt>,
        staff_id -> Nullable<BigInt>,
        state -> Text,
        started_at -> BigInt,
        ended_at -> Nullable<BigInt>,
        ended_by -> Nullable<Text>,
    }
}

diesel::table! {
    queue_slots (id) {
        id -> BigInt,
        hall_id -> BigInt,
        area_id -> BigInt,
        item_code -> Nullable<Text>,
        starts_at -> BigInt,
        ends_at -> BigInt,
        capacity -> BigInt,
        booked -> BigInt,
        created_at -> BigInt,
    }
}

diesel::table! {
    queue_appointments (id) {
        id -> BigInt,
        slot_id -> BigInt,
        hall_id -> BigInt,
        status -> Text,
        applicant_name -> Text,
        id_sealed -> Text,
        id_blind -> Text,
        id_masked -> Text,
        age_band -> Text,
        channel -> Text,
        booked_at -> BigInt,
        changed_at -> BigInt,
        ticket_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    queue_desk_enquiries (id) {
        id -> BigInt,
        hall_id -> BigInt,
        item_code -> Nullable<Text>,
        question -> Text,
        answer -> Text,
        referral -> Nullable<Text>,
        ticket_id -> Nullable<BigInt>,
        desk_wait_ms -> BigInt,
        staff_id -> Nullable<BigInt>,
        at -> BigInt,
    }
}

diesel::table! {
    devices (id) {
        id -> BigInt,
        hall_id -> BigInt,
        window_id -> Nullable<BigInt>,
        user_id -> BigInt,
        kind -> Text,
        name -> Text,
        status -> Text,
        online -> Bool,
        heartbeat_interval_ms -> BigInt,
        firmware -> Nullable<Text>,
        capabilities -> Text,
        last_seen_at -> Nullable<BigInt>,
        display_state -> Text,
        created_at -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    device_commands (id) {
        id -> BigInt,
        device_id -> BigInt,
        kind -> Text,
        payload -> Text,
        status -> Text,
        created_at -> BigInt,
        expires_at -> BigInt,
        delivered_at -> Nullable<BigInt>,
        acked_at -> Nullable<BigInt>,
        outcome -> Nullable<Text>,
        detail -> Nullable<Text>,
    }
}

diesel::table! {
    device_reports (id) {
        id -> BigInt,
        device_id -> BigInt,
        report_id -> Text,
        kind -> Text,
        payload -> Text,
        case_id -> Nullable<BigInt>,
        happened_at -> BigInt,
        received_at -> BigInt,
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
        notified_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    risk_people (user_id) {
        user_id -> BigInt,
        reason -> Text,
        flagged_by -> Nullable<BigInt>,
        flagged_at -> BigInt,
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

diesel::table! {
    complaints (id) {
        id -> BigInt,
        complaint_no -> Text,
        source -> Text,
        source_ref -> Nullable<Text>,
        region_id -> BigInt,
        department_id -> Nullable<BigInt>,
        case_id -> Nullable<BigInt>,
        window_id -> Nullable<BigInt>,
        staff_id -> Nullable<BigInt>,
        complainant_name -> Text,
        complainant_phone -> Text,
        complainant_id_number -> Nullable<Text>,
        content -> Text,
        status -> Text,
        step_due_at -> Nullable<BigInt>,
        created_at -> BigInt,
    }
}

diesel::table! {
    complaint_steps (id) {
        id -> BigInt,
        complaint_id -> BigInt,
        step -> Text,
        actor -> Text,
        actor_id -> Nullable<BigInt>,
        body -> Text,
        responsible -> Nullable<Text>,
        due_at -> Nullable<BigInt>,
        late -> Bool,
        at -> BigInt,
    }
}

diesel::table! {
    workflow_cards (id) {
        id -> BigInt,
        subject -> Text,
        subject_id -> BigInt,
        step -> Text,
        severity -> Text,
        status -> Text,
        region_id -> BigInt,
        department_id -> Nullable<BigInt>,
        due_at -> BigInt,
        opened_at -> BigInt,
        closed_at -> Nullable<BigInt>,
        silenced_until -> Nullable<BigInt>,
        notified_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    workflow_card_notes (id) {
        id -> BigInt,
        card_id -> BigInt,
        at -> BigInt,
        actor_id -> Nullable<BigInt>,
        actor -> Text,
        action -> Text,
        note -> Nullable<Text>,
    }
}

diesel::table! {
    evaluation_visits (id) {
        id -> BigInt,
        evaluation_id -> BigInt,
        visited_by -> Text,
        visited_at -> BigInt,
        result -> Text,
        recorded_by -> Text,
        created_at -> BigInt,
    }
}

diesel::table! {
    evaluation_appeals (evaluation_id) {
        evaluation_id -> BigInt,
        reason -> Text,
        evidence -> Text,
        appealed_by -> Text,
        appealed_at -> BigInt,
        outcome -> Nullable<Text>,
        decision_note -> Nullable<Text>,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    performance_reviews (id) {
        id -> BigInt,
        review_no -> Text,
        region_id -> BigInt,
        title -> Text,
        period_from -> BigInt,
        period_to -> BigInt,
        stage -> Text,
        notice -> Text,
        leader_opinion -> Nullable<Text>,
        publicity_until -> Nullable<BigInt>,
        announcement -> Nullable<Text>,
        created_by -> Text,
        created_at -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    review_applications (id) {
        id -> BigInt,
        review_id -> BigInt,
        award -> Text,
        window_id -> Nullable<BigInt>,
        staff_id -> Nullable<BigInt>,
        department_id -> Nullable<BigInt>,
        statement -> Text,
        figures -> Nullable<Text>,
        proposed -> Bool,
        applied_by -> Text,
        created_at -> BigInt,
    }
}

diesel::table! {
    review_scores (id) {
        id -> BigInt,
        application_id -> BigInt,
        division_id -> BigInt,
        score -> BigInt,
        comment -> Text,
        scored_by -> Text,
        scored_at -> BigInt,
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
diesel::joinable!(queue_tickets -> hall_areas (area_id));
diesel::joinable!(queue_intervals -> queue_tickets (ticket_id));
diesel::joinable!(queue_ticket_details -> queue_tickets (ticket_id));
diesel::joinable!(queue_appointments -> queue_slots (slot_id));
diesel::joinable!(queue_slots -> hall_areas (area_id));
diesel::joinable!(queue_window_sessions -> users (user_id));
diesel::joinable!(devices -> halls (hall_id));
diesel::joinable!(devices -> windows (window_id));
diesel::joinable!(device_commands -> devices (device_id));
diesel::joinable!(device_reports -> devices (device_id));

diesel::joinable!(supervision_rule_versions -> supervision_rules (rule_id));
diesel::joinable!(anomalies -> supervision_rules (rule_id));
diesel::joinable!(anomalies -> cases (case_id));
diesel::joinable!(anomalies -> regions (region_id));
diesel::joinable!(anomaly_notes -> anomalies (anomaly_id));
diesel::joinable!(risk_people -> users (user_id));
diesel::joinable!(supervision_orders -> cases (case_id));

diesel::joinable!(complaints -> regions (region_id));
diesel::joinable!(complaint_steps -> complaints (complaint_id));
diesel::joinable!(evaluation_visits -> evaluations (evaluation_id));
diesel::joinable!(workflow_card_notes -> workflow_cards (card_id));
diesel::joinable!(evaluations -> regions (region_id));
diesel::joinable!(performance_reviews -> regions (region_id));
diesel::joinable!(review_applications -> performance_reviews (review_id));
diesel::joinable!(review_scores -> review_applications (application_id));

diesel::allow_tables_to_appear_in_same_query!(
    supervision_rules,
    supervision_rule_versions,
    anomalies,
    anomaly_notes,
    risk_people,
    supervision_orders,
    evaluations,
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
    queue_settings,
    queue_window_items,
    queue_window_sessions,
    queue_numbers,
    queue_tickets,
    queue_ticket_details,
    queue_intervals,
    queue_slots,
    queue_appointments,
    queue_desk_enquiries,
    devices,
    device_commands,
    device_reports,
    licenses,
    material_reuses,
    license_prints,
    combined_cases,
    combined_case_parts,
    case_windows,
    complaints,
    complaint_steps,
    workflow_cards,
    workflow_card_notes,
    evaluation_visits,
    evaluation_appeals,
    performance_reviews,
    review_applications,
    review_scores,
    case_imports,
    connector_cursors,
    outbox_deliveries,
    inbound_messages,
    intermediaries,
    intermediary_history,
    intermediary_credit_records,
    intermediary_projects,
    intermediary_project_progress,
    intermediary_bids,
    intermediary_logins,
    intermediary_project_cancellations,
    data_sets,
    data_set_versions,
    data_share_requests,
    data_share_uses,
    cockpit_daily,
    cockpit_daily_halls,
    cockpit_daily_items,
    cockpit_monthly,
    cockpit_monthly_items,
    cockpit_cursor,
    portal_materials,
    courier_orders,
    courier_updates,
    logistics_reports,
    regulators,
    regulator_pushes,
    regulator_feedback,
    punishment_list,
    license_library_lookups,
    catalogue_sync_items,
    catalogue_sync_conflicts,
    publicity_fields,
    publicity_reports,
    result_handovers,
    license_origins,
);

diesel::table! {
    case_delegations (id) {
        id -> BigInt,
        delegator_id -> BigInt,
        delegate_id -> BigInt,
        case_id -> Nullable<BigInt>,
        step_index -> Nullable<BigInt>,
        starts_at -> BigInt,
        ends_at -> Nullable<BigInt>,
        reason -> Text,
        created_at -> BigInt,
        revoked_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    licenses (id) {
        id -> BigInt,
        license_no -> Text,
        kind -> Text,
        case_id -> Nullable<BigInt>,
        region_id -> BigInt,
        department_id -> BigInt,
        holder_blind -> Text,
        holder_name -> Text,
        holder_masked -> Text,
        trust_level -> Text,
        valid_from -> Text,
        valid_to -> Text,
        status -> Text,
        issued_at -> BigInt,
        revoked_at -> Nullable<BigInt>,
        revoke_reason -> Nullable<Text>,
    }
}

diesel::table! {
    material_reuses (id) {
        id -> BigInt,
        case_id -> BigInt,
        material -> Text,
        license_id -> Nullable<BigInt>,
        source_case_id -> Nullable<BigInt>,
        trust_level -> Nullable<Text>,
        at -> BigInt,
    }
}

diesel::table! {
    license_prints (id) {
        id -> BigInt,
        license_id -> BigInt,
        status -> Text,
        queued_at -> BigInt,
        queued_by -> Text,
        printed_at -> Nullable<BigInt>,
        printed_by -> Nullable<Text>,
        handed_out_at -> Nullable<BigInt>,
        handed_out_by -> Nullable<Text>,
        received_by -> Nullable<Text>,
    }
}

diesel::table! {
    combined_cases (id) {
        id -> BigInt,
        combined_no -> Text,
        region_id -> BigInt,
        denial_rule -> Text,
        status -> Text,
        applicant_name -> Text,
        applicant_masked -> Text,
        created_at -> BigInt,
        concluded_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    combined_case_parts (case_id) {
        case_id -> BigInt,
        combined_id -> BigInt,
        position -> BigInt,
    }
}

diesel::table! {
    case_windows (case_id) {
        case_id -> BigInt,
        hall_id -> BigInt,
        intake_window_id -> BigInt,
        output_window_id -> BigInt,
        result_ready_at -> Nullable<BigInt>,
    }
}

diesel::joinable!(licenses -> regions (region_id));
diesel::joinable!(combined_cases -> regions (region_id));
diesel::joinable!(license_prints -> licenses (license_id));
diesel::joinable!(combined_case_parts -> combined_cases (combined_id));
diesel::joinable!(combined_case_parts -> cases (case_id));
diesel::joinable!(case_windows -> cases (case_id));

diesel::table! {
    calendar_years (year) {
        year -> BigInt,
        source -> Nullable<Text>,
        days -> Text,
        loaded_at -> BigInt,
        loaded_by -> Text,
    }
}

diesel::table! {
    case_imports (source, legacy_no) {
        source -> Text,
        legacy_no -> Text,
        case_id -> BigInt,
        imported_at -> BigInt,
    }
}

diesel::joinable!(case_imports -> cases (case_id));

diesel::table! {
    connector_cursors (connector) {
        connector -> Text,
        cursor -> BigInt,
        paused -> Bool,
        updated_at -> BigInt,
    }
}

diesel::table! {
    outbox_deliveries (id) {
        id -> BigInt,
        connector -> Text,
        event_id -> BigInt,
        event_at -> BigInt,
        idempotency_key -> Text,
        status -> Text,
        attempts -> BigInt,
        last_error -> Nullable<Text>,
        next_try_at -> BigInt,
        receipt -> Nullable<Text>,
        created_at -> BigInt,
        finished_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    inbound_messages (id) {
        id -> BigInt,
        peer -> Text,
        message_id -> Text,
        body -> Text,
        status -> Text,
        answer -> Nullable<Text>,
        received_at -> BigInt,
    }
}

diesel::joinable!(outbox_deliveries -> events (event_id));

diesel::table! {
    intermediaries (id) {
        id -> BigInt,
        credit_code -> Text,
        name -> Text,
        region_id -> BigInt,
        status -> Text,
        service_types -> Text,
        items -> Text,
        qualifications -> Text,
        fee_min_fen -> BigInt,
        fee_max_fen -> BigInt,
        staff -> Text,
        created_at -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    intermediary_history (id) {
        id -> BigInt,
        intermediary_id -> BigInt,
        action -> Text,
        status -> Text,
        reason -> Text,
        actor -> Text,
        at -> BigInt,
    }
}

diesel::table! {
    intermediary_credit_records (id) {
        id -> BigInt,
        intermediary_id -> BigInt,
        kind -> Text,
        score -> Nullable<BigInt>,
        note -> Text,
        actor -> Text,
        at -> BigInt,
    }
}

diesel::table! {
    intermediary_projects (id) {
        id -> BigInt,
        project_no -> Text,
        region_id -> BigInt,
        department_id -> Nullable<BigInt>,
        case_id -> Nullable<BigInt>,
        title -> Text,
        service_type -> Text,
        item_code -> Text,
        budget_fen -> BigInt,
        bid_deadline -> BigInt,
        selection -> Text,
        status -> Text,
        intermediary_id -> Nullable<BigInt>,
        due_at -> Nullable<BigInt>,
        created_by -> BigInt,
        created_at -> BigInt,
    }
}

diesel::table! {
    intermediary_project_progress (project_id) {
        project_id -> BigInt,
        price_fen -> Nullable<BigInt>,
        draw_seed -> Nullable<Text>,
        draw_candidates -> Nullable<Text>,
        selected_at -> BigInt,
        service_days -> Nullable<BigInt>,
        contracted_at -> Nullable<BigInt>,
        delivered_at -> Nullable<BigInt>,
        result_material -> Nullable<Text>,
        late -> Bool,
        evaluation_score -> Nullable<BigInt>,
        evaluation_comment -> Nullable<Text>,
        accepted_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    intermediary_project_cancellations (project_id) {
        project_id -> BigInt,
        reason -> Text,
        cancelled_by -> BigInt,
        cancelled_at -> BigInt,
    }
}

diesel::table! {
    intermediary_logins (user_id) {
        user_id -> BigInt,
        intermediary_id -> BigInt,
        created_by -> BigInt,
        created_at -> BigInt,
    }
}

diesel::table! {
    intermediary_bids (id) {
        id -> BigInt,
        project_id -> BigInt,
        intermediary_id -> BigInt,
        price_fen -> BigInt,
        note -> Text,
        at -> BigInt,
    }
}

diesel::table! {
    data_sets (id) {
        id -> BigInt,
        code -> Text,
        name -> Text,
        region_id -> BigInt,
        department_id -> BigInt,
        description -> Text,
        fields -> Text,
        update_frequency -> Text,
        form -> Text,
        created_at -> BigInt,
        version -> BigInt,
        withdrawn_at -> Nullable<BigInt>,
        withdraw_reason -> Nullable<Text>,
    }
}

diesel::table! {
    data_set_versions (data_set_id, version) {
        data_set_id -> BigInt,
        version -> BigInt,
        name -> Text,
        description -> Text,
        fields -> Text,
        update_frequency -> Text,
        form -> Text,
        note -> Text,
        actor -> Text,
        at -> BigInt,
    }
}

diesel::table! {
    data_share_requests (id) {
        id -> BigInt,
        data_set_id -> BigInt,
        provider_department_id -> BigInt,
        provider_region_id -> BigInt,
        department_id -> BigInt,
        region_id -> BigInt,
        purpose -> Text,
        fields -> Text,
        status -> Text,
        agreement_no -> Nullable<Text>,
        valid_until -> Nullable<BigInt>,
        decision_note -> Nullable<Text>,
        requested_by -> Text,
        requested_at -> BigInt,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    data_share_uses (id) {
        id -> BigInt,
        request_id -> BigInt,
        purpose -> Text,
        records -> BigInt,
        used_by -> Text,
        at -> BigInt,
    }
}

diesel::joinable!(intermediaries -> regions (region_id));
diesel::joinable!(intermediary_projects -> regions (region_id));
diesel::joinable!(data_sets -> regions (region_id));
diesel::joinable!(intermediary_project_progress -> intermediary_projects (project_id));
diesel::joinable!(intermediary_logins -> users (user_id));
diesel::joinable!(data_share_uses -> data_share_requests (request_id));

diesel::table! {
    cockpit_daily (day, region_id, department_id) {
        day -> BigInt,
        region_id -> BigInt,
        department_id -> BigInt,
        received -> BigInt,
        online -> BigInt,
        concluded -> BigInt,
        on_time -> BigInt,
        handling_days -> BigInt,
        courier -> BigInt,
        ratings -> BigInt,
        rating_sum -> BigInt,
        yellow -> BigInt,
        red -> BigInt,
        complaints -> BigInt,
    }
}

diesel::table! {
    cockpit_daily_halls (day, region_id) {
        day -> BigInt,
        region_id -> BigInt,
        visits -> BigInt,
        waits -> BigInt,
        wait_ms -> BigInt,
    }
}

diesel::table! {
    cockpit_daily_items (day, region_id, department_id, item_code) {
        day -> BigInt,
        region_id -> BigInt,
        department_id -> BigInt,
        item_code -> Text,
        received -> BigInt,
        concluded -> BigInt,
    }
}

diesel::table! {
    cockpit_monthly (month, region_id, department_id) {
        month -> BigInt,
        region_id -> BigInt,
        department_id -> BigInt,
        received -> BigInt,
        online -> BigInt,
        concluded -> BigInt,
        on_time -> BigInt,
        handling_days -> BigInt,
        courier -> BigInt,
        ratings -> BigInt,
        rating_sum -> BigInt,
        yellow -> BigInt,
        red -> BigInt,
        complaints -> BigInt,
    }
}

diesel::table! {
    cockpit_monthly_items (month, region_id, department_id, item_code) {
        month -> BigInt,
        region_id -> BigInt,
        department_id -> BigInt,
        item_code -> Text,
        received -> BigInt,
        concluded -> BigInt,
    }
}

diesel::table! {
    cockpit_cursor (id) {
        id -> BigInt,
        last_event -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    portal_materials (id) {
        id -> BigInt,
        case_id -> BigInt,
        name -> Text,
        size_bytes -> BigInt,
        sha256 -> Text,
        content_type -> Text,
        storage_ref -> Text,
        uploaded_at -> BigInt,
    }
}

diesel::table! {
    courier_orders (id) {
        id -> BigInt,
        case_id -> BigInt,
        leg -> Text,
        region_id -> BigInt,
        company -> Text,
        envelope_no -> Nullable<Text>,
        waybill_no -> Nullable<Text>,
        address_sealed -> Text,
        address_masked -> Text,
        status -> Text,
        created_at -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    courier_updates (id) {
        id -> BigInt,
        order_id -> BigInt,
        status -> Text,
        note -> Text,
        at -> BigInt,
        peer -> Text,
        message_id -> Text,
        received_at -> BigInt,
    }
}

diesel::table! {
    logistics_reports (day) {
        day -> BigInt,
        figures -> Text,
        created_at -> BigInt,
    }
}

diesel::joinable!(courier_orders -> cases (case_id));
diesel::joinable!(courier_orders -> regions (region_id));
diesel::joinable!(courier_updates -> courier_orders (order_id));

diesel::table! {
    regulators (id) {
        id -> BigInt,
        connector -> Text,
        name -> Text,
        region_id -> BigInt,
        department_id -> Nullable<BigInt>,
        item_codes -> Text,
        fields -> Text,
        feedback_days -> BigInt,
        active -> Bool,
        created_at -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    regulator_pushes (id) {
        id -> BigInt,
        regulator_id -> BigInt,
        delivery_id -> BigInt,
        case_id -> BigInt,
        region_id -> BigInt,
        department_id -> BigInt,
        pushed_at -> BigInt,
        due_at -> BigInt,
        feedback_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    regulator_feedback (id) {
        id -> BigInt,
        regulator_id -> BigInt,
        case_id -> BigInt,
        message_id -> Text,
        verdict -> Text,
        content -> Text,
        punishment_id -> Nullable<BigInt>,
        received_at -> BigInt,
    }
}

diesel::table! {
    punishment_list (id) {
        id -> BigInt,
        entity_kind -> Text,
        name -> Text,
        number_sealed -> Text,
        number_blind -> Text,
        number_masked -> Text,
        reason -> Text,
        source -> Text,
        source_ref -> Nullable<Text>,
        region_id -> BigInt,
        valid_from -> BigInt,
        valid_to -> BigInt,
        status -> Text,
        listed_by -> Text,
        listed_at -> BigInt,
        lifted -> Nullable<Text>,
    }
}

diesel::table! {
    license_library_lookups (id) {
        id -> BigInt,
        holder_blind -> Text,
        outcome -> Text,
        licenses -> Text,
        error -> Nullable<Text>,
        looked_up_at -> BigInt,
    }
}

diesel::joinable!(regulators -> regions (region_id));
diesel::joinable!(punishment_list -> regions (region_id));
diesel::joinable!(regulator_pushes -> regulators (regulator_id));

diesel::table! {
    catalogue_sync_items (connector, region_id, item_code) {
        connector -> Text,
        region_id -> BigInt,
        item_code -> Text,
        synced_version -> BigInt,
        source -> Text,
        synced_at -> BigInt,
    }
}

diesel::table! {
    catalogue_sync_conflicts (id) {
        id -> BigInt,
        connector -> Text,
        message_id -> Text,
        region_id -> BigInt,
        department_id -> BigInt,
        item_code -> Text,
        action -> Text,
        theirs -> Text,
        local_version -> BigInt,
        synced_version -> Nullable<BigInt>,
        status -> Text,
        created_at -> BigInt,
        resolved_at -> Nullable<BigInt>,
        resolved_by -> Nullable<Text>,
    }
}

diesel::table! {
    publicity_fields (department_id) {
        department_id -> BigInt,
        fields -> Text,
        updated_at -> BigInt,
        updated_by -> Text,
    }
}

diesel::table! {
    publicity_reports (case_id) {
        case_id -> BigInt,
        region_id -> BigInt,
        department_id -> BigInt,
        concluded_at -> BigInt,
        due_at -> BigInt,
        reported_at -> Nullable<BigInt>,
        receipt -> Nullable<Text>,
        validation_status -> Nullable<Text>,
        validation_message -> Nullable<Text>,
        validated_at -> Nullable<BigInt>,
    }
}

diesel::joinable!(publicity_reports -> cases (case_id));
diesel::joinable!(catalogue_sync_conflicts -> regions (region_id));

diesel::table! {
    result_handovers (case_id) {
        case_id -> BigInt,
        window_id -> BigInt,
        method -> Text,
        recipient_name -> Text,
        proxy_id_sealed -> Nullable<Text>,
        proxy_id_masked -> Nullable<Text>,
        waybill_no -> Nullable<Text>,
        handed_by_id -> Nullable<BigInt>,
        handed_by -> Text,
        handed_at -> BigInt,
    }
}

diesel::joinable!(result_handovers -> cases (case_id));

diesel::table! {
    license_origins (license_id) {
        license_id -> BigInt,
        source -> Text,
        issuer -> Nullable<Text>,
    }
}

diesel::joinable!(license_origins -> licenses (license_id));

diesel::table! {
    supervision_snapshot_chunks (chunk) {
        chunk -> BigInt,
        body -> Binary,
    }
}

diesel::table! {
    supervision_snapshot_meta (id) {
        id -> BigInt,
        layout -> BigInt,
        last_event -> BigInt,
        fingerprint -> Text,
        cases -> BigInt,
        saved_at -> BigInt,
    }
}

diesel::table! {
    supervision_cursor (id) {
        id -> BigInt,
        last_event -> BigInt,
        updated_at -> BigInt,
    }
}
