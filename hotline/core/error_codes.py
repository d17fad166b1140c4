"""Every error code the product answers with, in one place (RFC 7807 ``code``, ADR 0008).

Codes are part of the API: they never change once shipped. A new code is added here first;
``tests/core/test_error_codes.py`` reads the source and fails on a code that is not listed.
Grouped by the part of the product that raises them.
"""

from __future__ import annotations

from typing import Final

ERROR_CODES: Final[frozenset[str]] = frozenset(
    {
        # api
        "no_change",
        "already_rated",
        "rating_not_open",
        "policy_pack_invalid",
        "conflicting_fields",
        "contact_required",
        "file_required",
        "invalid",
        "invalid_credentials",
        "start_out_of_range",
        # calendar
        "calendar_import_empty",
        "calendar_import_invalid",
        "calendar_import_unreadable",
        "invalid_deadline",
        "invalid_range",
        "out_of_range",
        "range_too_long",
        # callers
        "blocklist_already_active",
        "blocklist_already_decided",
        "blocklist_forbidden",
        "blocklist_not_active",
        "blocklist_request_pending",
        "caller_blocked",
        "expires_in_past",
        "own_request",  # the requester of a blocklist entry never decides it
        "phone_required",
        "reason_required",
        # core
        "configuration",
        "conflict",
        "forbidden",
        "invalid_phone",
        "invalid_transition",
        "not_found",
        "rule_violation",
        "too_many_requests",
        "too_many_login_failures",  # a locked-out login at any door (django-axes)
        # followup
        "invalid_outcome",
        "note_too_long",
        "role_not_allowed",
        "visit_closed",
        # mailin (mail in)
        "mail_not_retryable",
        # smsin (SMS in)
        "sms_push_invalid",  # the provider's push is not a JSON array of messages
        "sms_push_too_large",
        "sms_signature_invalid",  # a push without a right signature (hotline.smsin.signing)
        # notify
        "unknown_notification_kind",
        # policies
        "invalid_severity",
        "policy_dir_missing",
        "unknown_policy_pack",
        "unknown_stage",
        "unknown_ticket_type",
        # portal
        "attachments_too_large",
        "occurred_in_future",
        "occurred_out_of_range",
        "satisfaction_required",
        "ticket_not_found",
        "too_many_code_failures",
        "too_many_files",
        # assessment
        "assessment_forbidden",
        "assessment_invalid_period",
        "assessment_no_rule",
        "assessment_not_found",
        # exchange (上级转办: a partner's signed push, ADR 0025)
        "exchange_partner_disabled",
        "exchange_push_invalid",
        "exchange_push_malformed",
        "exchange_push_too_large",
        "exchange_signature_invalid",
        "exchange_source_taken",
        "exchange_timestamp_expired",
        # exports
        "export_expired",
        "export_failed",
        "export_forbidden",
        "export_invalid_format",
        "export_invalid_params",
        "export_not_ready",
        "export_too_many",
        "export_unknown_source",
        # knowledge
        "answers_incomplete",  # a script's question left unanswered
        "body_required",
        "body_too_long",
        "invalid_action",
        "invalid_answers",
        "invalid_feedback",
        "invalid_script",  # a script's questions, rules or outcomes are not well-formed
        "kb_conflict",  # an article edited since the editor opened it
        "kb_forbidden",
        "kb_wrong_status",
        "list_too_long",
        "script_required",
        "title_required",
        "title_too_long",
        "unknown_script",  # answer_script names a script that is missing or not the user's
        # rectification
        "invalid_days",
        "invalid_problem",
        "invalid_report",
        "invalid_requirement",
        "invalid_subject",
        "problem_required",
        "problem_too_long",
        "rectification_forbidden",
        "rectification_not_found",
        "rectification_wrong_status",
        "report_required",
        "report_too_long",
        "requirement_required",
        "requirement_too_long",
        "subject_too_long",
        # reports (statistics, documents)
        "report_document_forbidden",
        "report_document_invalid_kind",
        "report_document_invalid_period",
        "report_document_not_found",
        "stats_date_required",
        "stats_duplicate_dimension",
        "stats_forbidden",
        "stats_invalid_cell",
        "stats_invalid_date",
        "stats_invalid_filter",
        "stats_invalid_parameter",
        "stats_measure_required",
        "stats_one_measure",
        "stats_too_many_dimensions",
        "stats_unknown_dimension",
        "stats_unknown_measure",
        # similar: repeat and batch detection (ADR 0024)
        "batch_forbidden",
        "batch_not_found",
        "batch_parent_closed",
        "batch_parent_fixed",
        "batch_parent_invalid",
        "batch_wrong_status",
        "link_forbidden",
        "link_not_found",
        # search
        "invalid_page",
        "search_date_invalid",
        "search_filter_invalid",
        "search_kind_invalid",
        "search_query_empty",
        "search_query_too_long",
        "search_term_too_short",  # a term without a Chinese character needs three characters
        # tickets
        "attachment_content_mismatch",  # the bytes are not of the type the name claims
        "attachment_empty",
        "attachment_too_large",
        "attachment_type",
        "ticket_closed",
        # web
        "attachment_forbidden",
        "attachment_not_found",
        "blocklist_not_found",
        "extension_forbidden",
        "no_intake_role",
        "password_incorrect",  # 修改密码: the old password is wrong (a form field's error)
        "result_required",
        "spot_close_unavailable",
        "ticket_moved_away",
        "too_many_attempts",
        "unknown_action",
        "version_required",
        "visit_not_found",
        "visit_required",
        # workflow
        "acceptance_window_expired",
        "action_not_applicable",
        "amount_required",
        "closing_code_required",
        "closing_code_too_long",
        "comment_required",
        "comment_too_long",
        "description_required",
        "extension_count_exceeded",
        "extension_not_allowed",
        "extension_pending",
        "extension_too_late",
        "extension_total_exceeded",
        "handler_required",
        "handler_too_long",
        "identity_forbidden",
        "instruction_required",
        "instruction_too_long",
        "invalid_amount",
        "invalid_category",
        "invalid_channel",
        "invalid_closing_code",
        "invalid_comment",
        "invalid_claimed_amount",  # 索赔金额: negative, too large, more than 2 decimals
        "invalid_customer_class",
        "invalid_handler",
        "invalid_instruction",
        "invalid_link",
        "invalid_link_kind",
        "invalid_reason",
        "invalid_result",
        "invalid_type",
        "invalid_unit",
        "invalid_upgraded_via",  # 越级来源 not one of tickets.models.UpgradedVia
        "no_intake_unit",
        "no_on_the_spot_close",
        "no_pending_extension",
        "no_reply_to_review",
        "reason_too_long",
        "received_in_future",
        "received_too_old",
        "result_too_long",
        "rounds_exhausted",
        "source_too_long",
        "stale_version",
        "subject_required",
        "unit_out_of_scope",
        "unit_required",
        "unknown_field",  # a key a door handed the draft builder that no field takes
        # telephony
        "agent_not_found",  # /agents/me/ for a user without an Agent row
        "invalid_questionnaire",
        "skill_group_not_found",
        "agent_extension_invalid",
        "agent_extension_taken",
        "agent_not_signed_in",
        "agent_sign_in_failed",
        "agent_state_invalid",
        "call_not_found",
        "callback_assignee_invalid",
        "callback_due_in_past",
        "callback_no_phone",
        "callback_task_closed",
        "callback_task_not_found",
        "callback_visit_on_ticket",
        "cti_event_invalid",
        "recording_not_found",
        # telephony: the floor (team leader's actions, the wallboard, the keypad survey)
        "agent_no_live_call",
        "agent_on_call",
        "call_no_channel",
        "call_not_live",
        "floor_forbidden",
        "leader_not_signed_in",
        "pbx_not_configured",
        "supervisor_self",
        "survey_already_offered",
        # telephony: the agent's call control (transfer, three-way, hold, pickup, auto-dial)
        "autodial_task_kind",  # only open outbound and missed-call tasks are auto-dialled
        "autodial_too_many",
        "call_held",
        "call_in_conference",
        "call_not_held",
        "call_not_ringing",
        "call_not_yours",
        "external_calls_forbidden",  # 转接/邀请外线 is a permission (Agent.external_calls)
        "transfer_queue_invalid",
        "transfer_target_invalid",
        "transfer_target_unavailable",
    }
)
